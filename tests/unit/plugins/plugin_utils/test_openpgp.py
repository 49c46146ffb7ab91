"""Primary keys from gpg's colon listing: the pin check of vendor APT keys rests on it."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from ansible_collections.sovereign.cloud.plugins.plugin_utils import _openpgp

# A key file with a revoked predecessor, an expired key and a current key with
# a signing subkey, as gpg prints it (fields per GnuPG doc/DETAILS).
LISTING = """\
pub:r:4096:1:8C8C34C524098CB6:1453138640:::-:::sc::::::23::0:
fpr:::::::::4E40DDF6D76E284A4A6780E48C8C34C524098CB6:
uid:r::::1453138640::5A2C9B4B62A1D7E8E6F4D1F4E3C2B1A0F9E8D7C6::Grafana <info@grafana.com>::::::::::0:
pub:-:3072:1:0123456789ABCDEF:1600000000:1650000000::-:::scESC::::::23::0:
fpr:::::::::0000111122223333444455556666777788889999:
pub:-:3072:1:963FA27710458545:1673000000:1900000000::-:::scESC::::::23::0:
fpr:::::::::b53ae77badb630a683046005963fa27710458545:
uid:-::::1673000000::AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA::Grafana Labs <engineering@grafana.com>::::::::::0:
sub:-:3072:1:1111222233334444:1673000000:1900000000:::::s::::::23:
fpr:::::::::AAAABBBBCCCCDDDDEEEEFFFF1111222233334444:
"""


def test_each_primary_key_with_its_state():
    keys = _openpgp.primary_keys(LISTING, now=1_800_000_000)
    assert [(k["fingerprint"], k["state"]) for k in keys] == [
        ("4E40DDF6D76E284A4A6780E48C8C34C524098CB6", "revoked"),
        ("0000111122223333444455556666777788889999", "expired"),
        ("B53AE77BADB630A683046005963FA27710458545", "usable"),
    ]


def test_subkey_fingerprints_are_not_primary_keys():
    fingerprints = [k["fingerprint"] for k in _openpgp.primary_keys(LISTING, now=0)]
    assert "AAAABBBBCCCCDDDDEEEEFFFF1111222233334444" not in fingerprints


def test_a_key_past_its_expiry_is_expired_without_a_letter():
    keys = _openpgp.primary_keys(LISTING, now=1_950_000_000)
    assert keys[2]["state"] == "expired"


@pytest.mark.parametrize(
    "listing",
    ["pub:-:3072:1:0123:1600000000:::-:\n", "pub:-:3072:1:0123:1600000000:::-:\nfpr:::::::::nothex:\n"],
)
def test_malformed_listings_are_refused(listing):
    with pytest.raises(ValueError):
        _openpgp.primary_keys(listing)


def test_fingerprint_with_spaces_is_normalised():
    assert (
        _openpgp.normalise_fingerprint("b53a e77b adb6 30a6 8304  6005 963f a277 1045 8545")
        == "B53AE77BADB630A683046005963FA27710458545"
    )
    with pytest.raises(ValueError):
        _openpgp.normalise_fingerprint("963FA27710458545")


@pytest.mark.skipif(shutil.which("gpg") is None, reason="gpg is not installed")
def test_real_gpg_listing(tmp_path):
    home = tmp_path / "gnupg"
    home.mkdir(mode=0o700)
    gpg = ["gpg", "--homedir", str(home), "--batch", "--quiet"]
    subprocess.run(
        [*gpg, "--passphrase", "", "--quick-gen-key", "Test Repo <repo@example.invalid>", "ed25519", "sign", "1y"],
        check=True,
    )
    key_file = tmp_path / "repo.asc"
    subprocess.run([*gpg, "--armor", "--output", str(key_file), "--export"], check=True)
    listing = subprocess.run(
        [*gpg, "--with-colons", "--show-keys", str(key_file)], check=True, capture_output=True, text=True
    ).stdout
    (key,) = _openpgp.primary_keys(listing)
    assert key["state"] == "usable"
    assert key["expires"] is not None
    assert len(key["fingerprint"]) == 40
