# Copyright: sovereign.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# The work is done on the controller by the action plugin of the same name
# (plugins/action/finops_report.py); this file holds its documentation.

DOCUMENTATION = r"""
module: finops_report
short_description: What each host costs a month, in euros with sources, and the cheapest type that fits its use
version_added: 0.3.0
author: sovereign.cloud maintainers (@sovereign-cloud)
description:
  - Prices every host of O(hosts) for a month and right-sizes the cloud hosts
    from their measured use. The figures, their formulas and their sources are
    in docs/finops.md.
  - "Cloud hosts: the list price of their type, from the inventory's live
    catalog price (C(cloud_price_monthly_eur) or C(cloud_price_hourly_eur), set
    by the sovereign.cloud.scaleway and sovereign.cloud.ovhcloud inventories),
    else from the price catalog (O(prices_file), each price with its source and
    date)."
  - "Self-operated hosts (C(sovereign_provider=homelab), or any host with
    C(finops_power) or C(finops_hardware)): electricity and hardware. Energy is
    the mean power over the window, from node_exporter's RAPL counters where
    the CPU exposes them, else from the declared draw C(finops_power)
    (C(idle_watts), C(max_watts), C(source); C(extra_watts) is added to RAPL for
    the rest of the machine) at the measured mean CPU utilisation; times 730
    hours, times the tariff (C(finops_tariff) on the host, else O(tariff)).
    Hardware is C(finops_hardware.purchase_eur) over C(life_months), nothing
    after the life ends when C(purchased) is given."
  - "Right-sizing, for cloud hosts whose type is in the price catalog: CPU
    need is the 95th percentile of the busy cores, memory need the maximum used
    plus 15 %, over O(window) (robusta krr's simple strategy, for VMs). The
    recommendation is the cheapest type of the same provider, same
    architecture, without GPU and not end-of-service, that holds the need, in
    the host's zone, or in another zone only where O(policy) allows the host's
    data there. Each states its reason (series and figures), the monthly
    saving as an estimate, and the headroom left. Fewer than 100 samples give
    no recommendation and no saving."
  - Disks are projected from the linear fill rate of each filesystem over the window.
  - "k3s containers, when Prometheus scrapes cAdvisor and kube-state-metrics:
    requests and limits against use (CPU request at the 95th percentile, no
    CPU limit, memory request and limit at the maximum plus 15 %). No cost is
    claimed for them."
  - Reads the usage figures from Prometheus in three queries sent in parallel
    (M(sovereign.cloud.prometheus_query) on the task's host), whatever the
    number of hosts. CPU figures read the series the prometheus role records
    (C(instance:sovereign_cpu_busy_cores:rate5m)); hosts whose recorded series
    covers less than 90 % of the window are computed from the raw counters in
    a fourth query.
  - Tags for the totals come from C(cloud_labels) (the inventories' C(key=value)
    tags) and C(finops_tags) (a mapping set on the host).
  - Writes the report as FOCUS 1.2 cost-and-usage rows (O(focus_csv),
    O(focus_parquet)) and as an HTML page (O(html)) on the controller, and
    returns it as metrics for node_exporter's textfile collector (RV(metrics)).
  - What the estimate leaves out (discounts, savings plans, storage, egress,
    support, VAT) is listed in the result's C(report.not_included).
options:
  hosts:
    description: Inventory hosts to report on. The play's hosts when not set.
    type: list
    elements: str
  prometheus_url:
    description:
      - Prometheus' base URL as the task's host reaches it.
      - When not set, the URL the task's host publishes as its Prometheus
        endpoint (C(sovereign_endpoints.prometheus), set by the prometheus role).
    type: str
  prometheus_ca_path:
    description: CA bundle on the task's host for Prometheus' certificate; the published endpoint's CA when not set.
    type: path
  prometheus_username:
    description: Basic-auth user for Prometheus.
    type: str
  prometheus_password:
    description: Basic-auth password for Prometheus. Never logged.
    type: str
  job:
    description: The scrape job of node_exporter.
    type: str
    default: node
  window:
    description: The usage window, a Prometheus duration such as V(14d), V(72h) or V(2w).
    type: str
    default: 14d
  at:
    description: The end of the window, as Unix seconds or RFC 3339. Now when not set.
    type: str
  today:
    description:
      - The report's date (YYYY-MM-DD), for the billing month and the prices' age.
      - The controller's date when not set.
    type: str
  prices_file:
    description: The price catalog. The collection's C(data/finops/prices.yml) when not set.
    type: path
  max_price_age_days:
    description: Prices checked longer ago than this are listed in C(report.prices.stale) and warned about.
    type: int
    default: 30
  tariff:
    description: The electricity tariff of self-operated hosts without their own C(finops_tariff).
    type: dict
    suboptions:
      eur_per_kwh:
        description: Euros per kWh, taxes as you want them counted.
        type: float
        required: true
      source:
        description: Where the tariff comes from (contract, regulator's page).
        type: str
        required: true
      checked:
        description: The date the tariff was read there.
        type: str
  policy:
    description:
      - A sovereignty policy (as for M(sovereign.cloud.sovereignty_check)). With
        it, a recommendation may move a host to another zone where the policy
        allows the host's data; without it, only the host's zone is considered.
    type: dict
  policy_file:
    description: The sovereignty policy as a file (vault-encrypted files work).
    type: path
  focus_csv:
    description: Write the FOCUS 1.2 rows to this CSV file on the controller.
    type: path
  focus_parquet:
    description: Write the FOCUS 1.2 rows to this Parquet file on the controller. Needs C(pyarrow) on the controller.
    type: path
  html:
    description:
      - Write the report as one self-contained HTML page (tables and charts, no
        external script, font or image) to this file on the controller.
    type: path
notes:
  - Every figure is an estimate from list prices and measured use. It is not a
    bill; docs/finops.md says what it does not know.
attributes:
  check_mode:
    support: full
    description: The report only reads; in check mode no file is written.
  diff_mode:
    support: none
    description: Nothing on the hosts changes, so there is no diff.
  action:
    support: full
    description: Runs on the controller as an action plugin; only the Prometheus request runs on the task's host.
  platform:
    support: full
    platforms: posix
    description: The task's host needs Python and a way to Prometheus (its loopback, on the Prometheus host).
seealso:
  - module: sovereign.cloud.prometheus_query
  - module: sovereign.cloud.sovereignty_check
"""

EXAMPLES = r"""
- name: Monthly cost and right-sizing of every host, from the Prometheus host
  sovereign.cloud.finops_report:
    hosts: "{{ groups['all'] }}"
    prometheus_username: "{{ prometheus_reader_user }}"
    prometheus_password: "{{ vault_prometheus_reader_password }}"
    tariff:
      eur_per_kwh: 0.2516
      source: "my electricity contract, 2026"
    policy_file: "{{ inventory_dir }}/../policies/sovereignty.yml"
    focus_csv: "{{ playbook_dir }}/reports/focus.csv"
  delegate_to: "{{ groups['prometheus'][0] }}"
  run_once: true
  register: finops
"""

RETURN = r"""
report:
  description:
    - The report. C(hosts) gives per host C(cost) (C(monthly_eur), C(charges)
      each with its C(source) and C(checked) date, and C(unpriced), what could
      not be priced), C(rightsizing) (C(status) V(recommendation), V(fits),
      V(undersized), V(insufficient_data), V(no_fit) or V(not_applicable);
      with a recommendation C(recommended_type), C(saving_eur), C(risk),
      C(reason) and C(evidence); when undersized, C(extra_cost_eur) instead of
      the saving), C(disks) (C(full_on), the projected day a filesystem is
      full) and C(usage).
    - C(workloads) lists the k3s containers, when Prometheus has cAdvisor and
      kube-state-metrics series, each with C(requests), C(limits),
      C(recommended), C(status) (V(change), V(fits), V(insufficient_data)) and
      C(reason).
    - C(totals), C(by_group), C(by_tag) and C(by_provider) sum the monthly cost and savings.
    - C(prices) names the catalog, its C(stale) entries and the VAT statement per provider.
    - C(not_included) lists what the estimate leaves out.
  returned: always
  type: dict
metrics:
  description:
    - The report in Prometheus' text format, for node_exporter's textfile
      collector. C(sovereign_cost_eur_per_hour) by C(host), C(provider),
      C(kind) (V(compute), V(energy), V(hardware)) and C(sku);
      C(sovereign_rightsizing_saving_eur_per_month);
      C(sovereign_disk_full_timestamp_seconds); C(sovereign_finops_prices_stale);
      C(sovereign_finops_unpriced_hosts).
    - It holds no timestamp, so the file changes only when a figure does.
  returned: always
  type: str
files:
  description: The files written (FOCUS rows, HTML page).
  returned: always
  type: list
  elements: str
queries:
  description: The number of PromQL queries sent to Prometheus (three, four with RV(raw_counter_hosts)).
  returned: always
  type: int
raw_counter_hosts:
  description: The hosts whose CPU figures came from the raw counters, for lack of the recorded series.
  returned: always
  type: list
  elements: str
"""
