# SPDX-License-Identifier: GPL-3.0-or-later
"""What a real BIND 9 primary answers to a request signed with a key it
does not know (NOTAUTH, TSIG error BADKEY, unsigned) or with a secret it
does not share (NOTAUTH, BADSIG, unsigned) is reported as such in
last_error (RFC 8945 section 5.2): BADKEY points at the key name, not at
the secret. The primary's serial stays what the last verified SOA check
saw: an unverified reply says nothing."""

from zgtest import addrs
from zgtest.primary import (KEY_NAME, OTHER_SECRET, V1_RECORDS, V1_SERIAL,
                            ZONE, zone_text)
from zgtest.util import wait_until

REMOTE = addrs.PRI + ":53"


def test_badkey_from_bind_names_the_key(zg, bind_pri):
    bind_pri(zone_text(V1_SERIAL, V1_RECORDS), notify_to=())
    zg.create()
    zg.wait_serial(V1_SERIAL)

    zg.cli("tsig", "create", "gen-key.")
    mark = zg.log_mark()
    # A new key starts an SOA check at once.
    zg.cli("secondary", "update", zg.zone_id, "--tsig", "gen-key.")
    s = wait_until(lambda: zg.sync()["last_error"] and zg.sync(), 10,
                   what="the refusal")
    assert s["last_error"] == (
        "SOA query to %s: the primary does not know TSIG key gen-key."
        " (BADKEY)" % REMOTE)
    assert s["serial"] == V1_SERIAL and s["state"] == "loaded"
    assert s["primary_serial"] == V1_SERIAL
    log = zg.log_since(mark)
    assert "SOA query failed: the primary does not know TSIG key" \
        " gen-key. (BADKEY)" in log
    assert "BADSIG" not in log


def test_badsig_from_bind_says_the_secrets_differ(zg, bind_pri):
    bind_pri(zone_text(V1_SERIAL, V1_RECORDS), notify_to=())
    zg.create(secret=OTHER_SECRET)
    s = wait_until(lambda: zg.sync()["last_error"] and zg.sync(), 10,
                   what="the refusal")
    assert s["last_error"] == (
        "AXFR from %s: the primary cannot verify the request signed with"
        " TSIG key %s (BADSIG): the key's secret differs there"
        % (REMOTE, KEY_NAME))
    assert s["state"] == "not_loaded" and s["primary_serial"] is None
