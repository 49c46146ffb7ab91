"""Offline stand-in for the get-pip bootstrap script ansible-test downloads.

ansible-test (sanity --local) bootstraps pip in each of its virtual
environments with a get-pip script fetched from a host that may be
unreachable (air-gapped CI, restricted networks). This stand-in, installed by
tests/run.py as ~/.ansible/test/cache/get_pip_<version>.py, gives the same
result with what Python ships: ensurepip installs the bundled pip, which then
installs the requested packages from the configured package index.

ansible-test clears pip's environment, so the CA bundle that TLS-inspecting
proxies need is passed explicitly when the system store exists.
"""

import ensurepip
import os
import subprocess
import sys

CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"


def main():
    ensurepip.bootstrap(upgrade=True)
    args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
    cmd = [sys.executable, "-m", "pip", "install"]
    if os.path.exists(CA_BUNDLE):
        cmd += ["--cert", CA_BUNDLE]
    sys.exit(subprocess.call(cmd + args))


if __name__ == "__main__":
    main()
