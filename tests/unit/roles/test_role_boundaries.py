"""No role reads another role's variables, defaults or files (issue #15).

Roles know each other only through what they publish: the entry points they
call (passing that role's inputs as include vars, and reading the
`<role>_result` fact the entry point sets), and the collection's published
facts (`sovereign_endpoints`, `sovereign_pki`, `sovereign_host`, read with
the endpoint_of / endpoints_of filters or directly). This test reads every
task, vars, defaults, handler and template file of every role and fails on:

- a reference to a variable named after another role (`node_exporter_port`
  in prometheus) that is not an input being set for an include
  (`base_firewall_rule:`) or an entry point's `*_result`;
- a path under another role's directory of /etc/sovereign (`/etc/sovereign/pki`
  outside pki) or into another role's tree (`roles/base/`).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
ROLES = sorted(path.name for path in (ROOT / "roles").iterdir() if path.is_dir())
PARTS = ("tasks", "vars", "defaults", "handlers", "templates")
SUFFIXES = (".yml", ".yaml", ".j2")


MESSAGE = re.compile(r"^(\s*)-?\s*(fail_msg|success_msg|msg):")
JINJA = re.compile(r"{{.*?}}|{%.*?%}")
# A name between quotes is a string, not a read ('service_ping_settings' as a
# database column), unless it subscripts something (hostvars[h]['loki_port']).
QUOTED_NAME = re.compile(r"(?<![A-Za-z0-9_\]]\[)('[A-Za-z0-9_]+'|\"[A-Za-z0-9_]+\")")


def code_lines(role):
    """(file, line number, code) of a role's YAML and templates, comments left out.

    In a message (fail_msg, msg), only the Jinja expressions are code: the
    prose may name another role's variable to tell the user what to change.
    In a template, too: the text around the expressions is the file's content
    (gitlab.rb sets prometheus_monitoring['enable'], a GitLab key).
    """
    for part in PARTS:
        for path in sorted((ROOT / "roles" / role / part).rglob("*")):
            if not path.is_file() or path.suffix not in SUFFIXES:
                continue
            message_indent = None
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if line.lstrip().startswith("#"):
                    continue
                indent = len(line) - len(line.lstrip())
                if message_indent is not None and line.strip() and indent <= message_indent:
                    message_indent = None
                start = MESSAGE.match(line)
                if start:
                    message_indent = len(start.group(1))
                code = line.split(" #", 1)[0]
                if message_indent is not None or path.suffix == ".j2":
                    code = " ".join(JINJA.findall(line))
                yield path.relative_to(ROOT), number, QUOTED_NAME.sub("''", code)


def foreign_reads(role):
    others = [other for other in ROLES if other != role]
    variable = re.compile(r"\b((?:%s)_[a-z0-9_]+)\b" % "|".join(others))
    path = re.compile(r"(/etc/sovereign/(?:%s)\b|\broles/(?:%s)/)" % ("|".join(others), "|".join(others)))
    found = []
    for file, number, code in code_lines(role):
        for match in variable.finditer(code):
            name = match.group(1)
            # gitlab_runner (its tags, its variables) starts with another role's name (gitlab).
            if name == role or name.startswith(role + "_"):
                continue
            if name.endswith("_result") or re.match(r"^\s*-?\s*%s:" % re.escape(name), code):
                continue
            found.append("%s:%d reads %s" % (file, number, name))
        found.extend("%s:%d names %s" % (file, number, match.group(1)) for match in path.finditer(code))
    return found


@pytest.mark.parametrize("role", ROLES)
def test_role_reads_nothing_of_another_role(role):
    assert foreign_reads(role) == []


def test_the_check_finds_a_foreign_read(tmp_path, monkeypatch):
    """The check itself: a prometheus vars file reading node_exporter's port and pki's directory.

    A message may name another role's variable (what to change), but not read it.
    """
    roles = tmp_path / "roles"
    for name in ("prometheus", "node_exporter", "pki"):
        (roles / name / "vars").mkdir(parents=True)
    (roles / "prometheus" / "vars" / "main.yml").write_text(
        "---\n"
        "# node_exporter_port in a comment is not a read\n"
        'target: "{{ hostvars[h].node_exporter_port }}"\n'
        "ca: /etc/sovereign/pki/ca.crt\n"
        "__x:\n"
        "  node_exporter_port: 9100\n"
        'done: "{{ pki_certificate_result.ca }}"\n'
        "check:\n"
        "  fail_msg: >-\n"
        "    set node_exporter_port to another port ({{ node_exporter_listen_address }})\n"
    )
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    monkeypatch.setattr(sys.modules[__name__], "ROLES", ["node_exporter", "pki", "prometheus"])
    assert foreign_reads("prometheus") == [
        "roles/prometheus/vars/main.yml:3 reads node_exporter_port",
        "roles/prometheus/vars/main.yml:4 names /etc/sovereign/pki",
        "roles/prometheus/vars/main.yml:10 reads node_exporter_listen_address",
    ]
