# Copyright: sovereign.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# The work is done on the controller by the action plugin of the same name
# (plugins/action/sovereignty_check.py); this file holds its documentation.

DOCUMENTATION = r"""
module: sovereignty_check
short_description: Check hosts against a data sovereignty policy before anything is deployed
version_added: 0.1.0
author: sovereign.cloud maintainers (@sovereign-cloud)
description:
  - Evaluates inventory hosts against an operator's sovereignty policy and the
    collection's catalog of providers, locations, extraterritorial laws and
    certifications (C(data/sovereignty/) in the collection, each entry with its
    source and the date it was checked).
  - Reads per host C(sovereign_provider), C(sovereign_zone), C(sovereign_region)
    or C(sovereign_datacenter), C(sovereign_country) (a homelab host's country,
    or a country-level location for any provider), C(sovereign_operated_by),
    C(sovereign_offer), C(sovereign_data_classification), and the endpoints and
    telemetry the collection's roles will configure (C(base_chrony_servers),
    C(sovereign_dns_resolvers), C(sovereign_artifact_mirror),
    C(sovereign_external_endpoints), C(sovereign_telemetry)). Role defaults
    apply where a host does not set a role variable.
  - Runs on the controller; use it once per play (C(run_once=true)).
  - Rules SOV-CLS-001, SOV-PRV-001, SOV-LOC-001, SOV-LOC-002, SOV-LOC-003,
    SOV-JUR-001, SOV-OPR-001, SOV-OFR-001, SOV-CERT-001, SOV-CERT-002,
    SOV-CERT-003, SOV-EP-001, SOV-EP-002, SOV-TEL-001, SOV-CAT-001 are
    described in docs/sovereignty.md.
  - The task's message and warnings name the first 20 findings and count the
    others; every finding is in the result and the reports.
options:
  policy_file:
    description:
      - Path of a YAML policy file on the controller, or of a vars file whose
        only key is C(sovereign_policy) (such as C(group_vars/all/sovereignty.yml)).
    type: path
  hosts:
    description: Hosts to evaluate. Defaults to every host of the play.
    type: list
    elements: str
  mode:
    description:
      - V(enforce) fails the task when any host violates the policy.
      - V(warn) reports violations as warnings and succeeds.
      - V(report) only returns and writes the report.
    type: str
    choices: [enforce, warn, report]
    default: enforce
  report_dir:
    description:
      - Directory on the controller where reports are written.
      - Nothing is written when unset or in check mode.
    type: path
  return_evidence:
    description:
      - Whether the result carries everything the engine found, as the reports
        do.
      - Without it, C(hosts) gives each host's C(verdict) and counts, and
        C(findings) each finding's C(rule), C(severity), C(host) and
        C(message), what a play branches on and a person reads. The reports
        written to O(report_dir) always hold the rest.
      - With it, C(hosts) adds each host's C(facts), C(findings) and
        C(evidence), and each finding adds its C(title), C(evidence),
        C(source) and C(remediation). For 10,000 hosts that makes a task
        result Ansible needs seconds to pass to its callbacks
        (benchmarks/sovereignty_eval.py).
    type: bool
    default: false
  report_formats:
    description: Report formats written to O(report_dir).
    type: list
    elements: str
    choices: [json, markdown, junit]
    default: [json, markdown, junit]
extends_documentation_fragment:
  - sovereign.cloud.sovereignty_policy
attributes:
  check_mode:
    support: full
    description: The evaluation only reads; in check mode no report file is written.
  diff_mode:
    support: none
    description: Nothing on the hosts changes, so there is no diff.
  action:
    support: full
    description: Runs on the controller as an action plugin.
  platform:
    support: full
    platforms: all
    description: Reads inventory variables only; the managed hosts' platform does not matter.
notes:
  - The catalog ages. Keep it current (docs/sovereignty.md); entries with
    unrecorded certification dates are reported as warnings (SOV-CERT-003).
"""

EXAMPLES = r"""
- name: Refuse to deploy anything that breaks the policy
  sovereign.cloud.sovereignty_check:
    policy_file: "{{ inventory_dir }}/../policies/sovereignty.yml"
    mode: enforce
    report_dir: "{{ playbook_dir }}/reports"
  run_once: true
  delegate_to: localhost

- name: Report only, inline policy
  sovereign.cloud.sovereignty_check:
    mode: report
    policy:
      default_classification: internal
      classifications:
        internal:
          allowed_countries: [EEA]
        sensitive:
          allowed_countries: [EU]
          allow_extraterritorial_exposure: false
          required_certifications: [secnumcloud]
  run_once: true
  register: sovereignty

- name: Group hosts by verdict
  ansible.builtin.group_by:
    key: "sovereignty_{{ sovereignty.hosts[inventory_hostname].verdict }}"
"""

RETURN = r"""
verdict:
  description: V(compliant) when no host has an error finding, else V(violation).
  returned: always
  type: str
  sample: violation
summary:
  description: Counts of hosts, violating hosts, errors and warnings.
  returned: always
  type: dict
  sample: {hosts: 3, violations: 1, errors: 2, warnings: 1}
compliant:
  description: Hosts without error findings.
  returned: always
  type: list
  elements: str
violation:
  description: Hosts with at least one error finding.
  returned: always
  type: list
  elements: str
hosts:
  description:
    - Per host, its C(verdict) and the counts of C(errors) and C(warnings).
    - With O(return_evidence), also the C(facts) evaluated, its C(findings)
      and its C(evidence).
    - C(evidence) lists every rule evaluated for the host, compliant hosts
      included, each with C(rule), C(outcome) (pass, warn, fail or
      not_applicable), the C(facts) it used (for certifications C(valid_from)
      and C(valid_until)) and their C(sources), each a C(source) (a catalog
      URL, the policy key, or the inventory variable the operator declared)
      and the date C(checked).
  returned: always
  type: dict
  sample: {nuc1: {verdict: compliant, errors: 0, warnings: 0}}
findings:
  description:
    - Every finding, each with C(rule), C(severity) (error or warning),
      C(host) and C(message).
    - With O(return_evidence), also C(title), C(evidence), C(source) (what it
      rests on and the date checked; never empty) and C(remediation), as in
      the reports.
  returned: always
  type: list
  elements: dict
  sample: [{rule: SOV-LOC-001, severity: error, host: vps1, message: "region BHS5 is in CA, outside EU"}]
reports:
  description: Paths of the report files written.
  returned: always
  type: list
  elements: str
"""
