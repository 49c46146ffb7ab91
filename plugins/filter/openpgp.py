# Copyright: sovereign.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Filter openpgp_primary_keys; documented in openpgp_primary_keys.yml."""

from __future__ import annotations

import time

from ansible.errors import AnsibleFilterError

from ansible_collections.sovereign.cloud.plugins.plugin_utils import _openpgp


def openpgp_primary_keys(colon_listing, now=None):
    if not isinstance(colon_listing, str):
        raise AnsibleFilterError("openpgp_primary_keys expects the text of gpg --with-colons --show-keys")
    try:
        return _openpgp.primary_keys(colon_listing, time.time() if now is None else now)
    except ValueError as exc:
        raise AnsibleFilterError("openpgp_primary_keys: %s" % exc) from exc


class FilterModule:
    def filters(self):
        return {"openpgp_primary_keys": openpgp_primary_keys}
