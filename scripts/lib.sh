# shellcheck shell=bash
# Shared setup for the project's scripts and CI (.ci/run): sourced, not run.
# Every README command, benchmark and CI run prepares the machine through the
# functions here, so there is one way to do it:
#   - host packages from Debian when running as root (python3-venv, the
#     Docker engine, debootstrap, shellcheck, gnupg);
#   - a running Docker engine (started with systemd, or in the background
#     where systemd is not PID 1);
#   - a project venv (.venv) with the pinned toolchain of requirements-dev.txt,
#     re-installed when that file changes;
#   - this checkout visible to Ansible as the collection sovereign.cloud
#     (.cache/collections/ansible_collections/sovereign/cloud -> checkout);
#   - the collections it depends on from the `ansible` package in the venv
#     (Galaxy is not needed; users install them from requirements.yml).
#
# `scripts/setup STEP...` runs these steps from other programs (tests/run.py
# asks for Docker and the lab images only for the groups that use them).

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=$ROOT/.venv
COLLECTIONS=$ROOT/.cache/collections

say() { printf '\n==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# apt_install PACKAGE...: install Debian packages when running as root on a
# machine with apt; otherwise stop and say which packages are missing.
apt_install() {
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    die "missing: $* (as root: apt-get install $*)"
  fi
  say "Installing $* (apt-get)"
  if [ -z "${__sovereign_apt_updated:-}" ]; then
    apt-get update -qq || die "apt-get update failed"
    __sovereign_apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null ||
    die "apt-get install $* failed"
}

# A Docker engine that answers: Debian's docker.io is installed when there is
# no engine, and started with systemd when systemd runs the machine, else in
# the background (containers and CI runners have no init system).
ensure_docker() {
  docker info >/dev/null 2>&1 && return 0
  if ! command -v dockerd >/dev/null || ! command -v docker >/dev/null; then
    apt_install docker.io
  fi
  if [ "$(cat /proc/1/comm 2>/dev/null)" = systemd ]; then
    say "Starting the Docker engine (systemctl start docker)"
    systemctl start docker || die "systemctl start docker failed (journalctl -u docker)"
  elif [ "$(id -u)" = 0 ]; then
    say "Starting the Docker engine in the background (no systemd here; log in /var/log/dockerd.log)"
    nohup dockerd >/var/log/dockerd.log 2>&1 &
  else
    die "no Docker engine answers: start it as root (systemctl start docker, or dockerd &)"
  fi
  local _
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && return 0
    sleep 1
  done
  tail -n 30 /var/log/dockerd.log >&2 2>/dev/null || true
  die "the Docker engine did not answer within 60 s"
}

ensure_venv() {
  local stamp=$VENV/.requirements.sha256 want
  want=$(sha256sum "$ROOT/requirements-dev.txt" | cut -d' ' -f1)
  if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    say "Installing the toolchain into $VENV (requirements-dev.txt)"
    command -v python3 >/dev/null || apt_install python3 python3-venv
    python3 -c 'import ensurepip, venv' 2>/dev/null || apt_install python3-venv
    python3 -m venv "$VENV" || die "cannot create a venv in $VENV"
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

# Mitogen (requirements-dev.txt) runs each host's tasks in one Python
# interpreter it keeps open, instead of a new `docker exec` or SSH command and
# a new interpreter per task. On the 3-host lab, site.yml with nothing to
# change went from 158 s to 49 s (docs/development.md, "Mitogen"). Its
# strategy takes over the `docker`, `ssh` and `local` connections.
# SOVEREIGN_MITOGEN=0 runs Ansible's own linear strategy instead; an
# ANSIBLE_STRATEGY set by the caller is left as it is.
ensure_mitogen() {
  [ "${SOVEREIGN_MITOGEN:-1}" = 0 ] && return 0
  [ -n "${ANSIBLE_STRATEGY:-}" ] && return 0
  local site
  site=$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
  [ -d "$site/ansible_mitogen/plugins/strategy" ] || die "mitogen is missing from $VENV (requirements-dev.txt)"
  export ANSIBLE_STRATEGY_PLUGINS=$site/ansible_mitogen/plugins/strategy
  export ANSIBLE_STRATEGY=mitogen_linear
}

# Debian packages the tests use on the host (shellcheck, for the ansible-test
# sanity test that runs shellcheck). Installed when running as root with apt.
ensure_test_tools() {
  local missing=()
  command -v shellcheck >/dev/null || missing+=(shellcheck)
  # gpg: the controller checks vendor APT keys against their pinned fingerprints.
  command -v gpg >/dev/null || missing+=(gnupg)
  # nft: the render tests load rendered rulesets in a network namespace of their own.
  command -v nft >/dev/null || [ -x /usr/sbin/nft ] || missing+=(nftables)
  # chromium-headless-shell: the FinOps test opens the HTML report in it.
  command -v chromium-headless-shell >/dev/null || missing+=(chromium-headless-shell)
  # ruby: the GitLab render test checks the rendered gitlab.rb with `ruby -c`.
  command -v ruby >/dev/null || missing+=(ruby)
  [ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
}


# The FOCUS validator's image (tests/tooling/focus_validator): its tag is the
# hash of its Dockerfile and pins, so a change rebuilds it and an unchanged one
# is reused across runs. Printed as FOCUS_VALIDATOR_IMAGE for the tests.
ensure_focus_validator_image() {
  local context="$ROOT/tests/tooling/focus_validator" tag work
  tag=$(cat "$context/Dockerfile" "$context/requirements.txt" | sha256sum | cut -c1-16)
  FOCUS_VALIDATOR_IMAGE="sovereign-test/focus-validator:$tag"
  export FOCUS_VALIDATOR_IMAGE
  docker image inspect "$FOCUS_VALIDATOR_IMAGE" >/dev/null 2>&1 && return 0
  say "Building the FOCUS validator's image ($FOCUS_VALIDATOR_IMAGE)"
  work=$(mktemp -d)
  cp "$context/Dockerfile" "$context/requirements.txt" "$work/"
  cp /etc/ssl/certs/ca-certificates.crt "$work/ca-bundle.pem" 2>/dev/null || : >"$work/ca-bundle.pem"
  docker build -t "$FOCUS_VALIDATOR_IMAGE" "$work" >&2 || { rm -rf "$work"; die "building $FOCUS_VALIDATOR_IMAGE failed"; }
  rm -rf "$work"
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
  ensure_mitogen
  ensure_docker
  ensure_images
}
