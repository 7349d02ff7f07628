#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# pktloop.py IFNAME COUNT: send COUNT distinct Ethernet frames addressed to
# the interface's own MAC and check that each comes back exactly once and
# unchanged on receive (vdpa_sim_net loops its TX queue into its RX queue).

import os
import select
import socket
import sys
import time

ETHERTYPE = 0x88B5  # IEEE 802 local experimental
WINDOW = 16         # frames in flight


def main():
    ifname, count = sys.argv[1], int(sys.argv[2])
    with open(f"/sys/class/net/{ifname}/address") as f:
        mac = bytes.fromhex(f.read().strip().replace(":", ""))
    src = bytes.fromhex("020000000042")
    tag = os.urandom(8)

    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETHERTYPE))
    s.bind((ifname, ETHERTYPE))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)

    pending = {}
    got = nbytes = 0
    start = time.monotonic()
    for i in range(count):
        payload = tag + i.to_bytes(4, "big") + os.urandom(48 + i % 1400)
        s.send(mac + src + ETHERTYPE.to_bytes(2, "big") + payload)
        pending[payload] = i
        if len(pending) < WINDOW and i + 1 < count:
            continue
        deadline = time.monotonic() + 10
        while pending and time.monotonic() < deadline:
            if not select.select([s], [], [], 0.5)[0]:
                continue
            data, addr = s.recvfrom(4096)
            if addr[2] == socket.PACKET_OUTGOING or not data[14:].startswith(tag):
                continue
            if data[:6] != mac or data[14:] not in pending:
                print(f"# received a frame that was not sent, or twice ({len(data)} bytes)")
                return 1
            del pending[data[14:]]
            got += 1
            nbytes += len(data)
        if pending:
            print(f"# {len(pending)} frames did not come back, first #{min(pending.values())}")
            return 1
    secs = time.monotonic() - start
    print(f"# sent {count} frames, received all {got} back unchanged "
          f"({nbytes} bytes, {got / secs:.0f} frames/s under TCG)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
