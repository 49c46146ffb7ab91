"""Stand-in for the OVHcloud API the ovhcloud inventory plugin reads: Public Cloud, dedicated servers, VPS, catalog.

Test and benchmark fixture, not part of the collection. Paths and JSON follow
the API console (https://eu.api.ovh.com/console/) and the official `ovh` SDK:
/auth/time answers the server time the SDK signs with; a project's flavors
(GET /cloud/project/{serviceName}/flavor: vcpus, ram in MiB, osType, planCodes)
come as the API console's cloud.flavor.Flavor; a VPS (GET /vps/{serviceName})
as vps.VPS, with its site from /vps/{serviceName}/datacenter (vps.Datacenter:
name, longName, country) and its addresses from /vps/{serviceName}/ips (ip[]),
the three paths of the API's vps.json schema; signed calls without
the X-Ovh-Application, X-Ovh-Consumer, X-Ovh-Timestamp and X-Ovh-Signature
headers get 403 INVALID_CREDENTIAL, a signature not in the SDK's "$1$" form
400, and unknown projects or servers the API's 404 bodies.
"""

from __future__ import annotations

import collections
import hashlib
import time
import urllib.parse
import uuid

from fake_api_core import stable_uuid

OVH_FLAVORS = {"b3-8": (6800000, 2900000000), "d2-4": (1080000, 520000000), "c3-16": (13700000, 6200000000)}
# vCPUs and RAM in MiB of each flavor (GET /cloud/project/{serviceName}/flavor).
OVH_FLAVOR_SIZES = {"b3-8": (2, 8192), "d2-4": (2, 4096), "c3-16": (8, 16384)}
OVH_FLAVOR_REGIONS = ("GRA11", "SBG5", "DE1", "WAW1", "BHS5")
# VPS sites (GET /vps/{serviceName}/datacenter "name") -> (longName, country as the API writes it: lower case).
VPS_SITES = {
    "gra": ("Gravelines", "fr"),
    "sbg": ("Strasbourg", "fr"),
    "waw": ("Warsaw", "pl"),
    "lim": ("Limburg", "de"),
    "bhs": ("Beauharnois", "ca"),
}


class OVHData:
    """Public Cloud projects and instances, dedicated servers, the public cloud price catalog."""

    def __init__(self):
        self.projects = collections.OrderedDict()  # project id -> instances
        self.dedicated = collections.OrderedDict()  # service name -> details
        self.vps = collections.OrderedDict()  # service name -> {"vps", "datacenter", "ips"}

    @classmethod
    def generate(
        cls, projects=3, instances_per_project=500, dedicated=100, regions=("GRA11", "SBG5", "DE1", "WAW1"), vps=0
    ):
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
        sites = tuple(VPS_SITES)
        for v in range(vps):
            data.add_vps("vps-%08x.vps.ovh.net" % (0x1A2B0000 + v), site=sites[v % len(sites)], index=v)
        return data

    def add_instance(self, project, name, *, region="GRA11", index=0, status="ACTIVE", flavor="b3-8", monthly=False):
        instance = {
            "id": str(uuid.UUID(hashlib.sha256(("%s/%s" % (project, name)).encode()).hexdigest()[:32])),
            "name": name,
            "region": region,
            "status": status,
            "created": "2026-02-11T08:12:31Z",
            "flavorId": stable_uuid("flavor", flavor, region),
            "imageId": stable_uuid("image", "debian13", region),
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
                    "networkId": stable_uuid("ext-net", region),
                    "gatewayIp": "57.128.0.1",
                },
                {
                    "ip": "2001:41d0:%x::%x" % (index // 65536 + 0x304, index % 65536 + 1),
                    "type": "public",
                    "version": 6,
                    "networkId": stable_uuid("ext-net", region),
                    "gatewayIp": "2001:41d0::1",
                },
                {
                    "ip": "10.%d.%d.%d" % (index // 62500 % 250, index // 250 % 250, index % 250 + 2),
                    "type": "private",
                    "version": 4,
                    "networkId": stable_uuid("vrack", project),
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
                "id": stable_uuid("iam", name),
                "urn": "urn:v1:eu:resource:dedicatedServer:%s" % name,
                "displayName": display,
                "tags": tags,
            },
        }
        self.dedicated[name] = server
        return server

    def add_vps(self, name, *, site="gra", index=0, state="running", display=None, tags=None, iam=True):
        """A VPS as GET /vps/{serviceName} answers (vps.VPS), with its datacenter and addresses."""
        long_name, country = VPS_SITES[site]
        vps = {
            "name": name,
            "displayName": display or name,
            "state": state,
            "cluster": "%s-vps-%02d" % (site, index % 20),
            "zone": "Region OpenStack: os-%s%d" % (site, 1 + index % 3),
            "zoneType": "standard",
            "offerType": "ssd",
            "netbootMode": "local",
            "keymap": None,
            "slaMonitoring": False,
            "memoryLimit": 8192,
            "vcore": 4,
            "monitoringIpBlocks": ["213.186.33.13/32"],
            "model": {
                "name": "vps-2025-model2",
                "offer": "VPS vps-2025-model2",
                "version": "2019v1",
                "vcore": 4,
                "memory": 8192,
                "disk": 75,
                "datacenter": sorted(VPS_SITES),
                "maximumAdditionnalIp": 16,
                "availableOptions": ["additionalDisk", "automatedBackup", "snapshot"],
            },
        }
        if iam:
            vps["iam"] = {
                "id": stable_uuid("iam", name),
                "urn": "urn:v1:eu:resource:vps:%s" % name,
                "displayName": display,
                "tags": tags,
            }
        ips = [
            "146.59.%d.%d" % (index // 250 % 250, index % 250 + 1),
            "2001:41d0:%x::%x" % (0x701 + index // 65536, index % 65536 + 1),
        ]
        self.vps[name] = {
            "vps": vps,
            "datacenter": {"name": site, "longName": long_name, "country": country},
            "ips": ips,
        }
        return vps

    def flavors(self, project):
        """A project's flavors, as GET /cloud/project/{serviceName}/flavor lists them (cloud.flavor.Flavor):
        one per flavor and region, a Windows twin of each (its price includes the licence),
        and a flavor no plan code prices."""
        found = []
        for name, (vcpus, ram) in OVH_FLAVOR_SIZES.items():
            for region in OVH_FLAVOR_REGIONS:
                for os_type, prefix in (("linux", ""), ("windows", "win-")):
                    found.append({
                        "id": stable_uuid("flavor", prefix + name, region),
                        "name": prefix + name,
                        "region": region,
                        "vcpus": vcpus,
                        "ram": ram,
                        "disk": 50,
                        "osType": os_type,
                        "type": "ovh.ssd.eg",
                        "available": True,
                        "inboundBandwidth": 250,
                        "outboundBandwidth": 250,
                        "quota": 100,
                        "planCodes": {"hourly": "%s%s.consumption" % (prefix, name),
                                      "monthly": "%s%s.monthly.postpaid" % (prefix, name)},
                    })  # fmt: skip
        found.append({"id": stable_uuid("flavor", "unpriced", "GRA11"), "name": "unpriced", "region": "GRA11",
                      "vcpus": 1, "ram": 2048, "disk": 10, "osType": "linux", "type": "ovh.ssd.eg", "available": True,
                      "planCodes": {"hourly": None, "monthly": None}})  # fmt: skip
        return found

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


class OVHRoutes:
    """The OVHcloud paths, answered from an OVHData."""

    prefixes = ("/1.0/", "/auth/", "/cloud/", "/dedicated/", "/order/", "/vps")

    def __init__(self, data=None, require_auth=True):
        self.data = data or OVHData()
        self.require_auth = require_auth

    def route(self, request, path, query):  # noqa: PLR0911 - one return per route
        if path.startswith("/1.0"):
            path = path[4:]
        if path == "/auth/time":
            return 200, int(time.time()), {}
        if path == "/order/catalog/public/cloud":
            return 200, self.data.catalog(), {}
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
            return 200, list(self.data.projects), {}
        if path.startswith("/cloud/project/") and path.endswith("/flavor"):
            project = urllib.parse.unquote(path.split("/")[3])
            if project not in self.data.projects:
                return 404, {"message": "This service does not exist", "class": "Client::NotFound"}, {}
            return 200, self.data.flavors(project), {}
        if path.startswith("/cloud/project/") and path.endswith("/instance"):
            project = urllib.parse.unquote(path.split("/")[3])
            if project not in self.data.projects:
                return 404, {"message": "This service does not exist", "class": "Client::NotFound"}, {}
            return 200, self.data.projects[project], {}
        if path == "/dedicated/server":
            return 200, list(self.data.dedicated), {}
        if path == "/vps":
            return 200, list(self.data.vps), {}
        if path.startswith("/vps/"):
            name, _sep, part = urllib.parse.unquote(path[len("/vps/") :]).partition("/")
            if name not in self.data.vps:
                return (
                    404,
                    {
                        "message": "The requested object (serviceName = %s) does not exist" % name,
                        "class": "Client::NotFound::ServiceNotFound",
                    },
                    {},
                )
            answers = {"": "vps", "datacenter": "datacenter", "ips": "ips"}
            if part in answers:
                return 200, self.data.vps[name][answers[part]], {}
        if path.startswith("/dedicated/server/"):
            name = urllib.parse.unquote(path.split("/", 3)[3])
            if name not in self.data.dedicated:
                return (
                    404,
                    {
                        "message": "The requested object (serviceName = %s) does not exist" % name,
                        "class": "Client::NotFound::ServiceNotFound",
                    },
                    {},
                )
            return 200, self.data.dedicated[name], {}
        raise KeyError(path)
