"""The in_container filter (plugin_utils/_host.py): what base and k3s decide sysctls and auditd with."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.sovereign.cloud.plugins.filter.host import in_container


@pytest.mark.parametrize("kind", ["docker", "podman", "lxc", "systemd-nspawn", "container", "containerd"])
def test_container_guests(kind):
    assert in_container({"virtualization_role": "guest", "virtualization_type": kind}) is True


@pytest.mark.parametrize(
    "facts",
    [
        {"virtualization_role": "guest", "virtualization_type": "kvm"},  # a VM has its own kernel
        {"virtualization_role": "host", "virtualization_type": "kvm"},
        {"virtualization_role": "NA", "virtualization_type": "NA"},  # bare metal
        {},  # virtualization facts not gathered
    ],
)
def test_hosts_with_their_own_kernel(facts):
    assert in_container(facts) is False


def test_not_facts_refused():
    with pytest.raises(AnsibleFilterError, match="expects the host's ansible_facts"):
        in_container("docker")
