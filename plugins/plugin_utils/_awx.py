# Copyright: sovereign.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""AWX job template surveys from the playbooks' declared extra vars (meta/extra_vars.yml).

The survey of a playbook's job template is made from the same declaration
the playbook's own checks and the docs follow, so they cannot drift apart.
AWX's survey format: https://docs.ansible.com/automation-controller/latest/html/userguide/job_templates.html#surveys
(name, description, spec: [{question_name, question_description, variable,
type, required, default}]; types text, textarea, password, integer, float,
multiplechoice, multiselect).

Pure Python, unit-tested; the filter `awx_survey` is the adapter.
"""

from __future__ import annotations

# A survey answer is a string, an integer or a float: a list (bundle_artifacts)
# cannot be asked for; the template's extra vars give it instead.
SURVEY_TYPES = {"str": "text", "path": "text", "int": "integer"}


def survey(playbook, declared):
    """(survey_spec, not asked) of a playbook: the spec AWX takes, and the variables a survey cannot ask."""
    spec, not_asked = [], []
    for name, item in sorted((declared or {}).items()):
        kind = "password" if item.get("secret") else SURVEY_TYPES.get(item.get("type"))
        if kind is None:
            not_asked.append(name)
            continue
        question = {
            "question_name": name,
            "question_description": item.get("description", ""),
            "variable": name,
            "type": kind,
            "required": bool(item.get("required")),
            "default": "",
        }
        if item.get("type") == "int":
            question.update({"min": 0, "max": 2**31 - 1, "default": ""})
        spec.append(question)
    return {"name": playbook, "description": "Extra vars of %s (meta/extra_vars.yml)" % playbook, "spec": spec}, (
        not_asked
    )
