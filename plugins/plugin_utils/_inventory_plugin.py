# Copyright: sovereign.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The Ansible side shared by the cloud inventory plugins (internal).

A provider plugin subclasses CloudInventory and implements `_settings()`
(what to list, for the cache fingerprint) and `_fetch()` (host records and
failed scopes). This class does the rest the same way for every provider:
option checks, the inventory cache, partial-failure policy, host naming,
ansible_host, groups and Constructable.
"""

from __future__ import annotations

import re

from ansible.errors import AnsibleError
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable
from ansible.utils.display import Display

from ansible_collections.sovereign.cloud.plugins.plugin_utils import _cloud_inventory as ci
from ansible_collections.sovereign.cloud.plugins.plugin_utils import _sovereignty as sov

display = Display()

_GROUP_UNSAFE = re.compile(r"[^A-Za-z0-9_]")


def catalog_country(provider, location):
    """ISO country of a provider location from the collection's catalog, None when unknown."""
    try:
        return sov.country_of(sov.load_catalog(), provider, location)
    except ValueError:
        return None


class CloudInventory(BaseInventoryPlugin, Constructable, Cacheable):
    """Base of the provider inventory plugins; not an inventory plugin itself."""

    PROVIDER = ""
    FILE_SUFFIXES = ()

    def verify_file(self, path):
        return super().verify_file(path) and path.endswith(self.FILE_SUFFIXES)

    # Provider hooks -----------------------------------------------------

    def _settings(self):
        """A JSON-serialisable description of what the fetch lists."""
        raise NotImplementedError

    def _fetch(self):
        """(records, errors) as the plugin_utils fetch functions return them."""
        raise NotImplementedError

    # Shared flow --------------------------------------------------------

    def _session_options(self):
        return {
            "retries": self._positive("retries", allow_zero=True),
            "backoff_factor": float(self.get_option("backoff_factor")),
            "retry_after_max": float(self.get_option("retry_after_max")),
            "pool_size": self._positive("max_workers"),
        }

    def _positive(self, name, allow_zero=False):
        value = self.get_option(name)
        if value is None or value < (0 if allow_zero else 1):
            raise AnsibleError(
                "%s inventory: option %s must be %s, got %r"
                % (self.PROVIDER, name, "0 or more" if allow_zero else "1 or more", value)
            )
        return value

    def _timeout(self):
        value = self.get_option("timeout")
        if value is None or value <= 0:
            raise AnsibleError("%s inventory: option timeout must be above 0 seconds, got %r" % (self.PROVIDER, value))
        return float(value)

    def _check_preferences(self, option, allowed):
        values = self.get_option(option) or []
        unknown = [value for value in values if value not in allowed]
        if unknown or not values:
            raise AnsibleError(
                "%s inventory: option %s must list some of %s, got %r"
                % (self.PROVIDER, option, ", ".join(allowed), values)
            )
        return values

    def parse(self, inventory, loader, path, cache=True):
        super().parse(inventory, loader, path, cache)
        self._read_config_data(path)
        hostnames = self._check_preferences("hostnames", ci.HOSTNAME_KEYS)
        addresses = self._check_preferences("ansible_host", ci.ADDRESS_KEYS)
        fingerprint = ci.options_fingerprint({"provider": self.PROVIDER, "settings": self._settings()})

        cache_key = self.get_cache_key(path)
        use_cache = self.get_option("cache")
        records = None
        if use_cache and cache:
            try:
                records = ci.records_from_cache(self._cache[cache_key], fingerprint)
            except KeyError:
                records = None
        if records is None:
            try:
                records, errors = self._fetch()
                ci.check_failures(errors, self.get_option("allow_partial"), self.PROVIDER, display.warning)
            except ci.InventoryError as exc:
                raise AnsibleError(str(exc)) from None
            # A partial list is never cached: the next run tries again.
            if use_cache and not errors:
                self._cache[cache_key] = ci.cache_payload(records, fingerprint)
        self._populate(records, hostnames, addresses)

    def _populate(self, records, hostnames, addresses):
        ci.name_hosts(records, hostnames, display.warning)
        ci.set_connection_address(records, addresses, display.warning)
        strict = self.get_option("strict")
        compose = self.get_option("compose")
        groups = self.get_option("groups")
        keyed_groups = self.get_option("keyed_groups")
        tag_groups = self.get_option("tags_as_groups")
        known_groups = set()
        if self.get_option("shared_values"):
            group_vars, own_vars = ci.shared_values(records)
        else:
            group_vars, own_vars = {}, [record["vars"] for record in records]
        for record, own in zip(records, own_vars, strict=True):
            host = record["name"]
            self.inventory.add_host(host)
            names = record["groups"] + (ci.tag_groups(record["vars"].get("cloud_tags")) if tag_groups else [])
            for raw in names:
                group = _GROUP_UNSAFE.sub("_", raw)
                if group not in known_groups:
                    self.inventory.add_group(group)
                    known_groups.add(group)
                    for key, value in group_vars.get(raw, {}).items():
                        self.inventory.set_variable(group, key, value)
                self.inventory.add_child(group, host)
            for key, value in own.items():
                self.inventory.set_variable(host, key, value)
            host_vars = record["vars"]
            if compose:
                self._set_composite_vars(compose, host_vars, host, strict=strict)
            if groups or keyed_groups:
                # Composed variables are visible to groups and keyed_groups, as in
                # constructed; so are the values set on this plugin's groups.
                host_vars = {**record["vars"], **self.inventory.get_host(host).get_vars()}
                self._add_host_to_composed_groups(groups, host_vars, host, strict=strict)
                self._add_host_to_keyed_groups(keyed_groups, host_vars, host, strict=strict)
