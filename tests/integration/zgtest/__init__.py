# SPDX-License-Identifier: GPL-3.0-or-later
"""Harness for zonegate's integration tests.

Modules:
    addrs    the test topology (addresses of every role), one place
    dnsq     send one query from a chosen client address, get message+wire
    check    assertions on answers (rcode, flags, sections, TTLs, EDE)
    fakedns  programmable DNS responder (PUB, OP1, OP2) with a query log
    bind9    a real BIND 9 started for one test
    daemon   zonegated under test, plus a client of its HTTP API
    cli      the zonegate CLI, returning the API's JSON
    topo     the bugcorpus baseline built with the CLI
"""
