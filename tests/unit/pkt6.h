/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Crafting IPv6 frames for the packet tests: the fixed header, extension
 * headers, TCP, UDP, ICMPv6 (echo, errors, neighbour discovery), each
 * transport checksum computed here from scratch over the IPv6 pseudo
 * header (RFC 8200 8.1), independently of the datapath.
 */
#ifndef BPFNET_TEST_PKT6_H
#define BPFNET_TEST_PKT6_H

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/ipv6.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "pkt.h"

#define IP6_HLEN 40

struct pkt6_spec {
	const char *src, *dst;
	uint8_t smac[6], dmac[6];	/* dmac all zero: the bridge's */
	uint8_t hop_limit;		/* 0: 64 */
	uint8_t ext[8];			/* n_ext extension headers before L4, in order */
	int n_ext;
	uint16_t frag;			/* fragment header's offset field (host order) */
	uint8_t proto;			/* IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMPV6 */
	uint16_t sport, dport;		/* ICMPv6 echo: sport = id */
	uint8_t tcp_flags;
	uint32_t tcp_seq, tcp_ack;	/* seq 0: 1000 */
	uint8_t icmp_type, icmp_code;
	const void *body;		/* ICMPv6: what follows its first 4 bytes (else
					 * echo: id, sequence); TCP/UDP: payload */
	size_t blen;
};

/* Sum of data behind the IPv6 pseudo header of src, dst, len and nh. */
static inline uint32_t l6_sum(const uint8_t *ip6, const void *l4, size_t len, uint8_t nh)
{
	uint8_t ph[8] = { 0 };

	ph[0] = (uint8_t)(len >> 24);
	ph[1] = (uint8_t)(len >> 16);
	ph[2] = (uint8_t)(len >> 8);
	ph[3] = (uint8_t)len;
	ph[7] = nh;
	return sum16(l4, len, sum16(ph, sizeof(ph), sum16(ip6 + 8, 32, 0)));
}

/* Ethernet + IPv6 (+ extension headers) + L4 into buf; its length. */
static inline size_t build_pkt6(uint8_t *buf, const struct pkt6_spec *s)
{
	static const uint8_t zero[6];
	uint8_t *ip = buf + ETH_HLEN, *h = ip + IP6_HLEN, *l4;
	uint8_t *nhp = ip + 6;	/* where the next header goes */
	size_t l4len = 0;

	memcpy(buf, memcmp(s->dmac, zero, 6) ? s->dmac : mac_bridge, 6);
	memcpy(buf + 6, s->smac, 6);
	buf[12] = 0x86;
	buf[13] = 0xdd;
	memset(ip, 0, IP6_HLEN);
	ip[0] = 0x60;
	ip[7] = s->hop_limit ? s->hop_limit : 64;
	inet_pton(AF_INET6, s->src, ip + 8);
	inet_pton(AF_INET6, s->dst, ip + 24);
	for (int i = 0; i < s->n_ext; i++) {
		*nhp = s->ext[i];
		memset(h, 0, 8);
		nhp = h;
		if (s->ext[i] == IPPROTO_FRAGMENT) {
			h[2] = (uint8_t)(s->frag >> 8);
			h[3] = (uint8_t)s->frag;
			h[7] = 0x42;	/* identification */
		} else {
			h[2] = 1;	/* PadN, 4 bytes */
			h[3] = 4;
		}
		h += 8;	/* each test header is 8 bytes */
	}
	*nhp = s->proto;
	l4 = h;
	if (s->proto == IPPROTO_TCP) {
		struct tcphdr *t = (struct tcphdr *)l4;

		memset(t, 0, sizeof(*t));
		t->source = htons(s->sport);
		t->dest = htons(s->dport);
		t->seq = htonl(s->tcp_seq ? s->tcp_seq : 1000);
		t->ack_seq = htonl(s->tcp_ack);
		t->doff = 5;
		((uint8_t *)t)[13] = s->tcp_flags;
		t->window = htons(65535);
		l4len = sizeof(*t);
	} else if (s->proto == IPPROTO_UDP) {
		struct udphdr *u = (struct udphdr *)l4;

		u->source = htons(s->sport);
		u->dest = htons(s->dport);
		u->check = 0;
		l4len = sizeof(*u);
	} else {
		l4[0] = s->icmp_type;
		l4[1] = s->icmp_code;
		l4[2] = l4[3] = 0;
		l4len = 4;
		if (!s->body) {	/* echo: id and sequence */
			l4[4] = (uint8_t)(s->sport >> 8);
			l4[5] = (uint8_t)s->sport;
			l4[6] = 0;
			l4[7] = 1;
			l4len = 8;
		}
	}
	if (s->blen)
		memcpy(l4 + l4len, s->body, s->blen);
	l4len += s->blen;
	if (s->proto == IPPROTO_UDP)
		((struct udphdr *)l4)->len = htons((uint16_t)l4len);
	ip[4] = (uint8_t)((h - ip - IP6_HLEN + l4len) >> 8);
	ip[5] = (uint8_t)(h - ip - IP6_HLEN + l4len);
	/* a later fragment carries no L4 header: no checksum to make */
	if (!(s->frag & 0xfff8)) {
		uint16_t c = fold(l6_sum(ip, l4, l4len, s->proto));
		size_t off = s->proto == IPPROTO_TCP ? 16 : s->proto == IPPROTO_UDP ? 6 : 2;

		if (s->proto == IPPROTO_UDP && !c)
			c = 0xffff;
		l4[off] = (uint8_t)(c >> 8);
		l4[off + 1] = (uint8_t)c;
	}
	return (size_t)(l4 - buf) + l4len;
}

/*
 * The transport checksum of an IPv6 frame with no extension headers
 * verifies: 0 when it does (the sum over pseudo header and segment).
 */
static inline uint16_t l6_csum_check(const uint8_t *f, size_t len)
{
	const uint8_t *ip = f + ETH_HLEN;
	size_t plen = len - ETH_HLEN - IP6_HLEN;

	return fold(l6_sum(ip, ip + IP6_HLEN, plen, ip[6]));
}

/* An ND option: a link-layer address (type 1 source, 2 target). */
static inline size_t nd_lla_opt(uint8_t *o, uint8_t type, const uint8_t *mac)
{
	o[0] = type;
	o[1] = 1;
	memcpy(o + 2, mac, 6);
	return 8;
}

/*
 * The body of a neighbour solicitation or advertisement after its first 4
 * bytes: flags (NA: solicited, override) or reserved, the target, and one
 * link-layer address option when opt_type is not 0. Its length.
 */
static inline size_t nd_body(uint8_t *b, uint8_t type, const char *target,
			     uint8_t opt_type, const uint8_t *opt_mac)
{
	memset(b, 0, 4);
	if (type == 136)
		b[0] = 0x60;	/* solicited, override */
	inet_pton(AF_INET6, target, b + 4);
	return 20 + (opt_type ? nd_lla_opt(b + 20, opt_type, opt_mac) : 0);
}

#endif
