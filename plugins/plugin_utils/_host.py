# Copyright: sovereign.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What roles decide from the host itself, from its Ansible facts, so that
every role decides it the same way."""

from __future__ import annotations

# The virtualization types Ansible's fact gathering reports for containers
# (ansible.module_utils.facts.virtual.linux): their kernel, and so /proc/sys,
# belongs to the machine underneath.
CONTAINER_TYPES = ("docker", "podman", "container", "containerd", "lxc", "systemd-nspawn")


def in_container(facts):
    """True when the facts describe a container guest; False for a host with its own kernel (or no facts)."""
    if not isinstance(facts, dict):
        raise ValueError("expects the host's ansible_facts (a dict), got %s" % type(facts).__name__)
    return facts.get("virtualization_role") == "guest" and facts.get("virtualization_type") in CONTAINER_TYPES
