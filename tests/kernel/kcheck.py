#!/usr/bin/env python3
"""kcheck.py - kasim against the live Linux kernel (make kernel-check).

For every case: run it on the kernel in network namespaces (netlab.py), read
the jiffies value and tick phase at the moment of A's SYN from
/proc/timer_list, build the equivalent kasim scenario (timer = linux at the
machine's HZ, that jiffies value and phase, the measured handshake RTT as the
link delay, the measured times of the events), run kasim --json, and compare
every packet seen on A's interface (time, flags, relative seq, length), the
errno and the time the application saw it.

Tolerance: one jiffy + 2 ms per packet. With the jiffies value and phase
measured, kasim predicts the tick a timer fires on; what remains is the
timer softirq's latency after the tick (tens of microseconds, up to about a
millisecond on a busy machine), which kasim does not model, and at most one
jiffy where an event's measured time is uncertain relative to a tick.

Usage: kcheck.py [--kasim PATH] [--doc FILE] [--only NAME,...] [--keep DIR]
Exit status: 0 all cases within tolerance (or skipped), 1 otherwise.
"""

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netlab  # noqa: E402

SLACK_NS = 2000000  # scheduling noise allowed on top of one jiffy (packets)
# The errno time is when the client process's poll() returned: process
# scheduling latency on a busy machine (tens of ms were seen on a loaded
# 2-CPU VM) comes on top, so it gets a wider margin than packets.
ERRNO_SLACK_NS = 25000000

# Every case: A's socket options (kasim [A] keys, applied with setsockopt),
# A's sysctls, the events (kasim syntax, seconds after connect()), how long
# to wait, and an optional NAT between A and B.
CASES = [
    {"name": "unplug", "what": "B unplugged; A probes 3 times (2/1/3) and resets",
     "A_opts": {"so_keepalive": 1, "tcp_keepidle": 2, "tcp_keepintvl": 1, "tcp_keepcnt": 3},
     "events": [[0.5, "unplug B"]], "deadline": 7},
    {"name": "live-peer", "what": "B alive: probes answered, idle re-arm T - elapsed (2/1/3)",
     "A_opts": {"so_keepalive": 1, "tcp_keepidle": 2, "tcp_keepintvl": 1, "tcp_keepcnt": 3},
     "events": [], "deadline": 9},
    {"name": "reboot", "what": "B reboots: its RST answers probe #1 (ECONNRESET)",
     "A_opts": {"so_keepalive": 1, "tcp_keepidle": 2, "tcp_keepintvl": 1, "tcp_keepcnt": 3},
     "events": [[0.5, "reboot B"]], "deadline": 5},
    {"name": "user-timeout", "what": "B unplugged, TCP_USER_TIMEOUT 3500 ms overrides keepcnt 9",
     "A_opts": {"so_keepalive": 1, "tcp_keepidle": 2, "tcp_keepintvl": 1, "tcp_keepcnt": 9,
                "tcp_user_timeout": 3500},
     "events": [[0.5, "unplug B"]], "deadline": 8},
    {"name": "replug", "what": "B unplugged, replugged during probing: probe #3 answered",
     "A_opts": {"so_keepalive": 1, "tcp_keepidle": 2, "tcp_keepintvl": 1, "tcp_keepcnt": 5},
     "events": [[0.5, "unplug B"], [3.5, "replug B"]], "deadline": 8},
    {"name": "congest", "what": "A's qdisc drops (pfifo limit 0): uncounted retries every 500 ms",
     "A_opts": {"so_keepalive": 1, "tcp_keepidle": 2, "tcp_keepintvl": 1, "tcp_keepcnt": 2},
     "events": [[0.5, "unplug B"], [1.5, "congest A 1.8s"]], "deadline": 8},
    {"name": "keepidle-runtime", "what": "TCP_KEEPIDLE 30 -> 2 at 1 s: re-armed for 2 s - idle",
     "A_opts": {"so_keepalive": 1, "tcp_keepidle": 30, "tcp_keepintvl": 1, "tcp_keepcnt": 3},
     "events": [[0.5, "unplug B"], [1.0, "set A tcp_keepidle 2"]], "deadline": 7},
    {"name": "data-user-timeout", "what": "100 bytes in flight, B unplugged, TCP_USER_TIMEOUT 3000 ms",
     "A_opts": {"tcp_user_timeout": 3000},
     "events": [[0.5, "unplug B"], [1.0, "send A 100"]], "deadline": 8},
    {"name": "data-retries2", "what": "100 bytes in flight, B unplugged, tcp_retries2 = 3",
     "A_opts": {}, "A_sysctl": {"net.ipv4.tcp_retries2": 3},
     "events": [[0.5, "unplug B"], [1.0, "send A 100"]], "deadline": 12},
    {"name": "icmp-probing", "what": "B's input rejects with ICMP host-unreachable: probes' ICMPs ignored (seq snd_una - 1)",
     "A_opts": {"so_keepalive": 1, "tcp_keepidle": 2, "tcp_keepintvl": 1, "tcp_keepcnt": 3},
     "events": [[0.5, "unreachable B host"]], "deadline": 7},
    {"name": "icmp-data", "what": "100 bytes, ICMP host-unreachable: RTOs reverted, rate limit 6 + 1/s, EHOSTUNREACH",
     "A_opts": {}, "A_sysctl": {"net.ipv4.tcp_retries2": 4},
     "events": [[0.5, "unreachable B host"], [1.0, "send A 100"]], "deadline": 14},
    {"name": "icmp-admin", "what": "100 bytes, ICMP admin-prohibited: a soft error without the RFC 6069 revert",
     "A_opts": {}, "A_sysctl": {"net.ipv4.tcp_retries2": 4},
     "events": [[0.5, "unreachable B admin"], [1.0, "send A 100"]], "deadline": 12},
    {"name": "icmp-ratelimit", "what": "100 bytes, ICMP host-unreachable, B's icmp_ratelimit = 300 ms",
     "A_opts": {}, "A_sysctl": {"net.ipv4.tcp_retries2": 4}, "B_sysctl": {"net.ipv4.icmp_ratelimit": 300},
     "events": [[0.5, "unreachable B host"], [1.0, "send A 100"]], "deadline": 12},
    {"name": "nat-loose1", "what": "masquerade, conntrack 3 s, tcp_loose 1: probe re-creates the entry",
     "A_opts": {"so_keepalive": 1, "tcp_keepidle": 5, "tcp_keepintvl": 1, "tcp_keepcnt": 3},
     "events": [], "deadline": 8, "nat": {"loose": 1, "timeout": 3}},
    {"name": "nat-loose0", "what": "masquerade, conntrack 3 s, tcp_loose 0: probes dropped as invalid",
     "A_opts": {"so_keepalive": 1, "tcp_keepidle": 5, "tcp_keepintvl": 1, "tcp_keepcnt": 3},
     "events": [], "deadline": 12, "nat": {"loose": 0, "timeout": 3}},
    # two masquerading routers in series (A - R - L - B): kasim's [nat] and [lb]
    {"name": "nat-chain", "what": "two masquerades, conntrack 6 s then 3 s, tcp_loose 0: the second drops the probes",
     "A_opts": {"so_keepalive": 1, "tcp_keepidle": 5, "tcp_keepintvl": 1, "tcp_keepcnt": 3},
     "events": [], "deadline": 12, "nat": {"loose": 0, "timeout": 6}, "lb": {"loose": 0, "timeout": 3}},
    {"name": "nat-chain-loose1", "what": "two masquerades, conntrack 6 s then 3 s, tcp_loose 1: the second re-creates its entry",
     "A_opts": {"so_keepalive": 1, "tcp_keepidle": 5, "tcp_keepintvl": 1, "tcp_keepcnt": 3},
     "events": [], "deadline": 8, "nat": {"loose": 1, "timeout": 6}, "lb": {"loose": 1, "timeout": 3}},
    # the path's delay changes under a live connection: A and B joined by
    # wire.py between two TUN devices (no netem on this kernel); TCP_INFO
    # after the handshake and after each write's ACK
    {"name": "rtt-delay", "what": "delay 10 -> 40 -> 5 -> 30 ms (+15 ms jitter): every RTT sample, srtt/rttvar/rto",
     "A_opts": {}, "wire": {"delay_ns": 10000000}, "tcpinfo": True,
     "events": [[1.0, "send A 100"], [1.5, "link delay 40ms"], [2.0, "send A 100"],
                [3.0, "send A 100"], [4.0, "send A 100"], [4.5, "link delay 5ms"],
                [5.0, "send A 100"], [6.0, "send A 100"], [6.5, "link delay 30ms jitter 15ms"],
                [7.0, "send A 100"], [8.0, "send A 100"], [9.0, "send A 100"], [10.0, "send A 100"]],
     "deadline": 11},
    # the closing paths (issue #12 item 5): B probes A's orphan once a second
    {"name": "fin-wait2", "what": "A closes, tcp_fin_timeout 70 s: 10 s on the keepalive timer + 10 s timewait, then B's probe gets a RST",
     "A_opts": {}, "A_sysctl": {"net.ipv4.tcp_fin_timeout": 70},
     "B_opts": {"so_keepalive": 1, "tcp_keepidle": 1, "tcp_keepintvl": 1, "tcp_keepcnt": 3},
     "events": [[0.5, "close A"]], "deadline": 24},
    {"name": "linger2", "what": "TCP_LINGER2 -1: the ACK of A's FIN is answered with a RST",
     "A_opts": {"tcp_linger2": -1}, "events": [[0.5, "close A"]], "deadline": 3},
    {"name": "orphan-retries", "what": "B unplugged, A closes, tcp_orphan_retries 2: the FIN's retransmissions, then silence",
     "A_opts": {}, "A_sysctl": {"net.ipv4.tcp_orphan_retries": 2},
     "events": [[0.5, "unplug B"], [1.0, "close A"]], "deadline": 10},
    # a write lost and retransmitted: the ACK of the retransmission is a
    # sample through the timestamp echo (Karn forbids the send-time one)
    {"name": "rtt-loss", "what": "B unplugged for a write: the ACK of its retransmission sampled by TSecr",
     "A_opts": {}, "wire": {"delay_ns": 20000000}, "tcpinfo": True,
     "events": [[1.0, "send A 100"], [2.0, "unplug B"], [2.1, "send A 100"], [2.9, "replug B"],
                [5.0, "send A 100"]],
     "deadline": 6},
    # the same without timestamps (A's net.ipv4.tcp_timestamps = 0): no
    # sample from the recovered write, so the RTO keeps its backoff and the
    # next loss is first retransmitted that much later
    {"name": "rtt-karn", "what": "no timestamps: Karn, the backed-off RTO stays for the next loss",
     "A_opts": {}, "A_sysctl": {"net.ipv4.tcp_timestamps": 0}, "wire": {"delay_ns": 20000000},
     "tcpinfo": True,
     "events": [[1.0, "send A 100"], [2.0, "unplug B"], [2.1, "send A 100"], [2.9, "replug B"],
                [5.0, "unplug B"], [5.1, "send A 100"], [8.5, "replug B"]],
     "deadline": 10},
    # issue #12: peer data while probing. A is the client: with window scaling
    # tcp_finish_connect() leaves pred_flags 0, so B's first data segment takes
    # the slow path and tcp_ack() clears probes_out: a full new series.
    {"name": "peer-data", "what": "2 probes out, B back: 100 bytes from B reset probes_out (2/1/4)",
     "A_opts": {"so_keepalive": 1, "tcp_keepidle": 2, "tcp_keepintvl": 1, "tcp_keepcnt": 4},
     "events": [[0.5, "unplug B"], [3.5, "replug B"], [3.6, "send B 100"], [3.8, "unplug B"]],
     "deadline": 11},
    # The same after B sent data at 0.3 s: that first segment (slow path) let
    # tcp_data_queue() -> tcp_fast_path_check() turn header prediction on, so
    # the second takes the fast path, tcp_ack() never runs and probes_out stays.
    {"name": "peer-data-fastpath", "what": "as peer-data, B also sent at 0.3 s: fast path, probes_out stays 2",
     "A_opts": {"so_keepalive": 1, "tcp_keepidle": 2, "tcp_keepintvl": 1, "tcp_keepcnt": 4},
     "events": [[0.3, "send B 100"], [0.5, "unplug B"], [3.5, "replug B"], [3.6, "send B 100"],
                [3.8, "unplug B"]],
     "deadline": 11},
    {"name": "keepalive-on-runtime", "what": "SO_KEEPALIVE on at 3 s, idle since 0: first probe keepidle later",
     "A_opts": {"tcp_keepidle": 2, "tcp_keepintvl": 1, "tcp_keepcnt": 3},
     "events": [[0.5, "unplug B"], [3.0, "set A so_keepalive 1"]], "deadline": 9},
    {"name": "intvl-cnt-runtime", "what": "TCP_KEEPINTVL 1 -> 2, TCP_KEEPCNT 5 -> 3 after probe #2",
     "A_opts": {"so_keepalive": 1, "tcp_keepidle": 2, "tcp_keepintvl": 1, "tcp_keepcnt": 5},
     "events": [[0.5, "unplug B"], [3.5, "set A tcp_keepintvl 2"], [3.6, "set A tcp_keepcnt 3"]],
     "deadline": 7},
    {"name": "user-timeout-short", "what": "TCP_USER_TIMEOUT 1000 ms below keepidle 3 s: one probe, then abort",
     "A_opts": {"so_keepalive": 1, "tcp_keepidle": 3, "tcp_keepintvl": 1, "tcp_keepcnt": 9,
                "tcp_user_timeout": 1000},
     "events": [[0.5, "unplug B"]], "deadline": 6},
    {"name": "both-probing", "what": "A (2/1/3) and B (3/1/3) both probe a live path",
     "A_opts": {"so_keepalive": 1, "tcp_keepidle": 2, "tcp_keepintvl": 1, "tcp_keepcnt": 3},
     "B_opts": {"so_keepalive": 1, "tcp_keepidle": 3, "tcp_keepintvl": 1, "tcp_keepcnt": 3},
     "events": [], "deadline": 8},
    {"name": "probes-sysctl", "what": "tcp_keepalive_probes 9 -> 3 at 2.5 s, while probing",
     "A_opts": {"so_keepalive": 1, "tcp_keepidle": 2, "tcp_keepintvl": 1},
     "events": [[0.5, "unplug B"], [2.5, "set A net.ipv4.tcp_keepalive_probes 3"]], "deadline": 7},
    # A's SYNs 0-4 are lost on the way to B; SYN #5 puts B in SYN_RECV, whose
    # SYN-ACKs (5 s, the timer's 6 s) are lost; SYN #6 at 7 s gets the SYN-ACK
    # retransmitted at once (tcp_check_req()), not a bare ACK.
    {"name": "synrecv-syn", "what": "B in SYN_RECV gets A's retransmitted SYN: SYN-ACK again at once",
     "A_opts": {}, "connect_async": True,
     "events": [[0, "partition A->B"], [4.5, "heal"], [4.5, "partition B->A"], [6.5, "heal"]],
     "deadline": 9},
]
# RTT cases: kasim's srtt and rttvar (TCP_INFO's units, us) within this of the
# kernel's, and its RTO within one jiffy more. Both are fed the same samples
# (the RTT of each write measured on A's interface), so what remains is where
# the capture stamps a packet against where the kernel does (skb_mstamp at
# tcp_transmit_skb, tcp_mstamp when the ACK is processed): microseconds, up
# to a few hundred on a loaded machine; an error in a sample reaches srtt
# with weight 1/8 and rttvar with 1/4.
RTT_SLACK_US = 500

FLAGS = {"F": 1, "S": 2, "R": 4, "P": 8, ".": 16}
ERRNO = {110: "ETIMEDOUT", 104: "ECONNRESET", 32: "EPIPE", 111: "ECONNREFUSED", 113: "EHOSTUNREACH",
         101: "ENETUNREACH", 0: None, None: None}


def flag_str(mask):
    return "".join(c for c, b in (("S", 2), ("F", 1), ("R", 4), ("P", 8), (".", 16)) if mask & b) or "none"


def kasim_mask(s):
    m = 0
    for ch in s:
        m |= FLAGS.get(ch, 0)
    return m


def secs(ns):
    return "%.6f" % (ns / 1e9)


def case_deadline_ns(k):
    return int(k["deadline"] * 1e9) - (k["client"]["t_conn"] - k["client"]["t0"]) * 0


def kernel_view(k):
    """Packets relative to A's SYN; the clock facts kasim needs."""
    pk = k["packets"]
    clk = k["clock"]
    if not pk:
        raise RuntimeError("no packets captured")
    syn = pk[0]
    t0 = syn["t"]
    isn = {True: syn["seq"], False: None}
    for p in pk:
        if not p["from_a"] and p["flags"] & 2:
            isn[False] = p["seq"]
            break
    # the RTT: B's first packet after A's last one before it (the SYN-ACK
    # after the SYN that got through, whichever SYN that was)
    rtt = None
    last_a = t0
    for p in pk:
        if not p["from_a"]:
            rtt = p["t"] - last_a
            break
        last_a = p["t"]
    out = []
    for p in pk:
        if p["t"] - t0 >= case_deadline_ns(k) - 50000000:
            break  # the client closes its socket at the deadline
        # an ICMP error quotes a segment of the other side: its seq is relative to that ISN
        base = isn[p["from_a"] if "icmp" not in p else not p["from_a"]]
        out.append({"t": p["t"] - t0, "src": "A" if p["from_a"] else "B",
                    "flags": p["flags"] & 0x1f, "seq": (p["seq"] - base) & 0xffffffff if base is not None else None,
                    "len": p["len"], "icmp": p.get("icmp")})
    mono0 = t0 - clk["real_minus_mono"]
    tick = clk["tick_ns"]
    jif = mono0 // tick + clk["jiffies_offset"]
    c = k["client"]
    return {"t0": t0, "packets": out, "hz": clk["hz"], "jiffies": jif & 0xffffffff,
            "phase": mono0 % tick, "tick": tick, "rtt": rtt,
            "errno": ERRNO.get(c["errno"], str(c["errno"])),
            "t_err": c["t_err"] - t0 if c["t_err"] else None, "events": c["events"],
            "write_rtts": write_rtts(pk), "tcpinfo": c.get("tcpinfo", [])}


def write_rtts(pk):
    """The path's RTT at each of A's writes, on A's interface: the ACK's
    arrival minus the departure of the last transmission before it (the
    original, or the retransmission that got through)."""
    isn_a = pk[0]["seq"]
    out, seen = [], set()
    for i, p in enumerate(pk):
        if not p["from_a"] or not p["len"] or p.get("icmp") or p["seq"] in seen:
            continue
        seen.add(p["seq"])
        end = (p["seq"] - isn_a + p["len"]) & 0xffffffff
        last = p["t"]
        for q in pk[i + 1:]:
            if q["from_a"] and q["seq"] == p["seq"] and q["len"]:
                last = q["t"]
            elif not q["from_a"] and q["flags"] & 16 and (q["ack"] - isn_a) & 0xffffffff >= end:
                out.append(q["t"] - last)
                break
    return out


def kasim_scenario(case, kv):
    lines = ["[scenario]", "name = kc-" + case["name"],
             "description = kernel-check: " + case["what"],
             "timer = linux", "hz = %d" % kv["hz"], "jiffies = %d" % kv["jiffies"],
             "jiffies_phase = %dns" % kv["phase"], "duration = %dms" % (case["deadline"] * 1000 - 50), "",
             "[A]"]
    for k, v in case.get("A_opts", {}).items():
        lines.append("%s = %s" % (k, v))
    for k, v in case.get("A_sysctl", {}).items():
        lines.append("%s = %s" % (k, v))
    b_keys = list(case.get("B_opts", {}).items()) + list(case.get("B_sysctl", {}).items())
    if b_keys:
        lines += ["", "[B]"] + ["%s = %s" % (k, v) for k, v in b_keys]
    lines += ["", "[link]", "delay = %dns" % max(0, (kv["rtt"] or 0) // 2)]
    for sec in ("nat", "lb"):  # the first router, and a second one behind it
        nat = case.get(sec)
        if nat:
            lines += ["", "[%s]" % sec, "established_timeout = %ds" % nat["timeout"], "gc_period = 0",
                      "outbound_miss = %s" % ("create" if nat["loose"] else "drop"),
                      "inbound_miss = drop", "inbound_refresh = on",
                      "port_preservation = on"]  # nf_nat keeps the source port when it is free
    lines += ["", "[events]"]
    t0 = kv["t0"]
    rtts = iter(kv.get("write_rtts", []))
    for e in sorted(kv["events"], key=lambda e: e["start"]):
        what = case["events"][e["i"]][1]
        w = what.split()
        if e.get("undo") or w[:2] == ["link", "delay"]:
            continue  # the wire's delays reach kasim as the RTTs measured below
        if w[0] == "send" and case.get("wire"):
            rtt = next(rtts, None)
            if rtt is not None:  # this write's measured RTT, half each way
                lines.append("%dns = link delay %dns" % (max(e["start"] - t0, 0), rtt // 2))
        if w[0] in ("set", "send", "close"):
            at = e["start"] - t0  # just before the system call
        elif w[0] == "congest":
            undo = [u for u in kv["events"] if u["i"] == e["i"] and u.get("undo")]
            at = e["end"] - t0
            if undo:
                dur = (undo[0]["start"] + undo[0]["end"]) // 2 - e["end"]
                what = "congest A %dns" % dur
        else:
            at = e["end"] - t0  # the rule is in place when nft returns
        lines.append("%dns = %s" % (max(at, 0), what))
    return "\n".join(lines) + "\n"


def kasim_view(doc):
    isn = {"A": doc["endpoints"]["A"]["isn"], "B": doc["endpoints"]["B"]["isn"]}
    out = []
    for p in doc["packets"]:
        src = p["src"]
        reason = p.get("reason")
        if "icmp" in p:
            # an ICMP error: compared by its type, code and the quoted seq
            if p.get("fate") == "dropped" and src == "B":
                continue
            q = p["quoted"]
            out.append({"t": int(round(float(p["arrival"] if src == "B" else p["time"]) * 1e9)),
                        "src": src, "flags": 0, "seq": (q["seq"] - isn[q["src"]]) & 0xffffffff,
                        "len": 0, "icmp": [p["icmp_type"], p["icmp_code"]]})
            continue
        where = p.get("where")
        if src == "A" and reason == "local-qdisc":
            continue  # the capture point is after A's qdisc
        if src == "B" and reason is not None and where in ("B", None) and p.get("fate") == "dropped" \
                and reason != "unplugged":
            continue
        if src == "B" and p.get("fate") == "dropped":
            continue  # never reached A's interface
        t = p["time"] if src == "A" else p.get("arrival", p["time"])
        out.append({"t": int(round(float(t) * 1e9)), "src": src, "flags": kasim_mask(p["flags"]),
                    "seq": (p["seq"] - isn[src]) & 0xffffffff, "len": p["len"], "icmp": None})
    a = doc["endpoints"]["A"]
    t_err = a.get("error_time")
    return {"packets": out, "errno": a.get("error"),
            "t_err": int(round(float(t_err) * 1e9)) if t_err is not None else None}


def compare(kv, sv):
    rows = []
    n = max(len(kv["packets"]), len(sv["packets"]))
    worst = 0
    ok = True
    tol = kv["tick"] + SLACK_NS
    for i in range(n):
        kp = kv["packets"][i] if i < len(kv["packets"]) else None
        sp = sv["packets"][i] if i < len(sv["packets"]) else None
        if kp and sp:
            d = sp["t"] - kp["t"]
            same = kp["src"] == sp["src"] and kp["flags"] == sp["flags"] and kp["seq"] == sp["seq"] \
                and kp["len"] == sp["len"] and kp.get("icmp") == sp.get("icmp")
            good = same and abs(d) <= tol
            worst = max(worst, abs(d))
        else:
            d, same, good = None, False, False
        ok &= good
        rows.append((i + 1, kp, sp, d, same, good))
    e_ok = kv["errno"] == sv["errno"]
    de = None
    if kv["t_err"] is not None and sv["t_err"] is not None:
        de = sv["t_err"] - kv["t_err"]
        e_ok &= abs(de) <= kv["tick"] + ERRNO_SLACK_NS
    elif (kv["t_err"] is None) != (sv["t_err"] is None):
        e_ok = False
    return {"rows": rows, "ok": ok and e_ok, "pkts_ok": ok, "errno_ok": e_ok, "worst": worst, "de": de}


def fmt_pkt(p):
    if not p:
        return "-"
    if p.get("icmp"):
        return "%s ICMP %d/%d for seq %s" % (p["src"], p["icmp"][0], p["icmp"][1], p["seq"])
    return "%s %s seq %s len %d" % (p["src"], flag_str(p["flags"]), p["seq"], p["len"])


def run_case(case, kasim, workdir):
    k = netlab.run_kernel(case, workdir)
    k["deadline"] = case["deadline"]
    kv = kernel_view(k)
    ini = kasim_scenario(case, kv)
    path = os.path.join(workdir, case["name"] + ".ini")
    with open(path, "w") as f:
        f.write(ini)
    r = subprocess.run([kasim, "--json", path], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        return {"case": case, "kv": kv, "ini": ini, "error": r.stderr.strip()}
    doc = json.loads(r.stdout)
    sv = kasim_view(doc)
    if any(w == "close A" for _, w in case["events"]):
        # close() orphaned A's socket: no application is left to see its
        # error (the client reports none), so kasim's is not compared
        sv["errno"], sv["t_err"] = None, None
    cmp = compare(kv, sv)
    if case.get("tcpinfo"):
        sv["rtt"] = [x for x in doc.get("rtt", []) if x["host"] == "A"]
        cmp["rtt"] = compare_rtt(kv, sv)
        cmp["ok"] &= cmp["rtt"]["ok"]
    return {"case": case, "kv": kv, "sv": sv, "ini": ini, "cmp": cmp}


def compare_rtt(kv, sv):
    """TCP_INFO after the handshake and after each write's ACK against kasim's
    latest RTT sample of A by then: srtt, rttvar (us), and the RTO when kasim
    took a new sample. Without one (Karn), the kernel's srtt and rttvar must
    not have moved either, and its RTO keeps its backoff, which the packet
    times check."""
    rows, ok = [], bool(kv["tcpinfo"])
    tol_rto = RTT_SLACK_US + kv["tick"] // 1000
    used = 0
    for i, k in enumerate(kv["tcpinfo"]):
        t = k["t"] - kv["t0"] + 50000000  # read just after the ACK came in
        seen = [s for s in sv["rtt"] if float(s["time"]) * 1e9 <= t]
        new = len(seen) > used
        used = len(seen)
        if seen:
            s = seen[-1]
            sus = {f: int(round(float(s[f]) * 1e6)) for f in ("sample", "srtt", "rttvar", "rto")}
            sus["new"] = new
            d = (sus["srtt"] - k["rtt"], sus["rttvar"] - k["rttvar"], sus["rto"] - k["rto"])
            good = abs(d[0]) <= RTT_SLACK_US and abs(d[1]) <= RTT_SLACK_US and (not new or abs(d[2]) <= tol_rto)
        else:
            sus, d, good = None, None, False
        ok &= good
        rows.append((i + 1, k, sus, d, good))
    return {"rows": rows, "ok": ok and used == len(sv["rtt"])}


def decisive(res):
    """The time that answers "when did A notice": errno time, else last packet."""
    kv, sv = res["kv"], res["sv"]
    if kv["t_err"] is not None or sv["t_err"] is not None:
        return kv["t_err"], sv["t_err"], "errno"
    kt = kv["packets"][-1]["t"] if kv["packets"] else None
    st = sv["packets"][-1]["t"] if sv["packets"] else None
    return kt, st, "last packet"


def write_doc(results, path, hz, skipped=None):
    L = []
    L.append("# kasim against the live Linux kernel")
    L.append("")
    L.append("Generated by `make kernel-check` (tests/kernel/kcheck.py) on %s, kernel %s, HZ = %s. "
             "Do not edit by hand." % (datetime.date.today().isoformat(), platform.release(), hz))
    L.append("")
    if skipped:
        L.append("**Skipped: %s.**" % skipped)
        L.append("")
    L.append("Each case runs twice: on the kernel, with A and B in two network namespaces joined by "
             "a veth pair (A - R - B with nftables masquerade for the NAT cases, A - R - L - B for the "
             "chain cases), and in kasim with "
             "`timer = linux`, `hz` = the machine's HZ, `jiffies`/`jiffies_phase` = the kernel's "
             "jiffies value and tick phase at A's SYN (read from `/proc/timer_list`), "
             "`[link] delay` = half the measured handshake RTT, and the events at their measured times. "
             "Every packet on A's interface is compared: time after the SYN, flags, sequence number "
             "relative to the sender's ISN, payload length; then the errno A's application saw and when.")
    L.append("")
    L.append("## Summary")
    L.append("")
    L.append("| scenario | what | packets | flags/seq/len | errno kernel / kasim | kernel time | kasim time | difference | max \\|Δ\\| | verdict |")
    L.append("|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        c = r["case"]
        if "error" in r:
            kv = r.get("kv")
            L.append("| %s | %s | %s / - | - | %s / - | %s | - | - | - | not compared: %s |" % (
                c["name"], c["what"], len(kv["packets"]) if kv else "-",
                (kv["errno"] or "none") if kv else "-",
                secs(kv["t_err"]) if kv and kv["t_err"] else "-",
                r["error"].replace("\n", " ").replace("|", "/")))
            continue
        cm = r["cmp"]
        kt, st, what = decisive(r)
        diff = "%+.3f ms" % ((st - kt) / 1e6) if kt is not None and st is not None else "-"
        same = all(row[4] for row in cm["rows"])
        L.append("| %s | %s | %d / %d | %s | %s / %s | %s (%s) | %s | %s | %.3f ms | %s |" % (
            c["name"], c["what"], len(r["kv"]["packets"]), len(r["sv"]["packets"]),
            "identical" if same else "**differ**", r["kv"]["errno"] or "none", r["sv"]["errno"] or "none",
            secs(kt) if kt is not None else "-", what, secs(st) if st is not None else "-", diff,
            cm["worst"] / 1e6, "ok" if cm["ok"] else "**FAIL**"))
    L.append("")
    L.append("Times are seconds after A's SYN. \"difference\" is kasim − kernel for the errno (or, when "
             "there is none, the last packet); \"max |Δ|\" is the largest difference over every packet.")
    L.append("")
    L.append("## Tolerance")
    L.append("")
    L.append("A packet matches when its flags, relative sequence number and length are identical and "
             "its time is within **one jiffy + 2 ms** (%d ms at HZ = %s) of the kernel's. Why that much: "
             "kasim is given the kernel's jiffies value and tick phase, so it predicts the *tick* on "
             "which each timer fires (the wheel's level and bucket depend on the absolute jiffies "
             "value, which is why it is measured rather than guessed). What it cannot know is how "
             "long after that tick the timer softirq runs (typically 0.05-0.3 ms here, up to about a "
             "millisecond under load) and, for events done by the harness (nft, tc, setsockopt), "
             "exactly when within their measured window they took effect, which can move a timer "
             "armed from them by one jiffy. Without the measured phase the first firing would be "
             "uncertain by up to one bucket of the wheel (256 ms for a 2 s timer at HZ = 250); every "
             "later firing follows from the first, since each re-arm is relative to the actual firing."
             % ((1000 // int(hz)) + 2 if hz else 0, hz))
    L.append("")
    L.append("The errno time is when the client's `poll()` returned, so process scheduling latency "
             "adds to it; it is allowed one jiffy + 25 ms. For the keepalive aborts the RST packet "
             "(compared with the packet tolerance) pins the abort time; for retransmission aborts "
             "(ETIMEDOUT without a RST) the errno is the only witness.")
    L.append("")
    L.append("## Where kasim still differs, and why")
    L.append("")
    L.append("- Softirq latency after the tick is not modelled: kasim's timer packets leave exactly on "
             "the tick, the kernel's 50 µs to ~1 ms later (the sub-millisecond residuals).")
    L.append("- Some firings come exactly one jiffy (4 ms) later than the wheel's bucket, at random "
             "(the same case runs clean or not from one run to the next). kasim places them on the "
             "bucket boundary, as calc_wheel_index() does. The likely cause (inferred, not verified "
             "in the source) is timer migration: since 6.9, timers of an idle CPU are expired by "
             "another CPU through the timer-migration hierarchy, which can pick them up on its next "
             "tick. Because each re-arm is relative to the actual firing and buckets realign, the "
             "extra jiffy does not accumulate.")
    L.append("- RTT cases (`rtt-delay`): this kernel has no netem, so A and B are joined by two TUN "
             "devices and `tests/kernel/wire.py`, which holds each packet for the current delay; the "
             "python wire adds its own latency (milliseconds on a loaded machine), so kasim is not "
             "given the configured delays but the RTT of each write as measured on A's interface "
             "(a `link delay` of half of it just before the write). It then has to reproduce "
             "`tcpi_rtt`, `tcpi_rttvar` and `tcpi_rto`, read with TCP_INFO after the handshake and "
             "after each write's ACK, within %d µs (the RTO within one jiffy more): the capture "
             "stamps a packet a few tens of µs from where the kernel takes its sample. B sets "
             "TCP_QUICKACK, so no delayed ACK stretches a sample. When kasim takes no new sample "
             "(`rtt-karn`: an ACK of retransmitted data without timestamps), the kernel's srtt and "
             "rttvar must not have moved either; its backed-off `tcpi_rto` is then checked through "
             "the next loss's retransmission times. `rtt-loss` has timestamps: the same ACK is "
             "sampled through the TSecr echo, in whole milliseconds." % RTT_SLACK_US)
    L.append("- The millisecond TCP clock (tcp_time_stamp_ms) that retransmits_timed_out() compares "
             "is taken as whole milliseconds of kasim's clock; the kernel's has its own phase, so an "
             "abort exactly at a millisecond boundary could differ by one RTO firing.")
    L.append("- TCP options (timestamps, SACK, window scale) are not on kasim's wire; lengths compared "
             "are payload lengths.")
    L.append("- NAT cases: the kernel runs nftables masquerade on a router namespace with "
             "`nf_conntrack_tcp_timeout_established` = 3 s and `ct state invalid drop`; kasim's "
             "`[nat]` gets `established_timeout = 3s`, exact expiry (conntrack checks the timeout "
             "when a packet looks the entry up), refresh in both directions, port preservation "
             "(nf_nat keeps the source port when it is free, so B sees the same 4-tuple) and "
             "`outbound_miss = create` for `tcp_loose = 1` (conntrack picks the connection up "
             "mid-stream from the probe) or `drop` for `tcp_loose = 0` (the probe is INVALID). "
             "kasim's NAT sits at A's end of the wire, the kernel's in a third namespace: the RTT "
             "differs by microseconds only. The chain cases put a second masquerading router L "
             "between R and B (A - R - L - B), with its own timeout and `tcp_loose`: kasim's "
             "`[lb]` at the far end of the wire, with the same keys (with `port_preservation = on` "
             "it keeps the source address too, where L masquerades with the port kept: B sees "
             "another address but the same one before and after a re-created entry).")
    L.append("")
    L.append("## Every packet")
    for r in results:
        c = r["case"]
        L.append("")
        L.append("### %s — %s" % (c["name"], c["what"]))
        L.append("")
        if "error" in r:
            L.append("kasim could not run this scenario: `%s`" % r["error"].replace("\n", " "))
            if "kv" in r:
                L.append("")
                L.append("What the kernel did (errno %s at %s):" % (
                    r["kv"]["errno"] or "none", secs(r["kv"]["t_err"]) if r["kv"]["t_err"] else "-"))
                L.append("")
                L.append("| # | kernel | kernel time |")
                L.append("|---|---|---|")
                for i, kp in enumerate(r["kv"]["packets"]):
                    L.append("| %d | %s | %s |" % (i + 1, fmt_pkt(kp), secs(kp["t"])))
            continue
        L.append("| # | kernel | kernel time | kasim | kasim time | Δ (ms) | |")
        L.append("|---|---|---|---|---|---|---|")
        for (i, kp, sp, d, same, good) in r["cmp"]["rows"]:
            L.append("| %d | %s | %s | %s | %s | %s | %s |" % (
                i, fmt_pkt(kp), secs(kp["t"]) if kp else "-", fmt_pkt(sp), secs(sp["t"]) if sp else "-",
                "%+.3f" % (d / 1e6) if d is not None else "-", "ok" if good else "**differs**"))
        kv, sv = r["kv"], r["sv"]
        L.append("| | errno %s | %s | errno %s | %s | %s | %s |" % (
            kv["errno"] or "none", secs(kv["t_err"]) if kv["t_err"] is not None else "-",
            sv["errno"] or "none", secs(sv["t_err"]) if sv["t_err"] is not None else "-",
            "%+.3f" % (r["cmp"]["de"] / 1e6) if r["cmp"]["de"] is not None else "-",
            "ok" if r["cmp"]["errno_ok"] else "**differs**"))
        if r["cmp"].get("rtt"):
            L.append("")
            L.append("| RTT sample | kernel tcpi_rtt / rttvar / rto (µs) | kasim srtt / rttvar / rto (µs) | "
                     "sample (µs) | |")
            L.append("|---|---|---|---|---|")
            for (i, k, s, d, good) in r["cmp"]["rtt"]["rows"]:
                L.append("| %d | %s | %s | %s | %s |" % (
                    i, "%d / %d / %d" % (k["rtt"], k["rttvar"], k["rto"]) if k else "-",
                    "%d / %d / %d" % (s["srtt"], s["rttvar"], s["rto"]) if s else "-",
                    (s["sample"] if s["new"] else "none (Karn)") if s else "-",
                    "ok" if good else "**differs**"))
        L.append("")
        L.append("<details><summary>kasim scenario</summary>")
        L.append("")
        L.append("```ini")
        L.append(r["ini"].rstrip())
        L.append("```")
        L.append("</details>")
    with open(path, "w") as f:
        f.write("\n".join(L) + "\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kasim", default="./kasim")
    ap.add_argument("--doc", default=None)
    ap.add_argument("--only", default=None)
    ap.add_argument("--keep", default=None)
    a = ap.parse_args()
    import signal
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # still tear the namespaces down
    why = netlab.can_run()
    if why:
        print("kernel-check: skipped: needs root and network namespaces (%s)" % why)
        return 0
    cases = CASES
    if a.only:
        names = a.only.split(",")
        cases = [c for c in CASES if c["name"] in names]
    workdir = a.keep or tempfile.mkdtemp(prefix="kcheck-")
    os.makedirs(workdir, exist_ok=True)
    results = []
    hz = None
    try:
        for c in cases:
            print("kernel-check: %-18s ..." % c["name"], end="", flush=True)
            try:
                r = run_case(c, os.path.abspath(a.kasim), workdir)
            except Exception as e:  # noqa: BLE001
                print(" harness error: %s" % e)
                results.append({"case": c, "error": "harness: %s" % e})
                continue
            results.append(r)
            hz = r["kv"]["hz"]
            if "error" in r:
                print(" kasim refused: %s" % r["error"].splitlines()[0])
            else:
                print(" %s (max |Δ| %.3f ms, %d packets, errno %s)" % (
                    "ok" if r["cmp"]["ok"] else "FAIL", r["cmp"]["worst"] / 1e6,
                    len(r["kv"]["packets"]), r["kv"]["errno"]))
                for (i, k, s, d, good) in r["cmp"].get("rtt", {}).get("rows", []):
                    print("    rtt #%d kernel srtt/rttvar/rto %s us, kasim %s us: %s" % (
                        i, "%d/%d/%d" % (k["rtt"], k["rttvar"], k["rto"]) if k else "-",
                        "%d/%d/%d (sample %d%s)" % (s["srtt"], s["rttvar"], s["rto"], s["sample"],
                                                   "" if s["new"] else ", no new sample") if s else "-",
                        "ok" if good else "DIFFERS"))
    finally:
        netlab.teardown()
    if a.doc:
        write_doc(results, a.doc, hz)
        print("kernel-check: wrote %s" % a.doc)
    bad = [r for r in results if "error" not in r and not r["cmp"]["ok"]]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
