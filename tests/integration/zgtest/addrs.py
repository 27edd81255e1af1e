# SPDX-License-Identifier: GPL-3.0-or-later
"""Addresses of the test topology (shared/cases/bugcorpus.md, Baseline).

They exist only on the loopback interface of the network namespace that
tests/integration/run.sh creates; nothing sent to them leaves it. Run as a
script, this module prints every address run.sh must add, one a line.
"""

# zonegate's own listeners.  ZG is the shared listener (VPC by source
# CIDR); ZG2..ZG5 serve as VPC listener addresses in the tests.
ZG = "10.0.0.2"
ZG2 = "10.0.0.3"
ZG3 = "10.0.0.4"
ZG4 = "10.0.0.5"
ZG6 = "fd00:a::2"
ZG6_2 = "fd00:a::3"
# Never added by run.sh: tests add it to show a listener address the
# host did not hold when it was configured (IP_FREEBIND).
ZG_LATE = "10.0.0.6"

# Outbound endpoint ob-1.
OB1_SOURCES = ("10.0.255.10", "10.0.255.11")
OB1_SOURCES6 = ("fd00:ff::10", "fd00:ff::11")

# Upstream roles.
PUB = "198.51.100.53"
OP1 = "192.0.2.53"
OP2 = "192.0.2.54"
PRI = "192.0.2.10"
# Sends NOTIFYs without being a primary of anything (BC-31 e).
STRANGER = "192.0.2.77"
REFLECTOR = "192.0.2.99"
PUB6 = "2001:db8:100::53"
OP1_6 = "2001:db8::53"
OP2_6 = "2001:db8::54"
PRI6 = "2001:db8::10"

# VPC clients.  vpc-c is a VPC bound to nothing; NOVPC is in no VPC.
CLIENT_A = "10.1.0.10"
CLIENT_B = "10.2.0.10"
CLIENT_C = "10.3.0.10"
CLIENT_NOVPC = "10.4.0.10"
CLIENT_OVERLAP = "10.9.0.10"
CLIENT_A6 = "fd00:1::10"
CLIENT_B6 = "fd00:2::10"
CLIENT_C6 = "fd00:3::10"
CLIENT_NOVPC6 = "fd00:4::10"

CIDR_A = "10.1.0.0/16"
CIDR_B = "10.2.0.0/16"
CIDR_C = "10.3.0.0/16"
CIDR_OVERLAP = "10.9.0.0/16"
CIDR_A6 = "fd00:1::/64"
CIDR_B6 = "fd00:2::/64"
CIDR_C6 = "fd00:3::/64"

IPV4 = (ZG, ZG2, ZG3, ZG4, *OB1_SOURCES, PUB, OP1, OP2, PRI, STRANGER,
        REFLECTOR,
        CLIENT_A, CLIENT_B, CLIENT_C, CLIENT_NOVPC, CLIENT_OVERLAP)
IPV6 = (ZG6, ZG6_2, *OB1_SOURCES6, PUB6, OP1_6, OP2_6, PRI6,
        CLIENT_A6, CLIENT_B6, CLIENT_C6, CLIENT_NOVPC6)


def is_v6(addr):
    """True for an IPv6 address literal."""
    return ":" in addr


def hostport(addr, port=53):
    """ADDR:PORT as the API and CLI write it ([ADDR]:PORT for IPv6)."""
    if is_v6(addr):
        return "[%s]:%d" % (addr, port)
    return "%s:%d" % (addr, port)


if __name__ == "__main__":
    for a in IPV4:
        print(a)
    for a in IPV6:
        print(a)
