"""The k3s role's `render` entry point, run on the controller for the render tests.

Each test writes an inventory (hosts in k3s_server and k3s_agent, with
ansible_connection local and k3s_render_dir) and gets back the finished
ansible-playbook process and the render directory.
"""

from __future__ import annotations

from pathlib import Path

import ansible_playbook
import yaml

PLAYBOOK = """
- name: Render k3s
  hosts: all
  gather_facts: false
  tasks:
    - name: k3s
      ansible.builtin.include_role:
        name: sovereign.cloud.k3s
        tasks_from: render
"""


def render(work: Path, inventory: dict):
    """Run the render with `inventory` in `work` (created); returns (process, render directory)."""
    work.mkdir(parents=True)
    (work / "inventory.yml").write_text(yaml.safe_dump(inventory))
    (work / "render.yml").write_text(PLAYBOOK)
    return ansible_playbook.run(work / "inventory.yml", work / "render.yml")
