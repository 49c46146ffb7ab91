"""Load an nftables ruleset the way the kernel would, and ask what it does with a packet.

`load(path)` runs the real `nft` in a user and network namespace of its own
(`unshare -rn`: no privilege on the machine, no effect on its firewall), so
the file goes through nft's parser and the kernel's checks, then reads the
table back as nft lists it (`nft -j`, the JSON schema of libnftables-json(5)).

`verdict(table, chain, packet)` walks that chain's rules in order for one
packet and returns "accept" or "drop" (the chain policy when no rule decides).
It knows only the expressions this collection's rulesets use, and raises on
any other, so a rule it does not understand fails the test instead of being
skipped over.
"""

from __future__ import annotations

import ipaddress
import json
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

NFT = shutil.which("nft") or ("/usr/sbin/nft" if Path("/usr/sbin/nft").exists() else None)


def unavailable_reason() -> str | None:
    """Why load() cannot run here, or None."""
    if NFT is None:
        return "nft is not installed (Debian package nftables)"
    if shutil.which("unshare") is None:
        return "unshare is not installed (util-linux)"
    probe = subprocess.run(["unshare", "-rn", "true"], capture_output=True, text=True, check=False)
    if probe.returncode != 0:
        return f"cannot create a user and network namespace: {probe.stderr.strip()}"
    return None


def load(path: Path, table: str = "sovereign_filter", family: str = "inet") -> list[dict]:
    """Load the ruleset file in a namespace of its own and return nft's JSON objects of `table`."""
    script = f'"$0" -f "$1" && "$0" -j list table {family} {table}'
    proc = subprocess.run(
        ["unshare", "-rn", "sh", "-c", script, NFT, str(path)], capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise AssertionError(f"nft refused {path}: {proc.stderr.strip()}")
    return json.loads(proc.stdout)["nftables"]


@dataclass
class Packet:
    """One packet as the forward or input hook sees it (after DNAT in prerouting)."""

    saddr: str
    daddr: str
    protocol: str = "tcp"
    dport: int = 443
    ct_state: str = "new"
    ct_status: set[str] = field(default_factory=set)
    iif: str = "eth0"

    @property
    def family(self) -> str:
        return "ip" if ipaddress.ip_address(self.saddr).version == 4 else "ip6"


def policy(objects: list[dict], chain: str) -> str:
    return next(o["chain"]["policy"] for o in objects if "chain" in o and o["chain"]["name"] == chain)


def rules(objects: list[dict], chain: str) -> list[dict]:
    return [o["rule"] for o in objects if "rule" in o and o["rule"]["chain"] == chain]


def verdict(objects: list[dict], chain: str, packet: Packet) -> str:
    for rule in rules(objects, chain):
        decided = _rule_verdict(rule, packet)
        if decided:
            return decided
    return policy(objects, chain)


def _rule_verdict(rule: dict, packet: Packet) -> str | None:
    for expr in rule["expr"]:
        if "match" in expr:
            if not _matches(expr["match"], packet):
                return None
        elif "accept" in expr:
            return "accept"
        elif "drop" in expr:
            return "drop"
        elif any(key in expr for key in ("counter", "log", "limit")):
            continue  # no effect on the verdict (a limit is treated as under its rate)
        else:
            raise NotImplementedError(f"expression not understood: {expr}")
    return None


def _in_right(value, right) -> bool:  # noqa: PLR0911 - one return per form of right-hand side
    """Whether a packet value is in the right-hand side of a match."""
    if isinstance(right, dict) and "set" in right:
        return any(_in_right(value, element) for element in right["set"])
    if isinstance(right, list):
        return any(_in_right(value, element) for element in right)
    if isinstance(right, dict) and "prefix" in right:
        network = ipaddress.ip_network(f"{right['prefix']['addr']}/{right['prefix']['len']}")
        return ipaddress.ip_address(value) in network
    if isinstance(right, dict) and "range" in right:
        low, high = right["range"]
        if isinstance(low, int):
            return low <= value <= high
        return ipaddress.ip_address(low) <= ipaddress.ip_address(value) <= ipaddress.ip_address(high)
    if isinstance(value, str) and isinstance(right, str) and _is_address(value) and _is_address(right):
        return ipaddress.ip_address(value) == ipaddress.ip_address(right)
    return value == right


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _matches(match: dict, packet: Packet) -> bool:
    left, right, op = match["left"], match["right"], match["op"]
    if op not in ("==", "in", "!="):
        raise NotImplementedError(f"operator not understood: {match}")
    if "payload" in left:
        protocol, field_name = left["payload"]["protocol"], left["payload"]["field"]
        if protocol in ("ip", "ip6"):
            if packet.family != protocol:
                return False
            value = {"saddr": packet.saddr, "daddr": packet.daddr}[field_name]
        elif protocol in ("tcp", "udp", "th"):
            if protocol not in ("th", packet.protocol):
                return False
            value = {"dport": packet.dport}[field_name]
        elif protocol in ("icmp", "icmpv6"):
            return False  # the tests send no ICMP
        else:
            raise NotImplementedError(f"payload not understood: {left}")
    elif "ct" in left:
        key = left["ct"]["key"]
        if key == "state":
            value = {packet.ct_state}
        elif key == "status":
            value = packet.ct_status
        else:
            raise NotImplementedError(f"ct key not understood: {left}")
        wanted = set(right if isinstance(right, list) else [right])
        found = bool(value & wanted)
        return found if op != "!=" else not found
    elif "meta" in left:
        key = left["meta"]["key"]
        if key in ("iif", "iifname"):
            value = packet.iif
        elif key == "l4proto":
            value = packet.protocol
        elif key == "nfproto":
            value = "ipv4" if packet.family == "ip" else "ipv6"
        else:
            raise NotImplementedError(f"meta key not understood: {left}")
    else:
        raise NotImplementedError(f"match not understood: {match}")
    found = _in_right(value, right)
    return found if op != "!=" else not found
