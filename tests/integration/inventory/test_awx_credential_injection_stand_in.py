"""The AWX credential types of data/awx/credential_types.yml, injected as AWX injects them, reach the plugins.

AWX renders a credential type's `injectors.env` with the credential's inputs
(Jinja; an optional input left empty renders as an empty string) and runs
the inventory source with that environment. Here the plugins run with only
that environment on top of what Ansible needs (no SCW_* or OVH_* of the
test machine), against the local API stand-ins (tests/tooling/fake_cloud_api.py),
whose URL the inventory file gives as an AWX inventory source's file would.
It is not AWX, and not the providers' APIs.
"""

from __future__ import annotations

import os
from pathlib import Path

import jinja2.sandbox
import pytest
import yaml
from ansible_inventory import listing
from cloud_providers import PROVIDERS, SECRET, ansible_inventory

ROOT = Path(__file__).resolve().parents[3]
TYPES = yaml.safe_load((ROOT / "data" / "awx" / "credential_types.yml").read_text())["sovereign_awx_credential_types"]
INPUTS = {
    "scaleway": {
        "access_key": "SCWABCDEFGHJKMNPQRST",
        "secret_key": SECRET,
        "organization_id": "33333333-3333-4333-8333-333333333333",
        "project_id": "",
    },
    "ovhcloud": {
        "endpoint": "ovh-eu",
        "application_key": PROVIDERS["ovhcloud"].credentials["OVH_APPLICATION_KEY"],
        "application_secret": PROVIDERS["ovhcloud"].credentials["OVH_APPLICATION_SECRET"],
        "consumer_key": PROVIDERS["ovhcloud"].credentials["OVH_CONSUMER_KEY"],
    },
}


def injected(provider, inputs):
    """The environment AWX would inject for a credential of this type."""
    environment = jinja2.sandbox.ImmutableSandboxedEnvironment(undefined=jinja2.Undefined)
    templates = TYPES[provider]["injectors"]["env"]
    return {name: environment.from_string(template).render(**inputs) for name, template in templates.items()}


def clean_environment(extra):
    """The test machine's environment without any SCW_ or OVH_ variable, plus `extra`."""
    removed = {name: None for name in os.environ if name.startswith(("SCW_", "OVH_"))}
    # No Scaleway config file either: the credential is the only source.
    return {**removed, "SCW_CONFIG_PATH": "/nonexistent/scw/config.yaml", **extra}


@pytest.fixture(params=["scaleway", "ovhcloud"])
def provider(request):
    return PROVIDERS[request.param]


def test_stand_in_each_field_of_a_type_is_declared_required_or_optional():
    for name, credential_type in TYPES.items():
        fields = {field["id"] for field in credential_type["inputs"]["fields"]}
        assert set(credential_type["inputs"]["required"]) <= fields, name
        # Every injected variable comes from a declared input.
        for template in credential_type["injectors"]["env"].values():
            assert template.strip("{} ") in fields, (name, template)
        secrets = {field["id"] for field in credential_type["inputs"]["fields"] if field.get("secret")}
        assert secrets, f"{name}: the secret inputs are marked secret (AWX encrypts and hides them)"


def test_stand_in_the_injected_environment_is_what_the_plugin_reads(tmp_path, api, provider):
    environment = injected(provider.name, INPUTS[provider.name])
    assert set(environment) <= {"SCW_ACCESS_KEY", "SCW_SECRET_KEY", "SCW_DEFAULT_ORGANIZATION_ID",
                                "SCW_DEFAULT_PROJECT_ID", "OVH_ENDPOINT", "OVH_APPLICATION_KEY",
                                "OVH_APPLICATION_SECRET", "OVH_CONSUMER_KEY"}  # fmt: skip
    proc = ansible_inventory(provider.write(tmp_path, api), env=clean_environment(environment))
    _groups, hostvars = listing(proc)
    assert provider.host_elsewhere in hostvars
    for secret in provider.secrets:
        assert secret not in proc.stdout + proc.stderr


def test_stand_in_without_the_credential_the_plugin_stops(tmp_path, api, provider):
    proc = ansible_inventory(provider.write(tmp_path, api), env=clean_environment({}))
    assert proc.returncode != 0
    assert provider.missing_credentials_message in " ".join(proc.stderr.split())
