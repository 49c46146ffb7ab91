# Copyright: sovereign.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Sovereignty policy engine: evaluates hosts against a policy and a catalog.

Internal to sovereign.cloud (controller side): not a public API. The plugins
import this module; the engine lives in four, each unit-tested without
Ansible:
  _sovereignty_catalog   the catalog data (providers, locations, laws,
                         certifications, country groups), data/sovereignty/*.yml
  _sovereignty_policy    the operator's policy (docs/sovereignty.md)
  _sovereignty_evaluate  the host variables read, and the rules, one small
                         function each (HOST_RULES)
  _sovereignty_report    JSON, Markdown and JUnit reports
"""

from __future__ import annotations

from ansible_collections.sovereign.cloud.plugins.plugin_utils._sovereignty_catalog import (
    DEFAULT_CATALOG_DIR,
    Catalog,
    CatalogError,
    country_of,
    find_location,
    in_country_group,
    load_catalog,
    provider_facts,
)
from ansible_collections.sovereign.cloud.plugins.plugin_utils._sovereignty_evaluate import (
    HOST_KEYS,
    HOST_RULES,
    RULES,
    Evaluator,
    data_defaults,
    evaluate,
    host_endpoints,
    host_facts,
    parse_today,
    plain,
    possibly_template,
    raw_host_variables,
    templated_host_facts,
    templated_values,
)
from ansible_collections.sovereign.cloud.plugins.plugin_utils._sovereignty_policy import (
    ClassificationRule,
    Policy,
    PolicyError,
    unwrap_policy,
)
from ansible_collections.sovereign.cloud.plugins.plugin_utils._sovereignty_report import (
    EXTENSIONS,
    RENDERERS,
    first_lines,
    report_json,
    report_junit,
    report_markdown,
)

__all__ = [
    "DEFAULT_CATALOG_DIR",
    "EXTENSIONS",
    "HOST_KEYS",
    "HOST_RULES",
    "RENDERERS",
    "RULES",
    "Catalog",
    "CatalogError",
    "ClassificationRule",
    "Evaluator",
    "Policy",
    "PolicyError",
    "country_of",
    "data_defaults",
    "evaluate",
    "find_location",
    "first_lines",
    "host_endpoints",
    "host_facts",
    "in_country_group",
    "load_catalog",
    "parse_today",
    "plain",
    "possibly_template",
    "provider_facts",
    "raw_host_variables",
    "report_json",
    "report_junit",
    "report_markdown",
    "templated_host_facts",
    "templated_values",
    "unwrap_policy",
]
