"""The lab's internal CA is name-constrained, and the constraints hold (issue #14, item 11).

The CA certificate the pki role made for the test lab must carry critical
name constraints with the lab's names (its hosts, home.arpa, localhost) and
networks (the lab network, the WireGuard mesh, loopback). To show that they
bind, the test signs two certificates with the lab CA's own key, one for a
lab name and one for a name outside, and has OpenSSL verify both: a CA key
that leaked could not vouch for anybody else's site to the lab hosts.
"""

from __future__ import annotations

import datetime
import ipaddress
import subprocess

import pytest
import testlab
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

LAB = testlab.lab()
CA_CERT = LAB.pki / "ca.crt"
CA_KEY = LAB.pki / "ca.key"


def ca():
    return x509.load_pem_x509_certificate(CA_CERT.read_bytes())


def test_ca_certificate_carries_critical_name_constraints():
    extension = ca().extensions.get_extension_for_class(x509.NameConstraints)
    assert extension.critical
    permitted = extension.value.permitted_subtrees
    dns = {name.value for name in permitted if isinstance(name, x509.DNSName)}
    networks = {str(name.value) for name in permitted if isinstance(name, x509.IPAddress)}
    assert dns == set(LAB.hosts) | {"home.arpa", "localhost"}
    assert networks == {LAB.subnet, "10.99.0.0/24", "127.0.0.0/8", "::1/128"}


def signed_by_lab_ca(tmp_path, name, dns=(), addresses=()):
    key = ec.generate_private_key(ec.SECP256R1())
    issuer = ca()
    ca_key = serialization.load_pem_private_key(CA_KEY.read_bytes(), password=None)
    now = datetime.datetime.now(datetime.UTC)
    alt_names = [x509.DNSName(d) for d in dns] + [x509.IPAddress(ipaddress.ip_address(a)) for a in addresses]
    certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
        .issuer_name(issuer.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    path = tmp_path / f"{name}.crt"
    path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return path


def openssl_verify(path):
    return subprocess.run(
        ["openssl", "verify", "-CAfile", str(CA_CERT), "-purpose", "sslserver", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize(
    ("dns", "addresses"),
    [(["nuc1"], []), (["ha.lab.home.arpa"], []), ([], ["127.0.0.1"]), ([], ["10.99.0.2"])],
)
def test_openssl_accepts_a_lab_name(tmp_path, dns, addresses):
    result = openssl_verify(signed_by_lab_ca(tmp_path, "inside", dns, addresses))
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("dns", "addresses"),
    [
        (["bank.example.eu"], []),
        (["deb.debian.org"], []),
        (["nuc1.evil.example"], []),
        (["nuc1", "pypi.org"], []),  # one name outside is enough
        ([], ["192.0.2.10"]),
    ],
)
def test_openssl_refuses_a_name_outside_the_lab(tmp_path, dns, addresses):
    result = openssl_verify(signed_by_lab_ca(tmp_path, "outside", dns, addresses))
    assert result.returncode != 0
    assert "subtree violation" in (result.stdout + result.stderr), result.stdout + result.stderr
