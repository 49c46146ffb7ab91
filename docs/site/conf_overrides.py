# Appended to the conf.py that `antsibull-docs sphinx-init` writes (scripts/docs-site).
#
# The build is offline: Ansible's own docs (docs.ansible.com) cannot be
# fetched for intersphinx, so references into them cannot be resolved here.
# They are ignored by name below; every reference inside this collection is
# still resolved, and a broken one fails the build (-W, nitpicky).
intersphinx_mapping = {}
nitpick_ignore_regex = [
    # Ansible's documentation: its labels, its configuration variables.
    ("ref", r"(common_return_values|action_plugins|ansible_configuration_settings)"),
    ("ref", r"ansible_collections\.ansible\.builtin\..*"),
    ("envvar", r"ANSIBLE_.*"),
]
