// SPDX-License-Identifier: GPL-2.0
/*
 * rawloop: the nested QEMU guest's traffic check. Brings IFNAME up, sends
 * COUNT raw Ethernet frames to the interface's own MAC (EtherType 0x88b5,
 * local experimental) and waits for each to come back unchanged, as the
 * vdpa_sim_net device loops its TX back to RX. Prints one line that
 * tests/vm/client_qemu.sh looks for:
 *   RAWLOOP ok N/N
 *   RAWLOOP fail REASON
 * Built static, as the guest has only busybox.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define ETHERTYPE_LOOP 0x88b5
#define FRAME_LEN 128

static int fail(const char *what)
{
	printf("RAWLOOP fail %s: %s\n", what, strerror(errno));
	return 1;
}

static void fill(unsigned char *f, const unsigned char *mac, unsigned int seq)
{
	unsigned int i;

	memcpy(f, mac, 6);
	memcpy(f + 6, mac, 6);
	f[12] = ETHERTYPE_LOOP >> 8;
	f[13] = ETHERTYPE_LOOP & 0xff;
	memcpy(f + 14, &seq, sizeof(seq));
	for (i = 18; i < FRAME_LEN; i++)
		f[i] = (unsigned char)(seq * 7 + i);
}

int main(int argc, char **argv)
{
	unsigned char mac[6], frame[FRAME_LEN], want[FRAME_LEN], buf[2048];
	struct sockaddr_ll sll = { 0 };
	unsigned int count, seq, got = 0;
	struct ifreq ifr = { 0 };
	int s, i;

	if (argc != 3) {
		printf("RAWLOOP fail usage: rawloop IFNAME COUNT\n");
		return 2;
	}
	count = strtoul(argv[2], NULL, 0);
	s = socket(AF_PACKET, SOCK_RAW, htons(ETHERTYPE_LOOP));
	if (s < 0)
		return fail("socket");
	strncpy(ifr.ifr_name, argv[1], IFNAMSIZ - 1);
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		return fail("SIOCGIFFLAGS");
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		return fail("SIOCSIFFLAGS");
	if (ioctl(s, SIOCGIFHWADDR, &ifr) < 0)
		return fail("SIOCGIFHWADDR");
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	if (ioctl(s, SIOCGIFINDEX, &ifr) < 0)
		return fail("SIOCGIFINDEX");
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETHERTYPE_LOOP);
	sll.sll_ifindex = ifr.ifr_ifindex;
	if (bind(s, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		return fail("bind");
	/* Give the link a moment to come up before the first frame. */
	sleep(1);
	for (seq = 0; seq < count; seq++) {
		fill(frame, mac, seq);
		if (send(s, frame, sizeof(frame), 0) != sizeof(frame))
			return fail("send");
		memcpy(want, frame, sizeof(want));
		for (i = 0; i < 50; i++) {
			struct pollfd p = { .fd = s, .events = POLLIN };
			ssize_t n;

			if (poll(&p, 1, 100) <= 0)
				continue;
			n = recv(s, buf, sizeof(buf), 0);
			if (n == FRAME_LEN && !memcmp(buf, want, FRAME_LEN)) {
				got++;
				break;
			}
		}
	}
	if (got != count) {
		printf("RAWLOOP fail %u of %u frames came back\n", got, count);
		return 1;
	}
	printf("RAWLOOP ok %u/%u\n", got, count);
	return 0;
}
