# Copyright: sovereign.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
name: sovereignty
short_description: Sovereignty verdict of every host as inventory variables and groups
version_added: 0.1.0
author: sovereign.cloud maintainers (@sovereign-cloud)
description:
  - Evaluates every host already in the inventory (from static files or any
    dynamic inventory listed before this source) against a sovereignty policy,
    like M(sovereign.cloud.sovereignty_check) does in a play, and records the
    result in the inventory itself.
  - Puts each host in the group C(sovereignty_compliant) or
    C(sovereignty_violation), and gives each host C(sovereignty_findings),
    so playbooks, AWX job templates and C(--limit) can target them without
    running a check.
  - Hosts with the same findings (the same provider, location, offer and
    configuration give the same ones) get them from a group of their own,
    C(sovereignty_findings_<digest>) (C(sovereignty_findings_none) for no
    finding), set once; a host whose findings are its own has them as a host
    variable. Every host has its C(sovereignty_findings) in plays and in
    C(ansible-inventory --list); only C(--export) shows the shared ones on
    their groups. For 10,000 hosts this saves Ansible most of its work on
    the values an inventory sets.
  - Each of the two groups has the variable C(sovereignty_verdict)
    (V(compliant) or V(violation)), which its hosts therefore have. Only an
    export of the hosts' own variables (C(ansible-inventory --export), as AWX
    imports) shows it on the group instead.
  - Like the P(ansible.builtin.constructed#inventory) inventory plugin, it must come after the sources that
    define the hosts; name the file so it sorts last (for example
    C(zz.sovereignty.yml)). The file name must end in C(sovereignty.yml) or
    C(sovereignty.yaml).
  - Compose, groups and keyed_groups apply after the evaluation, so they can
    use the new variables.
options:
  plugin:
    description: The name of this plugin.
    required: true
    choices: [sovereign.cloud.sovereignty]
    type: str
  policy_file:
    description:
      - Path of a YAML policy file, or of a vars file whose only key is C(sovereign_policy).
      - A relative path is taken from the directory of this inventory file.
      - Keep it out of the inventory directory itself (Ansible would read it as
        an inventory source), or use the C(group_vars/all) file that defines
        C(sovereign_policy).
    type: str
  findings_detail:
    description:
      - What each host's C(sovereignty_findings) holds.
      - "V(messages) makes each finding one line: the rule, the severity, a
        colon and the message (for example C(SOV-LOC-001 error: region BHS5 is
        in CA, outside EU)). It is what a person reads, and enough for groups
        and compose: C(sovereignty_findings | map('split') | map('first'))
        gives the rule ids. Ansible handles every value an inventory sets, and
        for 10,000 hosts this is the form it handles fastest
        (benchmarks/sovereignty_eval.py)."
      - V(summary) makes each finding a dictionary of C(rule), C(severity) and
        C(message).
      - V(full) adds C(title), C(evidence), C(source) and C(remediation), as
        the reports of P(sovereign.cloud.sovereignty_check#module) have them
        (with every host's evidence). 10,000 hosts' full findings made a
        65 MB inventory and doubled its load time.
    type: str
    choices: [messages, summary, full]
    default: messages
  use_vars_plugins:
    description:
      - Include group_vars and host_vars (vars plugins) of the inventory sources,
        as the P(ansible.builtin.constructed#inventory) inventory plugin does.
    type: bool
    default: false
extends_documentation_fragment:
  - ansible.builtin.constructed
  - sovereign.cloud.sovereignty_policy
"""

EXAMPLES = r"""
# inventories/hybrid/zz.sovereignty.yml: after hosts.yml and the cloud sources
plugin: sovereign.cloud.sovereignty
policy_file: ../policies/sovereignty.yml  # beside the inventory directory, not in it
use_vars_plugins: true
keyed_groups:
  # sovereignty_rule_SOV_LOC_001 and so on: the hosts each rule found at fault
  - key: sovereignty_findings | map('split') | map('first') | list
    prefix: sovereignty_rule
"""

import gc
import hashlib
import json
import os

from ansible.errors import AnsibleParserError
from ansible.inventory.group import to_safe_group_name
from ansible.inventory.helpers import get_group_vars
from ansible.plugins.inventory import BaseInventoryPlugin, Constructable
from ansible.utils.vars import combine_vars
from ansible.vars.plugins import get_vars_from_inventory_sources

from ansible_collections.sovereign.cloud.plugins.plugin_utils import _sovereignty as sov

SUMMARY_KEYS = ("rule", "severity", "message")


class InventoryModule(BaseInventoryPlugin, Constructable):
    NAME = "sovereign.cloud.sovereignty"

    def verify_file(self, path):
        return super().verify_file(path) and path.endswith(("sovereignty.yml", "sovereignty.yaml"))

    def _host_vars(self, host, loader, sources):
        group_vars = get_group_vars(host.get_groups())
        host_vars = host.get_vars()
        if self.get_option("use_vars_plugins"):
            group_vars = combine_vars(
                group_vars, get_vars_from_inventory_sources(loader, sources, host.get_groups(), "all")
            )
            host_vars = combine_vars(host_vars, get_vars_from_inventory_sources(loader, sources, [host], "all"))
        return combine_vars(group_vars, host_vars)

    def parse(self, inventory, loader, path, cache=False):
        super().parse(inventory, loader, path, cache=cache)
        self._read_config_data(path)
        policy_data = self.get_option("policy")
        policy_file = self.get_option("policy_file")
        if (policy_data is None) == (policy_file is None):
            raise AnsibleParserError("%s: set exactly one of policy and policy_file" % path)
        try:
            catalog = sov.load_catalog(self.get_option("catalog_dir"))
            if policy_file is not None:
                if not os.path.isabs(policy_file):
                    policy_file = os.path.join(os.path.dirname(path), policy_file)
                policy_data = sov.unwrap_policy(loader.load_from_file(policy_file))
            # Plain values: the policy's lists are quoted in every host's evidence (see sov.plain).
            policy = sov.Policy(sov.plain(policy_data), catalog)
        except (sov.CatalogError, sov.PolicyError) as exc:
            raise AnsibleParserError("%s: %s" % (policy_file or path, exc)) from exc
        try:
            today = sov.parse_today(self.get_option("today"))
        except ValueError as exc:
            raise AnsibleParserError("%s: %s" % (path, exc)) from exc

        sources = getattr(inventory, "processed_sources", [])
        evaluator = sov.Evaluator(policy, catalog, today)
        # Many small objects and no cycles among them: see evaluate().
        collecting = gc.isenabled()
        gc.disable()
        try:
            self._evaluate_hosts(inventory, loader, sources, evaluator)
        finally:
            if collecting:
                gc.enable()

    def _templar_for(self, variables):
        self.templar.available_variables = variables
        return self.templar

    def _evaluate_hosts(self, inventory, loader, sources, evaluator):
        strict = self.get_option("strict")
        detail = self.get_option("findings_detail")
        compose, groups, keyed_groups = (self.get_option(o) for o in ("compose", "groups", "keyed_groups"))
        verdict_groups = {}
        # Identical findings (the same provider, location, offer and
        # configuration give the same ones) are set once, on a group of their
        # own, which their hosts inherit them from; see _set_findings.
        shared = {}
        for name in list(inventory.hosts):
            host = inventory.hosts[name]
            variables = self._host_vars(host, loader, sources)
            result = evaluator.evaluate_host(name, sov.templated_host_facts(variables, self._templar_for))
            findings = result["findings"]
            if detail == "messages":
                findings = ["%s %s: %s" % (f["rule"], f["severity"], f["message"]) for f in findings]
            elif detail == "summary":
                findings = [{key: f[key] for key in SUMMARY_KEYS} for f in findings]
            key = tuple(findings) if detail == "messages" else json.dumps(findings, sort_keys=True, default=str)
            holders = shared.setdefault(key, (findings, []))[1]
            holders.append(name)
            group = verdict_groups.get(result["verdict"])
            if group is None:
                # The verdict is a variable of its group, set once: every host in
                # it has it, and Ansible handles one value instead of one per host.
                group = verdict_groups[result["verdict"]] = inventory.add_group(
                    to_safe_group_name("sovereignty_" + result["verdict"])
                )
                inventory.set_variable(group, "sovereignty_verdict", result["verdict"])
            inventory.add_child(group, name)
            if compose or groups or keyed_groups:
                variables = combine_vars(variables, {"sovereignty_verdict": result["verdict"],
                                                     "sovereignty_findings": findings})  # fmt: skip
                self._set_composite_vars(compose, variables, name, strict=strict)
                self._add_host_to_composed_groups(groups, variables, name, strict=strict)
                self._add_host_to_keyed_groups(keyed_groups, variables, name, strict=strict)
        self._set_findings(inventory, shared)

    @staticmethod
    def _set_findings(inventory, shared):
        """sovereignty_findings of every host: on a group when several hosts have the same ones.

        Ansible handles each value an inventory plugin sets (tags it on the way
        in, writes it out for --list and AWX's sync): 10,000 hosts sharing a
        few sets of findings cost a few values instead of 10,000. Each host
        still has its findings, in plays as in the merged listing; an export of
        the hosts' own variables (--export) shows them on the group.
        """
        for findings, names in shared.values():
            if len(names) == 1:
                inventory.set_variable(names[0], "sovereignty_findings", findings)
                continue
            digest = hashlib.sha256(json.dumps(findings, sort_keys=True, default=str).encode()).hexdigest()[:12]
            group = inventory.add_group("sovereignty_findings_" + (digest if findings else "none"))
            inventory.set_variable(group, "sovereignty_findings", findings)
            for name in names:
                inventory.add_child(group, name)
