# Copyright: sovereign.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Action plugin of sovereign.cloud.finops_report: a thin adapter.

Reads the price catalog and the hosts' variables on the controller, asks
Prometheus for the usage figures once (sovereign.cloud.prometheus_query, run
on the task's host, where Prometheus listens on loopback), and hands it all to
plugins/plugin_utils/_finops*.py, where the logic lives and is tested.
"""

from __future__ import annotations

import datetime
import os
import time

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.sovereign.cloud.plugins.plugin_utils import _finops as finops
from ansible_collections.sovereign.cloud.plugins.plugin_utils import _finops_focus as focus
from ansible_collections.sovereign.cloud.plugins.plugin_utils import _finops_html as html
from ansible_collections.sovereign.cloud.plugins.plugin_utils import _finops_prometheus as promql
from ansible_collections.sovereign.cloud.plugins.plugin_utils import _sovereignty as sov

ARGUMENT_SPEC = {
    "hosts": {"type": "list", "elements": "str"},
    "prometheus_url": {"type": "str"},
    "prometheus_ca_path": {"type": "path"},
    "prometheus_username": {"type": "str"},
    "prometheus_password": {"type": "str", "no_log": True},
    "job": {"type": "str", "default": "node"},
    "window": {"type": "str", "default": "14d"},
    "at": {"type": "str"},
    "today": {"type": "str"},
    "prices_file": {"type": "path"},
    "max_price_age_days": {"type": "int", "default": 30},
    "tariff": {
        "type": "dict",
        "options": {
            "eur_per_kwh": {"type": "float", "required": True},
            "source": {"type": "str", "required": True},
            "checked": {"type": "str"},
        },
    },
    "policy": {"type": "dict"},
    "policy_file": {"type": "path"},
    "focus_csv": {"type": "path"},
    "focus_parquet": {"type": "path"},
    "html": {"type": "path"},
}


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(ARGUMENT_SPEC)

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        task_vars = task_vars or {}
        _validation, args = self.validate_argument_spec(
            argument_spec=ARGUMENT_SPEC, mutually_exclusive=[("policy", "policy_file")]
        )
        try:
            today = sov.parse_today(args["today"]) or datetime.date.today()
        except ValueError as exc:
            raise AnsibleActionFail(str(exc)) from exc
        try:
            catalog = finops.load_price_catalog(args["prices_file"])
            hosts = self._hosts(args, task_vars)
            allowed_zones = self._allowed_zones(args, task_vars, today)
            main_queries = promql.queries(args["job"], args["window"])
        except finops.FinopsError as exc:
            raise AnsibleActionFail(str(exc)) from exc

        # The figures in parallel, then the raw-counter CPU figures of the
        # hosts whose recorded series does not cover the window, if any.
        sent = len(main_queries)
        try:
            answers = list(self._prometheus(args, task_vars, main_queries).values())
            figures, disks, workloads = promql.parse(answers)
            fallback = None
            reported = {h.name for h in hosts}
            late = [name for name in promql.needing_fallback(figures) if name in reported]
            if late:
                query = promql.fallback_query(late, args["job"], args["window"])
                fallback = self._prometheus(args, task_vars, {"fallback": query})["fallback"]
                sent += 1
            usages = promql.usages_of(figures, disks, fallback)
            report = finops.report(
                hosts, usages, catalog, today, window=args["window"],
                max_price_age_days=args["max_price_age_days"], allowed_zones=allowed_zones,
                workloads=workloads,
            )  # fmt: skip
        except finops.FinopsError as exc:
            raise AnsibleActionFail(str(exc)) from exc
        report["hosts_without_series"] = sorted(h.name for h in hosts if h.name not in usages)

        written = []
        if not self._task.check_mode:
            written = self._write_focus(args, report, {h.name: h for h in hosts})
            if args["html"]:
                self._write(args["html"], html.render(report))
                written.append(args["html"])
        stale = report["prices"]["stale"]
        warnings = []
        if stale:
            oldest = stale[0]
            warnings.append(
                "%d price(s) older than %d days (oldest: %s %s, %s days): refresh the catalog before trusting "
                "the estimates" % (len(stale), args["max_price_age_days"], oldest["provider"], oldest["type"],
                                   oldest["age_days"])
            )  # fmt: skip
        if report["totals"]["unpriced_hosts"]:
            warnings.append("not fully priced: %s" % ", ".join(report["totals"]["unpriced_hosts"][:20]))
        if report["hosts_without_series"]:
            warnings.append("no series in Prometheus for: %s" % ", ".join(report["hosts_without_series"][:20]))
        result.update(
            changed=False,
            report=report,
            metrics=finops.metrics_text(report),
            files=written,
            queries=sent,
            raw_counter_hosts=late,
            msg="%d host(s): %.2f EUR a month (estimate, VAT excluded where stated), %.2f EUR of savings found"
            % (report["totals"]["hosts"], report["totals"]["monthly_eur"], report["totals"]["saving_eur"]),
        )
        if warnings:
            result["warnings"] = warnings
        return result

    def _hosts(self, args, task_vars):
        names = [str(n) for n in args["hosts"] or task_vars.get("ansible_play_hosts_all") or []]
        hostvars = task_vars.get("hostvars") or {}
        groups = task_vars.get("groups") or {}
        membership = {}
        for group, members in groups.items():
            for member in members:
                membership.setdefault(member, []).append(group)
        hosts = []
        for name in names:
            if name not in hostvars:
                raise AnsibleActionFail("hosts: %s is not in the inventory" % name)
            variables = sov.templated_values(
                sov.raw_host_variables(hostvars, name), finops.HOST_KEYS, self._templar_for
            )
            hosts.append(finops.host_of(name, variables, membership.get(name, []), default_tariff=args["tariff"]))
        return hosts

    def _templar_for(self, variables):
        return self._templar.copy_with_new_env(available_variables=variables)

    def _allowed_zones(self, args, task_vars, today):
        """zones -> the ones the sovereignty policy allows for the host, or None without a policy."""
        if args["policy"] is None and args["policy_file"] is None:
            return None
        try:
            sov_catalog = sov.load_catalog(sov.DEFAULT_CATALOG_DIR)
            data = args["policy"] or sov.unwrap_policy(self._loader.load_from_file(args["policy_file"]))
            evaluator = sov.Evaluator(sov.Policy(sov.plain(data), sov_catalog), sov_catalog, today)
        except (sov.CatalogError, sov.PolicyError) as exc:
            raise AnsibleActionFail("%s: %s" % (args["policy_file"] or "policy", exc)) from exc
        hostvars = task_vars.get("hostvars") or {}
        facts_of = {}  # each host's sovereignty facts, read once whatever the number of candidate types

        def allowed(host, zones):
            if host.name not in facts_of:
                facts_of[host.name] = sov.templated_host_facts(
                    sov.raw_host_variables(hostvars, host.name), self._templar_for
                )
            facts = facts_of[host.name]
            found = set()
            # Scaleway's hosts are placed by zone, OVHcloud's by region (their inventories set one or the other).
            key = "sovereign_zone" if host.zone else "sovereign_region"
            for zone in zones:
                moved = dict(facts, sovereign_zone=None, sovereign_region=None, sovereign_country=None)
                moved[key] = zone
                if evaluator.evaluate_host(host.name, moved)["verdict"] == "compliant":
                    found.add(zone)
            return found

        return allowed

    def _prometheus(self, args, task_vars, queries):
        """{name: Prometheus' answer} of named queries, sent in parallel by one module run on the task's host."""
        url, ca_path = args["prometheus_url"], args["prometheus_ca_path"]
        if not url:
            endpoint = self._published_prometheus(task_vars)
            if endpoint is None:
                raise AnsibleActionFail(
                    "prometheus_url: not set, and %s publishes no Prometheus endpoint (sovereign_endpoints.prometheus)"
                    % task_vars.get("inventory_hostname")
                )
            url, ca_path = endpoint["url"], ca_path or endpoint.get("ca") or None
        module_args = {
            "url": url,
            "queries": queries,
            "time": args["at"] or "%.3f" % time.time(),
            "ca_path": ca_path,
            "url_username": args["prometheus_username"],
            "url_password": args["prometheus_password"],
        }
        answer = self._execute_module(
            module_name="sovereign.cloud.prometheus_query", module_args=module_args, task_vars=task_vars
        )
        if answer.get("failed"):
            raise AnsibleActionFail("Prometheus at %s: %s" % (url, answer.get("msg")))
        return {name: {"status": "success", "data": data} for name, data in (answer.get("answers") or {}).items()}

    @staticmethod
    def _published_prometheus(task_vars):
        endpoint = (task_vars.get("sovereign_endpoints") or {}).get("prometheus")
        if endpoint is None:
            local = (task_vars.get("ansible_facts") or {}).get("ansible_local") or {}
            endpoint = local.get("sovereign_endpoint_prometheus")
        return endpoint

    @staticmethod
    def _write(path, text):
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)

    def _write_focus(self, args, report, hosts_by_name):
        written = []
        if not (args["focus_csv"] or args["focus_parquet"]):
            return written
        rows = focus.rows(report, hosts_by_name)
        if args["focus_csv"]:
            self._write(args["focus_csv"], focus.to_csv(rows))
            written.append(args["focus_csv"])
        if args["focus_parquet"]:
            os.makedirs(os.path.dirname(os.path.abspath(args["focus_parquet"])), exist_ok=True)
            try:
                focus.write_parquet(rows, args["focus_parquet"])
            except RuntimeError as exc:
                raise AnsibleActionFail("focus_parquet: %s" % exc) from exc
            written.append(args["focus_parquet"])
        return written
