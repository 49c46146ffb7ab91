# Copyright: sovereign.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Primary keys listed by `gpg --with-colons --show-keys`, for pinning APT repository keys.

Internal to sovereign.cloud: not a public API. gpg itself reads and checks
the key file; this only reads its machine-readable listing (the colon
format, doc/DETAILS in GnuPG's sources): a `pub` record per primary key,
followed by its `fpr` record, then user ids and subkeys with their own `fpr`
records, which are not primary fingerprints and are skipped.
"""

from __future__ import annotations

import re

FINGERPRINT = re.compile(r"^[0-9A-F]{40}$|^[0-9A-F]{64}$")
# Validity letters of the pub record that mean "never trust".
UNUSABLE = {"r": "revoked", "e": "expired", "i": "invalid", "d": "disabled"}


def primary_keys(colon_listing, now=None):
    """[{fingerprint, state, expires}] of the primary keys in the listing.

    state is "usable", "revoked", "expired", "invalid" or "disabled"; a key
    whose expiry date (field 7, seconds since the epoch) is past `now` counts
    as expired even when gpg printed no letter for it.
    """
    keys = []
    pending = None
    for line in (colon_listing or "").splitlines():
        fields = line.split(":")
        record = fields[0]
        if record == "pub":
            if pending is not None:
                raise ValueError("a pub record without its fpr record")
            validity = fields[1] if len(fields) > 1 else ""
            expires = fields[6] if len(fields) > 6 and fields[6].isdigit() else ""
            state = UNUSABLE.get(validity, "usable")
            if state == "usable" and expires and now is not None and int(expires) <= int(now):
                state = "expired"
            pending = {"state": state, "expires": int(expires) if expires else None}
        elif record == "fpr" and pending is not None:
            fingerprint = fields[9].upper() if len(fields) > 9 else ""
            if not FINGERPRINT.match(fingerprint):
                raise ValueError("malformed fingerprint record: %r" % line)
            pending["fingerprint"] = fingerprint
            keys.append(pending)
            pending = None
    if pending is not None:
        raise ValueError("a pub record without its fpr record")
    return keys


def normalise_fingerprint(value):
    """'b53a e77b ...' -> 'B53AE77B...'; ValueError unless 40 or 64 hex digits."""
    text = re.sub(r"\s+", "", str(value or "")).upper()
    if not FINGERPRINT.match(text):
        raise ValueError("a fingerprint is 40 (v4) or 64 (v5/v6) hex digits, got %r" % value)
    return text
