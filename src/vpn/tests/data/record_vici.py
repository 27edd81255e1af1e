#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Records what a real charon sends over VICI, as the C arrays that
src/vpn/tests/test_vici.c replays.

    record_vici.py SOCKET version|list-sas|unknown|register

Prints every packet charon sent in answer (length prefix included) as a
C initialiser, one line of 12 octets each. Speaks only to SOCKET, which
must be a charon the caller started for the purpose (see
tests/integration/vpn/)."""

import socket
import struct
import sys


def packet(ptype, name=None, msg=b""):
    body = bytes([ptype])
    if name is not None:
        body += bytes([len(name)]) + name.encode()
    body += msg
    return struct.pack(">I", len(body)) + body


def read_packet(sock):
    head = b""
    while len(head) < 4:
        chunk = sock.recv(4 - len(head))
        if not chunk:
            raise EOFError
        head += chunk
    (length,) = struct.unpack(">I", head)
    body = b""
    while len(body) < length:
        chunk = sock.recv(length - len(body))
        if not chunk:
            raise EOFError
        body += chunk
    return head + body


def dump(data):
    for i in range(0, len(data), 12):
        print("\t" + " ".join("0x%02x," % b for b in data[i:i + 12]))


def main():
    path, what = sys.argv[1], sys.argv[2]
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(5)
    sock.connect(path)
    if what == "version":
        sock.sendall(packet(0, "version"))
        dump(read_packet(sock))
    elif what == "unknown":
        sock.sendall(packet(0, "no-such-command"))
        dump(read_packet(sock))
    elif what == "register":
        sock.sendall(packet(3, "ike-updown"))
        dump(read_packet(sock))
    elif what == "list-sas":
        sock.sendall(packet(3, "list-sa"))
        read_packet(sock)
        sock.sendall(packet(0, "list-sas"))
        while True:
            data = read_packet(sock)
            print("/* packet type %d */" % data[4])
            dump(data)
            if data[4] != 7:
                break
    sock.close()


if __name__ == "__main__":
    main()
