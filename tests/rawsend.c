// SPDX-License-Identifier: GPL-2.0
/*
 * rawsend IFACE HEX...: sends each HEX string, byte for byte, as one
 * Ethernet frame out of IFACE (an AF_PACKET raw socket). The namespace
 * tests play a hostile container with it: router advertisements, VLAN
 * tags, other ethertypes, which none of the installed tools can send.
 * Needs CAP_NET_RAW in IFACE's namespace. Exit 0 when every frame went
 * out, 1 on an error (said on stderr), 2 on bad usage.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* HEX into out: its length, or -1 if it is not whole bytes of hex or too long. */
static long unhex(const char *hex, unsigned char *out, size_t max)
{
	size_t n = strlen(hex);

	if (n % 2 || n / 2 > max)
		return -1;
	for (size_t i = 0; i < n; i += 2) {
		int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		out[i / 2] = (unsigned char)(hi << 4 | lo);
	}
	return (long)(n / 2);
}

int main(int argc, char **argv)
{
	struct sockaddr_ll to = { .sll_family = AF_PACKET, .sll_halen = ETH_ALEN };
	unsigned char frame[9216];
	int fd;

	if (argc < 3) {
		fprintf(stderr, "usage: rawsend IFACE HEX...\n");
		return 2;
	}
	to.sll_ifindex = (int)if_nametoindex(argv[1]);
	if (!to.sll_ifindex) {
		fprintf(stderr, "rawsend: no interface %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	/* protocol 0: the socket sends, it receives nothing */
	fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (fd < 0) {
		fprintf(stderr, "rawsend: failed to open a packet socket: %s\n", strerror(errno));
		return 1;
	}
	for (int i = 2; i < argc; i++) {
		long len = unhex(argv[i], frame, sizeof(frame));

		if (len < ETH_HLEN) {
			fprintf(stderr, "rawsend: frame %d is not an Ethernet frame in hex\n", i - 1);
			close(fd);
			return 2;
		}
		memcpy(to.sll_addr, frame, ETH_ALEN);
		memcpy(&to.sll_protocol, frame + 12, 2);	/* as the frame says */
		if (sendto(fd, frame, (size_t)len, 0, (struct sockaddr *)&to, sizeof(to)) != len) {
			fprintf(stderr, "rawsend: failed to send frame %d on %s: %s\n", i - 1,
				argv[1], strerror(errno));
			close(fd);
			return 1;
		}
	}
	close(fd);
	return 0;
}
