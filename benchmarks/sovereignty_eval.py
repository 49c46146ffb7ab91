"""Evaluation speed of the sovereignty engine: 10,000 hosts, every rule kind.

Hosts cycle through realistic profiles (Scaleway, OVHcloud incl. BHS/UK and
SecNumCloud offers, US hyperscalers, homelab NUCs, unknown zones, endpoints
inside and outside the allow-list, telemetry on) so that every rule fires.
The policy has classifications with country limits, extraterritorial-law
exclusion, required certifications and unknown-fact handling, an endpoint
allow-list with globs and kinds, and telemetry off.

Prints the in-process wall time of evaluate() (best of 5, catalog and policy
already loaded); target under 1 s. Run: scripts/benchmark sovereignty_eval
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / ".cache" / "collections"))

from ansible_collections.sovereign.cloud.plugins.plugin_utils import _sovereignty as sov  # noqa: E402

HOSTS = 10_000
TARGET_SECONDS = 1.0

POLICY = {
    "default_classification": "internal",
    "max_catalog_age_days": 365,
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
        "health": {"allowed_countries": ["FR"], "allow_extraterritorial_exposure": False,
                   "required_certifications": ["hds"]},
    },
    "endpoints": {
        "allow": [{"host": "ptbtime*.ptb.de", "kinds": ["ntp"]}, {"host": "sth*.ntp.se", "kinds": ["ntp"]},
                  {"host": "dns*.example.eu", "kinds": ["dns"]}, {"host": "mirror.example.eu"}],
        "internal_domains": ["home.arpa"],
    },
    "telemetry": {"required": "off"},
}  # fmt: skip

NTP = [{"host": "ptbtime1.ptb.de"}, {"host": "sth1.ntp.se"}]
PROFILES = [
    {"sovereign_provider": "scaleway", "sovereign_zone": "fr-par-2", "base_chrony_servers": NTP},
    {"sovereign_provider": "scaleway", "sovereign_zone": "fr-par-1", "sovereign_offer": "instances",
     "sovereign_data_classification": "sensitive"},
    {"sovereign_provider": "ovhcloud", "sovereign_datacenter": "rbx", "sovereign_offer": "bare-metal-pod-secnumcloud",
     "sovereign_data_classification": "sensitive"},
    {"sovereign_provider": "ovhcloud", "sovereign_region": "BHS5", "sovereign_data_classification": "personal"},
    {"sovereign_provider": "ovhcloud", "sovereign_region": "UK1"},
    {"sovereign_provider": "ovhcloud", "sovereign_datacenter": "gra", "sovereign_offer": "dedicated-server",
     "sovereign_data_classification": "health"},
    {"sovereign_provider": "aws", "sovereign_region": "eu-west-3", "sovereign_data_classification": "sensitive"},
    {"sovereign_provider": "homelab", "sovereign_country": "DE", "sovereign_dns_resolvers": ["192.168.1.1", "8.8.8.8"],
     "sovereign_telemetry": {"grafana": True}},
    {"sovereign_provider": "scaleway", "sovereign_zone": "fr-par-9", "sovereign_data_classification": "sensitive"},
    {"sovereign_provider": "acme", "sovereign_data_classification": "personal"},
    {"sovereign_provider": "scaleway", "sovereign_zone": "fr-par-1", "sovereign_data_classification": "secret"},
    {"sovereign_provider": "scaleway", "sovereign_zone": "fr-par-3", "sovereign_offer": "expired-offer",
     "sovereign_data_classification": "sensitive"},
    {"sovereign_provider": "homelab", "sovereign_country": "FR", "sovereign_artifact_mirror": "https://mirror.example.eu/x",
     "base_chrony_servers": [*NTP, {"host": "time.google.com"}]},
    # A zone contradicting the declared country, an offer the catalog does not know, an operator that is neither.
    {"sovereign_provider": "scaleway", "sovereign_zone": "nl-ams-1", "sovereign_country": "FR"},
    {"sovereign_provider": "ovhcloud", "sovereign_datacenter": "rbx", "sovereign_offer": "bare-metal-pod-snc",
     "sovereign_data_classification": "sensitive"},
    {"sovereign_provider": "homelab", "sovereign_country": "FR", "sovereign_operated_by": "staff"},
    # Loki's bucket in OVHcloud's Canadian region for EU-only data.
    {"sovereign_provider": "homelab", "sovereign_country": "FR", "sovereign_data_classification": "personal",
     "loki_storage": "s3", "loki_s3": {"endpoint": "https://s3.bhs.io.cloud.ovh.net", "bucket": "logs"}},
]  # fmt: skip


def main():
    # The shipped catalog plus one expired qualification, long unchecked, so SOV-CERT-002 and SOV-CAT-001 fire.
    data = sov.DEFAULT_CATALOG_DIR
    certifications = yaml.safe_load(Path(data, "certifications.yml").read_text())
    certifications["certifications"].append(
        {"id": "bench-expired", "provider": "scaleway", "scheme": "secnumcloud", "offers": ["expired-offer"],
         "valid_from": "2020-01-01", "valid_until": "2023-01-01", "source": "benchmark", "checked": "2024-01-01"}
    )  # fmt: skip
    catalog = sov.Catalog(
        yaml.safe_load(Path(data, "providers.yml").read_text()),
        certifications,
        yaml.safe_load(Path(data, "countries.yml").read_text()),
    )
    policy = sov.Policy(POLICY, catalog)
    hosts = {f"host{i:05d}": dict(PROFILES[i % len(PROFILES)]) for i in range(HOSTS)}
    timings = []
    for _run in range(5):
        started = time.perf_counter()
        report = sov.evaluate(policy, catalog, hosts)
        timings.append(time.perf_counter() - started)
    rules = sorted({f["rule"] for r in report["hosts"].values() for f in r["findings"]})
    best = min(timings)
    print(
        f"sovereignty evaluation: {HOSTS} hosts in {best:.3f} s (best of 5; worst {max(timings):.3f} s); "
        f"{report['summary']['violations']} in violation, {report['summary']['errors']} errors, "
        f"{report['summary']['warnings']} warnings; rules fired: {', '.join(rules)}"
    )
    print(f"target under {TARGET_SECONDS:.1f} s: {'met' if best < TARGET_SECONDS else 'NOT met'}")
    missing = set(sov.RULES) - set(rules)
    if missing:
        print(f"warning: rules not exercised: {', '.join(sorted(missing))}")
    results = ROOT / "benchmarks" / "results"
    results.mkdir(parents=True, exist_ok=True)
    figures = {"hosts": HOSTS, "best_s": round(best, 4), "worst_s": round(max(timings), 4), "rules": rules}
    (results / "sovereignty_eval.json").write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
