"""wire.py - a user-space wire with a changeable delay between two namespaces.

This machine's kernel has no netem (CONFIG_NET_SCH_NETEM is off), so the RTT
case of make kernel-check cannot delay packets with tc. Instead A and B each
get a TUN device (kcta in A's namespace, kctb in B's), and this process holds
both: every IP packet one side writes is held for the current one-way delay
of its direction (plus a uniform jitter), then written to the other side, in
order (a later packet never overtakes an earlier one, like kasim's link
without reorder).

The delay is changed at run time through a control FIFO: each line
"DELAY_NS JITTER_NS [A->B|B->A]" applies from the next packet on (both
directions without the third word). Jitter draws come from a PRNG seeded on
the command line, so a run is repeatable apart from scheduling.

Usage (as root): wire.py NS_A DEV_A NS_B DEV_B CTL_FIFO DELAY_NS SEED
It prints "ready" once both devices are attached, and runs until killed.
"""

import ctypes
import fcntl
import heapq
import os
import random
import select
import struct
import sys
import time

CLONE_NEWNET = 0x40000000
TUNSETIFF = 0x400454ca
IFF_TUN, IFF_NO_PI = 0x0001, 0x1000

_libc = ctypes.CDLL("libc.so.6", use_errno=True)


def setns(ns):
    """Enter network namespace ns (by its name under /run/netns)."""
    fd = os.open("/run/netns/" + ns, os.O_RDONLY)
    try:
        if _libc.setns(fd, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "setns " + ns)
    finally:
        os.close(fd)


def tun_open(ns, dev):
    """Attach to the persistent TUN device dev of namespace ns."""
    setns(ns)
    fd = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", dev.encode(), IFF_TUN | IFF_NO_PI))
    return fd


def main():
    ns_a, dev_a, ns_b, dev_b, ctl, delay, seed = sys.argv[1:8]
    fd = {"A": tun_open(ns_a, dev_a), "B": tun_open(ns_b, dev_b)}
    peer = {"A": "B", "B": "A"}
    delay_ns = {"A": int(delay), "B": int(delay)}  # by sender
    jitter_ns = {"A": 0, "B": 0}
    last = {"A": 0, "B": 0}  # release time of the last packet, per direction (FIFO)
    rng = random.Random(int(seed))
    cfd = os.open(ctl, os.O_RDONLY | os.O_NONBLOCK)
    cbuf = b""
    held = []  # (release ns, order, sender, packet)
    order = 0
    print("ready", flush=True)
    while True:
        now = time.monotonic_ns()
        timeout = None
        if held:
            timeout = max(0.0, (held[0][0] - now) / 1e9)
        r, _, _ = select.select([fd["A"], fd["B"], cfd], [], [], timeout)
        now = time.monotonic_ns()
        for side in ("A", "B"):
            if fd[side] not in r:
                continue
            while True:
                try:
                    pkt = os.read(fd[side], 65536)
                except BlockingIOError:
                    break
                j = rng.randint(0, jitter_ns[side]) if jitter_ns[side] else 0
                at = max(now + delay_ns[side] + j, last[side])
                last[side] = at
                heapq.heappush(held, (at, order, side, pkt))
                order += 1
        if cfd in r:
            chunk = os.read(cfd, 4096)
            if not chunk:  # writer closed: reopen to wait for the next one
                os.close(cfd)
                cfd = os.open(ctl, os.O_RDONLY | os.O_NONBLOCK)
            cbuf += chunk
            while b"\n" in cbuf:
                line, cbuf = cbuf.split(b"\n", 1)
                w = line.decode().split()
                sides = {"A->B": ["A"], "B->A": ["B"]}.get(w[2], ["A", "B"]) if len(w) > 2 else ["A", "B"]
                for s in sides:
                    delay_ns[s], jitter_ns[s] = int(w[0]), int(w[1])
        now = time.monotonic_ns()
        while held and held[0][0] <= now:
            _, _, side, pkt = heapq.heappop(held)
            try:
                os.write(fd[peer[side]], pkt)
            except OSError:
                pass  # the far side is gone: the packet is lost


if __name__ == "__main__":
    main()
