"""netlab.py - run one kasim-like scenario on the live Linux kernel.

Two network namespaces joined by a veth pair (A = 10.77.0.1 in ns "kcA",
B = 10.77.0.2 in ns "kcB"), or, for NAT cases, A - R - B with R masquerading.
A's socket is driven by a small client (this file, "client" sub-command, run
inside kcA); B runs a listener ("server" sub-command, inside kcB). tcpdump
captures on A's interface with nanosecond time stamps.

Everything the scenario does to the kernel is one of:
  unplug B / replug B   nft: drop everything B's namespace sends or receives
  reboot B              drop B's output, SIGKILL the server (SO_LINGER 0, so its
                        socket vanishes; the RST it sends is dropped), undrop
  set A OPT VALUE       setsockopt in the client, at the time asked
  send A BYTES          send() in the client
  close A               close() in the client (the socket becomes an orphan)
  congest A DURATION    tc qdisc add dev <A's veth> root pfifo limit 0 (the
                        qdisc drops all A sends: NET_XMIT_DROP), removed after
                        DURATION
  unreachable B ICMP    nft in B's input hook: reject with icmp type
                        host-unreachable (net-unreachable, port-unreachable,
                        admin-prohibited); "off" removes the rule. B's own
                        netfilter answers, through icmp_send() and its rate limit
  link delay [A->B|B->A] D [jitter J]
                        (cases with "wire") A and B are joined by two TUN
                        devices and wire.py, which holds each packet for the
                        current delay; the client tells it the new delay
                        through a FIFO. With "tcpinfo" the client reads
                        TCP_INFO (tcpi_rtt, tcpi_rttvar, tcpi_rto) after the
                        handshake and once each write is acknowledged.
  partition A->B        nft: drop what B's namespace receives (B->A: sends)
  heal                  nft: every partition (and unplug) ends
  set A net.ipv4.K V    write /proc/sys/net/ipv4/K in A's namespace (per netns)
  send B BYTES          the server writes BYTES (SIGUSR1; it reports when)
B's socket options ("B_opts") are set on the listener, which the accepted
socket inherits (sk_clone_lock copies them). A case with "connect_async"
connects without blocking, so events before and during the handshake run.

The measured times of every action are returned, so that kasim is given the
inputs the kernel really saw.
"""

import json
import os
import select
import signal
import socket
import struct
import subprocess
import sys
import time

# KCHECK_PREFIX (default "kc") names the namespaces, so that two checkouts can
# run make kernel-check at the same time without tearing down each other's.
PREFIX = os.environ.get("KCHECK_PREFIX", "kc")
NS_A, NS_B, NS_R, NS_L = PREFIX + "A", PREFIX + "B", PREFIX + "R", PREFIX + "L"
IP_A, IP_B = "10.77.0.1", "10.77.0.2"
# NAT topology: A 10.77.1.1 - R 10.77.1.254 | R 10.77.2.254 - B 10.77.2.2
NAT_IP_A, NAT_IP_RA, NAT_IP_RB, NAT_IP_B = "10.77.1.1", "10.77.1.254", "10.77.2.254", "10.77.2.2"
# A chain of two (case "lb"): A - R | R 10.77.3.1 - L 10.77.3.254 | L 10.77.2.254 - B
CH_IP_R, CH_IP_L = "10.77.3.1", "10.77.3.254"
PORT = 5001
DEV_A, DEV_B = "kcva", "kcvb"
TUN_A, TUN_B = "kcta", "kctb"
TCP_INFO, TCP_QUICKACK = 11, 12

TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT, TCP_USER_TIMEOUT = 4, 5, 6, 18
TCP_LINGER2 = 8


def sh(*args, check=True, ns=None, quiet=False):
    cmd = list(args)
    if ns:
        cmd = ["ip", "netns", "exec", ns] + cmd
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if check and r.returncode != 0:
        raise RuntimeError("%s: %s" % (" ".join(cmd), r.stderr.strip()))
    return r.stdout


def can_run():
    """None when root and network namespaces work, else why not."""
    if os.geteuid() != 0:
        return "needs root"
    for tool in ("ip", "nft", "tc", "tcpdump"):
        if subprocess.run(["which", tool], stdout=subprocess.DEVNULL).returncode != 0:
            return "needs %s" % tool
    try:
        sh("ip", "netns", "add", PREFIX + "probe")
        sh("ip", "netns", "del", PREFIX + "probe")
    except Exception as e:  # noqa: BLE001
        return "network namespaces do not work (%s)" % e
    return None


def teardown():
    for ns in (NS_A, NS_B, NS_R, NS_L):
        subprocess.run(["ip", "netns", "del", ns], stderr=subprocess.DEVNULL)


def setup_wire():
    """A and B joined by two TUN devices; wire.py moves the packets."""
    for ns, dev, ip in ((NS_A, TUN_A, IP_A), (NS_B, TUN_B, IP_B)):
        sh("ip", "netns", "add", ns)
        sh("ip", "tuntap", "add", "dev", dev, "mode", "tun", ns=ns)
        sh("ip", "addr", "add", ip + "/24", "dev", dev, ns=ns)
        sh("ip", "link", "set", "lo", "up", ns=ns)
        sh("ip", "link", "set", dev, "up", ns=ns)
    sh("nft", "add", "table", "inet", "kc", ns=NS_B)
    for hook in ("input", "output"):
        sh("nft", "add", "chain", "inet", "kc", hook,
           "{ type filter hook %s priority 0; policy accept; }" % hook, ns=NS_B)
    return {"a_ip": IP_A, "b_ip": IP_B, "dev": TUN_A}


def masquerade(ns, out_dev, cfg):
    """Router ns forwards and masquerades what leaves out_dev; conntrack's
    established timeout and tcp_loose from cfg ({"loose", "timeout"}); INVALID
    packets are dropped."""
    sh("sysctl", "-qw", "net.ipv4.ip_forward=1", ns=ns)
    rules = """
table ip kcnat {
  chain kcpost {
    type nat hook postrouting priority 100; policy accept;
    oifname "%s" masquerade
  }
  chain kcforward {
    type filter hook forward priority 0; policy accept;
    ct state invalid drop
  }
}
""" % out_dev
    r = subprocess.run(["ip", "netns", "exec", ns, "nft", "-f", "-"], input=rules, text=True,
                       stderr=subprocess.PIPE)
    if r.returncode:
        raise RuntimeError("nft: " + r.stderr)
    # conntrack sysctls exist once the module is in use in this netns
    sh("sysctl", "-qw", "net.netfilter.nf_conntrack_tcp_timeout_established=%d" % cfg["timeout"], ns=ns)
    sh("sysctl", "-qw", "net.netfilter.nf_conntrack_tcp_loose=%d" % cfg["loose"], ns=ns)


def setup(nat=None, wire=None, lb=None):
    """nat: None, or {"loose": 0/1, "timeout": seconds} for A - R(masquerade) - B;
    lb: None, or the same for a second router L behind R: A - R - L - B.
    wire: None, or {"delay_ns": one-way delay at the start} for A - wire.py - B."""
    teardown()
    if wire:
        return setup_wire()
    if not nat:
        for ns in (NS_A, NS_B):
            sh("ip", "netns", "add", ns)
        sh("ip", "link", "add", DEV_A, "netns", NS_A, "type", "veth", "peer", "name", DEV_B,
           "netns", NS_B)
        sh("ip", "addr", "add", IP_A + "/24", "dev", DEV_A, ns=NS_A)
        sh("ip", "addr", "add", IP_B + "/24", "dev", DEV_B, ns=NS_B)
        for ns, dev in ((NS_A, DEV_A), (NS_B, DEV_B)):
            sh("ip", "link", "set", "lo", "up", ns=ns)
            sh("ip", "link", "set", dev, "up", ns=ns)
        # static neighbours: no ARP traffic while B is "unplugged"
        mac_a = sh("cat", "/sys/class/net/%s/address" % DEV_A, ns=NS_A).strip()
        mac_b = sh("cat", "/sys/class/net/%s/address" % DEV_B, ns=NS_B).strip()
        sh("ip", "neigh", "replace", IP_B, "lladdr", mac_b, "dev", DEV_A, "nud", "permanent", ns=NS_A)
        sh("ip", "neigh", "replace", IP_A, "lladdr", mac_a, "dev", DEV_B, "nud", "permanent", ns=NS_B)
        sh("nft", "add", "table", "inet", "kc", ns=NS_B)
        for hook in ("input", "output"):
            sh("nft", "add", "chain", "inet", "kc", hook,
               "{ type filter hook %s priority 0; policy accept; }" % hook, ns=NS_B)
        return {"a_ip": IP_A, "b_ip": IP_B, "dev": DEV_A}
    routers = [NS_R] + ([NS_L] if lb else [])
    for ns in [NS_A, NS_B] + routers:
        sh("ip", "netns", "add", ns)
    sh("ip", "link", "add", DEV_A, "netns", NS_A, "type", "veth", "peer", "name", "kcra", "netns", NS_R)
    sh("ip", "addr", "add", NAT_IP_A + "/24", "dev", DEV_A, ns=NS_A)
    sh("ip", "addr", "add", NAT_IP_RA + "/24", "dev", "kcra", ns=NS_R)
    if lb:  # R's outside faces L, L's outside faces B
        sh("ip", "link", "add", "kcrb", "netns", NS_R, "type", "veth", "peer", "name", "kclr", "netns", NS_L)
        sh("ip", "link", "add", DEV_B, "netns", NS_B, "type", "veth", "peer", "name", "kclb", "netns", NS_L)
        sh("ip", "addr", "add", CH_IP_R + "/24", "dev", "kcrb", ns=NS_R)
        sh("ip", "addr", "add", CH_IP_L + "/24", "dev", "kclr", ns=NS_L)
        sh("ip", "addr", "add", NAT_IP_RB + "/24", "dev", "kclb", ns=NS_L)
        links = ((NS_A, [DEV_A]), (NS_B, [DEV_B]), (NS_R, ["kcra", "kcrb"]), (NS_L, ["kclr", "kclb"]))
    else:
        sh("ip", "link", "add", DEV_B, "netns", NS_B, "type", "veth", "peer", "name", "kcrb", "netns", NS_R)
        sh("ip", "addr", "add", NAT_IP_RB + "/24", "dev", "kcrb", ns=NS_R)
        links = ((NS_A, [DEV_A]), (NS_B, [DEV_B]), (NS_R, ["kcra", "kcrb"]))
    sh("ip", "addr", "add", NAT_IP_B + "/24", "dev", DEV_B, ns=NS_B)
    for ns, devs in links:
        sh("ip", "link", "set", "lo", "up", ns=ns)
        for d in devs:
            sh("ip", "link", "set", d, "up", ns=ns)
    sh("ip", "route", "add", "default", "via", NAT_IP_RA, ns=NS_A)
    if lb:
        sh("ip", "route", "add", "default", "via", CH_IP_L, ns=NS_R)
    # B has no route back to A's private network: only the (last) NAT's address works
    masquerade(NS_R, "kcrb", nat)
    if lb:
        masquerade(NS_L, "kclb", lb)
    sh("nft", "add", "table", "inet", "kc", ns=NS_B)
    for hook in ("input", "output"):
        sh("nft", "add", "chain", "inet", "kc", hook,
           "{ type filter hook %s priority 0; policy accept; }" % hook, ns=NS_B)
    return {"a_ip": NAT_IP_A, "b_ip": NAT_IP_B, "dev": DEV_A}


def jiffies_clock():
    """(jiffies - floor(CLOCK_MONOTONIC / tick)), tick ns, and CLOCK_REALTIME -
    CLOCK_MONOTONIC, from /proc/timer_list. Ticks happen at multiples of the tick
    period on CLOCK_MONOTONIC, so jiffies(t) = floor(t / tick) + offset."""
    hz = None
    with open("/proc/config.gz", "rb") as f:
        import gzip
        for line in gzip.decompress(f.read()).decode().splitlines():
            if line.startswith("CONFIG_HZ="):
                hz = int(line.split("=")[1])
    tick = 1000000000 // hz
    off = real_off = None
    # jiffies = floor(CLOCK_MONOTONIC / tick) + offset: the offset is exact when
    # the whole read of /proc/timer_list falls within one tick
    for _ in range(200):
        ta = time.clock_gettime_ns(time.CLOCK_MONOTONIC)
        with open("/proc/timer_list") as f:
            text = f.read()
        tb = time.clock_gettime_ns(time.CLOCK_MONOTONIC)
        if ta // tick != tb // tick:
            continue
        jif = None
        for line in text.splitlines():
            if line.startswith("jiffies:") and jif is None:
                jif = int(line.split()[1])
            elif ".offset:" in line and real_off is None and int(line.split()[1]) != 0:
                real_off = int(line.split()[1])
        off = jif - ta // tick
        break
    if off is None:
        raise RuntimeError("could not read jiffies within one tick")
    return {"hz": hz, "tick_ns": tick, "jiffies_offset": off, "real_minus_mono": real_off}


# ---------------------------------------------------------------------------
# pcap

def read_pcap(path, a_ip):
    pkts = []
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        return pkts
    magic = struct.unpack("<I", data[:4])[0]
    nano = magic == 0xa1b23c4d
    linktype = struct.unpack("<I", data[20:24])[0]
    off = 24
    while off + 16 <= len(data):
        sec, frac, caplen, _ = struct.unpack("<IIII", data[off:off + 16])
        off += 16
        frame = data[off:off + caplen]
        off += caplen
        ts = sec * 1000000000 + (frac if nano else frac * 1000)
        l2 = {1: 14, 12: 0, 101: 0, 228: 0}.get(linktype, 16)  # ethernet, raw IP (TUN), cooked
        ip = frame[l2:]
        if len(ip) < 20 or ip[0] >> 4 != 4 or ip[9] not in (1, 6):
            continue
        ihl = (ip[0] & 15) * 4
        tot = struct.unpack(">H", ip[2:4])[0]
        src = socket.inet_ntoa(ip[12:16])
        if ip[9] == 1:
            # an ICMP error: type, code, then the quoted IP header and 8 bytes of TCP
            icmp = ip[ihl:]
            if len(icmp) < 8 + 20 + 8:
                continue
            qihl = (icmp[8] & 15) * 4
            qtcp = icmp[8 + qihl:]
            qsport, qdport, qseq = struct.unpack(">HHI", qtcp[:8])
            pkts.append({"t": ts, "from_a": src == a_ip, "icmp": [icmp[0], icmp[1]], "seq": qseq,
                         "ack": 0, "flags": 0, "len": 0, "sport": qsport, "dport": qdport})
            continue
        tcp = ip[ihl:]
        sport, dport, seq, ack = struct.unpack(">HHII", tcp[:12])
        doff = (tcp[12] >> 4) * 4
        flags = tcp[13]
        pkts.append({"t": ts, "from_a": src == a_ip, "seq": seq, "ack": ack, "flags": flags,
                     "len": tot - ihl - doff, "sport": sport, "dport": dport})
    return pkts


# ---------------------------------------------------------------------------
# the kernel side of one case

def run_kernel(case, workdir):
    """Run case on the kernel. Returns a dict with the packets, the client's
    report and the measured clocks."""
    nat = case.get("nat")
    wire = case.get("wire")
    net = setup(nat, wire, case.get("lb"))
    procs = []
    ctl = None
    try:
        if wire:
            ctl = os.path.join(workdir, case["name"] + ".wire")
            if os.path.exists(ctl):
                os.unlink(ctl)
            os.mkfifo(ctl)
            wp = subprocess.Popen([sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                                "wire.py"),
                                   NS_A, TUN_A, NS_B, TUN_B, ctl, str(wire["delay_ns"]), "1"],
                                  stdout=subprocess.PIPE, text=True)
            procs.append(wp)
            if "ready" not in wp.stdout.readline():
                raise RuntimeError("wire.py did not start")
        clk = jiffies_clock()
        for k, v in case.get("A_sysctl", {}).items():
            sh("sysctl", "-qw", "%s=%s" % (k, v), ns=NS_A)
        for k, v in case.get("B_sysctl", {}).items():
            sh("sysctl", "-qw", "%s=%s" % (k, v), ns=NS_B)
        pcap = os.path.join(workdir, case["name"] + ".pcap")
        td = subprocess.Popen(["ip", "netns", "exec", NS_A, "tcpdump", "-i", net["dev"], "-n", "-U", "--immediate-mode",
                               "-s", "128", "--time-stamp-precision=nano", "-w", pcap, "tcp or icmp"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        procs.append(td)
        # wait for "listening on"
        line = td.stderr.readline()
        if "listening" not in line:
            raise RuntimeError("tcpdump: " + line)
        bsend = os.path.join(workdir, case["name"] + ".bsend")
        srv_spec = {"ip": net["b_ip"], "linger0": True, "quickack": bool(wire),
                    "opts": case.get("B_opts", {}), "bsend_file": bsend}
        srv = subprocess.Popen(["ip", "netns", "exec", NS_B, sys.executable, __file__, "server",
                                json.dumps(srv_spec)], stdout=subprocess.PIPE, text=True)
        procs.append(srv)
        ready = srv.stdout.readline()
        if "ready" not in ready:
            raise RuntimeError("server did not start")
        cli_spec = {"ip": net["b_ip"], "opts": case.get("A_opts", {}), "events": case["events"],
                    "deadline": case["deadline"], "server_pid": srv.pid, "dev": net["dev"],
                    "nat": bool(nat), "wire_ctl": ctl, "tcpinfo": bool(case.get("tcpinfo")),
                    "bsend_file": bsend, "connect_async": bool(case.get("connect_async"))}
        out = subprocess.run(["ip", "netns", "exec", NS_A, sys.executable, __file__, "client",
                              json.dumps(cli_spec)], stdout=subprocess.PIPE, text=True,
                             timeout=case["deadline"] + 60)
        rep = json.loads(out.stdout)
        time.sleep(1.2)
        td.send_signal(signal.SIGINT)
        td.wait(timeout=10)
        if srv.poll() is None:
            srv.kill()
        srv.wait()
        pkts = read_pcap(pcap, net["a_ip"])
        hp = sh("nstat", "-az", "TcpExtTCPHPHits", ns=NS_A, check=False)
        return {"clock": clk, "client": rep, "packets": pkts, "nstat": hp}
    finally:
        for p in procs:  # only the processes this run started
            if p.poll() is None:
                p.kill()
                p.wait()
        teardown()


# ---------------------------------------------------------------------------
# sub-commands run inside the namespaces

def server(spec):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((spec["ip"], PORT))
    # B's keepalive options on the listener: the accepted socket inherits them
    # and arms its keepalive timer when the handshake completes
    # (tcp_create_openreq_child()), as kasim's [B] keys do
    set_keepalive_opts(ls, spec.get("opts", {}))
    ls.listen(1)
    conn = []

    def send_bytes(*_):
        # "send B BYTES": the client wrote BYTES into the file; answer with the
        # times around send() in FILE.done
        with open(spec["bsend_file"]) as f:
            n = int(f.read())
        a = time.time_ns()
        conn[0].send(b"y" * n)
        b = time.time_ns()
        with open(spec["bsend_file"] + ".tmp", "w") as f:
            f.write("%d %d" % (a, b))
        os.rename(spec["bsend_file"] + ".tmp", spec["bsend_file"] + ".done")

    signal.signal(signal.SIGUSR1, send_bytes)
    print("ready", flush=True)
    c, _ = ls.accept()
    conn.append(c)
    if spec.get("linger0"):
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    while True:
        if spec.get("quickack"):
            # no delayed ACK: each write's ACK is one path RTT after it
            c.setsockopt(socket.IPPROTO_TCP, TCP_QUICKACK, 1)
        try:
            d = c.recv(65536)
        except OSError:
            break
        if not d:
            break
    time.sleep(3600)


def b_drop(on):
    if on:
        for hook in ("input", "output"):
            sh("nft", "add", "rule", "inet", "kc", hook, "counter", "drop", ns=NS_B)
    else:
        for hook in ("input", "output"):
            sh("nft", "flush", "chain", "inet", "kc", hook, ns=NS_B)


ICMP_NFT = {"host": "host-unreachable", "net": "net-unreachable", "port": "port-unreachable",
            "admin": "admin-prohibited"}


def b_unreachable(what):
    sh("nft", "flush", "chain", "inet", "kc", "input", ns=NS_B)
    if what != "off":
        sh("nft", "add", "rule", "inet", "kc", "input", "meta", "nfproto", "ipv4", "counter", "reject",
           "with", "icmp", "type", ICMP_NFT[what], ns=NS_B)


def tcp_info(s):
    """(tcpi_rtt, tcpi_rttvar, tcpi_rto, tcpi_unacked), all but the last in us."""
    b = s.getsockopt(socket.IPPROTO_TCP, TCP_INFO, 104)
    rto, unacked = struct.unpack_from("<I", b, 8)[0], struct.unpack_from("<I", b, 24)[0]
    rtt, rttvar = struct.unpack_from("<II", b, 68)
    return rtt, rttvar, rto, unacked


def wait_acked(s, limit_s=3.0):
    """Poll TCP_INFO until nothing is unacknowledged; the values then."""
    end = time.time_ns() + int(limit_s * 1e9)
    while True:
        rtt, rttvar, rto, unacked = tcp_info(s)
        if unacked == 0 or time.time_ns() >= end:
            return {"t": time.time_ns(), "rtt": rtt, "rttvar": rttvar, "rto": rto, "unacked": unacked}
        time.sleep(0.0005)


def wire_delay(ctl, words):
    """link delay [A->B|B->A] D [jitter J]: tell wire.py."""
    i = 2
    d = None
    if words[i] in ("A->B", "B->A"):
        d = words[i]
        i += 1
    delay = int(parse_secs(words[i]) * 1e9)
    jitter = int(parse_secs(words[i + 2]) * 1e9) if len(words) > i + 2 else 0
    with open(ctl, "w") as f:
        f.write("%d %d%s\n" % (delay, jitter, " " + d if d else ""))


def set_keepalive_opts(s, opts):
    if opts.get("so_keepalive"):
        s.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    for key, o in (("tcp_keepidle", TCP_KEEPIDLE), ("tcp_keepintvl", TCP_KEEPINTVL),
                   ("tcp_keepcnt", TCP_KEEPCNT), ("tcp_user_timeout", TCP_USER_TIMEOUT),
                   ("tcp_linger2", TCP_LINGER2)):
        if key in opts:
            s.setsockopt(socket.IPPROTO_TCP, o, int(opts[key]))


def client(spec):
    opts = spec["opts"]
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    set_keepalive_opts(s, opts)
    done = []  # measured [start, end] of every event
    events = sorted(enumerate(spec["events"]), key=lambda e: e[1][0])
    i = 0
    # events at time <= 0 are in place before connect()
    while i < len(events) and events[i][1][0] <= 0:
        a = time.time_ns()
        client_event(spec, s, events[i][1][1], [])
        done.append({"i": events[i][0], "start": a, "end": time.time_ns(), "result": None})
        i += 1
    t0 = time.time_ns()
    if spec.get("connect_async"):
        s.setblocking(False)
        s.connect_ex((spec["ip"], PORT))
    else:
        s.connect((spec["ip"], PORT))
    t_conn = time.time_ns()
    infos = [wait_acked(s)] if spec.get("tcpinfo") else []
    pend_info = False
    s.setblocking(False)
    pend_undo = []  # (t, fn) for congest
    err = None
    t_err = None
    deadline = t0 + int(spec["deadline"] * 1e9)
    poller = select.poll()
    poller.register(s, select.POLLIN | select.POLLERR | select.POLLHUP)
    while True:
        now = time.time_ns()
        todo = []
        if i < len(events):
            todo.append(t0 + int(events[i][1][0] * 1e9))
        for t, _, _ in pend_undo:
            todo.append(t)
        nxt = min(todo + [deadline])
        wait_ms = max(0, (nxt - now) / 1e6)
        if pend_info:
            wait_ms = min(wait_ms, 0.5)  # watch for the ACK of the last write
        r = poller.poll(wait_ms)
        if pend_info:
            rtt, rttvar, rto, unacked = tcp_info(s)
            if unacked == 0:
                infos.append({"t": time.time_ns(), "rtt": rtt, "rttvar": rttvar, "rto": rto, "unacked": 0})
                pend_info = False
        if r:
            ts = time.time_ns()
            try:
                d = s.recv(65536)
                if d == b"":
                    err, t_err = 0, ts
                    break
            except BlockingIOError:
                pass
            except OSError as e:
                err, t_err = e.errno, ts
                break
        now = time.time_ns()
        if now >= deadline:
            break
        while i < len(events) and now >= t0 + int(events[i][1][0] * 1e9):
            idx, (at, what) = events[i]
            w = what.split()
            a = time.time_ns()
            if w[:2] == ["close", "A"]:
                poller.unregister(s)  # the orphan has no application any more
                s.close()
                res = None
            else:
                res = client_event(spec, s, what, pend_undo, idx, a)
            if isinstance(res, tuple):  # send B: the server's own times
                a, b, res = res[0], res[1], None
            else:
                if w[:2] == ["send", "A"]:
                    pend_info = bool(spec.get("tcpinfo"))  # read once this write is acked
                b = time.time_ns()
            done.append({"i": idx, "start": a, "end": b, "result": res})
            i += 1
        for item in list(pend_undo):
            if now >= item[0]:
                a = time.time_ns()
                sh("tc", "qdisc", "del", "dev", spec["dev"], "root")
                b = time.time_ns()
                done.append({"i": item[1], "undo": True, "start": a, "end": b})
                pend_undo.remove(item)
    print(json.dumps({"t0": t0, "t_conn": t_conn, "errno": err, "t_err": t_err, "events": done,
                      "tcpinfo": infos}))


def client_event(spec, s, what, pend_undo, idx=None, a=None):
    """One event, done by the client inside A's namespace."""
    w = what.split()
    res = None
    if w[0] == "set" and w[1] == "A":
        o = {"tcp_keepidle": TCP_KEEPIDLE, "tcp_keepintvl": TCP_KEEPINTVL,
             "tcp_keepcnt": TCP_KEEPCNT, "tcp_user_timeout": TCP_USER_TIMEOUT}
        if w[2] == "so_keepalive":
            s.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, int(w[3]))
        elif w[2].startswith("net.ipv4."):
            with open("/proc/sys/net/ipv4/" + w[2][len("net.ipv4."):], "w") as f:
                f.write(w[3])
        else:
            s.setsockopt(socket.IPPROTO_TCP, o[w[2]], int(w[3]))
    elif w[0] == "send" and w[1] == "A":
        try:
            res = s.send(b"x" * int(w[2]))
        except OSError as e:
            res = -e.errno
    elif w[0] == "send" and w[1] == "B":
        done = spec["bsend_file"] + ".done"
        if os.path.exists(done):
            os.unlink(done)
        with open(spec["bsend_file"], "w") as f:
            f.write(w[2])
        os.kill(spec["server_pid"], signal.SIGUSR1)
        for _ in range(2000):
            if os.path.exists(done):
                break
            time.sleep(0.001)
        with open(done) as f:
            ta, tb = (int(x) for x in f.read().split())
        return (ta, tb, None)
    elif w[0] == "link" and w[1] == "delay":
        wire_delay(spec["wire_ctl"], w)
    elif w[0] in ("unplug", "replug") and w[1] == "B":
        b_drop(w[0] == "unplug")
    elif w[0] == "partition":
        sh("nft", "add", "rule", "inet", "kc", "input" if w[1] == "A->B" else "output",
           "counter", "drop", ns=NS_B)
    elif w[0] == "heal":
        b_drop(False)
    elif w[0] == "reboot" and w[1] == "B":
        b_drop(True)
        os.kill(spec["server_pid"], signal.SIGKILL)
        time.sleep(0.2)
        b_drop(False)
    elif w[0] == "unreachable" and w[1] == "B":
        b_unreachable(w[2])
    elif w[0] == "congest" and w[1] == "A":
        sh("tc", "qdisc", "add", "dev", spec["dev"], "root", "pfifo", "limit", "0")
        dur = parse_secs(w[2])
        pend_undo.append((a + int(dur * 1e9), idx, "uncongest"))
    else:
        raise SystemExit("unknown event " + what)
    return res


def parse_secs(s):
    if s.endswith("ns"):
        return float(s[:-2]) / 1e9
    if s.endswith("us"):
        return float(s[:-2]) / 1e6
    if s.endswith("ms"):
        return float(s[:-2]) / 1000
    if s.endswith("s"):
        return float(s[:-1])
    return float(s)


if __name__ == "__main__":
    if sys.argv[1] == "server":
        server(json.loads(sys.argv[2]))
    elif sys.argv[1] == "client":
        client(json.loads(sys.argv[2]))
