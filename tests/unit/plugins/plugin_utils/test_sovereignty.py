"""The sovereignty engine over a table of realistic cases, with the shipped catalog."""

from __future__ import annotations

import copy
import datetime
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from ansible_collections.sovereign.cloud.plugins.plugin_utils import _ovhcloud_inventory, _scaleway_inventory
from ansible_collections.sovereign.cloud.plugins.plugin_utils import _sovereignty as sov
from ansible_collections.sovereign.cloud.plugins.plugin_utils import _sovereignty_catalog as catalog_module
from ansible_collections.sovereign.cloud.plugins.plugin_utils import _sovereignty_evaluate as evaluation

DATA = Path(__file__).resolve().parents[4] / "data" / "sovereignty"
TODAY = datetime.date(2026, 11, 29)


def load(name):
    return yaml.safe_load((DATA / name).read_text())


@pytest.fixture(scope="module")
def catalog():
    return sov.Catalog(load("providers.yml"), load("certifications.yml"), load("countries.yml"))


POLICY = {
    "name": "test policy",
    "default_classification": "internal",
    "classifications": {
        "public": {},
        "internal": {"allowed_countries": ["EEA", "CH"], "on_unknown": "warn"},
        "personal": {"allowed_countries": ["EU"], "allow_extraterritorial_exposure": False},
        "sensitive": {
            "allowed_countries": ["EU"],
            "allow_extraterritorial_exposure": False,
            "required_certifications": ["secnumcloud"],
            "on_unknown": "fail",
        },
        "health": {
            "allowed_countries": ["FR"],
            "allow_extraterritorial_exposure": False,
            "required_certifications": ["hds"],
        },
    },
    "endpoints": {
        "allow": [
            {"host": "ptbtime*.ptb.de", "kinds": ["ntp"]},
            {"host": "sth*.ntp.se", "kinds": ["ntp"]},
            {"host": "dns*.example.eu", "kinds": ["dns"]},
            {"host": "mirror.example.eu"},
        ],
        "internal_domains": ["home.arpa"],
    },
    "telemetry": {"required": "off"},
}

NTP_EU = [{"host": "ptbtime1.ptb.de"}, {"host": "sth1.ntp.se"}]

# (id, host variables, verdict, rules reported)
# Undated qualifications (OVHcloud's, HDS) are unknown on the evaluation date:
# the classification's on_unknown (fail by default) decides (issue #17, item 4).
# S3NS's has a start date, and SecNumCloud's three years give its end.
CASES = [
    ("ovh-public-cloud-gra-sensitive-no-snc",
     {"sovereign_provider": "ovhcloud", "sovereign_region": "GRA11", "sovereign_offer": "public-cloud",
      "sovereign_data_classification": "sensitive"}, "violation", {"SOV-CERT-001"}),
    ("ovh-bare-metal-pod-snc-france-sensitive",
     {"sovereign_provider": "ovhcloud", "sovereign_datacenter": "rbx", "sovereign_offer": "bare-metal-pod-secnumcloud",
      "sovereign_data_classification": "sensitive"}, "violation", {"SOV-CERT-003"}),
    ("ovh-hosted-private-cloud-snc-sensitive",
     {"sovereign_provider": "ovhcloud", "sovereign_datacenter": "sbg",
      "sovereign_offer": "hosted-private-cloud-secnumcloud", "sovereign_data_classification": "sensitive"},
     "violation", {"SOV-CERT-003"}),
    ("scaleway-fr-par-internal",
     {"sovereign_provider": "scaleway", "sovereign_zone": "fr-par-2", "sovereign_data_classification": "internal"},
     "compliant", set()),
    ("scaleway-nl-ams-internal-default-classification",
     {"sovereign_provider": "scaleway", "sovereign_zone": "nl-ams-1"}, "compliant", set()),
    ("scaleway-pl-waw-personal",
     {"sovereign_provider": "scaleway", "sovereign_zone": "pl-waw-3", "sovereign_data_classification": "personal"},
     "compliant", set()),
    ("scaleway-sensitive-not-qualified",
     {"sovereign_provider": "scaleway", "sovereign_zone": "fr-par-1", "sovereign_offer": "instances",
      "sovereign_data_classification": "sensitive"}, "violation", {"SOV-CERT-001"}),
    ("aws-paris-sensitive-extraterritorial",
     {"sovereign_provider": "aws", "sovereign_region": "eu-west-3", "sovereign_data_classification": "sensitive"},
     "violation", {"SOV-JUR-001", "SOV-CERT-001"}),
    ("aws-paris-personal-extraterritorial",
     {"sovereign_provider": "aws", "sovereign_region": "eu-west-3", "sovereign_data_classification": "personal"},
     "violation", {"SOV-JUR-001"}),
    ("azure-france-internal-allowed",
     {"sovereign_provider": "azure", "sovereign_region": "francecentral", "sovereign_data_classification": "internal"},
     "compliant", set()),
    ("gcp-paris-personal",
     {"sovereign_provider": "gcp", "sovereign_region": "europe-west9", "sovereign_data_classification": "personal"},
     "violation", {"SOV-JUR-001"}),
    ("s3ns-premi3ns-sensitive",
     {"sovereign_provider": "s3ns", "sovereign_region": "u-france-east1", "sovereign_offer": "premi3ns",
      "sovereign_data_classification": "sensitive"}, "compliant", set()),
    ("ovh-bhs-canada-personal",
     {"sovereign_provider": "ovhcloud", "sovereign_region": "BHS5", "sovereign_data_classification": "personal"},
     "violation", {"SOV-LOC-001"}),
    ("ovh-uk-personal",
     {"sovereign_provider": "ovhcloud", "sovereign_region": "UK1", "sovereign_data_classification": "personal"},
     "violation", {"SOV-LOC-001"}),
    ("ovh-uk-internal-outside-eea",
     {"sovereign_provider": "ovhcloud", "sovereign_region": "UK1"}, "violation", {"SOV-LOC-001"}),
    ("ovh-vin-us-datacenter",
     {"sovereign_provider": "ovhcloud", "sovereign_datacenter": "vin", "sovereign_data_classification": "personal"},
     "violation", {"SOV-LOC-001"}),
    ("ovh-lim-germany-personal",
     {"sovereign_provider": "ovhcloud", "sovereign_datacenter": "lim", "sovereign_data_classification": "personal"},
     "compliant", set()),
    ("hetzner-helsinki-personal",
     {"sovereign_provider": "hetzner", "sovereign_region": "hel1", "sovereign_data_classification": "personal"},
     "compliant", set()),
    ("hetzner-ashburn-internal",
     {"sovereign_provider": "hetzner", "sovereign_region": "ash"}, "violation", {"SOV-LOC-001"}),
    ("infomaniak-switzerland-internal",
     {"sovereign_provider": "infomaniak", "sovereign_region": "dc3-a"}, "compliant", set()),
    ("infomaniak-switzerland-personal-not-eu",
     {"sovereign_provider": "infomaniak", "sovereign_region": "dc3-a", "sovereign_data_classification": "personal"},
     "violation", {"SOV-LOC-001"}),
    ("exoscale-vienna-personal",
     {"sovereign_provider": "exoscale", "sovereign_zone": "at-vie-1", "sovereign_data_classification": "personal"},
     "compliant", set()),
    ("unknown-scaleway-zone-sensitive",
     {"sovereign_provider": "scaleway", "sovereign_zone": "fr-par-9", "sovereign_offer": "instances",
      "sovereign_data_classification": "sensitive"}, "violation", {"SOV-LOC-002", "SOV-CERT-001"}),
    # Issue #17, item 5: a typo or a marketing name is "unknown offer", not "not certified".
    ("ovh-offer-typo-sensitive",
     {"sovereign_provider": "ovhcloud", "sovereign_datacenter": "rbx", "sovereign_offer": "bare-metal-pod-secnumclod",
      "sovereign_data_classification": "sensitive"}, "violation", {"SOV-OFR-001"}),
    ("unknown-zone-internal-warns",
     {"sovereign_provider": "scaleway", "sovereign_zone": "fr-par-9"}, "compliant", {"SOV-LOC-002"}),
    ("unknown-provider-sensitive",
     {"sovereign_provider": "acme-cloud", "sovereign_region": "x", "sovereign_data_classification": "sensitive"},
     "violation", {"SOV-PRV-001"}),
    ("no-provider-at-all-internal-warns", {}, "compliant", {"SOV-PRV-001"}),
    ("homelab-nuc-germany-personal",
     {"sovereign_provider": "homelab", "sovereign_country": "DE", "sovereign_owner": "me",
      "sovereign_data_classification": "personal"}, "compliant", set()),
    ("homelab-nuc-without-country-personal",
     {"sovereign_provider": "homelab", "sovereign_data_classification": "personal"}, "violation", {"SOV-LOC-002"}),
    ("homelab-nuc-in-uk-personal",
     {"sovereign_provider": "homelab", "sovereign_country": "GB", "sovereign_data_classification": "personal"},
     "violation", {"SOV-LOC-001"}),
    ("health-on-ovh-dedicated-hds",
     {"sovereign_provider": "ovhcloud", "sovereign_datacenter": "gra", "sovereign_offer": "dedicated-server",
      "sovereign_data_classification": "health"}, "violation", {"SOV-CERT-003"}),
    ("health-on-scaleway-in-nl-outside-fr",
     {"sovereign_provider": "scaleway", "sovereign_zone": "nl-ams-1", "sovereign_offer": "instances",
      "sovereign_data_classification": "health"}, "violation", {"SOV-LOC-001", "SOV-CERT-003"}),
    ("unknown-classification",
     {"sovereign_provider": "scaleway", "sovereign_zone": "fr-par-1", "sovereign_data_classification": "secret"},
     "violation", {"SOV-CLS-001"}),
    ("ntp-inside-perimeter",
     {"sovereign_provider": "scaleway", "sovereign_zone": "fr-par-1", "base_chrony_servers": NTP_EU},
     "compliant", set()),
    ("ntp-outside-perimeter",
     {"sovereign_provider": "scaleway", "sovereign_zone": "fr-par-1",
      "base_chrony_servers": [*NTP_EU, {"host": "time.google.com"}]}, "violation", {"SOV-EP-001"}),
    ("dns-resolver-outside-allow-list",
     {"sovereign_provider": "homelab", "sovereign_country": "FR", "sovereign_dns_resolvers": ["8.8.8.8"]},
     "violation", {"SOV-EP-001"}),
    ("dns-resolver-private-and-internal",
     {"sovereign_provider": "homelab", "sovereign_country": "FR",
      "sovereign_dns_resolvers": ["192.168.1.1", "dns1.example.eu", "resolver.home.arpa"]}, "compliant", set()),
    ("allow-list-entry-limited-to-kinds",
     {"sovereign_provider": "homelab", "sovereign_country": "FR",
      "sovereign_external_endpoints": [{"kind": "smtp", "host": "ptbtime1.ptb.de"}]}, "violation", {"SOV-EP-001"}),
    ("artifact-mirror-allowed",
     {"sovereign_provider": "homelab", "sovereign_country": "FR",
      "sovereign_artifact_mirror": "https://mirror.example.eu/sovereign"}, "compliant", set()),
    ("telemetry-on",
     {"sovereign_provider": "homelab", "sovereign_country": "FR",
      "sovereign_telemetry": {"grafana": True, "loki": False}}, "violation", {"SOV-TEL-001"}),
    ("public-data-anywhere",
     {"sovereign_provider": "aws", "sovereign_region": "us-east-1", "sovereign_data_classification": "public"},
     "compliant", set()),
]  # fmt: skip


@pytest.mark.parametrize(("hostvars", "verdict", "rules"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_case_table(catalog, hostvars, verdict, rules):
    policy = sov.Policy(copy.deepcopy(POLICY), catalog)
    result = sov.evaluate(policy, catalog, {"h": hostvars}, today=TODAY)["hosts"]["h"]
    assert result["verdict"] == verdict, result["findings"]
    assert {f["rule"] for f in result["findings"]} == rules, result["findings"]
    for finding in result["findings"]:
        assert finding["host"] == "h"
        assert finding["message"] and finding["title"] == sov.RULES[finding["rule"]]
        if finding["severity"] == "error":
            assert finding["remediation"], finding


def test_extraterritorial_finding_carries_law_and_source(catalog):
    policy = sov.Policy(copy.deepcopy(POLICY), catalog)
    hv = {"sovereign_provider": "aws", "sovereign_region": "eu-west-3", "sovereign_data_classification": "personal"}
    (finding,) = sov.evaluate(policy, catalog, {"h": hv}, today=TODAY)["hosts"]["h"]["findings"]
    assert "us-cloud-act" in finding["evidence"]["laws"]
    assert finding["evidence"]["country_of_location"] == "FR"
    assert finding["source"]["laws"]["us-cloud-act"]["source"].startswith("https://")
    assert "CLOUD Act" in finding["message"]


def dated_catalog(valid_from, valid_until):
    certs = load("certifications.yml")
    certs["certifications"].append(
        {"id": "test-snc", "provider": "scaleway", "scheme": "secnumcloud", "offers": ["qualified-test"],
         "valid_from": valid_from, "valid_until": valid_until, "source": "test", "checked": "2026-11-29"}
    )  # fmt: skip
    return sov.Catalog(load("providers.yml"), certs, load("countries.yml"))


SENSITIVE_ON_TEST_OFFER = {
    "sovereign_provider": "scaleway",
    "sovereign_zone": "fr-par-1",
    "sovereign_offer": "qualified-test",
    "sovereign_data_classification": "sensitive",
}


@pytest.mark.parametrize(
    ("valid_from", "valid_until", "verdict", "rules"),
    [
        ("2024-01-01", "2027-01-01", "compliant", set()),
        ("2022-01-01", "2025-01-01", "violation", {"SOV-CERT-002"}),  # expired: does not count
        ("2027-01-01", "2030-01-01", "violation", {"SOV-CERT-002"}),  # not valid yet
        ("2023-11-29", "2026-11-29", "compliant", set()),  # last valid day
        # A start date only: the scheme's period (SecNumCloud: 36 months) gives the end.
        ("2024-01-01", None, "compliant", set()),
        ("2023-11-28", None, "violation", {"SOV-CERT-002"}),  # ended 2026-11-28
        # No dates: unknown today; sensitive has on_unknown: fail.
        (None, None, "violation", {"SOV-CERT-003"}),
    ],
)
def test_certification_validity(valid_from, valid_until, verdict, rules):
    cat = dated_catalog(valid_from, valid_until)
    policy = sov.Policy(copy.deepcopy(POLICY), cat)
    result = sov.evaluate(policy, cat, {"h": SENSITIVE_ON_TEST_OFFER}, today=TODAY)["hosts"]["h"]
    assert result["verdict"] == verdict
    assert {f["rule"] for f in result["findings"]} == rules


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda p: p.pop("classifications"), "classifications"),
        (lambda p: p.update(default_classification="nope"), "default_classification"),
        (lambda p: p["classifications"]["sensitive"].update(required_certifications=["snc"]), "unknown scheme snc"),
        (lambda p: p["classifications"]["sensitive"].update(on_unknown="ignore"), "on_unknown"),
        (lambda p: p["classifications"]["sensitive"].update(allowed_countries="EU"), "allowed_countries"),
        (lambda p: p["classifications"]["sensitive"].update(typo_key=1), "unknown keys typo_key"),
        (lambda p: p["endpoints"]["allow"].append({"kinds": ["dns"]}), "endpoints.allow[4]"),
        (lambda p: p.update(telemetry={"required": "maybe"}), "telemetry.required"),
        (lambda p: p.update(extra=1), "unknown top-level keys: extra"),
    ],
)
def test_policy_errors_name_the_key(catalog, mutate, message):
    data = copy.deepcopy(POLICY)
    mutate(data)
    with pytest.raises(sov.PolicyError, match=message.replace("[", r"\[").replace("]", r"\]")):
        sov.Policy(data, catalog)


def test_catalog_errors_name_the_entry():
    certs = load("certifications.yml")
    certs["certifications"].append({"id": "bad", "provider": "nobody", "scheme": "iso27001", "offers": [],
                                    "source": "x", "checked": "2026-01-01"})  # fmt: skip
    with pytest.raises(sov.CatalogError, match=r"certifications\[\d+\] \(bad\) names unknown provider nobody"):
        sov.Catalog(load("providers.yml"), certs, load("countries.yml"))
    certs["certifications"][-1].update(provider="scaleway", valid_until="soon")
    with pytest.raises(sov.CatalogError, match="not an ISO date"):
        sov.Catalog(load("providers.yml"), certs, load("countries.yml"))


def test_shipped_catalog_entries_have_source_and_date():
    providers, certs, countries = load("providers.yml"), load("certifications.yml"), load("countries.yml")
    entries = (
        list(providers["providers"].values())
        + list(providers["laws"].values())
        + certs["certifications"]
        + list(certs["schemes"].values())
        + list(countries["groups"].values())
    )
    for entry in entries:
        assert entry["source"], entry
        assert isinstance(entry["checked"], datetime.date), entry
    for provider in providers["providers"].values():
        for location in provider["locations"].values():
            assert len(location["country"]) == 2 and location["country"].isupper()


def test_eu_group_has_27_members(catalog):
    assert len(catalog.groups["EU"]) == 27
    assert catalog.groups["EU"] < catalog.groups["EEA"]
    assert "GB" not in catalog.groups["EEA"] and "CH" not in catalog.groups["EEA"]


def test_report_formats(catalog):
    policy = sov.Policy(copy.deepcopy(POLICY), catalog)
    hosts = {c[0]: c[1] for c in CASES}
    report = sov.evaluate(policy, catalog, hosts, today=TODAY)
    assert report["summary"]["hosts"] == len(CASES)
    assert set(report["compliant"]) | set(report["violation"]) == set(hosts)
    assert json.loads(sov.report_json(report))["verdict"] == "violation"
    markdown = sov.report_markdown(report)
    assert "Verdict: **violation**" in markdown and "SOV-JUR-001" in markdown
    suite = ET.fromstring(sov.report_junit(report))  # noqa: S314 - our own output
    assert int(suite.get("tests")) == len(CASES)
    assert int(suite.get("failures")) == len(report["violation"])
    failed = {case.get("name") for case in suite.iter("testcase") if case.find("failure") is not None}
    assert failed == set(report["violation"])


def test_lookup_helpers(catalog):
    assert sov.country_of(catalog, "ovhcloud", "BHS5") == "CA"
    assert sov.country_of(catalog, "scaleway", "pl-waw-2") == "PL"
    with pytest.raises(ValueError, match="location 'fr-par-9' of provider scaleway"):
        sov.country_of(catalog, "scaleway", "fr-par-9")
    with pytest.raises(ValueError, match="provider 'nope'"):
        sov.country_of(catalog, "nope", "x")
    facts = sov.provider_facts(catalog, "aws")
    assert facts["controlled_from"] == "US" and "us-cloud-act" in facts["extraterritorial_laws"]
    assert sov.in_country_group(catalog, "no", "EEA") and not sov.in_country_group(catalog, "NO", "EU")
    with pytest.raises(ValueError, match="country group 'EFTA'"):
        sov.in_country_group(catalog, "CH", "EFTA")


def test_shipped_catalog_loads_once():
    first = sov.load_catalog()
    assert sov.load_catalog() is first
    assert "scaleway" in first.providers


@pytest.mark.parametrize(
    ("endpoint", "verdict"),
    [
        ({"kind": "object_storage", "host": "s3.fr-par.scw.cloud"}, "compliant"),
        ({"kind": "object_storage", "host": "scw.cloud"}, "compliant"),
        ({"kind": "ntp", "host": "ntp.scw.cloud"}, "violation"),  # provider entry limited to object storage
        ({"kind": "object_storage", "host": "s3.eu-west-3.amazonaws.com"}, "violation"),
        ({"kind": "object_storage", "host": "evil-scw.cloud"}, "violation"),  # not under the domain
    ],
)
def test_endpoint_allowed_by_provider(catalog, endpoint, verdict):
    data = copy.deepcopy(POLICY)
    data["endpoints"]["allow"].append({"provider": "scaleway", "kinds": ["object_storage"]})
    policy = sov.Policy(data, catalog)
    hostvars = {"sovereign_provider": "homelab", "sovereign_country": "FR", "sovereign_external_endpoints": [endpoint]}
    assert sov.evaluate(policy, catalog, {"h": hostvars}, today=TODAY)["hosts"]["h"]["verdict"] == verdict


@pytest.mark.parametrize(
    ("endpoint", "verdict"),
    [("s3.fr-par.scw.cloud", "compliant"), ("https://s3.eu-west-3.amazonaws.com:443", "violation")],
)
def test_loki_object_storage_is_judged_like_any_endpoint(catalog, endpoint, verdict):
    hostvars = {"loki_storage": "s3", "loki_s3": {"endpoint": endpoint, "bucket": "logs"}}
    assert homelab_with_object_storage_of(catalog, "scaleway", hostvars)["verdict"] == verdict


def homelab_with_object_storage_of(catalog, provider, hostvars):
    """The result of a French homelab host using `hostvars`, the policy allowing `provider`'s object storage."""
    data = copy.deepcopy(POLICY)
    data["endpoints"]["allow"].append({"provider": provider, "kinds": ["object_storage"]})
    policy = sov.Policy(data, catalog)
    hostvars = {"sovereign_provider": "homelab", "sovereign_country": "FR", **hostvars}
    return sov.evaluate(policy, catalog, {"h": hostvars}, today=TODAY)["hosts"]["h"]


def test_a_file_mirror_is_not_an_endpoint():
    assert sov.host_endpoints({"sovereign_artifact_mirror": "file:///srv/bundle"}) == []
    assert sov.host_endpoints({"sovereign_artifact_mirror": "https://mirror.example.eu/sc"}) == [
        ("artifact_mirror", "mirror.example.eu")
    ]


def test_backup_targets_are_object_storage_while_backups_are_on():
    """The GitLab and Home Assistant backups hold every repository and secret: their S3 target is judged."""
    target = {"endpoint": "https://s3.ca-east-tor.io.cloud.ovh.net", "bucket": "b"}
    assert sov.host_endpoints({"gitlab_backup_s3": target}) == [("object_storage", "s3.ca-east-tor.io.cloud.ovh.net")]
    assert sov.host_endpoints({"home_assistant_backup_s3": target}) == [
        ("object_storage", "s3.ca-east-tor.io.cloud.ovh.net")
    ]
    assert sov.host_endpoints({"gitlab_backup_enabled": False, "gitlab_backup_s3": target}) == []
    assert sov.host_endpoints({"gitlab_backup_s3": {}}) == []


def test_a_gitlab_backup_in_canada_fails_an_eu_policy(catalog):
    hostvars = {"gitlab_backup_s3": {"endpoint": "https://s3.ca-east-tor.io.cloud.ovh.net", "bucket": "gitlab"}}
    result = homelab_with_object_storage_of(catalog, "ovhcloud", hostvars)
    assert result["verdict"] != "compliant"
    assert any("gitlab_backup_s3" in str(finding) for finding in result["findings"]), result["findings"]


def test_loki_on_the_filesystem_has_no_endpoint():
    assert sov.host_endpoints({"loki_storage": "filesystem", "loki_s3": {"endpoint": "s3.example.com"}}) == []


def test_endpoint_provider_must_be_known(catalog):
    data = copy.deepcopy(POLICY)
    data["endpoints"]["allow"].append({"provider": "acme"})
    with pytest.raises(sov.PolicyError, match=r"endpoints.allow\[4\].provider: acme is not in the catalog"):
        sov.Policy(data, catalog)
    data["endpoints"]["allow"][-1] = {"provider": "scaleway", "host": "x.eu"}
    with pytest.raises(sov.PolicyError, match="either a host"):
        sov.Policy(data, catalog)


def test_telemetry_per_service_exception(catalog):
    data = copy.deepcopy(POLICY)
    data["telemetry"] = {"required": "off", "services": {"home_assistant": "any"}}
    policy = sov.Policy(data, catalog)
    hostvars = {
        "sovereign_provider": "homelab",
        "sovereign_country": "FR",
        "sovereign_telemetry": {"home_assistant": True, "grafana": True},
    }
    findings = sov.evaluate(policy, catalog, {"h": hostvars}, today=TODAY)["hosts"]["h"]["findings"]
    assert [(f["rule"], f["evidence"]["service"]) for f in findings] == [("SOV-TEL-001", "grafana")]
    data["telemetry"]["services"]["grafana"] = "sometimes"
    with pytest.raises(sov.PolicyError, match=r"telemetry\.services\.grafana must be off or any"):
        sov.Policy(data, catalog)


def test_data_defaults_read_the_time_servers_from_their_data_file():
    """base_chrony_servers defaults to a lookup of data/time/servers.yml: the gate reads the file itself."""
    root = Path(__file__).resolve().parents[4]
    listed = yaml.safe_load((root / "data" / "time" / "servers.yml").read_text())["sovereign_time_servers"]
    defaults = sov.data_defaults()["base_chrony_servers"]
    assert [server["host"] for server in defaults] == [entry["host"] for entry in listed]
    assert ("ntp", "nts.netnod.se") in sov.host_endpoints(sov.host_facts({}))


# --- the rule table -------------------------------------------------------------


def test_every_rule_id_is_reported_by_a_rule_of_the_table():
    """Each rule id of RULES is named by the docstring of the function of the table that reports it."""
    documented = " ".join(rule.__doc__ for rule in (evaluation.classify, *sov.HOST_RULES))
    for rule_id in sov.RULES:
        assert rule_id in documented, rule_id


def test_a_rule_runs_on_its_own_context(catalog):
    """A rule is a function of a host's context: telemetry alone, without the location rules before it."""
    evaluator = sov.Evaluator(sov.Policy(POLICY, catalog), catalog, TODAY)
    context = evaluation.HostContext(evaluator, "ha1", {"sovereign_telemetry": {"home_assistant": True, "x": False}})
    assert evaluation.classify(context) == []
    findings = evaluation.telemetry(context)
    assert [(f["rule"], f["evidence"]["service"]) for f in findings] == [("SOV-TEL-001", "home_assistant")]


def test_an_unknown_offer_lists_the_providers_known_offers(catalog):
    """Issue #17, item 5: the finding names the offer given and the identifiers the catalog uses."""
    evaluator = sov.Evaluator(sov.Policy(POLICY, catalog), catalog, TODAY)
    verdict = evaluator.evaluate_host(
        "pod1",
        {"sovereign_provider": "ovhcloud", "sovereign_datacenter": "rbx", "sovereign_offer": "SecNumCloud Bare Metal",
         "sovereign_data_classification": "sensitive"},
    )  # fmt: skip
    (finding,) = verdict["findings"]
    assert finding["rule"] == "SOV-OFR-001" and finding["severity"] == "error"
    assert "SecNumCloud Bare Metal" in finding["message"]
    assert "bare-metal-pod-secnumcloud" in finding["evidence"]["known_offers"]
    assert finding["source"]["source"]


def test_every_offer_the_inventory_plugins_set_is_known_to_the_catalog(catalog):
    """The plugins' sovereign_offer values never meet SOV-OFR-001."""
    for provider, offers in (("scaleway", _scaleway_inventory.OFFERS), ("ovhcloud", _ovhcloud_inventory.OFFERS)):
        assert set(offers.values()) <= set(catalog.offers(provider)), provider


# --- the shipped example policies ------------------------------------------------


def shipped_example_policies():
    """The policies users start from: the examples of docs/sovereignty.md and the example inventories'."""
    root = Path(__file__).resolve().parents[4]
    text = (root / "docs" / "sovereignty.md").read_text()
    examples = text.split("### Examples", 1)[1].split("\n## ", 1)[0]
    blocks = [block.split("```", 1)[0] for block in examples.split("```yaml\n")[1:]]
    policies = {"docs/sovereignty.md example %d" % (n + 1): yaml.safe_load(b) for n, b in enumerate(blocks)}
    for inventory in ("lab", "hybrid"):
        path = root / "inventories" / inventory / "group_vars" / "all" / "sovereignty.yml"
        policies["inventories/%s" % inventory] = yaml.safe_load(path.read_text())["sovereign_policy"]
    return policies


def test_the_shipped_example_policies_are_found():
    assert len(shipped_example_policies()) == 5


@pytest.mark.parametrize("name", sorted(shipped_example_policies()))
def test_shipped_example_policies_pass_a_host_with_the_collections_defaults(catalog, name):
    """A host converged with the collection's defaults (its NTP servers among them) passes every example."""
    policy = sov.Policy(shipped_example_policies()[name], catalog)
    defaults = sov.host_facts({"sovereign_provider": "homelab", "sovereign_country": "FR"})
    assert ("ntp", "ptbtime1.ptb.de") in sov.host_endpoints(defaults)
    result = sov.evaluate(policy, catalog, {"h": defaults}, today=TODAY)["hosts"]["h"]
    assert [f["message"] for f in result["findings"] if f["rule"].startswith("SOV-EP")] == []
    # And the operator's own machine in France passes each example as a whole (the
    # strict one requires SecNumCloud of third parties only).
    assert result["verdict"] == "compliant", result["findings"]


# --- where a host is, and who runs it (issue #17, items 2 and 3) -----------------


def verdict_of(catalog, hostvars, policy=None):
    result = sov.evaluate(sov.Policy(policy or POLICY, catalog), catalog, {"h": hostvars}, today=TODAY)["hosts"]["h"]
    return result["verdict"], [f["rule"] for f in result["findings"]], result["facts"]


def test_a_cloud_host_known_only_by_its_country_is_located_at_country_level(catalog):
    host = {"sovereign_provider": "scaleway", "sovereign_country": "fr", "sovereign_data_classification": "personal"}
    verdict, rules, facts = verdict_of(catalog, host)
    assert (verdict, rules) == ("compliant", [])
    assert (facts["country"], facts["country_from"]) == ("FR", "sovereign_country")
    verdict, rules, _facts = verdict_of(catalog, dict(host, sovereign_country="CA"))
    assert (verdict, rules) == ("violation", ["SOV-LOC-001"])


def test_a_cloud_host_without_zone_or_country_is_unknown(catalog):
    verdict, rules, _facts = verdict_of(
        catalog, {"sovereign_provider": "scaleway", "sovereign_data_classification": "personal"}
    )
    assert (verdict, rules) == ("violation", ["SOV-LOC-002"])


def test_a_zone_that_contradicts_the_declared_country_is_a_finding(catalog):
    host = {"sovereign_provider": "scaleway", "sovereign_zone": "fr-par-1", "sovereign_data_classification": "personal"}
    assert verdict_of(catalog, dict(host, sovereign_country="FR"))[:2] == ("compliant", [])
    verdict, rules, facts = verdict_of(catalog, dict(host, sovereign_country="DE"))
    assert (verdict, rules) == ("violation", ["SOV-LOC-003"])
    assert (facts["country"], facts["country_from"]) == ("FR", "location")  # the catalog's, not the claim


def test_an_unknown_zone_with_a_declared_country_is_still_reported(catalog):
    host = {"sovereign_provider": "scaleway", "sovereign_zone": "fr-par-9", "sovereign_country": "FR"}
    verdict, rules, facts = verdict_of(catalog, dict(host, sovereign_data_classification="personal"))
    assert (verdict, rules, facts["country"]) == ("violation", ["SOV-LOC-002"], "FR")


def strict_policy(apply_to):
    data = copy.deepcopy(POLICY)
    data["classifications"]["sensitive"]["allowed_countries"] = ["FR"]
    if apply_to is not None:
        data["classifications"]["sensitive"]["certifications_apply_to"] = apply_to
    return data


@pytest.mark.parametrize(
    ("apply_to", "hostvars", "rules"),
    [
        # Today's behaviour stays the default: every host must hold the qualification.
        (None, {"sovereign_provider": "homelab"}, ["SOV-CERT-001"]),
        ("all", {"sovereign_provider": "homelab"}, ["SOV-CERT-001"]),
        # Third parties only: the operator's own NUC is exempt, a cloud host is not.
        ("third_party", {"sovereign_provider": "homelab"}, []),
        ("third_party", {"sovereign_provider": "scaleway", "sovereign_zone": "fr-par-1"}, ["SOV-CERT-001"]),
        # Own hardware in someone else's rack: the operator says who runs it.
        ("third_party", {"sovereign_provider": "homelab", "sovereign_operated_by": "third_party"}, ["SOV-CERT-001"]),
        # A value that is neither is a finding, and the requirement applies (never assumed exempt).
        (
            "third_party",
            {"sovereign_provider": "homelab", "sovereign_operated_by": "staff"},
            ["SOV-OPR-001", "SOV-CERT-001"],
        ),
    ],
)
def test_certification_requirements_can_exempt_the_operators_own_hardware(catalog, apply_to, hostvars, rules):
    host = dict(hostvars, sovereign_country="FR", sovereign_data_classification="sensitive")
    assert verdict_of(catalog, host, strict_policy(apply_to))[1] == rules


def test_the_operator_of_a_host_is_a_fact_of_its_verdict(catalog):
    assert verdict_of(catalog, {"sovereign_provider": "homelab", "sovereign_country": "FR"})[2]["operated_by"] == "self"
    scaleway = {"sovereign_provider": "scaleway", "sovereign_zone": "fr-par-1"}
    assert verdict_of(catalog, scaleway)[2]["operated_by"] == "third_party"


def test_certifications_apply_to_is_checked(catalog):
    with pytest.raises(sov.PolicyError, match=r"classifications\.sensitive\.certifications_apply_to must be one of"):
        sov.Policy(strict_policy("nobody"), catalog)


# --- evidence for every verdict (issue #17, item 1) -------------------------------

OUTCOMES = {"pass", "warn", "fail", "not_applicable"}


def assert_sourced(source):
    """A source names where a fact comes from and when it was checked (nested for laws)."""
    if "source" not in source:  # SOV-JUR-001: {"provider": source, "laws": {law: source}}
        assert source, source
        for value in source.values():
            assert_sourced(value)
        return
    assert source["source"], source
    assert source.get("checked") not in (None, "", "None"), source


@pytest.mark.parametrize(("hostvars", "verdict", "rules"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_every_verdict_carries_sourced_evidence(catalog, hostvars, verdict, rules):
    policy = sov.Policy(copy.deepcopy(POLICY), catalog)
    result = sov.evaluate(policy, catalog, {"h": hostvars}, today=TODAY)["hosts"]["h"]
    evidence = result["evidence"]
    assert evidence and evidence[0]["rule"] == "SOV-CLS-001"
    for record in evidence:
        assert record["rule"] in sov.RULES and record["outcome"] in OUTCOMES, record
        assert record["sources"], record
        for source in record["sources"]:
            assert_sourced(source)
    # Each finding's rule is among the rules evaluated, with the finding's outcome.
    outcomes = {r["rule"]: r["outcome"] for r in evidence}
    for finding in result["findings"]:
        assert_sourced(finding["source"])
        assert outcomes[finding["rule"]] == ("fail" if finding["severity"] == "error" else "warn"), finding


def test_a_compliant_verdict_says_what_made_it_compliant(catalog):
    host = {"sovereign_provider": "scaleway", "sovereign_zone": "fr-par-2", "sovereign_data_classification": "personal"}
    result = sov.evaluate(sov.Policy(copy.deepcopy(POLICY), catalog), catalog, {"h": host}, today=TODAY)["hosts"]["h"]
    assert result["verdict"] == "compliant" and result["findings"] == []
    by_rule = {r["rule"]: r for r in result["evidence"]}
    assert {rule: r["outcome"] for rule, r in by_rule.items()} == {
        "SOV-CLS-001": "pass",
        "SOV-PRV-001": "pass",
        "SOV-LOC-002": "pass",
        "SOV-LOC-001": "pass",
        "SOV-JUR-001": "pass",
        "SOV-OPR-001": "pass",
        "SOV-EP-001": "pass",
        "SOV-TEL-001": "pass",
    }
    scaleway = catalog.providers["scaleway"]
    # The location rule cites where the catalog's locations come from, not the provider's legal page.
    location = by_rule["SOV-LOC-001"]
    assert location["facts"] == {"country": "FR", "allowed": sorted(catalog.expand_countries(["EU"]))}
    assert {"source": scaleway["locations_source"], "checked": str(scaleway["checked"])} in location["sources"]
    assert {"source": "inventory: sovereign_zone of host h", "checked": str(TODAY)} in location["sources"]
    assert by_rule["SOV-JUR-001"]["facts"]["laws"] == []
    assert by_rule["SOV-CLS-001"]["sources"][0]["source"] == "inventory: sovereign_data_classification of host h"


def test_a_location_finding_cites_the_location_source(catalog):
    host = {"sovereign_provider": "ovhcloud", "sovereign_region": "BHS5", "sovereign_data_classification": "personal"}
    (finding,) = sov.evaluate(sov.Policy(copy.deepcopy(POLICY), catalog), catalog, {"h": host}, today=TODAY)["hosts"][
        "h"
    ]["findings"]
    assert finding["rule"] == "SOV-LOC-001"
    assert finding["source"]["source"] == catalog.providers["ovhcloud"]["locations_source"]


def test_a_declared_country_is_cited_as_the_operators_declaration(catalog):
    host = {"sovereign_provider": "homelab", "sovereign_country": "DE"}
    result = sov.evaluate(sov.Policy(copy.deepcopy(POLICY), catalog), catalog, {"nuc1": host}, today=TODAY)
    location = next(r for r in result["hosts"]["nuc1"]["evidence"] if r["rule"] == "SOV-LOC-002")
    assert location["facts"]["country_from"] == "sovereign_country"
    assert location["sources"] == [{"source": "inventory: sovereign_country of host nuc1", "checked": str(TODAY)}]


def test_certification_evidence_carries_its_validity(catalog):
    dated = dated_catalog("2025-01-01", "2028-01-01")
    host = {"sovereign_provider": "scaleway", "sovereign_zone": "fr-par-1", "sovereign_offer": "qualified-test",
            "sovereign_data_classification": "sensitive"}  # fmt: skip
    result = sov.evaluate(sov.Policy(copy.deepcopy(POLICY), dated), dated, {"h": host}, today=TODAY)["hosts"]["h"]
    assert result["verdict"] == "compliant"
    (cert,) = [r for r in result["evidence"] if r["rule"].startswith("SOV-CERT")]
    assert cert["outcome"] == "pass"
    assert cert["facts"] == {"scheme": "secnumcloud", "offer": "qualified-test", "certification": "test-snc",
                             "valid_from": "2025-01-01", "valid_until": "2028-01-01", "valid_until_from": "entry",
                             "state": "valid"}  # fmt: skip
    assert cert["sources"][0] == {"source": "test", "checked": "2026-11-29"}


def test_endpoint_evidence_says_what_let_each_endpoint_in(catalog):
    host = sov.host_facts({"sovereign_provider": "homelab", "sovereign_country": "FR",
                           "sovereign_dns_resolvers": ["192.168.1.1"]})  # fmt: skip
    result = sov.evaluate(sov.Policy(copy.deepcopy(POLICY), catalog), catalog, {"h": host}, today=TODAY)["hosts"]["h"]
    endpoints = next(r for r in result["evidence"] if r["rule"] == "SOV-EP-001")
    allowed = {e["host"]: e["allowed_by"] for e in endpoints["facts"]["endpoints"]}
    assert allowed["192.168.1.1"] == "allow_private_addresses"
    assert allowed["ptbtime1.ptb.de"] == "endpoints.allow: ptbtime*.ptb.de"
    assert allowed["nts.netnod.se"] is None  # not in this test policy: the finding below
    # The default time servers are cited from their data file's entries.
    assert any(s["source"].startswith("https://www.ptb.de/") for s in endpoints["sources"])
    (finding,) = [f for f in result["findings"] if f["evidence"]["host"] == "nts.netnod.se"]
    assert "netnod" in finding["source"]["source"]


def test_no_finding_without_a_source():
    with pytest.raises(ValueError, match="SOV-EP-001 without a source"):
        evaluation._finding("SOV-EP-001", "error", "m", {}, None)


def test_reports_show_the_evidence_of_compliant_hosts(catalog):
    host = {"sovereign_provider": "scaleway", "sovereign_zone": "fr-par-2"}
    report = sov.evaluate(sov.Policy(copy.deepcopy(POLICY), catalog), catalog, {"web1": host}, today=TODAY)
    locations = catalog.providers["scaleway"]["locations_source"]
    assert report["verdict"] == "compliant"
    assert json.loads(sov.report_json(report))["hosts"]["web1"]["evidence"][0]["rule"] == "SOV-CLS-001"
    markdown = sov.report_markdown(report)
    assert "## web1: compliant" in markdown
    assert re.search(r"^\| SOV-LOC-001 \| pass \| .*%s" % re.escape(locations), markdown, re.M), markdown
    suite = ET.fromstring(sov.report_junit(report))  # noqa: S314 - our own output
    out = suite.find("testcase").find("system-out").text
    assert "SOV-LOC-001 pass" in out and locations in out


# --- validity and the catalog's age (issue #17, item 4) -------------------------


def test_a_start_date_and_the_schemes_period_give_the_end(catalog):
    cat = dated_catalog("2025-01-01", None)
    result = sov.evaluate(sov.Policy(copy.deepcopy(POLICY), cat), cat, {"h": SENSITIVE_ON_TEST_OFFER}, today=TODAY)
    (cert,) = [r for r in result["hosts"]["h"]["evidence"] if r["rule"].startswith("SOV-CERT")]
    assert (cert["outcome"], cert["facts"]["valid_until"], cert["facts"]["valid_until_from"]) == (
        "pass",
        "2028-01-01",
        "schemes.secnumcloud.validity_months",
    )


def test_an_undated_qualification_follows_on_unknown(catalog):
    cat = dated_catalog(None, None)
    data = copy.deepcopy(POLICY)
    data["classifications"]["sensitive"]["on_unknown"] = "warn"
    result = sov.evaluate(sov.Policy(data, cat), cat, {"h": SENSITIVE_ON_TEST_OFFER}, today=TODAY)["hosts"]["h"]
    assert result["verdict"] == "compliant"
    assert [(f["rule"], f["severity"]) for f in result["findings"]] == [("SOV-CERT-003", "warning")]
    assert "valid today is unknown" in result["findings"][0]["message"]


def test_stale_catalog_facts_are_findings_when_the_policy_says_how_old_is_too_old(catalog):
    data = copy.deepcopy(POLICY)
    data["max_catalog_age_days"] = 90
    policy = sov.Policy(data, catalog)
    host = {"sovereign_provider": "scaleway", "sovereign_zone": "fr-par-2", "sovereign_data_classification": "personal"}
    fresh = sov.evaluate(policy, catalog, {"h": host}, today=TODAY)["hosts"]["h"]
    assert fresh["verdict"] == "compliant"
    age = next(r for r in fresh["evidence"] if r["rule"] == "SOV-CAT-001")
    assert (age["outcome"], age["facts"]["max_catalog_age_days"]) == ("pass", 90)
    later = sov.evaluate(policy, catalog, {"h": host}, today=datetime.date(2027, 6, 1))["hosts"]["h"]
    assert later["verdict"] == "violation"
    stale = {f["evidence"]["source"] for f in later["findings"] if f["rule"] == "SOV-CAT-001"}
    scaleway = catalog.providers["scaleway"]
    assert {scaleway["source"], scaleway["locations_source"]} <= stale
    assert {f["rule"] for f in later["findings"]} == {"SOV-CAT-001"}
    # Without the setting, age is not judged.
    unjudged = sov.evaluate(
        sov.Policy(copy.deepcopy(POLICY), catalog), catalog, {"h": host}, today=datetime.date(2027, 6, 1)
    )
    assert unjudged["hosts"]["h"]["verdict"] == "compliant"


@pytest.mark.parametrize("value", [0, -3, "30", True, 1.5])
def test_max_catalog_age_days_is_checked(catalog, value):
    data = copy.deepcopy(POLICY)
    data["max_catalog_age_days"] = value
    with pytest.raises(sov.PolicyError, match="max_catalog_age_days must be a whole number of days"):
        sov.Policy(data, catalog)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [("2025-01-31", 1, "2025-02-28"), ("2024-02-29", 12, "2025-02-28"), ("2023-11-29", 36, "2026-11-29")],
)
def test_add_months(day, months, expected):
    assert str(catalog_module.add_months(datetime.date.fromisoformat(day), months)) == expected


def test_a_schemes_validity_period_is_checked():
    certs = load("certifications.yml")
    certs["schemes"]["secnumcloud"]["validity_months"] = "three years"
    with pytest.raises(sov.CatalogError, match=r"schemes\.secnumcloud\.validity_months"):
        sov.Catalog(load("providers.yml"), certs, load("countries.yml"))


# --- endpoints judged by their own location (issue #17, item 6) ------------------


def with_ovhcloud_storage_allowed():
    data = copy.deepcopy(POLICY)
    data["endpoints"]["allow"].append({"provider": "ovhcloud", "kinds": ["object_storage"]})
    return data


@pytest.mark.parametrize(
    ("endpoint", "classification", "rules"),
    [
        ("s3.gra.io.cloud.ovh.net", "personal", []),
        ("my-logs.s3.waw.io.cloud.ovh.net", "personal", []),  # a bucket's virtual host
        # The provider is allowed, but this region is in Canada: personal data must stay in the EU.
        ("s3.bhs.io.cloud.ovh.net", "personal", ["SOV-EP-002"]),
        ("s3.uk.perf.cloud.ovh.net", "personal", ["SOV-EP-002"]),
        ("s3.bhs.io.cloud.ovh.net", "public", []),  # no country restriction
        # A region the catalog does not know: unknown, and personal's on_unknown is fail.
        ("s3.mars-north.io.cloud.ovh.net", "personal", ["SOV-EP-002"]),
    ],
)
def test_an_allowed_providers_endpoint_is_judged_by_its_location(catalog, endpoint, classification, rules):
    host = {"sovereign_provider": "homelab", "sovereign_country": "FR", "sovereign_data_classification": classification,
            "loki_storage": "s3", "loki_s3": {"endpoint": "https://" + endpoint, "bucket": "logs"}}  # fmt: skip
    found = verdict_of(catalog, host, with_ovhcloud_storage_allowed())[1]
    assert found == rules


def test_endpoint_location_evidence_names_region_country_and_source(catalog):
    host = {"sovereign_provider": "homelab", "sovereign_country": "FR", "sovereign_data_classification": "personal",
            "sovereign_external_endpoints": [{"kind": "object_storage", "host": "s3.nl-ams.scw.cloud"}]}  # fmt: skip
    data = copy.deepcopy(POLICY)
    data["endpoints"]["allow"].append({"provider": "scaleway", "kinds": ["object_storage"]})
    result = sov.evaluate(sov.Policy(data, catalog), catalog, {"h": host}, today=TODAY)["hosts"]["h"]
    assert result["verdict"] == "compliant"
    (record,) = [r for r in result["evidence"] if r["rule"] == "SOV-EP-002"]
    assert record["facts"]["endpoints"] == [
        {"host": "s3.nl-ams.scw.cloud", "kind": "object_storage", "provider": "scaleway", "region": "nl-ams",
         "country": "NL"}
    ]  # fmt: skip
    assert record["sources"][0]["source"].startswith("https://www.scaleway.com/en/docs/object-storage/")
    # The same endpoint for data that must stay in France.
    data["classifications"]["personal"]["allowed_countries"] = ["FR"]
    result = sov.evaluate(sov.Policy(data, catalog), catalog, {"h": host}, today=TODAY)["hosts"]["h"]
    assert [f["rule"] for f in result["findings"]] == ["SOV-EP-002"]
    assert "in NL, outside the allowed countries" in result["findings"][0]["message"]


def test_endpoint_location_is_judged_without_an_endpoints_section(catalog):
    """Where data goes is a matter of the classification, not of the perimeter's allow-list."""
    data = copy.deepcopy(POLICY)
    del data["endpoints"]
    host = {"sovereign_provider": "homelab", "sovereign_country": "FR", "sovereign_data_classification": "personal",
            "loki_storage": "s3", "loki_s3": {"endpoint": "s3.ca-east-tor.io.cloud.ovh.net"}}  # fmt: skip
    assert verdict_of(catalog, host, data)[1] == ["SOV-EP-002"]


def test_endpoint_patterns_are_checked():
    providers = load("providers.yml")
    providers["providers"]["scaleway"]["endpoints"][0]["pattern"] = "s3.scw.cloud"
    with pytest.raises(sov.CatalogError, match=r"providers\.scaleway\.endpoints\[0\]\.pattern: .* must hold"):
        sov.Catalog(providers, load("certifications.yml"), load("countries.yml"))


# --- the non-EU-controlled providers' EU offers (issue #17, item 7) -------------


def test_a_hyperscalers_sovereign_region_is_judged_by_the_law_it_is_exposed_to(catalog):
    host = {"sovereign_provider": "aws-eusc", "sovereign_region": "eusc-de-east-1",
            "sovereign_data_classification": "personal"}  # fmt: skip
    result = sov.evaluate(sov.Policy(copy.deepcopy(POLICY), catalog), catalog, {"h": host}, today=TODAY)["hosts"]["h"]
    assert [f["rule"] for f in result["findings"]] == ["SOV-JUR-001"]  # not SOV-PRV-001, not a location finding
    (finding,) = result["findings"]
    assert "CLOUD Act" in finding["message"] and finding["evidence"]["country_of_location"] == "DE"
    assert finding["source"]["laws"]["us-cloud-act"]["source"].startswith("https://")
    # Where extraterritorial exposure is allowed, the region in Germany is fine.
    internal = dict(host, sovereign_data_classification="internal")
    assert verdict_of(catalog, internal)[:2] == ("compliant", [])


@pytest.mark.parametrize(("provider", "country"), [("bleu", "FR"), ("delos", "DE")])
def test_the_ventures_that_run_a_hyperscalers_software_are_judged_by_their_own_control(catalog, provider, country):
    host = {"sovereign_provider": provider, "sovereign_country": country, "sovereign_data_classification": "personal"}
    assert verdict_of(catalog, host)[:2] == ("compliant", [])
    entry = catalog.providers[provider]
    assert (entry["controlled_from"], entry["extraterritorial_laws"]) == (country, [])
    # Not qualified: SecNumCloud-only data does not go there on their word.
    sensitive = dict(host, sovereign_data_classification="sensitive")
    assert verdict_of(catalog, sensitive)[1] == ["SOV-CERT-001"]
    # Their data centres have no public ids: a host needs its country.
    assert verdict_of(catalog, {"sovereign_provider": provider, "sovereign_data_classification": "personal"})[1] == [
        "SOV-LOC-002"
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("fr-par-1", False),
        ("{{ zone }}", True),
        ("a {% if x %}b{% endif %}", True),
        ([{"host": "ptbtime1.ptb.de"}, {"host": "{{ ntp }}"}], True),
        ({"{{ key }}": 1}, True),
        ({"grafana": True, "loki": False}, False),
        (None, False),
        (3, False),
    ],
)
def test_possibly_template(value, expected):
    assert sov.possibly_template(value) is expected


class _TaggedStr(str):
    """A str subclass carrying something, as Ansible 2.19's tagged values do."""

    tags = ("origin",)


class _TaggedInt(int):
    tags = ("origin",)


def test_plain_rebuilds_values_from_builtin_types():
    value = {_TaggedStr("zone"): [_TaggedStr("fr-par-1"), _TaggedInt(3), True, None, 1.5, (_TaggedStr("t"),)]}
    result = sov.plain(value)
    assert result == {"zone": ["fr-par-1", 3, True, None, 1.5, ["t"]]}
    (key,) = result
    assert key.__class__ is str
    assert [item.__class__ for item in result["zone"]] == [str, int, bool, type(None), float, list]
    assert result["zone"][5][0].__class__ is str


def test_plain_strips_ansible_tags():
    tags = pytest.importorskip("ansible._internal._datatag._tags", reason="Ansible's data tags are 2.19 and later")
    origin = tags.Origin(path="/inventory/hosts.yml", line_num=3)
    tagged = origin.tag("fr-par-1")
    assert tagged.__class__ is not str  # the premise: Ansible hands over a tagged subclass
    assert sov.plain({"z": tagged})["z"].__class__ is str


class _Templar:
    def __init__(self, variables):
        self.variables = variables
        self.templated = []

    def template(self, value):
        self.templated.append(value)
        return _TaggedStr(value.replace("{{ zone }}", self.variables["zone"]))


def test_templated_host_facts_templates_only_what_holds_a_template():
    made = []

    def templar_for(variables):
        made.append(_Templar(variables))
        return made[-1]

    plain_vars = {"sovereign_provider": _TaggedStr("scaleway"), "sovereign_zone": "fr-par-1", "other": "{{ x }}"}
    facts = sov.templated_host_facts(plain_vars, templar_for)
    assert made == []  # no value held a template: no templar asked for
    assert facts["sovereign_zone"] == "fr-par-1" and "other" not in facts
    assert facts["sovereign_provider"].__class__ is str

    facts = sov.templated_host_facts({"sovereign_zone": "{{ zone }}", "zone": "nl-ams-1"}, templar_for)
    (templar,) = made
    assert templar.templated == ["{{ zone }}"]  # the data-file defaults and plain values untouched
    assert facts["sovereign_zone"] == "nl-ams-1" and facts["sovereign_zone"].__class__ is str


def test_templated_values_reads_only_the_keys_asked_for():
    made = []

    def templar_for(variables):
        made.append(_Templar(variables))
        return made[-1]

    variables = {"cloud_type": _TaggedStr("DEV1-S"), "sovereign_zone": "{{ zone }}", "zone": "nl-ams-1",
                 "other": "{{ zone }}"}  # fmt: skip
    found = sov.templated_values(variables, ("cloud_type", "sovereign_zone", "finops_power"), templar_for)
    (templar,) = made
    assert templar.templated == ["{{ zone }}"]  # only the asked-for value that holds a template
    assert found == {"cloud_type": "DEV1-S", "sovereign_zone": "nl-ams-1"}
    assert found["cloud_type"].__class__ is str and found["sovereign_zone"].__class__ is str


def test_first_lines_counts_the_rest():
    assert sov.first_lines(["a", "b"], 3, "errors") == ["a", "b"]
    assert sov.first_lines(["a", "b", "c", "d"], 2, "errors") == [
        "a",
        "b",
        "... and 2 more errors (every one is in the findings and the reports)",
    ]
