"""Stand-in for the Scaleway APIs the scaleway inventory plugin reads: Instances, Elastic Metal, IPAM.

Test and benchmark fixture, not part of the collection. The JSON follows the
public API references (https://www.scaleway.com/en/developers/api/) and the
official SDK's field names (deprecated fields present and null where the API
does that); Instances pages carry X-Total-Count and Link rel=next headers, the
other APIs total_count in the body; page sizes over 100 are refused, and a
request without X-Auth-Token gets 401 as the real API answers.
"""

from __future__ import annotations

import collections
import urllib.parse

from fake_api_core import page_body, stable_uuid

SCW_ZONES = ["fr-par-1", "fr-par-2", "fr-par-3", "nl-ams-1", "nl-ams-2", "nl-ams-3", "pl-waw-1", "pl-waw-2"]
ORGANIZATION = "5a7f6c1e-0d2b-4c3e-9f10-1b2c3d4e5f60"
SCW_TYPES = {
    # name: (hourly EUR, monthly EUR, ncpus, ram bytes)
    "DEV1-S": (0.0088, 6.42, 2, 2 * 1024**3),
    "PRO2-XXS": (0.055, 40.15, 2, 8 * 1024**3),
    "POP2-4C-16G": (0.1441, 105.19, 4, 16 * 1024**3),
}


class ScalewayData:
    """Instances, Elastic Metal servers, IPAM addresses, product and offer catalogs."""

    def __init__(self):
        self.instances = collections.defaultdict(list)  # zone -> servers
        self.baremetal = collections.defaultdict(list)
        self.baremetal_zones = {"fr-par-1", "fr-par-2", "nl-ams-1"}  # elsewhere: 404
        self.ipam = collections.defaultdict(list)  # region -> ips
        self.offers = {}

    @classmethod
    def generate(cls, instances_per_zone, baremetal_per_zone=None, projects=("p1",), tags_for=None):
        data = cls()
        for zone, count in instances_per_zone.items():
            for index in range(count):
                project = stable_uuid("project", projects[index % len(projects)])
                tags = tags_for(zone, index) if tags_for else ["env=prod" if index % 2 else "env=dev", "web"]
                data.add_instance(zone, "web-%s-%04d" % (zone, index), project=project, tags=tags, index=index)
        for zone, count in (baremetal_per_zone or {}).items():
            for index in range(count):
                data.add_baremetal(
                    zone, "em-%s-%02d" % (zone, index), project=stable_uuid("project", projects[0]), index=index
                )
        return data

    def add_instance(
        self,
        zone,
        name,
        *,
        project,
        tags=(),
        index=0,
        state="running",
        commercial_type="DEV1-S",
        public=True,
        ipv6=False,
        private=True,
        hostname=None,
    ):
        server_id = stable_uuid("instance", zone, name, index)
        region = zone.rsplit("-", 1)[0]
        public_ips = []
        if public:
            public_ips.append(self._public_ip(server_id, "inet", "51.15.%d.%d" % (index // 250 % 250, index % 250 + 1)))
        if ipv6:
            public_ips.append(self._public_ip(server_id, "inet6", "2001:bc8:1%03d::%x" % (index % 1000, index + 1)))
        nics = []
        if private:
            ip_id = stable_uuid("ipam", zone, name)
            nic_id = stable_uuid("nic", zone, name)
            nics.append(
                {
                    "id": nic_id,
                    "server_id": server_id,
                    "private_network_id": stable_uuid("pn", region),
                    "mac_address": "02:00:00:%02x:%02x:%02x" % (index >> 16 & 255, index >> 8 & 255, index & 255),
                    "state": "available",
                    "tags": [],
                    "zone": zone,
                    "ipam_ip_ids": [ip_id],
                    "creation_date": "2026-03-01T10:00:00.000000+00:00",
                }
            )
            self.ipam[region].append(
                {
                    "id": ip_id,
                    "address": "172.16.%d.%d/22" % (index // 250 % 4, index % 250 + 2),
                    "project_id": project,
                    "is_ipv6": False,
                    "created_at": "2026-03-01T10:00:00.000000Z",
                    "updated_at": "2026-03-01T10:00:00.000000Z",
                    "source": {"subnet_id": stable_uuid("subnet", region)},
                    "resource": {
                        "type": "instance_private_nic",
                        "id": nic_id,
                        "mac_address": nics[0]["mac_address"],
                        "name": name,
                    },
                    "tags": [],
                    "reverses": [],
                    "region": region,
                    "zone": zone,
                }
            )
        server = {
            "id": server_id,
            "name": name,
            "organization": ORGANIZATION,
            "project": project,
            "allowed_actions": ["poweroff", "terminate", "reboot", "stop_in_place", "backup"],
            "tags": list(tags),
            "commercial_type": commercial_type,
            "creation_date": "2026-03-01T10:00:00.000000+00:00",
            "dynamic_ip_required": False,
            "routed_ip_enabled": True,
            "enable_ipv6": None,
            "hostname": hostname or name,
            "image": {
                "id": stable_uuid("image", zone),
                "name": "Debian Trixie",
                "arch": "x86_64",
                "creation_date": "2025-08-10T00:00:00+00:00",
                "modification_date": "2025-08-10T00:00:00+00:00",
                "default_bootscript": None,
                "extra_volumes": {},
                "from_server": "",
                "organization": ORGANIZATION,
                "public": True,
                "root_volume": None,
                "state": "available",
                "project": ORGANIZATION,
                "tags": [],
                "zone": zone,
            },
            "protected": False,
            # Deprecated since routed IPs: present and null.
            "private_ip": None,
            "public_ip": None,
            "ipv6": None,
            "public_ips": public_ips,
            "mac_address": "de:00:00:%02x:%02x:%02x" % (index >> 16 & 255, index >> 8 & 255, index & 255),
            "modification_date": "2026-03-01T10:05:00.000000+00:00",
            "state": state,
            "location": {
                "cluster_id": "12",
                "hypervisor_id": "7",
                "node_id": "3",
                "platform_id": "14",
                "zone_id": zone,
            },
            "boot_type": "local",
            "volumes": {},
            "security_group": {"id": stable_uuid("sg", zone), "name": "default"},
            "maintenances": [],
            "state_detail": "booted",
            "arch": "x86_64",
            "placement_group": None,
            "private_nics": nics,
            "zone": zone,
            "filesystems": [],
            "end_of_service": False,
            "admin_password_encryption_ssh_key_id": None,
            "admin_password_encrypted_value": None,
        }
        self.instances[zone].append(server)
        return server

    @staticmethod
    def _public_ip(server_id, family, address):
        return {
            "id": stable_uuid("ip", address),
            "address": address,
            "gateway": "62.210.0.1" if family == "inet" else "fe80::a",
            "netmask": "32" if family == "inet" else "64",
            "family": family,
            "dynamic": False,
            "provisioning_mode": "dhcp" if family == "inet" else "slaac",
            "tags": [],
            "ipam_id": stable_uuid("ipam-public", address),
            "state": "attached",
        }

    def add_baremetal(self, zone, name, *, project, index=0, status="ready", tags=("role=db",)):
        offer_id = stable_uuid("offer", zone, "EM-A116X-SSD")
        self.offers.setdefault(zone, {})[offer_id] = {
            "id": offer_id,
            "name": "EM-A116X-SSD",
            "stock": "available",
            "bandwidth": 1000000000,
            "max_bandwidth": 1000000000,
            "commercial_range": "aluminium",
            "price_per_hour": {"currency_code": "EUR", "units": 0, "nanos": 164000000},
            "price_per_month": {"currency_code": "EUR", "units": 99, "nanos": 990000000},
            "disks": [],
            "enable": True,
            "cpus": [],
            "memories": [],
            "quota_name": "baremetal_servers_aluminium",
            "persistent_memories": [],
            "raid_controllers": [],
            "incompatible_os_ids": [],
            "subscription_period": "hourly",
            "operation_path": "/dedibox/offer/aluminium",
            "fee": None,
            "options": [],
            "private_bandwidth": 1000000000,
            "shared_bandwidth": False,
            "tags": [],
            "zone": zone,
            "monthly_offer_id": None,
            "gpus": [],
        }
        server = {
            "id": stable_uuid("baremetal", zone, name),
            "organization_id": ORGANIZATION,
            "project_id": project,
            "name": name,
            "description": "",
            "updated_at": "2026-04-02T09:00:00Z",
            "created_at": "2026-04-01T09:00:00Z",
            "status": status,
            "offer_id": offer_id,
            "offer_name": "EM-A116X-SSD",
            "tags": list(tags),
            "ips": [
                {
                    "id": stable_uuid("bmip4", name),
                    "address": "163.172.%d.%d" % (index // 250, index % 250 + 1),
                    "reverse": "%s.example.eu" % name,
                    "version": "IPv4",
                    "reverse_status": "active",
                    "reverse_status_message": "",
                },
                {
                    "id": stable_uuid("bmip6", name),
                    "address": "2001:bc8:700:%x::1" % (index + 1),
                    "reverse": "",
                    "version": "IPv6",
                    "reverse_status": "active",
                    "reverse_status_message": "",
                },
            ],
            "domain": "%s.baremetal.scw.cloud" % name,
            "boot_type": "normal",
            "zone": zone,
            "install": None,
            "ping_status": "ping_status_up",
            "options": [],
            "rescue_server": None,
            "protected": False,
        }
        self.baremetal[zone].append(server)
        return server

    def products(self, zone):
        return {
            name: {
                "monthly_price": monthly,
                "hourly_price": hourly,
                "alt_names": [],
                "per_volume_constraint": None,
                "volumes_constraint": {"min_size": 0, "max_size": 20000000000},
                "ncpus": ncpus,
                "gpu": 0,
                "ram": ram,
                "arch": "x86_64",
                "network": {
                    "sum_internal_bandwidth": 300000000,
                    "sum_internet_bandwidth": 300000000,
                    "ipv6_support": True,
                    "interfaces": [],
                },
                "capabilities": None,
                "scratch_storage_max_size": None,
                "scratch_storage_max_volumes_count": 0,
                "block_bandwidth": 41943040,
                "end_of_service": False,
                "baremetal": False,
            }
            for name, (hourly, monthly, ncpus, ram) in SCW_TYPES.items()
        }


class ScalewayRoutes:
    """The Scaleway paths, answered from a ScalewayData."""

    prefixes = ("/instance/", "/baremetal/", "/ipam/")

    def __init__(self, data=None, require_auth=True):
        self.data = data or ScalewayData()
        self.require_auth = require_auth
        # Answer Scaleway Instances pages with Link headers only (no X-Total-Count).
        self.omit_total_count = False

    def route(self, request, path, query):  # noqa: PLR0911 - one return per route
        if self.require_auth and not request.headers.get("X-Auth-Token"):
            return 401, {"message": "authentication is denied", "type": "denied_authentication"}, {}
        parts = path.strip("/").split("/")
        product, scope = parts[0], parts[3]
        rest = "/".join(parts[4:])
        page = int(query.get("page", ["1"])[0])
        size = int((query.get("per_page") or query.get("page_size") or ["50"])[0])
        if size > 100:
            return (
                400,
                {
                    "message": "Validation Error",
                    "fields": {"per_page": ["must be <= 100"]},
                    "type": "invalid_arguments",
                },
                {},
            )
        if product == "instance" and rest == "servers":
            items = self._filter(self.data.instances.get(scope, []), query, "project")
            return self._page_with_headers(path, query, "servers", items, page=page, size=size)
        if product == "instance" and rest == "products/servers":
            types = sorted(self.data.products(scope).items())
            chunk = dict(types[(page - 1) * size : page * size])
            return 200, {"servers": chunk}, {"X-Total-Count": str(len(types))}
        if product == "baremetal":
            if scope not in self.data.baremetal_zones:
                return 404, {"message": "zone %s not found" % scope, "type": "not_found", "resource": "zone"}, {}
            if rest == "servers":
                items = self._filter(self.data.baremetal.get(scope, []), query, "project_id")
                return 200, page_body("servers", items, page, size), {}
            if rest == "offers":
                return (
                    200,
                    page_body("offers", list(self.data.offers.get(scope, {}).values()), page, size),
                    {},
                )
        if product == "ipam" and rest == "ips":
            wanted = set(query.get("resource_type", []))
            items = [ip for ip in self.data.ipam.get(scope, []) if not wanted or ip["resource"]["type"] in wanted]
            return 200, page_body("ips", items, page, size), {}
        raise KeyError(path)

    @staticmethod
    def _filter(items, query, project_key):
        project = query.get("project", query.get("project_id", [None]))[0]
        tags = query.get("tags", [""])[0]
        wanted = [tag for tag in tags.split(",") if tag]
        return [
            item
            for item in items
            if (project is None or item[project_key] == project) and all(tag in item["tags"] for tag in wanted)
        ]

    def _page_with_headers(self, path, query, key, items, *, page, size):
        # The Link header as the Instances API writes it: targets relative to
        # the listing ("</servers?page=2&per_page=50>"), relations joined by a
        # bare comma. community.general's Scaleway pagination parser
        # (module_utils/scaleway.py, R_LINK_HEADER and R_RELATION, written
        # against the live API) accepts exactly this form, and refuses a space
        # after the comma.
        headers = {"X-Total-Count": str(len(items))}
        last = max(1, -(-len(items) // size))
        links = []
        resource = path.rstrip("/").rsplit("/", 1)[-1]
        for rel, number in (("first", 1), ("previous", page - 1), ("next", page + 1), ("last", last)):
            if 1 <= number <= last and (rel not in ("previous", "next") or number != page):
                params = dict((k, v[0]) for k, v in query.items())
                params["page"] = str(number)
                params.setdefault("per_page", str(size))
                links.append('</%s?%s>; rel="%s"' % (resource, urllib.parse.urlencode(params), rel))
        headers["Link"] = ",".join(links)
        if self.omit_total_count:
            headers.pop("X-Total-Count")
        return 200, {key: items[(page - 1) * size : page * size]}, headers
