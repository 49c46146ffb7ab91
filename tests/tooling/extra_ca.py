"""Write the CA certificates this machine trusts but a lab image does not.

Usage: python tests/tooling/extra_ca.py HOST_BUNDLE IMAGE_BUNDLE OUTPUT

Machines behind a TLS-inspecting proxy trust the proxy's CA through their
system bundle; the lab containers start with Debian's bundle only, so pip
inside them fails. The lab and the molecule scenarios hand OUTPUT to the
base role as sovereign_extra_ca_certificates (the same feature users behind
such a proxy use). OUTPUT is removed when there is nothing extra.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

PEM = re.compile(r"-----BEGIN CERTIFICATE-----\s+(.*?)\s+-----END CERTIFICATE-----", re.S)


def certificates(text: str) -> dict[str, str]:
    """Certificates by their base64 body with whitespace removed."""
    return {re.sub(r"\s+", "", body): match.group(0) for match in PEM.finditer(text) for body in [match.group(1)]}


def main() -> int:
    host, image, output = (Path(arg) for arg in sys.argv[1:4])
    known = certificates(image.read_text())
    extra = [pem for key, pem in certificates(host.read_text()).items() if key not in known]
    if extra:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text("\n".join(extra) + "\n")
    else:
        output.unlink(missing_ok=True)
    print(len(extra))
    return 0


if __name__ == "__main__":
    sys.exit(main())
