"""Local HTTP servers implementing the Scaleway and OVHcloud endpoints the inventory plugins read.

Test and benchmark fixture, not part of the collection: one server
(fake_api_core.py) answering both stand-ins, fake_scaleway_api.py and
fake_ovhcloud_api.py (their paths do not overlap).

    api = FakeCloudAPI(ScalewayData.generate({"fr-par-1": 250}), latency=0.1)
    api.start()            # api.url is http://127.0.0.1:<port>
    api.fault("/instance/v1/zones/fr-par-2/servers", status=429, retry_after=1)
    api.stop()

The servers only listen on 127.0.0.1.
"""

from __future__ import annotations

import threading

from fake_api_core import FakeAPIServer
from fake_ovhcloud_api import OVH_FLAVORS, OVHData, OVHRoutes
from fake_scaleway_api import ORGANIZATION, SCW_TYPES, SCW_ZONES, ScalewayData, ScalewayRoutes

__all__ = ["ORGANIZATION", "OVH_FLAVORS", "SCW_TYPES", "SCW_ZONES", "FakeCloudAPI", "OVHData", "ScalewayData"]


class FakeCloudAPI(FakeAPIServer):
    """The Scaleway and OVHcloud stand-ins behind one server."""

    def __init__(self, scaleway=None, ovh=None, latency=0.0, require_auth=True):
        self._scaleway = ScalewayRoutes(scaleway, require_auth)
        self._ovh = OVHRoutes(ovh, require_auth)
        super().__init__([self._scaleway, self._ovh], latency)

    @property
    def scaleway(self):
        return self._scaleway.data

    @property
    def ovh(self):
        return self._ovh.data

    @property
    def omit_total_count(self):
        return self._scaleway.omit_total_count

    @omit_total_count.setter
    def omit_total_count(self, value):
        self._scaleway.omit_total_count = value


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
    parser.add_argument("--ovh-dedicated", type=int, default=50)
    parser.add_argument("--ovh-vps", type=int, default=50)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--port", type=int, default=0, help="default: any free port")
    parser.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"), help="serve HTTPS with this certificate")
    args = parser.parse_args()
    api = FakeCloudAPI(
        scaleway=ScalewayData.generate({zone: args.scaleway_per_zone for zone in SCW_ZONES}, projects=("a", "b")),
        ovh=OVHData.generate(args.ovh_projects, args.ovh_instances, args.ovh_dedicated, vps=args.ovh_vps),
        latency=args.latency,
    ).start(tls=args.tls, port=args.port)
    print(api.url, flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
