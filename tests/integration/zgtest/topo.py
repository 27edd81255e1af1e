# SPDX-License-Identifier: GPL-3.0-or-later
"""The bugcorpus baseline, configured through the zonegate CLI.

shared/cases/bugcorpus.md writes its set-ups in an illustrative notation;
this module maps them to zonegate's real resource model:

    VPC vpc-a 10.1.0.0/16 + fd00:1::/64, vpc-b 10.2.0.0/16 + fd00:2::/64,
        vpc-c 10.3.0.0/16 + fd00:3::/64 (bound to nothing)
    outbound endpoint ob-1 in vpc-a, sources 10.0.255.10 and .11
    default upstream (global) 198.51.100.53 (PUB)
    rule <id> { domain, targets, endpoint ob-1, bind [vpcs] }
        -> rule create + rule bind
    zone <name> { on_miss: nxdomain | recurse, bind [vpcs] }
        -> zone create --proxy-pattern zone | record + zone bind
    "standard SOA" -> the zone defaults of resolution.md §3 (3600 SOA
        ns1.Z. hostmaster.Z. SERIAL 3600 600 604800 300, NS ns1.Z.) plus
        ns1.Z. 3600 A 10.0.0.2. The serial is zonegate's own (it starts at
        1 and grows once per change), not 2026120401: tests read it from
        the API.

Every resource is referred to by its id (from --json), never by name.
"""

import dns.name

from zgtest import addrs
from zgtest.check import soa_line
from zgtest.cli import items


def relative(owner, zone):
    """Owner name relative to zone ("@" at the apex) as the CLI takes it."""
    o = dns.name.from_text(owner)
    z = dns.name.from_text(zone)
    if o == z:
        return "@"
    if not o.is_subdomain(z):
        raise ValueError("%s is not in %s" % (owner, zone))
    return o.relativize(z).to_text()


def parse_record(line):
    """(owner, ttl, type, value) from "owner ttl TYPE value..."."""
    owner, ttl, rtype, value = line.split(None, 3)
    return owner, int(ttl), rtype.upper(), value


class Topo:
    """Creates resources with the CLI and remembers their ids."""

    def __init__(self, cli, api):
        self.cli = cli
        self.api = api
        self.vpc = {}       # key ("a") -> vpc id
        self.ep = {}        # key ("ob-1") -> endpoint id
        self.rule = {}      # key -> rule id
        self.zone = {}      # key (zone name unless given) -> zone id
        self.zone_name = {}

    # ---- resources ----------------------------------------------------

    def make_vpc(self, key, cidrs, listen=(), name=None):
        args = ["vpc", "create", name or "vpc-%s" % key]
        for cidr in cidrs:
            args += ["--cidr", cidr]
        for addr in listen:
            args += ["--listen", addr]
        obj = self.cli(*args)
        self.vpc[key] = obj["id"]
        return obj

    def make_endpoint(self, key, vpc, sources, allow=()):
        args = ["endpoint", "create", key, "--vpc", self.vpc[vpc],
                "--source", ",".join(sources)]
        for a in allow:
            args += ["--allow", a]
        obj = self.cli(*args)
        self.ep[key] = obj["id"]
        return obj

    def make_rule(self, key, domain, targets, vpcs=("a",), endpoint="ob-1"):
        """Rule forwarding domain to targets ("IP" or "IP:PORT"; port 53
        is added when missing), bound to vpcs."""
        tlist = [t if (t.count(":") == 1 or t.startswith("[")) else
                 addrs.hostport(t) for t in targets]
        obj = self.cli("rule", "create", key, "--domain", domain,
                       "--endpoint", self.ep[endpoint],
                       "--target", ",".join(tlist))
        self.rule[key] = obj["id"]
        for v in vpcs:
            self.cli("rule", "bind", obj["id"], "--vpc", self.vpc[v])
        return obj

    def make_zone(self, name, records=(), vpcs=("a",), proxy="zone",
                  glue=True, key=None):
        """Private zone with the standard SOA, the given records
        (master-file lines with absolute owners) and bindings."""
        key = key or name
        obj = self.cli("zone", "create", name, "--proxy-pattern", proxy)
        zid = obj["id"]
        self.zone[key] = zid
        self.zone_name[key] = obj["name"]
        if glue:
            self.add_record(key, "ns1.%s 3600 A %s"
                            % (obj["name"], addrs.ZG))
        for line in records:
            self.add_record(key, line)
        for v in vpcs:
            self.cli("zone", "bind", zid, "--vpc", self.vpc[v])
        return obj

    def add_record(self, key, line):
        owner, ttl, rtype, value = parse_record(line)
        return self.cli("record", "add", self.zone[key],
                        relative(owner, self.zone_name[key]), rtype, value,
                        "--ttl", ttl)

    def add_records_bulk(self, key, lines):
        """Adds many records in one change set (POST /v1/changes)."""
        changes = []
        for line in lines:
            owner, ttl, rtype, value = parse_record(line)
            changes.append({"op": "create", "kind": "record",
                            "zone": self.zone[key],
                            "data": {"name": relative(owner,
                                                      self.zone_name[key]),
                                     "type": rtype, "ttl": ttl,
                                     "value": value}})
        return self.api.ok("POST", "/v1/changes", {"changes": changes})

    def set_upstream(self, targets, vpc=None, source=None):
        args = ["upstream", "set", ",".join(targets)]
        if vpc is not None:
            args += ["--vpc", self.vpc[vpc]]
        if source is not None:
            args += ["--source", source]
        return self.cli(*args)

    def zone_obj(self, key):
        return self.cli("zone", "show", self.zone[key])

    def soa(self, key, ttl=None):
        """The expected SOA line of a zone as the API reports it now; TTL
        defaults to the negative TTL min(SOA TTL, MINIMUM)."""
        z = self.zone_obj(key)
        if ttl is None:
            ttl = min(z["soa"]["ttl"], z["soa"]["minimum"])
        return soa_line(z["name"], ttl, z)

    # ---- the baseline -------------------------------------------------

    def baseline(self, upstream=True):
        """vpc-a/b/c, ob-1 in vpc-a, global upstream PUB."""
        self.make_vpc("a", [addrs.CIDR_A, addrs.CIDR_A6])
        self.make_vpc("b", [addrs.CIDR_B, addrs.CIDR_B6])
        self.make_vpc("c", [addrs.CIDR_C, addrs.CIDR_C6])
        self.make_endpoint("ob-1", "a", addrs.OB1_SOURCES)
        if upstream:
            self.set_upstream([addrs.hostport(addrs.PUB)])
        return self

    def list(self, kind):
        return items(self.cli(kind, "list"))
