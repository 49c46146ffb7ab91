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
  - Sets C(sovereignty_verdict) (V(compliant) or V(violation)) and
    C(sovereignty_findings) on each host, and puts hosts in the groups
    C(sovereignty_compliant) and C(sovereignty_violation), so playbooks, AWX
    job templates and C(--limit) can target them without running a check.
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
      - V(summary) keeps C(rule), C(severity) and C(message) of each finding,
        enough for groups, compose and AWX, and small (10,000 hosts' full
        findings made a 65 MB inventory and doubled its load time).
      - V(full) adds C(title), C(evidence), C(source) and C(remediation), as
        the reports of P(sovereign.cloud.sovereignty_check#module) have them
        (with every host's evidence).
    type: str
    choices: [summary, full]
    default: summary
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
  - key: sovereignty_findings | map(attribute='rule') | list
    prefix: sovereignty_rule
"""

import gc
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
            policy = sov.Policy(policy_data, catalog)
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

    def _evaluate_hosts(self, inventory, loader, sources, evaluator):
        strict = self.get_option("strict")
        full = self.get_option("findings_detail") == "full"
        compose, groups, keyed_groups = (self.get_option(o) for o in ("compose", "groups", "keyed_groups"))
        for name in list(inventory.hosts):
            host = inventory.hosts[name]
            variables = self._host_vars(host, loader, sources)
            facts = sov.host_facts(variables)
            # Only values holding a template are templated (with the host's
            # variables): templating every plain value of 10,000 hosts cost
            # seconds (benchmarks/sovereignty_eval.py).
            templated = [key for key, value in facts.items() if sov.possibly_template(value)]
            if templated:
                self.templar.available_variables = variables
                facts.update((key, self.templar.template(facts[key])) for key in templated)
            result = evaluator.evaluate_host(name, facts)
            findings = (
                result["findings"] if full else [{key: f[key] for key in SUMMARY_KEYS} for f in result["findings"]]
            )
            inventory.set_variable(name, "sovereignty_verdict", result["verdict"])
            inventory.set_variable(name, "sovereignty_findings", findings)
            group = inventory.add_group(to_safe_group_name("sovereignty_" + result["verdict"]))
            inventory.add_child(group, name)
            variables = combine_vars(variables, {"sovereignty_verdict": result["verdict"],
                                                 "sovereignty_findings": findings})  # fmt: skip
            self._set_composite_vars(compose, variables, name, strict=strict)
            self._add_host_to_composed_groups(groups, variables, name, strict=strict)
            self._add_host_to_keyed_groups(keyed_groups, variables, name, strict=strict)
