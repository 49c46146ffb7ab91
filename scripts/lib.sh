# shellcheck shell=bash
# Shared setup for the project's scripts: sourced, not run.
#   - a project venv (.venv) with the pinned toolchain of requirements-dev.txt,
#     re-installed when that file changes;
#   - this checkout visible to Ansible as the collection sovereign.cloud
#     (.cache/collections/ansible_collections/sovereign/cloud -> checkout);
#   - the collections it depends on from the `ansible` package in the venv
#     (Galaxy is not needed; users install them from requirements.yml).

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=$ROOT/.venv
COLLECTIONS=$ROOT/.cache/collections

say() { printf '\n==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

ensure_venv() {
  local stamp=$VENV/.requirements.sha256 want
  want=$(sha256sum "$ROOT/requirements-dev.txt" | cut -d' ' -f1)
  if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    say "Installing the toolchain into $VENV (requirements-dev.txt)"
    command -v python3 >/dev/null || die "python3 is missing: apt-get install python3 python3-venv"
    python3 -m venv "$VENV" || die "cannot create a venv: apt-get install python3-venv"
    "$VENV/bin/pip" install --quiet --upgrade pip
    "$VENV/bin/pip" install --quiet -r "$ROOT/requirements-dev.txt"
    echo "$want" >"$stamp"
  fi
  export PATH=$VENV/bin:$PATH
  export VIRTUAL_ENV=$VENV
}

ensure_collection_link() {
  mkdir -p "$COLLECTIONS/ansible_collections/sovereign"
  ln -sfn "$ROOT" "$COLLECTIONS/ansible_collections/sovereign/cloud"
  local site
  site=$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
  # This checkout first, then the collections bundled in the `ansible` package.
  export ANSIBLE_COLLECTIONS_PATH=$COLLECTIONS:$site
}

ensure_docker() {
  command -v docker >/dev/null ||
    die "no docker client. On Debian: apt-get install docker.io (then start the engine: systemctl start docker, or dockerd &)"
  docker info >/dev/null 2>&1 ||
    die "no Docker engine answers. Start it (systemctl start docker; without systemd: dockerd >/var/log/dockerd.log 2>&1 &) or install it: apt-get install docker.io"
}

# Debian packages the tests use on the host (shellcheck, for the ansible-test
# sanity test that runs shellcheck). Installed when running as root with apt.
ensure_test_tools() {
  local missing=()
  command -v shellcheck >/dev/null || missing+=(shellcheck)
  # gpg: the controller checks vendor APT keys against their pinned fingerprints.
  command -v gpg >/dev/null || missing+=(gnupg)
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "Installing ${missing[*]} (apt-get)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    die "missing: ${missing[*]} (apt-get install ${missing[*]})"
  fi
}

ensure_images() {
  "$ROOT/scripts/lab-images" 12 13
  ensure_extra_ca
}

# CA certificates this machine trusts beyond Debian's bundle (a TLS-inspecting
# proxy's CA): exported as SOVEREIGN_LAB_EXTRA_CA so the lab inventory and the
# molecule scenarios pass them to the base role (sovereign_extra_ca_certificates)
# and pip inside the lab hosts can reach PyPI. Set the variable yourself to
# override; nothing is exported when the machine trusts nothing extra.
ensure_extra_ca() {
  [ -n "${SOVEREIGN_LAB_EXTRA_CA:-}" ] && return 0
  local host_bundle=/etc/ssl/certs/ca-certificates.crt image_bundle out count
  [ -f "$host_bundle" ] || return 0
  out="$ROOT/.cache/lab-extra-ca.pem"
  image_bundle=$(mktemp)
  docker run --rm sovereign-lab/debian:13 cat /etc/ssl/certs/ca-certificates.crt >"$image_bundle"
  count=$("$VENV/bin/python" "$ROOT/tests/tooling/extra_ca.py" "$host_bundle" "$image_bundle" "$out")
  rm -f "$image_bundle"
  if [ "$count" -gt 0 ]; then
    say "This machine trusts $count CA certificate(s) the lab images do not: passing them to the lab hosts"
    export SOVEREIGN_LAB_EXTRA_CA=$out
  fi
}

ensure_all() {
  ensure_venv
  ensure_collection_link
  ensure_docker
  ensure_images
}
