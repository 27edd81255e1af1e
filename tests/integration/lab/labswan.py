# SPDX-License-Identifier: GPL-3.0-or-later
"""strongSwan's state as data: `swanctl --list-sas --raw` parsed.

The raw form prints each VICI message on one line:

    list-sa event {to-idc {uniqueid=1 state=ESTABLISHED child-sas {x {
        state=INSTALLED local-ts=[172.17.0.0/16]}}}}

that is sections `name {...}`, lists `name=[a b]` and values `name=v`.
parse_raw() turns it into nested dicts (lists as Python lists).
"""

import re
import subprocess

from zgtest.util import scaled

SWANCTL = "/usr/sbin/swanctl"

_TOKEN = re.compile(r"\s*(?:(\{)|(\})|(\[)|(\])|([^\s{}\[\]=]+)=?)")


def _tokens(text):
    """Yields ("{" | "}" | "[" | "]" | "key=" | "word", value)."""
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            break
        pos = m.end()
        if m.group(1):
            yield "{", None
        elif m.group(2):
            yield "}", None
        elif m.group(3):
            yield "[", None
        elif m.group(4):
            yield "]", None
        elif m.group(0).rstrip().endswith("="):
            yield "key=", m.group(5)
        else:
            yield "word", m.group(5)


def _section(toks):
    out = {}
    for kind, value in toks:
        if kind == "}":
            return out
        if kind == "word":
            nxt, _ = next(toks)
            if nxt != "{":
                raise ValueError("section %r without {" % value)
            out[value] = _section(toks)
        elif kind == "key=":
            nxt, word = next(toks)
            if nxt == "[":
                items = []
                for k, v in toks:
                    if k == "]":
                        break
                    items.append(v)
                out[value] = items
            else:
                out[value] = word
    return out


def parse_raw(text):
    """[(message name, dict)] for every line of --raw output."""
    messages = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        m = re.match(r"(\S+(?: \S+)?) \{", line)
        if m is None:
            continue
        toks = _tokens(line[m.end():])
        messages.append((m.group(1), _section(toks)))
    return messages


def list_sas(vici, timeout=10):
    """{ike_name: ike dict} of every IKE_SA charon at vici knows."""
    p = subprocess.run([SWANCTL, "--list-sas", "--raw", "--uri",
                        "unix://" + vici], capture_output=True, text=True,
                       timeout=scaled(timeout), check=True)
    sas = {}
    for name, body in parse_raw(p.stdout):
        if name == "list-sa event":
            sas.update(body)
    return sas


def ike_sa_states(vici, timeout=10):
    """The states of every IKE_SA charon at vici holds, one per SA even
    when several share a name (list_sas keeps one per name)."""
    p = subprocess.run([SWANCTL, "--list-sas", "--raw", "--uri",
                        "unix://" + vici], capture_output=True, text=True,
                       timeout=scaled(timeout), check=True)
    states = []
    for name, body in parse_raw(p.stdout):
        if name == "list-sa event":
            states += [ike.get("state") for ike in body.values()]
    return states


def installed_children(vici):
    """[(ike dict, child dict)] of CHILD_SAs in state INSTALLED."""
    out = []
    for ike in list_sas(vici).values():
        for child in ike.get("child-sas", {}).values():
            if child.get("state") == "INSTALLED":
                out.append((ike, child))
    return out


def child_packets(vici):
    """(packets-in, packets-out) summed over the installed CHILD_SAs."""
    pin = pout = 0
    for _, child in installed_children(vici):
        pin += int(child.get("packets-in", 0))
        pout += int(child.get("packets-out", 0))
    return pin, pout
