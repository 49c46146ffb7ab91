"""AWX surveys from meta/extra_vars.yml: one question per variable a survey can ask, none invented."""

from __future__ import annotations

from pathlib import Path

import yaml

from ansible_collections.sovereign.cloud.plugins.plugin_utils import _awx

ROOT = Path(__file__).resolve().parents[4]
DECLARED = yaml.safe_load((ROOT / "meta" / "extra_vars.yml").read_text())["sovereign_playbook_extra_vars"]


def test_a_restore_survey_asks_for_the_archive_the_confirmation_and_the_key_hidden():
    spec, not_asked = _awx.survey("gitlab_restore", DECLARED["gitlab_restore"])
    questions = {q["variable"]: q for q in spec["spec"]}
    assert set(questions) == {"gitlab_restore_archive", "gitlab_restore_confirm", "gitlab_backup_age_identity"}
    assert questions["gitlab_backup_age_identity"]["type"] == "password"
    assert questions["gitlab_restore_archive"]["type"] == "text"
    assert all(q["required"] for q in questions.values())
    assert not_asked == []


def test_lists_are_left_to_the_templates_extra_vars():
    spec, not_asked = _awx.survey("bundle", DECLARED["bundle"])
    assert [q["variable"] for q in spec["spec"]] == ["bundle_dir"]
    assert not_asked == ["bundle_artifacts"]


def test_every_declared_variable_is_asked_or_named_as_not_askable():
    """The surveys cannot drift from the declarations: each variable is a question or left out by name."""
    for playbook, declared in DECLARED.items():
        spec, not_asked = _awx.survey(playbook, declared)
        asked = [q["variable"] for q in spec["spec"]]
        assert sorted(asked + not_asked) == sorted(declared or {}), playbook
        for question in spec["spec"]:
            item = declared[question["variable"]]
            assert question["required"] is item["required"]
            assert question["question_description"] == item["description"]
