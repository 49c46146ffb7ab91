#!/usr/bin/python3
"""Stand-in of the k3s CLI, for tests that exercise the k3s role's orchestration
where the k3s release cannot be had. It is NOT k3s: it implements one call and
refuses every other, so a test can only pass on what the role really asks.

Implemented:
- `k3s kubectl get --raw /readyz`: prints `ok` and exits 0, as the API server's
  readiness endpoint answers when healthy (Kubernetes API health endpoints,
  https://kubernetes.io/docs/reference/using-api/health-checks/; k3s embeds
  kubectl as `k3s kubectl`, https://docs.k3s.io/cli/kubectl ... see also
  https://docs.k3s.io/cli). With the file `<this file>.down` present it prints
  the error a stopped server gives and exits 1.

Everything else exits 1 with "k3s stand-in: not implemented", so an
orchestration step that needs more than this fails loudly instead of passing.
"""

import os
import sys

READYZ = ["kubectl", "get", "--raw", "/readyz"]


def main(argv):
    if argv == READYZ:
        if os.path.exists(os.path.realpath(__file__) + ".down"):
            sys.stderr.write("The connection to the server 127.0.0.1:6443 was refused\n")
            return 1
        sys.stdout.write("ok")
        return 0
    sys.stderr.write("k3s stand-in: not implemented: k3s %s\n" % " ".join(argv))
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
