#!/usr/bin/python
# Copyright: sovereign.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: sovereignty_facts
short_description: Read what a host is actually configured to talk to and to report home
version_added: 0.1.0
author: sovereign.cloud maintainers (@sovereign-cloud)
description:
  - Reads the configuration on the host, whoever wrote it, and returns the
    external endpoints and telemetry settings the sovereignty checks judge,
    under the names M(sovereign.cloud.sovereignty_check) reads.
  - DNS resolvers from C(/etc/resolv.conf); NTP sources from chrony
    (C(/etc/chrony/chrony.conf), C(conf.d), C(sources.d)) and
    systemd-timesyncd; Grafana usage reporting and update checks
    (C(grafana.ini)); Loki C(analytics.reporting_enabled);
    Alloy C(--disable-reporting); GitLab Service Ping and event-level product
    usage data as Rails runs them (the C(gitlab.yml) and environment that
    C(gitlab-ctl reconfigure) generated), else C(/etc/gitlab/gitlab.rb);
    Home Assistant cloud and analytics; registries k3s pulls from
    (C(registries.yaml)).
  - The configuration of the collection's services is read where their roles
    wrote it, from the endpoint each published on the host
    (C(/etc/ansible/facts.d/sovereign_endpoint_<service>.fact), its C(config)
    path); then at the vendors' default paths (C(/etc/grafana/grafana.ini),
    C(/etc/loki/config.yml), C(/etc/rancher/k3s/registries.yaml)), for
    software installed otherwise.
  - Software that is not installed is not reported. Only reads.
options:
  root:
    description: Directory the paths are read under (for a mounted image or a test tree).
    type: path
    default: /
  home_assistant_config_dirs:
    description: Where to look for Home Assistant's C(configuration.yaml); the first that exists is read.
    type: list
    elements: path
    default: [/var/lib/homeassistant, /srv/homeassistant, /home/homeassistant/.homeassistant, /config]
attributes:
  check_mode:
    support: full
    description: The module only reads.
  diff_mode:
    support: none
    description: Nothing changes.
  platform:
    support: full
    platforms: posix
    description: Linux hosts.
"""

EXAMPLES = r"""
- name: Read what the host really uses
  sovereign.cloud.sovereignty_facts:
  register: observed

- name: Judge it with the policy (see playbooks/sovereignty_audit.yml)
  ansible.builtin.set_fact:
    sovereign_dns_resolvers: "{{ observed.dns_resolvers }}"
    sovereign_telemetry: "{{ observed.telemetry }}"
    sovereign_external_endpoints: "{{ observed.external_endpoints }}"
"""

RETURN = r"""
dns_resolvers:
  description: Name servers in /etc/resolv.conf.
  returned: always
  type: list
  elements: str
  sample: ["192.168.1.1"]
ntp_servers:
  description: NTP sources configured for chrony or systemd-timesyncd.
  returned: always
  type: list
  elements: str
  sample: ["ptbtime1.ptb.de"]
telemetry:
  description: Per installed service, whether it reports usage or checks for updates with its vendor.
  returned: always
  type: dict
  sample: {grafana: false, loki: false, alloy: false}
external_endpoints:
  description: Further endpoints, each with C(kind) and C(host) (registries k3s pulls from, Nabu Casa cloud).
  returned: always
  type: list
  elements: dict
  sample: [{kind: registry, host: registry.example.eu}]
files_read:
  description: The configuration files that were read.
  returned: always
  type: list
  elements: str
"""

import glob
import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sovereign.cloud.plugins.module_utils import _sovereignty_facts as parse


class Reader:
    def __init__(self, root):
        self.root = root
        self.files_read = []

    def path(self, path):
        return os.path.join(self.root, path.lstrip("/"))

    def text(self, path):
        full = self.path(path)
        try:
            with open(full, encoding="utf-8", errors="replace") as handle:
                content = handle.read()
        except OSError:
            return None
        self.files_read.append(path)
        return content

    def texts(self, pattern):
        found = []
        for full in sorted(glob.glob(self.path(pattern))):
            text = self.text("/" + os.path.relpath(full, self.root))
            if text is not None:
                found.append(text)
        return found

    def exists(self, path):
        return os.path.exists(self.path(path))


def observe(reader, home_assistant_dirs):
    telemetry = {}
    endpoints = []

    ntp = []
    chrony = [reader.text("/etc/chrony/chrony.conf")]
    chrony += reader.texts("/etc/chrony/conf.d/*.conf") + reader.texts("/etc/chrony/sources.d/*.sources")
    ntp += parse.chrony_sources(t for t in chrony if t)
    if not ntp:
        timesyncd = [reader.text("/etc/systemd/timesyncd.conf"), *reader.texts("/etc/systemd/timesyncd.conf.d/*.conf")]
        ntp += parse.timesyncd_servers("\n".join(t for t in timesyncd if t))

    def published(service):
        return parse.published_config(reader.text(parse.PUBLISHED_ENDPOINT % service))

    def first(candidates):
        for candidate in candidates:
            if candidate:
                text = reader.text(candidate)
                if text is not None:
                    return text
        return None

    grafana = first([published("grafana"), "/etc/grafana/grafana.ini"])
    if grafana is not None:
        telemetry["grafana"] = any(parse.grafana_reports(grafana).values())

    loki = first([published("loki"), "/etc/loki/config.yml", "/etc/loki/config.yaml", "/etc/loki/loki.yaml"])
    if loki is not None:
        telemetry["loki"] = parse.loki_reports(loki)

    alloy_published = published("alloy")
    if alloy_published or any(reader.exists(p) for p in ("/etc/alloy", "/usr/bin/alloy", "/usr/local/bin/alloy")):
        alloy = [reader.text("/etc/default/alloy"), reader.text("/etc/sysconfig/alloy")]
        alloy += reader.texts("/etc/systemd/system/alloy.service") + reader.texts(
            "/etc/systemd/system/alloy.service.d/*.conf"
        )
        telemetry["alloy"] = parse.alloy_reports([t for t in alloy if t])

    # GitLab: what Rails runs with (generated by gitlab-ctl reconfigure), else
    # what gitlab.rb asks for (not reconfigured yet).
    gitlab_rails = first(
        [
            parse.published_config(reader.text(parse.PUBLISHED_ENDPOINT % "gitlab"), "rails_config"),
            "/var/opt/gitlab/gitlab-rails/etc/gitlab.yml",
        ]
    )
    if gitlab_rails is not None:
        telemetry["gitlab"] = parse.gitlab_rails_reports(
            gitlab_rails, reader.text("/opt/gitlab/etc/gitlab-rails/env/GITLAB_PRODUCT_USAGE_DATA_ENABLED")
        )
    else:
        gitlab = first([published("gitlab"), "/etc/gitlab/gitlab.rb"])
        if gitlab is not None:
            telemetry["gitlab"] = parse.gitlab_usage_ping(gitlab)

    home_assistant_published = published("home_assistant")
    if home_assistant_published:
        home_assistant_dirs = [os.path.dirname(home_assistant_published), *home_assistant_dirs]
    for directory in home_assistant_dirs:
        configuration = reader.text(os.path.join(directory, "configuration.yaml"))
        if configuration is None:
            continue
        found = parse.home_assistant(configuration, reader.text(os.path.join(directory, ".storage", "core.analytics")))
        telemetry["home_assistant"] = found["analytics"]
        if found["cloud"]:
            endpoints.append({"kind": "cloud_remote", "host": "nabucasa.com"})
        break

    k3s_config = published("k3s")
    registries = first(
        [
            os.path.join(os.path.dirname(k3s_config), "registries.yaml") if k3s_config else None,
            "/etc/rancher/k3s/registries.yaml",
        ]
    )
    if registries is not None or reader.exists("/usr/local/bin/k3s"):
        for host in parse.k3s_registry_endpoints(registries or ""):
            endpoints.append({"kind": "registry", "host": host})

    return {
        "dns_resolvers": parse.resolv_conf_resolvers(reader.text("/etc/resolv.conf") or ""),
        "ntp_servers": ntp,
        "telemetry": telemetry,
        "external_endpoints": endpoints,
        "files_read": reader.files_read,
    }


def main():
    module = AnsibleModule(
        argument_spec={
            "root": {"type": "path", "default": "/"},
            "home_assistant_config_dirs": {
                "type": "list",
                "elements": "path",
                "default": [
                    "/var/lib/homeassistant",
                    "/srv/homeassistant",
                    "/home/homeassistant/.homeassistant",
                    "/config",
                ],
            },
        },
        supports_check_mode=True,
    )
    if not os.path.isdir(module.params["root"]):
        module.fail_json(msg="root: %s is not a directory" % module.params["root"])
    result = observe(Reader(module.params["root"]), module.params["home_assistant_config_dirs"])
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
