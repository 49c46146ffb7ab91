#!/usr/bin/python
# Copyright: sovereign.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: gitlab_runner_registration
short_description: One GitLab runner per host and description, with an authentication token, never duplicated
version_added: 0.3.0
author: sovereign.cloud maintainers (@sovereign-cloud)
description:
  - Runs on the host of the runner. Reads the runner's id and authentication token from O(config_path)
    (the C(config.toml) the P(sovereign.cloud.gitlab_runner#role) role writes), and makes GitLab hold exactly
    one runner for it, through GitLab's REST API.
  - "When the token in C(config.toml) still verifies (C(POST /api/v4/runners/verify)), the runner's
    description, tags and flags are updated where they differ (C(PUT /api/v4/runners/:id)): a changed
    description renames the runner, it does not add one."
  - "When it does not (no file, or the runner was deleted on the server), the runner is looked up by its
    description among the runners of its scope. Found: its token is reset
    (C(POST /api/v4/runners/:id/reset_authentication_token)), so a rebuilt host takes its runner back.
    Not found: it is created with C(POST /api/v4/user/runners), which returns a C(glrt-) authentication
    token. Two runners with the description is an error, not a guess."
  - The legacy registration token is never used. Transient answers (429, 5xx, no answer) are retried with
    backoff, honouring C(Retry-After); 401 and 403 fail at once with what to fix.
  - The token is returned in RV(token) for the role to write into C(config.toml) (0600). Run the task with
    C(no_log) (the role does).
  - With O(state=absent), deletes the runner (or, with O(name=*), every runner of C(config.toml)) with its
    own token (C(DELETE /api/v4/runners)); a runner already gone is not an error.
options:
  url:
    description: GitLab's URL (the coordinator), such as V(https://gitlab.example.eu). No default.
    type: str
    required: true
  api_token:
    description:
      - An access token with the C(create_runner) scope, of an administrator for instance runners or of the
        group's or project's owner. Used for every call but C(verify) and the deletion by runner token.
      - Not needed with O(state=absent).
    type: str
  ca_path:
    description: CA certificate file GitLab's certificate is checked against (the internal CA); system CAs when not set.
    type: path
  config_path:
    description: The runner's C(config.toml), read for the id and token of the entry named O(name).
    type: path
    default: /etc/gitlab-runner/config.toml
  name:
    description:
      - The C(name) of the runner's entry in C(config.toml).
      - With O(state=absent), V(*) deletes every runner of C(config.toml).
    type: str
    required: true
  description:
    description: The runner's description in GitLab; with the scope, what identifies it. Required with O(state=present).
    type: str
  runner_type:
    description: The runner's scope.
    type: str
    choices: [instance_type, group_type, project_type]
    default: instance_type
  group_id:
    description: The group of a V(group_type) runner.
    type: str
  project_id:
    description: The project of a V(project_type) runner.
    type: str
  tag_list:
    description: Job tags the runner picks up.
    type: list
    elements: str
    default: []
  run_untagged:
    description: Also pick up jobs without tags.
    type: bool
    default: false
  locked:
    description: Lock a project runner to its current projects.
    type: bool
    default: true
  paused:
    description: Pause the runner (it takes no job).
    type: bool
    default: false
  access_level:
    description: V(ref_protected) runs jobs of protected branches and tags only.
    type: str
    choices: [not_protected, ref_protected]
    default: not_protected
  maximum_timeout:
    description: Longest job, in seconds (at least 600); no limit when not set.
    type: int
  state:
    description: V(present) registers or finds the runner, V(absent) deletes it on the server.
    type: str
    choices: [present, absent]
    default: present
  timeout:
    description: Seconds to wait for each answer.
    type: int
    default: 30
attributes:
  check_mode:
    support: full
    description: Only reads (verify, get, list); reports what it would do.
  diff_mode:
    support: none
    description: No diff.
  platform:
    support: full
    platforms: posix
    description: The runner's host.
notes:
  - The token is only known when the runner is created or its token reset; RV(token) is empty in check mode
    then.
seealso:
  - name: GitLab runners API
    description: The endpoints this module calls.
    link: https://docs.gitlab.com/api/runners/
  - name: Create a runner linked to a user
    description: POST /api/v4/user/runners.
    link: https://docs.gitlab.com/api/users/#create-a-runner-linked-to-a-user
"""

EXAMPLES = r"""
- name: Runner of this host in GitLab (token for config.toml)
  sovereign.cloud.gitlab_runner_registration:
    url: https://gitlab.example.eu
    api_token: "{{ vault_gitlab_runner_api_token }}"
    ca_path: /usr/local/share/ca-certificates/sovereign-internal-ca.crt
    name: "{{ inventory_hostname }}-docker"
    description: "{{ inventory_hostname }} docker"
    tag_list: [docker, eu]
  register: runner
  no_log: true

- name: Remove every runner of this host from GitLab (playbooks/gitlab_runner_unregister.yml)
  sovereign.cloud.gitlab_runner_registration:
    url: https://gitlab.example.eu
    name: "*"
    state: absent
"""

RETURN = r"""
action:
  description: What was done, V(unchanged), V(updated), V(token_reset), V(created), V(deleted) or V(absent).
  returned: always
  type: str
  sample: unchanged
id:
  description: The runner's id in GitLab (empty in check mode when it would be created).
  returned: when state is present
  type: int
  sample: 101
removed:
  description: The ids of the runners deleted on the server.
  returned: when state is absent
  type: list
  elements: int
  sample: [101]
token:
  description: The runner's authentication token (C(glrt-...)), for C(config.toml).
  returned: when state is present
  type: str
  sample: glrt-XXXXXXXXXXXXXXXXXXXX
updated:
  description: The runner's fields that were changed on the server.
  returned: when state is present
  type: list
  elements: str
  sample: [description]
"""

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sovereign.cloud.plugins.module_utils import _gitlab_runner as runners


def main():
    module = AnsibleModule(
        argument_spec={
            "url": {"type": "str", "required": True},
            "api_token": {"type": "str", "no_log": True},
            "ca_path": {"type": "path"},
            "config_path": {"type": "path", "default": "/etc/gitlab-runner/config.toml"},
            "name": {"type": "str", "required": True},
            "description": {"type": "str"},
            "runner_type": {
                "type": "str",
                "choices": ["instance_type", "group_type", "project_type"],
                "default": "instance_type",
            },
            "group_id": {"type": "str"},
            "project_id": {"type": "str"},
            "tag_list": {"type": "list", "elements": "str", "default": []},
            "run_untagged": {"type": "bool", "default": False},
            "locked": {"type": "bool", "default": True},
            "paused": {"type": "bool", "default": False},
            "access_level": {"type": "str", "choices": ["not_protected", "ref_protected"], "default": "not_protected"},
            "maximum_timeout": {"type": "int"},
            "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
            "timeout": {"type": "int", "default": 30},
        },
        required_if=[
            ("state", "present", ["api_token", "description"]),
            ("runner_type", "group_type", ["group_id"]),
            ("runner_type", "project_type", ["project_id"]),
        ],
        supports_check_mode=True,
    )
    params = module.params
    if not params["url"].startswith("https://"):
        module.fail_json(msg="url must be GitLab's https:// URL, got %s" % params["url"])
    if params["maximum_timeout"] is not None and params["maximum_timeout"] < 600:
        module.fail_json(msg="maximum_timeout must be at least 600 seconds (GitLab's minimum)")

    text = None
    if os.path.exists(params["config_path"]):
        with open(params["config_path"], encoding="utf-8") as handle:
            text = handle.read()
    in_config = runners.runners_in_config(text)
    existing = next((r for r in in_config if r.get("name") == params["name"]), None)

    api = runners.RunnersAPI(
        params["url"], params["api_token"], runners.open_url_request(params["ca_path"], params["timeout"])
    )
    try:
        if params["state"] == "absent":
            targets = in_config if params["name"] == "*" else [existing]
            done = [runners.remove(api, target, module.check_mode) for target in targets]
            module.exit_json(
                changed=any(d["changed"] for d in done),
                action="deleted" if any(d["changed"] for d in done) else "absent",
                removed=[d["id"] for d in done if d["changed"]],
            )
        spec = {key: params[key] for key in ("runner_type", "description", "tag_list", "run_untagged", "locked",
                                             "paused", "access_level", "group_id", "project_id")}  # fmt: skip
        if params["maximum_timeout"] is not None:
            spec["maximum_timeout"] = params["maximum_timeout"]
        result = runners.ensure(api, spec, existing, module.check_mode)
    except runners.RunnerAPIError as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
