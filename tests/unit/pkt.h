/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Crafting and checking packets for the BPF packet tests. The checksums
 * here are computed from scratch (RFC 1071), independently of the kernel's
 * incremental helpers that the datapath uses.
 */
#ifndef BPFNET_TEST_PKT_H
#define BPFNET_TEST_PKT_H

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/icmp.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline uint32_t sum16(const void *data, size_t len, uint32_t sum)
{
	const uint8_t *p = data;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)(p[len - 1] << 8);
	return sum;
}

static inline uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Sum of an L4 segment and its IPv4 pseudo header, not yet folded. */
static inline uint32_t l4_sum(const struct iphdr *ip, const void *l4, size_t len)
{
	uint8_t ph[12];

	memcpy(ph, &ip->saddr, 4);
	memcpy(ph + 4, &ip->daddr, 4);
	ph[8] = 0;
	ph[9] = ip->protocol;
	ph[10] = (uint8_t)(len >> 8);
	ph[11] = (uint8_t)len;
	return sum16(l4, len, sum16(ph, sizeof(ph), 0));
}

/* Checksum of an L4 segment with the IPv4 pseudo header (host order). */
static inline uint16_t l4_csum(const struct iphdr *ip, const void *l4, size_t len)
{
	return fold(l4_sum(ip, l4, len));
}

/*
 * Checking a checksum: the one a header carries (host order) against the
 * one it should carry, so that a failure shows both. "Should" is the
 * carried one when that verifies (either zero of one's complement, 0 or
 * 0xffff, can be right), else the one computed here from scratch with the
 * field taken as zero (sum less the carried word, which sits at an even
 * offset in every header here).
 */
static inline uint16_t ip_csum_want(const struct iphdr *ip)
{
	uint16_t got = ntohs(ip->check);
	uint32_t sum = sum16(ip, ip->ihl * 4u, 0);

	return fold(sum) == 0 ? got : fold(sum - got);
}

/* Offset of the checksum field in the L4 header of ip's protocol. */
static inline size_t l4_csum_off(const struct iphdr *ip)
{
	if (ip->protocol == IPPROTO_TCP)
		return offsetof(struct tcphdr, check);
	if (ip->protocol == IPPROTO_UDP)
		return offsetof(struct udphdr, check);
	return offsetof(struct icmphdr, checksum);
}

static inline uint16_t l4_csum_got(const struct iphdr *ip, const void *l4)
{
	const uint8_t *p = (const uint8_t *)l4 + l4_csum_off(ip);

	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint16_t l4_csum_want(const struct iphdr *ip, const void *l4, size_t len)
{
	uint16_t got = l4_csum_got(ip, l4), want;
	uint32_t sum;

	/* ICMP has no pseudo header */
	sum = ip->protocol == IPPROTO_ICMP ? sum16(l4, len, 0) : l4_sum(ip, l4, len);
	if (fold(sum) == 0 && !(ip->protocol == IPPROTO_UDP && got == 0))
		return got;
	want = fold(sum - got);
	/* UDP sends a computed 0 as 0xffff: 0 there means "no checksum" */
	return ip->protocol == IPPROTO_UDP && want == 0 ? 0xffff : want;
}

struct pkt_spec {
	const char *src, *dst;
	uint8_t proto;
	uint16_t sport, dport;	/* ICMP: sport = echo id */
	uint8_t tcp_flags;
	uint32_t tcp_seq;	/* 0: 1000 */
	uint32_t tcp_ack;
	uint8_t icmp_type;
	int udp_zero_csum;
	uint16_t frag;		/* frag_off field, host order */
	uint8_t smac[6];
	const void *payload;
	size_t plen;
};

static const uint8_t mac_bridge[6] = { 0x02, 0xbb, 0, 0, 0, 1 };

/* Build IP + L4 at ip (no Ethernet). Returns the IP length. */
static inline size_t build_ip(uint8_t *buf, const struct pkt_spec *s)
{
	struct iphdr *ip = (struct iphdr *)buf;
	uint8_t *l4 = buf + sizeof(*ip);
	size_t l4len;

	memset(ip, 0, sizeof(*ip));
	ip->version = 4;
	ip->ihl = 5;
	ip->ttl = 64;
	ip->protocol = s->proto;
	ip->id = htons(0x1234);
	ip->frag_off = htons(s->frag);
	inet_pton(AF_INET, s->src, &ip->saddr);
	inet_pton(AF_INET, s->dst, &ip->daddr);
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
		struct icmphdr *ic = (struct icmphdr *)l4;

		memset(ic, 0, sizeof(*ic));
		ic->type = s->icmp_type;
		ic->un.echo.id = htons(s->sport);
		ic->un.echo.sequence = htons(1);
		l4len = sizeof(*ic);
	}
	if (s->plen)
		memcpy(l4 + l4len, s->payload, s->plen);
	l4len += s->plen;
	if (s->proto == IPPROTO_UDP)
		((struct udphdr *)l4)->len = htons((uint16_t)l4len);
	ip->tot_len = htons((uint16_t)(sizeof(*ip) + l4len));
	ip->check = htons(fold(sum16(ip, sizeof(*ip), 0)));
	if (s->proto == IPPROTO_TCP) {
		((struct tcphdr *)l4)->check = htons(l4_csum(ip, l4, l4len));
	} else if (s->proto == IPPROTO_UDP && !s->udp_zero_csum) {
		uint16_t c = l4_csum(ip, l4, l4len);

		((struct udphdr *)l4)->check = htons(c ? c : 0xffff);
	} else if (s->proto == IPPROTO_ICMP) {
		((struct icmphdr *)l4)->checksum = htons(fold(sum16(l4, l4len, 0)));
	}
	return sizeof(*ip) + l4len;
}

/* Ethernet + IP packet into buf; returns its length. */
static inline size_t build_pkt(uint8_t *buf, const struct pkt_spec *s)
{
	struct ethhdr *eth = (struct ethhdr *)buf;

	memcpy(eth->h_dest, mac_bridge, 6);
	memcpy(eth->h_source, s->smac, 6);
	eth->h_proto = htons(ETH_P_IP);
	return sizeof(*eth) + build_ip(buf + sizeof(*eth), s);
}

#endif
