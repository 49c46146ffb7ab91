# Copyright: sovereign.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Action plugin of sovereign.cloud.sovereignty_check: a thin adapter.

Reads the policy, the catalog and the hosts' variables, and hands them to
plugins/plugin_utils/_sovereignty*.py, where the logic lives and is tested.
"""

from __future__ import annotations

import gc
import os

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.sovereign.cloud.plugins.plugin_utils import _sovereignty as sov

# Findings named in the task's message and warnings; the rest are counted
# (all of them are in the result's findings and in the reports).
MESSAGE_LINES = 20
# What the result keeps of each host and finding without return_evidence.
HOST_SUMMARY_KEYS = ("verdict", "errors", "warnings")
FINDING_SUMMARY_KEYS = ("rule", "severity", "host", "message")


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False
    _VALID_ARGS = frozenset(
        (
            "policy",
            "policy_file",
            "hosts",
            "mode",
            "report_dir",
            "report_formats",
            "catalog_dir",
            "today",
            "return_evidence",
        )
    )

    def _host_facts(self, hostvars, name):
        """The engine's variables of one host: raw, with only the values that hold a template templated."""
        return sov.templated_host_facts(sov.raw_host_variables(hostvars, name), self._templar_for)

    def _templar_for(self, variables):
        return self._templar.copy_with_new_env(available_variables=variables)

    def run(self, tmp=None, task_vars=None):
        # The task reads every host's variables and builds a result per host:
        # millions of small objects, and no reference cycles among those this
        # code makes. The cyclic collector, triggered again and again by them,
        # cost more than the work (benchmarks/sovereignty_eval.py). The worker
        # process ends with the task.
        collecting = gc.isenabled()
        gc.disable()
        try:
            return self._run(tmp, task_vars)
        finally:
            if collecting:
                # Objects that exist now are left out of later collections:
                # re-enabled, the collector's first pass over the millions of
                # objects made cost as much as the evaluation itself.
                gc.freeze()
                gc.enable()

    def _run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        task_vars = task_vars or {}
        _validation, args = self.validate_argument_spec(
            argument_spec={
                "policy": {"type": "dict"},
                "policy_file": {"type": "path"},
                "hosts": {"type": "list", "elements": "str"},
                "mode": {"type": "str", "choices": ["enforce", "warn", "report"], "default": "enforce"},
                "report_dir": {"type": "path"},
                "report_formats": {
                    "type": "list",
                    "elements": "str",
                    "choices": list(sov.RENDERERS),
                    "default": list(sov.RENDERERS),
                },
                "catalog_dir": {"type": "path"},
                "today": {"type": "str"},
                "return_evidence": {"type": "bool", "default": False},
            },
            mutually_exclusive=[("policy", "policy_file")],
            required_one_of=[("policy", "policy_file")],
        )

        catalog_dir = args["catalog_dir"] or sov.DEFAULT_CATALOG_DIR
        try:
            catalog = sov.load_catalog(catalog_dir)
            if args["policy"] is not None:
                policy_data = args["policy"]
            else:
                # Ansible's loader, as the inventory plugin uses: vault-encrypted policies work.
                policy_data = sov.unwrap_policy(self._loader.load_from_file(args["policy_file"]))
            # Plain values: the policy's lists are quoted in every host's evidence (see sov.plain).
            policy = sov.Policy(sov.plain(policy_data), catalog)
        except sov.CatalogError as exc:
            raise AnsibleActionFail("sovereignty catalog in %s: %s" % (catalog_dir, exc)) from exc
        except sov.PolicyError as exc:
            where = args["policy_file"] or "policy"
            raise AnsibleActionFail("%s: %s" % (where, exc)) from exc

        try:
            today = sov.parse_today(args["today"])
        except ValueError as exc:
            raise AnsibleActionFail(str(exc)) from exc

        names = [str(name) for name in args["hosts"] or task_vars.get("ansible_play_hosts_all") or []]
        hostvars = task_vars.get("hostvars") or {}
        hosts = {}
        for name in names:
            if name not in hostvars:
                raise AnsibleActionFail("hosts: %s is not in the inventory" % name)
            hosts[name] = self._host_facts(hostvars, name)

        report = sov.evaluate(policy, catalog, hosts, today=today)
        findings = [f for name in report["hosts"] for f in report["hosts"][name]["findings"]]
        written = []
        if args["report_dir"] and not self._task.check_mode:
            os.makedirs(args["report_dir"], exist_ok=True)
            for fmt in args["report_formats"]:
                path = os.path.join(args["report_dir"], "sovereignty.%s" % sov.EXTENSIONS[fmt])
                with open(path, "w", encoding="utf-8") as handle:
                    handle.write(sov.RENDERERS[fmt](report))
                written.append(path)

        # The reports hold everything; the result holds what a play branches on
        # unless asked for more: Ansible passes every value of a result to its
        # callbacks, and for 10,000 hosts the evidence was most of the task's
        # time (benchmarks/sovereignty_eval.py).
        per_host = report["hosts"]
        if not args["return_evidence"]:
            per_host = {name: {key: host[key] for key in HOST_SUMMARY_KEYS} for name, host in per_host.items()}
            findings = [{key: f[key] for key in FINDING_SUMMARY_KEYS} for f in findings]
        result.update(
            changed=False,
            verdict=report["verdict"],
            summary=report["summary"],
            compliant=report["compliant"],
            violation=report["violation"],
            hosts=per_host,
            findings=findings,
            reports=written,
        )
        errors = [f for f in findings if f["severity"] == "error"]
        lines = ["%s %s: %s" % (f["host"], f["rule"], f["message"]) for f in errors]
        warnings = ["%s %s: %s" % (f["host"], f["rule"], f["message"]) for f in findings if f["severity"] != "error"]
        if args["mode"] == "warn":
            warnings = lines + warnings
        result["warnings"] = sov.first_lines(warnings, MESSAGE_LINES, "warnings")
        if errors and args["mode"] == "enforce":
            result["failed"] = True
            result["msg"] = "sovereignty policy violated on %d host(s): %s" % (
                len(report["violation"]),
                "; ".join(sov.first_lines(lines, MESSAGE_LINES, "errors")),
            )
        else:
            result["msg"] = "%s: %d host(s), %d error(s), %d warning(s)" % (
                report["verdict"],
                report["summary"]["hosts"],
                report["summary"]["errors"],
                report["summary"]["warnings"],
            )
        return result
