# SPDX-License-Identifier: GPL-3.0-or-later
"""What the VPN tests share: real charons run the way lab-notes say
(own strongswan.conf, kernel-libipsec, `unshare --mount` with a tmpfs
on /run, VICI socket outside it), the addresses of the test's peer
namespace, and small waits.
"""

import os
import signal
import socket
import subprocess

from zgtest.util import scaled, wait_until

CHARON = "/usr/lib/ipsec/charon"
STARTER = "/usr/lib/ipsec/starter"
SWANCTL = "/usr/sbin/swanctl"
CHARON_LIFETIME_S = 300

OUR_WAN = "203.0.113.1"
PEER_WAN = "203.0.113.2"
OUR_NET = "10.200.0.0/24"
OUR_HOST = "10.200.0.1"
PEER_NET = "10.201.0.0/24"
PEER_HOST = "10.201.0.7"

STRONGSWAN_CONF = """\
# strongswan.conf of a zonegate VPN test charon.
charon {{
	load_modular = yes
	install_routes = yes
	# Both ends retry at once when a test takes a peer down and up.
	retransmit_timeout = 1.0
	retransmit_tries = 3
	filelog {{
		test {{
			path = {dir}/charon.log
			time_format = %H:%M:%S
			flush_line = yes
			default = 1
			ike = 2
			cfg = 2
		}}
	}}
	plugins {{
		include /etc/strongswan.d/charon/*.conf
		vici {{
			socket = unix://{dir}/charon.vici
		}}
		stroke {{
			socket = unix://{dir}/charon.ctl
			secrets_file = {dir}/ipsec.secrets
		}}
		kernel-libipsec {{
			load = yes
		}}
	}}
}}
"""


def run(argv, timeout=20, check=True, netns=None):
    if netns is not None:
        argv = ["ip", "netns", "exec", netns] + list(argv)
    return subprocess.run(argv, capture_output=True, text=True,
                          timeout=scaled(timeout), check=check,
                          stdin=subprocess.DEVNULL)


class Charon:
    """One charon (or starter + charon) with its own files in dir."""

    def __init__(self, workdir, netns=None, starter_conf=None):
        self.dir = os.path.abspath(str(workdir))
        os.makedirs(self.dir, exist_ok=True)
        self.netns = netns
        self.starter_conf = starter_conf
        self.vici = os.path.join(self.dir, "charon.vici")
        self.conf = os.path.join(self.dir, "strongswan.conf")
        self.proc = None
        with open(self.conf, "w") as f:
            f.write(STRONGSWAN_CONF.format(dir=self.dir))
        secrets = os.path.join(self.dir, "ipsec.secrets")
        if not os.path.exists(secrets):
            with open(secrets, "w"):
                pass

    def argv(self):
        daemon = [CHARON]
        if self.starter_conf is not None:
            daemon = [STARTER, "--nofork", "--conf", self.starter_conf]
        argv = ["timeout", "-s", "KILL", str(int(scaled(CHARON_LIFETIME_S))),
                "unshare", "--mount", "--propagation", "private",
                "sh", "-c", 'mount -t tmpfs zg-vpn-run /run && exec "$@"',
                "zg-vpn-charon", "env", "STRONGSWAN_CONF=" + self.conf]
        argv += daemon
        if self.netns is not None:
            argv = ["ip", "netns", "exec", self.netns] + argv
        return argv

    def start(self, timeout=20):
        if os.path.exists(self.vici):
            os.unlink(self.vici)
        with open(os.path.join(self.dir, "charon.out"), "ab") as out:
            self.proc = subprocess.Popen(self.argv(), stdout=out,
                                         stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL,
                                         start_new_session=True)
        wait_until(self.answers, timeout, interval=0.1,
                   what="charon's VICI socket %s" % self.vici)
        return self

    def answers(self):
        if self.proc.poll() is not None:
            raise RuntimeError("charon exited with %d:\n%s"
                               % (self.proc.returncode, self.log_tail()))
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(self.vici)
            return True
        except OSError:
            return False
        finally:
            s.close()

    def swanctl(self, *args, check=True, timeout=20):
        return run([SWANCTL] + list(args) + ["--uri", "unix://" + self.vici],
                   timeout=timeout, check=check)

    def conns(self):
        """Names of the IKE configs charon holds (list-conns)."""
        out = self.swanctl("--list-conns", "--raw").stdout
        names = []
        for line in out.splitlines():
            if line.startswith("list-conn event {"):
                names.append(line.split("{", 2)[1].split()[0])
        return names

    def ike_sas(self):
        """The IKE_SAs charon holds, as (name, state) pairs: the header
        lines of swanctl --list-sas ("name: #1, ESTABLISHED, IKEv2,
        ...")."""
        out = self.swanctl("--list-sas").stdout
        sas = []
        for line in out.splitlines():
            if not line.startswith(" ") and ": #" in line:
                name, rest = line.split(": #", 1)
                sas.append((name, rest.split(", ")[1]))
        return sas

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=scaled(10))
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        except ProcessLookupError:
            pass

    def log_tail(self, n=60):
        text = ""
        for name in ("charon.out", "charon.log"):
            try:
                with open(os.path.join(self.dir, name),
                          errors="replace") as f:
                    text += "== %s\n" % name + "".join(f.readlines()[-n:])
            except OSError:
                pass
        return text


def purge_stale_namespaces():
    """Namespaces zg-vpn-<pid> whose pid is gone: a killed run's."""
    out = run(["ip", "netns", "list"], check=False).stdout
    for line in out.splitlines():
        name = line.split()[0] if line.split() else ""
        if not name.startswith("zg-vpn-"):
            continue
        pid = name[len("zg-vpn-"):]
        if pid.isdigit() and os.path.exists("/proc/%s" % pid):
            continue
        for p in run(["ip", "netns", "pids", name], check=False).stdout.split():
            try:
                os.kill(int(p), signal.SIGKILL)
            except (OSError, ValueError):
                pass
        run(["ip", "netns", "delete", name], check=False)


def wait_state(cli, conn, states, timeout=30):
    """Waits until `vpn status CONN` shows one of states; returns it."""
    def check():
        st = cli("vpn", "status", conn)
        return st if st["state"] in states else None
    return wait_until(check, timeout, interval=0.3,
                      what="connection %s in state %s" % (conn, states))


def udp_echo_through(peer_ns_name, timeout=5):
    """Sends a datagram from OUR_HOST to an echo server on PEER_HOST
    (in the peer's namespace) and returns the reply."""
    server = subprocess.Popen(
        ["ip", "netns", "exec", peer_ns_name, "/usr/bin/python3", "-c",
         "import socket,sys\n"
         "s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\n"
         "s.bind(('%s',9977)); s.settimeout(%d)\n"
         "print('ready',flush=True)\n"
         "d,a=s.recvfrom(512); s.sendto(d,a)\n" % (PEER_HOST, timeout)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout.readline().strip() == "ready"
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((OUR_HOST, 0))
        s.settimeout(scaled(timeout))
        s.sendto(b"zonegate-through-the-tunnel", (PEER_HOST, 9977))
        data, _ = s.recvfrom(512)
        s.close()
        return data
    finally:
        server.kill()
        server.wait(timeout=10)


PEER_DNS_SCRIPT = r'''
import socket, sys
import dns.message, dns.rcode, dns.rrset
zone = sys.argv[2]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 53))
print("ready", flush=True)
while True:
    data, peer = s.recvfrom(4096)
    try:
        q = dns.message.from_wire(data)
    except Exception:
        continue
    r = dns.message.make_response(q)
    r.flags |= dns.flags.AA
    name = q.question[0].name
    if q.question[0].rdtype == 6:
        r.answer.append(dns.rrset.from_text(
            zone, 60, "IN", "SOA", "ns.%s admin.%s 1 60 60 600 60"
            % (zone, zone)))
    elif name.to_text().endswith(zone):
        r.answer.append(dns.rrset.from_text(name, 60, "IN", "A",
                                            "192.0.2.201"))
    s.sendto(r.to_wire(), peer)
'''


def start_peer_dns(peer_ns_name, zone):
    """A DNS server on PEER_HOST:53 in the peer's namespace: A
    192.0.2.201 for every name under zone, and zone's SOA. The caller
    kills it."""
    proc = subprocess.Popen(
        ["ip", "netns", "exec", peer_ns_name, "timeout", "-s", "KILL",
         str(int(scaled(CHARON_LIFETIME_S))), "/usr/bin/python3", "-c",
         PEER_DNS_SCRIPT, PEER_HOST, zone],
        stdout=subprocess.PIPE, text=True, start_new_session=True)
    assert proc.stdout.readline().strip() == "ready"
    return proc
