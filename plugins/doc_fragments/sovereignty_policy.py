# Copyright: sovereign.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Options shared by the plugins that evaluate a sovereignty policy."""


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  policy:
    description:
      - The policy as a dictionary (schema in docs/sovereignty.md).
      - Exactly one of O(policy) and O(policy_file) is required.
    type: dict
  catalog_dir:
    description:
      - Directory holding providers.yml, certifications.yml and countries.yml.
      - Defaults to the collection's catalog (C(data/sovereignty/)).
    type: path
  today:
    description: Evaluation date (YYYY-MM-DD) for certification validity. Defaults to today.
    type: str
"""
