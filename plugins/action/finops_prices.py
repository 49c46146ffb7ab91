# Copyright: sovereign.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Action plugin of sovereign.cloud.finops_prices: a thin adapter.

Reads the Scaleway and OVHcloud catalogs with the inventory plugins' SDK code
(plugin_utils/_scaleway_inventory.py, _ovhcloud_inventory.py, _cloud_inventory.py)
and maps them with plugin_utils/_finops_catalog.py, where the logic is tested.
"""

from __future__ import annotations

import logging
import os

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.sovereign.cloud.plugins.plugin_utils import _cloud_inventory as ci
from ansible_collections.sovereign.cloud.plugins.plugin_utils import _finops as finops
from ansible_collections.sovereign.cloud.plugins.plugin_utils import _finops_catalog as refresh
from ansible_collections.sovereign.cloud.plugins.plugin_utils import _ovhcloud_inventory as ovh
from ansible_collections.sovereign.cloud.plugins.plugin_utils import _scaleway_inventory as scw
from ansible_collections.sovereign.cloud.plugins.plugin_utils import _sovereignty as sov

ARGUMENT_SPEC = {
    "dest": {"type": "path", "required": True},
    "providers": {
        "type": "list",
        "elements": "str",
        "choices": ["scaleway", "ovhcloud"],
        "default": ["scaleway", "ovhcloud"],
    },
    "scaleway_zones": {"type": "list", "elements": "str"},
    "scaleway_api_url": {"type": "str"},
    "ovhcloud_endpoint": {"type": "str", "default": "ovh-eu"},
    "ovhcloud_subsidiary": {"type": "str", "default": "FR"},
    "ovhcloud_project": {"type": "str"},
    "timeout": {"type": "float", "default": 30.0},
    "retries": {"type": "int", "default": 3},
    "max_workers": {"type": "int", "default": 8},
    "today": {"type": "str"},
}
SCALEWAY_API = "https://api.scaleway.com"


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False
    _VALID_ARGS = frozenset(ARGUMENT_SPEC)

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        _validation, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        if args["timeout"] <= 0 or args["max_workers"] < 1 or args["retries"] < 0:
            raise AnsibleActionFail("timeout must be above 0, max_workers at least 1, retries at least 0")
        try:
            today = sov.parse_today(args["today"]) or refresh.today_utc()
        except ValueError as exc:
            raise AnsibleActionFail(str(exc)) from exc
        session_options = {"retries": args["retries"], "backoff_factor": 0.5, "retry_after_max": 60.0,
                           "pool_size": args["max_workers"]}  # fmt: skip
        existing = self._existing_providers(args["dest"])
        providers = {name: block for name, block in existing.items() if name not in args["providers"]}
        counts, warnings = {}, []
        try:
            if "scaleway" in args["providers"]:
                providers["scaleway"], disagreements = self._scaleway(args, session_options, today,
                                                                      existing.get("scaleway") or {})  # fmt: skip
                counts["scaleway"] = len(providers["scaleway"]["types"])
                if disagreements:
                    warnings.append("Scaleway prices differ between zones for: %s (the higher kept)"
                                    % ", ".join(disagreements))  # fmt: skip
            if "ovhcloud" in args["providers"]:
                providers["ovhcloud"] = self._ovhcloud(args, session_options, today)
                counts["ovhcloud"] = len(providers["ovhcloud"]["types"])
            data = refresh.snapshot(providers)
        except (refresh.CatalogAnswerError, finops.FinopsError) as exc:
            raise AnsibleActionFail(str(exc)) from exc
        text = refresh.render(data, today)
        old = None
        if os.path.exists(args["dest"]):
            with open(args["dest"], encoding="utf-8") as handle:
                old = handle.read()
        changed = old != text
        if changed and not self._task.check_mode:
            directory = os.path.dirname(os.path.abspath(args["dest"]))
            os.makedirs(directory, exist_ok=True)
            temporary = args["dest"] + ".tmp"
            with open(temporary, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.replace(temporary, args["dest"])
        summary = ", ".join("%s %d types" % item for item in sorted(counts.items()))
        result.update(changed=changed, dest=args["dest"], types=counts, msg="%s: %s" % (args["dest"], summary))
        if warnings:
            result["warnings"] = warnings
        return result

    @staticmethod
    def _existing_providers(dest):
        """The providers of the catalog at dest, else of the shipped catalog (kept when not refreshed)."""
        path = dest if os.path.exists(dest) else None
        try:
            return finops.load_price_catalog(path).data["providers"]
        except finops.FinopsError as exc:
            raise AnsibleActionFail("dest: the catalog there cannot be read: %s" % exc) from exc

    def _scaleway(self, args, session_options, today, existing):
        try:
            modules = scw.sdk()
        except scw.MissingSDK as exc:
            raise AnsibleActionFail("scaleway: %s" % exc) from None
        # The product listing needs no key; a key in SCW_* variables is sent if set.
        sdk_log = logging.getLogger("scaleway")
        level = sdk_log.level
        sdk_log.setLevel(logging.ERROR)
        try:
            client = modules.Client.from_env()
        finally:
            sdk_log.setLevel(level)
        client.api_url = (args["scaleway_api_url"] or client.api_url or SCALEWAY_API).rstrip("/")
        zones = args["scaleway_zones"] or scw.sdk_zones()
        apis = scw.build_apis(client, ci.http_session(**session_options), args["timeout"])
        listers = {
            "instance prices " + zone: scw.Lister(
                lambda page, z=zone: apis["instance"].list_servers_types(zone=z, page=page, per_page=scw.PER_PAGE),
                "servers",
                optional=True,
            )
            for zone in zones
        }
        items, errors, _absent = scw.list_all(listers, args["max_workers"])
        if errors:
            failed = ["%s: %s" % (scope, ci.describe_error(exc)) for scope, exc in sorted(errors.items())]
            raise AnsibleActionFail("scaleway: " + "; ".join(failed))
        answers = {scope.rsplit(" ", 1)[1]: found for scope, found in items.items() if found}
        if not answers:
            raise AnsibleActionFail("scaleway: no zone answered with instance types (%s)" % ", ".join(zones))
        types, disagreements = refresh.scaleway_types(answers, client.api_url, today)
        # The product listing says nothing of VAT: the statement (with its
        # page and date) stays as the catalog has it.
        vat = {key: existing[key] for key in ("vat_included", "vat_source", "vat_checked") if key in existing}
        if "vat_included" not in vat or not vat.get("vat_source"):
            raise AnsibleActionFail("scaleway: the catalog at dest states no VAT (vat_included, vat_source) to keep")
        block = {
            **vat,
            "hours_per_month": finops.HOURS_PER_MONTH,
            "same_price_in_every_zone": not disagreements,
            "types": types,
        }
        return block, disagreements

    def _ovhcloud(self, args, session_options, today):
        try:
            client = ovh.build_client(args["ovhcloud_endpoint"], timeout=args["timeout"],
                                      session_options=session_options)  # fmt: skip
        except ovh.MissingClient as exc:
            raise AnsibleActionFail("ovhcloud: %s" % exc) from None
        except Exception as exc:  # the SDK's configuration errors have no common base
            raise AnsibleActionFail("ovhcloud: %s" % exc) from None
        base = getattr(client, "_endpoint", "")
        try:
            catalog = client.get("/order/catalog/public/cloud", ovhSubsidiary=args["ovhcloud_subsidiary"],
                                 _need_auth=False)  # fmt: skip
            project = args["ovhcloud_project"]
            if not project:
                projects = client.get("/cloud/project")
                if not projects:
                    raise AnsibleActionFail(
                        "ovhcloud: the key sees no Public Cloud project, whose flavors give vCPUs and RAM"
                    )
                project = sorted(projects)[0]
            flavors = client.get("/cloud/project/%s/flavor" % project)
        except AnsibleActionFail:
            raise
        except Exception as exc:  # the SDK raises one class per HTTP error
            raise AnsibleActionFail("ovhcloud: %s" % ci.describe_error(exc)) from None
        catalog_url = "%s/order/catalog/public/cloud?ovhSubsidiary=%s" % (base, args["ovhcloud_subsidiary"])
        flavors_url = "%s/cloud/project/{serviceName}/flavor" % base
        types, vat = refresh.ovhcloud_types(flavors, catalog, catalog_url, flavors_url, today)
        return {**vat, "vat_checked": today.isoformat(), "hours_per_month": finops.HOURS_PER_MONTH,
                "same_price_in_every_zone": False, "types": types}  # fmt: skip
