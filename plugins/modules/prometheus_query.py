#!/usr/bin/python
# Copyright: sovereign.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: prometheus_query
short_description: Run PromQL instant queries on the managed host, read-only
version_added: 0.3.0
author: sovereign.cloud maintainers (@sovereign-cloud)
description:
  - Sends instant queries to Prometheus' HTTP API (C(POST /api/v1/query),
    form-encoded, so long expressions fit) from the managed host, and returns
    Prometheus' C(data). O(queries) are sent in parallel, one connection each
    (Prometheus evaluates each query on one core). The collection's Prometheus listens on loopback by
    default, so run this on the Prometheus host.
  - Fails with Prometheus' own error message when it refuses the query.
  - The M(sovereign.cloud.finops_report) action runs it to read the usage series.
options:
  url:
    description: Prometheus' base URL, such as V(https://127.0.0.1:9090).
    type: str
    required: true
  query:
    description: The PromQL expression. Exactly one of O(query) and O(queries) is required.
    type: str
  queries:
    description: Named PromQL expressions, sent in parallel; their answers come back in RV(answers) by name.
    type: dict
  time:
    description:
      - The evaluation time, as Unix seconds or RFC 3339. Prometheus' current
        time when not set.
    type: str
  timeout:
    description: Seconds to wait for the answer.
    type: int
    default: 120
  ca_path:
    description: The CA bundle to verify Prometheus' certificate with (the internal CA's path on the host).
    type: path
  validate_certs:
    description: Verify Prometheus' TLS certificate.
    type: bool
    default: true
  url_username:
    description: Basic-auth user name.
    type: str
  url_password:
    description: Basic-auth password. Sent in the request's header, never logged.
    type: str
attributes:
  check_mode:
    support: full
    description: The module only reads; it runs in check mode too.
  diff_mode:
    support: none
    description: Nothing changes, so there is no diff.
  platform:
    support: full
    platforms: posix
    description: Any host with Python that reaches Prometheus.
"""

EXAMPLES = r"""
- name: Busy CPU cores per host, now
  sovereign.cloud.prometheus_query:
    url: https://127.0.0.1:9090
    ca_path: /etc/sovereign/pki/ca.crt
    url_username: reader
    url_password: "{{ vault_prometheus_reader_password }}"
    query: sum by (instance) (rate(node_cpu_seconds_total{mode!~"idle|iowait|steal"}[5m]))
  register: busy
"""

RETURN = r"""
data:
  description: Prometheus' C(data) object, C(resultType) and C(result), for O(query).
  returned: success and O(query) given
  type: dict
  sample: {resultType: vector, result: [{metric: {instance: nuc1}, value: [1764547200, "0.25"]}]}
answers:
  description: Prometheus' C(data) object of each query of O(queries), by name.
  returned: success and O(queries) given
  type: dict
  sample: {cpu: {resultType: vector, result: []}}
warnings_from_prometheus:
  description: The warnings of Prometheus' answer, if any.
  returned: success
  type: list
  elements: str
"""

import json
from concurrent.futures import ThreadPoolExecutor

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.six.moves.urllib.error import HTTPError
from ansible.module_utils.six.moves.urllib.parse import urlencode
from ansible.module_utils.urls import open_url


def _answer(body):
    try:
        return json.loads(body)
    except ValueError:
        return None


def _ask(params, query):
    """(data, warnings) of one query, or (None, message) when it fails."""
    form = {"query": query}
    if params["time"]:
        form["time"] = params["time"]
    endpoint = params["url"].rstrip("/") + "/api/v1/query"
    try:
        response = open_url(
            endpoint,
            method="POST",
            data=urlencode(form),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            timeout=params["timeout"],
            validate_certs=params["validate_certs"],
            ca_path=params["ca_path"],
            url_username=params["url_username"],
            url_password=params["url_password"],
            force_basic_auth=bool(params["url_username"]),
        )
        answer = _answer(response.read())
    except HTTPError as exc:
        # Prometheus answers a refused query with 400 or 422 and a JSON error.
        answer = _answer(exc.read())
        if not answer:
            return None, "%s: HTTP %s %s" % (endpoint, exc.code, exc.reason)
    except Exception as exc:  # every transport error is reported the same way
        return None, "%s: %s" % (endpoint, exc)
    if not isinstance(answer, dict):
        return None, "%s: the answer is not Prometheus' JSON" % endpoint
    if answer.get("status") != "success":
        return None, "Prometheus refused the query: %s: %s" % (answer.get("errorType"), answer.get("error"))
    return answer.get("data"), answer.get("warnings") or []


def main():
    module = AnsibleModule(
        argument_spec={
            "url": {"type": "str", "required": True},
            "query": {"type": "str"},
            "queries": {"type": "dict"},
            "time": {"type": "str"},
            "timeout": {"type": "int", "default": 120},
            "ca_path": {"type": "path"},
            "validate_certs": {"type": "bool", "default": True},
            "url_username": {"type": "str"},
            "url_password": {"type": "str", "no_log": True},
        },
        mutually_exclusive=[("query", "queries")],
        required_one_of=[("query", "queries")],
        supports_check_mode=True,
    )
    params = module.params
    named = params["queries"] if params["queries"] is not None else {"": params["query"]}
    for name, query in named.items():
        if not isinstance(query, str) or not query.strip():
            module.fail_json(msg="queries: %s is not a PromQL expression" % (name or "query"))
    with ThreadPoolExecutor(max_workers=max(1, len(named))) as pool:
        futures = {name: pool.submit(_ask, params, query) for name, query in named.items()}
        answers = {name: future.result() for name, future in futures.items()}
    failed = ["%s%s" % ("%s: " % name if name else "", found[1]) for name, found in answers.items() if found[0] is None]
    if failed:
        module.fail_json(msg="; ".join(failed))
    warnings = [w for _data, found in answers.values() for w in found]
    if params["queries"] is None:
        module.exit_json(changed=False, data=answers[""][0], warnings_from_prometheus=warnings)
    module.exit_json(
        changed=False, answers={name: found[0] for name, found in answers.items()}, warnings_from_prometheus=warnings
    )


if __name__ == "__main__":
    main()
