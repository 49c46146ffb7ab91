"""Local HTTP servers implementing the Scaleway and OVHcloud endpoints the inventory plugins read.

Test and benchmark fixture, not part of the collection. The JSON follows the
public API references and the official SDKs' field names (deprecated fields
present and null where the API does that); responses carry the pagination
headers of the real APIs (X-Total-Count and Link rel=next on Scaleway
Instances, total_count in the body elsewhere). Faults can be queued per path
prefix: a status with an optional Retry-After, a slow response, a malformed
body, a dropped connection.

    api = FakeCloudAPI(ScalewayData.generate({"fr-par-1": 250}), latency=0.1)
    api.start()            # api.url is http://127.0.0.1:<port>
    api.fault("/instance/v1/zones/fr-par-2/servers", status=429, retry_after=1)
    api.stop()

The servers only listen on 127.0.0.1.
"""

from __future__ import annotations

import collections
import hashlib
import http.server
import json
import threading
import time
import urllib.parse
import uuid

SCW_ZONES = ["fr-par-1", "fr-par-2", "fr-par-3", "nl-ams-1", "nl-ams-2", "nl-ams-3", "pl-waw-1", "pl-waw-2"]
ORGANIZATION = "5a7f6c1e-0d2b-4c3e-9f10-1b2c3d4e5f60"
SCW_TYPES = {
    # name: (hourly EUR, monthly EUR, ncpus, ram bytes)
    "DEV1-S": (0.0088, 6.42, 2, 2 * 1024**3),
    "PRO2-XXS": (0.055, 40.15, 2, 8 * 1024**3),
    "POP2-4C-16G": (0.1441, 105.19, 4, 16 * 1024**3),
}
OVH_FLAVORS = {"b3-8": (6800000, 2900000000), "d2-4": (1080000, 520000000), "c3-16": (13700000, 6200000000)}


def _uuid(*parts):
    return str(uuid.UUID(hashlib.sha256("/".join(map(str, parts)).encode()).hexdigest()[:32]))


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
                project = _uuid("project", projects[index % len(projects)])
                tags = tags_for(zone, index) if tags_for else ["env=prod" if index % 2 else "env=dev", "web"]
                data.add_instance(zone, "web-%s-%04d" % (zone, index), project=project, tags=tags, index=index)
        for zone, count in (baremetal_per_zone or {}).items():
            for index in range(count):
                data.add_baremetal(
                    zone, "em-%s-%02d" % (zone, index), project=_uuid("project", projects[0]), index=index
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
        server_id = _uuid("instance", zone, name, index)
        region = zone.rsplit("-", 1)[0]
        public_ips = []
        if public:
            public_ips.append(self._public_ip(server_id, "inet", "51.15.%d.%d" % (index // 250 % 250, index % 250 + 1)))
        if ipv6:
            public_ips.append(self._public_ip(server_id, "inet6", "2001:bc8:1%03d::%x" % (index % 1000, index + 1)))
        nics = []
        if private:
            ip_id = _uuid("ipam", zone, name)
            nic_id = _uuid("nic", zone, name)
            nics.append(
                {
                    "id": nic_id,
                    "server_id": server_id,
                    "private_network_id": _uuid("pn", region),
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
                    "source": {"subnet_id": _uuid("subnet", region)},
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
                "id": _uuid("image", zone),
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
            "security_group": {"id": _uuid("sg", zone), "name": "default"},
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
            "id": _uuid("ip", address),
            "address": address,
            "gateway": "62.210.0.1" if family == "inet" else "fe80::a",
            "netmask": "32" if family == "inet" else "64",
            "family": family,
            "dynamic": False,
            "provisioning_mode": "dhcp" if family == "inet" else "slaac",
            "tags": [],
            "ipam_id": _uuid("ipam-public", address),
            "state": "attached",
        }

    def add_baremetal(self, zone, name, *, project, index=0, status="ready", tags=("role=db",)):
        offer_id = _uuid("offer", zone, "EM-A116X-SSD")
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
            "id": _uuid("baremetal", zone, name),
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
                    "id": _uuid("bmip4", name),
                    "address": "163.172.%d.%d" % (index // 250, index % 250 + 1),
                    "reverse": "%s.example.eu" % name,
                    "version": "IPv4",
                    "reverse_status": "active",
                    "reverse_status_message": "",
                },
                {
                    "id": _uuid("bmip6", name),
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


class OVHData:
    """Public Cloud projects and instances, dedicated servers, the public cloud price catalog."""

    def __init__(self):
        self.projects = collections.OrderedDict()  # project id -> instances
        self.dedicated = collections.OrderedDict()  # service name -> details

    @classmethod
    def generate(cls, projects=3, instances_per_project=500, dedicated=100, regions=("GRA11", "SBG5", "DE1", "WAW1")):
        data = cls()
        for p in range(projects):
            project = hashlib.md5(("project%d" % p).encode()).hexdigest()  # noqa: S324 - an id, not security
            data.projects[project] = []
            for i in range(instances_per_project):
                data.add_instance(
                    project, "node-%d-%04d" % (p, i), region=regions[i % len(regions)], index=p * 10000 + i
                )
        datacenters = ("rbx7", "gra3", "sbg4", "lim3", "waw1")
        for d in range(dedicated):
            data.add_dedicated(
                "ns%07d.ip-51-91-%d.eu" % (3000000 + d, d % 250), datacenter=datacenters[d % len(datacenters)], index=d
            )
        return data

    def add_instance(self, project, name, *, region="GRA11", index=0, status="ACTIVE", flavor="b3-8", monthly=False):
        instance = {
            "id": str(uuid.UUID(hashlib.sha256(("%s/%s" % (project, name)).encode()).hexdigest()[:32])),
            "name": name,
            "region": region,
            "status": status,
            "created": "2026-02-11T08:12:31Z",
            "flavorId": _uuid("flavor", flavor, region),
            "imageId": _uuid("image", "debian13", region),
            "sshKeyId": None,
            "planCode": "%s.%s" % (flavor, "monthly.postpaid" if monthly else "consumption"),
            "operationIds": [],
            "currentMonthOutgoingTraffic": None,
            "monthlyBilling": {"since": "2026-02-11T08:20:00Z", "status": "ok"} if monthly else None,
            "ipAddresses": [
                {
                    "ip": "57.128.%d.%d" % (index // 250 % 250, index % 250 + 1),
                    "type": "public",
                    "version": 4,
                    "networkId": _uuid("ext-net", region),
                    "gatewayIp": "57.128.0.1",
                },
                {
                    "ip": "2001:41d0:%x::%x" % (index // 65536 + 0x304, index % 65536 + 1),
                    "type": "public",
                    "version": 6,
                    "networkId": _uuid("ext-net", region),
                    "gatewayIp": "2001:41d0::1",
                },
                {
                    "ip": "10.%d.%d.%d" % (index // 62500 % 250, index // 250 % 250, index % 250 + 2),
                    "type": "private",
                    "version": 4,
                    "networkId": _uuid("vrack", project),
                    "gatewayIp": None,
                },
            ],
            "availabilityZone": None,
            "rescuePassword": None,
        }
        self.projects.setdefault(project, []).append(instance)
        return instance

    def add_dedicated(self, name, *, datacenter="rbx7", index=0, state="ok", display=None, tags=None):
        server = {
            "name": name,
            "serverId": 4000000 + index,
            "ip": "51.91.%d.%d" % (index // 250 % 250, index % 250 + 1),
            "reverse": name,
            "datacenter": datacenter,
            "rack": "G112A%02d" % (index % 40),
            "commercialRange": "advance-1",
            "os": "debian12_64",
            "state": state,
            "powerState": "poweron",
            "bootId": 1,
            "bootScript": None,
            "linkSpeed": 1000,
            "monitoring": True,
            "noIntervention": False,
            "professionalUse": False,
            "rescueMail": None,
            "rescueSshKey": None,
            "rootDevice": None,
            "supportLevel": "pro",
            "newUpgradeSystem": True,
            "efiBootloaderPath": None,
            "region": None,
            "availabilityZone": None,
            "iam": {
                "id": _uuid("iam", name),
                "urn": "urn:v1:eu:resource:dedicatedServer:%s" % name,
                "displayName": display,
                "tags": tags,
            },
        }
        self.dedicated[name] = server
        return server

    def catalog(self):
        addons = []
        for flavor, (hourly, monthly) in OVH_FLAVORS.items():
            for suffix, price, capacity, unit in (
                ("consumption", hourly, "consumption", "hour"),
                ("monthly.postpaid", monthly, "renew", "month"),
            ):
                addons.append(
                    {
                        "planCode": "%s.%s" % (flavor, suffix),
                        "invoiceName": "%s instance" % flavor.upper(),
                        "product": "publiccloud-instance-%s" % flavor,
                        "pricingType": "consumption" if capacity == "consumption" else "rental",
                        "consumptionConfiguration": None,
                        "pricings": [
                            {
                                "phase": 1,
                                "capacities": [capacity],
                                "commitment": 0,
                                "description": "price per " + unit,
                                "interval": 1,
                                "intervalUnit": "none" if unit == "hour" else "month",
                                "quantity": {"min": 1, "max": None},
                                "repeat": {"min": 1, "max": None},
                                "price": price,
                                "formattedPrice": None,
                                "tax": price // 5,
                                "mode": "default",
                                "strategy": "tiered",
                                "mustBeCompleted": False,
                                "type": capacity,
                                "promotions": [],
                                "engagementConfiguration": None,
                            }
                        ],
                        "blobs": None,
                        "configurations": [],
                        "family": None,
                    }
                )
        return {
            "catalogId": 1,
            "locale": {"currencyCode": "EUR", "subsidiary": "FR", "taxRate": 20},
            "plans": [{"planCode": "project.2018", "invoiceName": "Public Cloud project", "addonFamilies": []}],
            "addons": addons,
            "products": [],
            "planFamilies": [],
        }


class _Fault:
    def __init__(self, status=None, retry_after=None, delay=0.0, body=None, drop=False):
        self.status, self.retry_after, self.delay, self.body, self.drop = status, retry_after, delay, body, drop


class FakeCloudAPI:
    """One HTTP server answering both APIs (their paths do not overlap)."""

    def __init__(self, scaleway=None, ovh=None, latency=0.0, require_auth=True):
        self.scaleway = scaleway or ScalewayData()
        self.ovh = ovh or OVHData()
        self.latency = latency
        self.require_auth = require_auth
        # Answer Scaleway Instances pages with Link headers only (no X-Total-Count).
        self.omit_total_count = False
        self.faults = collections.defaultdict(collections.deque)
        self.requests = []
        self.lock = threading.Lock()
        self.server = None
        self.thread = None
        self.url = None

    # -- control -------------------------------------------------------------
    def start(self):
        api = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                api.handle(self)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.request_queue_size = 256
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        return self

    def stop(self):
        if self.server:
            self.server.shutdown()
            self.server.server_close()

    def fault(self, path_prefix, *, status=None, retry_after=None, delay=0.0, body=None, drop=False, times=1):
        """Queue `times` faulty answers for the next requests whose path starts with `path_prefix`."""
        for _attempt in range(times):
            self.faults[path_prefix].append(_Fault(status, retry_after, delay, body, drop))

    def count(self, path_prefix):
        with self.lock:
            return sum(1 for _method, path, _query, _headers in self.requests if path.startswith(path_prefix))

    # -- dispatch ------------------------------------------------------------
    def handle(self, request):
        parsed = urllib.parse.urlsplit(request.path)
        path, query = parsed.path, urllib.parse.parse_qs(parsed.query)
        if path == "/_stats":  # the benchmark's counter, not an API request
            return self._send(request, 200, json.dumps({"requests": len(self.requests)}), {})
        with self.lock:
            self.requests.append(("GET", path, query, dict(request.headers)))
        if self.latency:
            time.sleep(self.latency)
        fault = None
        with self.lock:
            for prefix, queue in self.faults.items():
                if path.startswith(prefix) and queue:
                    fault = queue.popleft()
                    break
        if fault is not None:
            if fault.delay:
                time.sleep(fault.delay)
            if fault.drop:
                request.close_connection = True
                request.connection.shutdown(2)
                return
            if fault.status or fault.body is not None:
                headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
                body = fault.body if fault.body is not None else json.dumps({"message": "injected %s" % fault.status})
                return self._send(request, fault.status or 200, body, headers)
        try:
            if path.startswith(("/instance/", "/baremetal/", "/ipam/")):
                status, body, headers = self._scaleway(request, path, query)
            elif path.startswith(("/1.0/", "/auth/", "/cloud/", "/dedicated/", "/order/")):
                status, body, headers = self._ovh(request, path, query)
            else:
                raise KeyError(path)
        except KeyError as exc:
            status, body, headers = 404, {"message": "not found: %s" % exc, "type": "not_found"}, {}
        return self._send(request, status, json.dumps(body) if not isinstance(body, str) else body, headers)

    @staticmethod
    def _send(request, status, body, headers):
        data = body.encode("utf-8")
        request.send_response(status)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(data)))
        for key, value in headers.items():
            request.send_header(key, value)
        request.end_headers()
        request.wfile.write(data)

    # -- Scaleway ------------------------------------------------------------
    def _scaleway(self, request, path, query):  # noqa: PLR0911 - one return per route
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
            items = self._filter(self.scaleway.instances.get(scope, []), query, "project")
            return self._page_with_headers(path, query, "servers", items, page=page, size=size)
        if product == "instance" and rest == "products/servers":
            types = sorted(self.scaleway.products(scope).items())
            chunk = dict(types[(page - 1) * size : page * size])
            return 200, {"servers": chunk}, {"X-Total-Count": str(len(types))}
        if product == "baremetal":
            if scope not in self.scaleway.baremetal_zones:
                return 404, {"message": "zone %s not found" % scope, "type": "not_found", "resource": "zone"}, {}
            if rest == "servers":
                items = self._filter(self.scaleway.baremetal.get(scope, []), query, "project_id")
                return 200, self._page_body("servers", items, page, size), {}
            if rest == "offers":
                return (
                    200,
                    self._page_body("offers", list(self.scaleway.offers.get(scope, {}).values()), page, size),
                    {},
                )
        if product == "ipam" and rest == "ips":
            wanted = set(query.get("resource_type", []))
            items = [ip for ip in self.scaleway.ipam.get(scope, []) if not wanted or ip["resource"]["type"] in wanted]
            return 200, self._page_body("ips", items, page, size), {}
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

    @staticmethod
    def _page_body(key, items, page, size):
        return {"total_count": len(items), key: items[(page - 1) * size : page * size]}

    def _page_with_headers(self, path, query, key, items, *, page, size):
        headers = {"X-Total-Count": str(len(items))}
        last = max(1, -(-len(items) // size))
        links = []
        for rel, number in (("first", 1), ("previous", page - 1), ("next", page + 1), ("last", last)):
            if 1 <= number <= last and (rel not in ("previous", "next") or number != page):
                params = dict((k, v[0]) for k, v in query.items())
                params["page"] = str(number)
                links.append('<%s?%s>; rel="%s"' % (path, urllib.parse.urlencode(params), rel))
        headers["Link"] = ", ".join(links)
        if self.omit_total_count:
            headers.pop("X-Total-Count")
        return 200, {key: items[(page - 1) * size : page * size]}, headers

    # -- OVHcloud ------------------------------------------------------------
    def _ovh(self, request, path, query):  # noqa: PLR0911 - one return per route
        if path.startswith("/1.0"):
            path = path[4:]
        if path == "/auth/time":
            return 200, int(time.time()), {}
        if path == "/order/catalog/public/cloud":
            return 200, self.ovh.catalog(), {}
        if self.require_auth:
            for header in ("X-Ovh-Application", "X-Ovh-Consumer", "X-Ovh-Timestamp", "X-Ovh-Signature"):
                if not request.headers.get(header):
                    return (
                        403,
                        {
                            "errorCode": "INVALID_CREDENTIAL",
                            "message": "This credential does not exist",
                            "httpCode": "403 Forbidden",
                        },
                        {},
                    )
            if not request.headers["X-Ovh-Signature"].startswith("$1$"):
                return 400, {"message": "Invalid signature"}, {}
        if path == "/cloud/project":
            return 200, list(self.ovh.projects), {}
        if path.startswith("/cloud/project/") and path.endswith("/instance"):
            project = urllib.parse.unquote(path.split("/")[3])
            if project not in self.ovh.projects:
                return 404, {"message": "This service does not exist", "class": "Client::NotFound"}, {}
            return 200, self.ovh.projects[project], {}
        if path == "/dedicated/server":
            return 200, list(self.ovh.dedicated), {}
        if path.startswith("/dedicated/server/"):
            name = urllib.parse.unquote(path.split("/", 3)[3])
            if name not in self.ovh.dedicated:
                return (
                    404,
                    {
                        "message": "The requested object (serviceName = %s) does not exist" % name,
                        "class": "Client::NotFound::ServiceNotFound",
                    },
                    {},
                )
            return 200, self.ovh.dedicated[name], {}
        raise KeyError(path)


def main():
    """Serve a generated data set until killed; print the URL on the first line.

    Used by benchmarks/inventory.py so that the server's work does not share a
    Python interpreter (and its lock) with the code being measured.
    """
    import argparse  # noqa: PLC0415 - only the command line needs it

    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--scaleway-per-zone", type=int, default=250)
    parser.add_argument("--ovh-projects", type=int, default=3)
    parser.add_argument("--ovh-instances", type=int, default=500)
    parser.add_argument("--ovh-dedicated", type=int, default=100)
    parser.add_argument("--latency", type=float, default=0.1)
    args = parser.parse_args()
    api = FakeCloudAPI(
        scaleway=ScalewayData.generate({zone: args.scaleway_per_zone for zone in SCW_ZONES}, projects=("a", "b")),
        ovh=OVHData.generate(args.ovh_projects, args.ovh_instances, args.ovh_dedicated),
        latency=args.latency,
    ).start()
    print(api.url, flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
