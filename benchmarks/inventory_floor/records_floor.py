# Copyright: sovereign.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
name: records_floor
short_description: Benchmark reference, not part of the collection
description:
  - Reads host records that benchmarks/inventory.py saved from a plugin run
    and only adds the hosts, their groups and their variables. No API, no
    cache, no naming, no Constructable.
  - Its ansible-inventory time is the floor any inventory plugin has for the
    same hosts and variables, whatever it does to get them.
options:
  plugin:
    description: The name of this plugin.
    required: true
    choices: [records_floor]
  records:
    description: JSON file of host records.
    required: true
    type: path
"""

import json

from ansible.plugins.inventory import BaseInventoryPlugin


class InventoryModule(BaseInventoryPlugin):
    NAME = "records_floor"

    def verify_file(self, path):
        return path.endswith(".floor.yml")

    def parse(self, inventory, loader, path, cache=True):
        super().parse(inventory, loader, path, cache)
        self._read_config_data(path)
        with open(self.get_option("records"), encoding="utf-8") as handle:
            records = json.load(handle)
        for record in records:
            host = record["name"]
            inventory.add_host(host)
            for group in record["groups"]:
                inventory.add_group(group)
                inventory.add_child(group, host)
            for key, value in record["vars"].items():
                inventory.set_variable(host, key, value)
