"""Serve an API stand-in under the real API's host name, over TLS, on loopback.

Test and benchmark fixture, not part of the collection. Some clients cannot be
pointed at another URL: community.general.scaleway has the Scaleway API
endpoints written into its module_utils (https://api.scaleway.com/...). To
run such a client against tests/tooling/fake_cloud_api.py, as the
inventory benchmark does to compare it with this collection's plugin:

* `make_certificates(directory, names)` writes a throwaway CA and a server
  certificate for those names (and 127.0.0.1); the client trusts the CA
  through SSL_CERT_FILE (Python's ssl, Ansible's open_url) and
  REQUESTS_CA_BUNDLE (requests).
* `python tls_stand_in.py api.scaleway.com=PORT [...] -- ansible-inventory ARGS`
  runs the console script in this process after pinning each name to
  127.0.0.1:PORT, whatever port the URL names. Nothing leaves the machine:
  an unpinned name resolves as usual, and the benchmark pins every API name
  it uses.
"""

from __future__ import annotations

import datetime
import ipaddress
import runpy
import shutil
import socket
import sys
from pathlib import Path


def make_certificates(directory, names):
    """(ca.pem, server.pem, server.key) in `directory`: a CA and a certificate for `names` and 127.0.0.1."""
    from cryptography import x509  # noqa: PLC0415 - the resolver side does not need it
    from cryptography.hazmat.primitives import hashes, serialization  # noqa: PLC0415
    from cryptography.hazmat.primitives.asymmetric import ec  # noqa: PLC0415
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID  # noqa: PLC0415

    directory = Path(directory)
    now = datetime.datetime.now(datetime.UTC)
    validity = (now - datetime.timedelta(minutes=5), now + datetime.timedelta(days=2))

    def builder(subject, issuer, public_key):
        return (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(validity[0])
            .not_valid_after(validity[1])
        )

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        builder("sovereign.cloud test CA", "sovereign.cloud test CA", ca_key.public_key())
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    alt_names = [x509.DNSName(name) for name in names] + [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    cert = (
        builder(names[0], "sovereign.cloud test CA", key.public_key())
        .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    files = (directory / "ca.pem", directory / "server.pem", directory / "server.key")
    files[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    files[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    files[2].write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    files[2].chmod(0o600)
    return files


def pin_hosts(pins):
    """Resolve each host name of `pins` ({name: port}) to 127.0.0.1 on that port."""
    resolve = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else host
        if name in pins:
            return resolve("127.0.0.1", pins[name], *args, **kwargs)
        return resolve(host, port, *args, **kwargs)

    socket.getaddrinfo = getaddrinfo


def main(argv):
    """tls_stand_in.py NAME=PORT ... -- SCRIPT ARGS: run a console script with the names pinned."""
    if "--" not in argv:
        raise SystemExit("usage: tls_stand_in.py NAME=PORT ... -- SCRIPT [ARGS]")
    split = argv.index("--")
    pins = {}
    for pin in argv[:split]:
        name, _sep, port = pin.partition("=")
        pins[name] = int(port)
    script = shutil.which(argv[split + 1])
    if script is None:
        raise SystemExit("no such program on PATH: %s" % argv[split + 1])
    pin_hosts(pins)
    sys.argv = [script, *argv[split + 2 :]]
    runpy.run_path(script, run_name="__main__")


if __name__ == "__main__":
    main(sys.argv[1:])
