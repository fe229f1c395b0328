// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <linux/if_addr.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <stdbool.h>
#include <string.h>

#include "addr6.h"
#include "link6.h"

/* RTM_NEWADDR (create or replace, no DAD) or RTM_DELADDR of addr/prefix. */
static int addr6_change(struct nl *nl, int type, int ifindex,
			const struct in6_addr *addr, int prefix)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = nl_msg(nl, buf, type, type == RTM_NEWADDR ?
				      NLM_F_CREATE | NLM_F_REPLACE : 0);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));

	ifa->ifa_family = AF_INET6;
	ifa->ifa_prefixlen = (unsigned char)prefix;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (unsigned int)ifindex;
	mnl_attr_put(nlh, IFA_ADDRESS, sizeof(*addr), addr);
	if (type == RTM_NEWADDR) {
		/* no duplicate address detection: the allocator made it unique,
		 * and a tentative address could not be used for a second */
		ifa->ifa_flags = IFA_F_NODAD;
		mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_NODAD);
	}
	return nl_talk(nl, nlh, NULL, NULL);
}

int addr6_add(struct nl *nl, int ifindex, const struct in6_addr *addr,
	      int prefix)
{
	return addr6_change(nl, RTM_NEWADDR, ifindex, addr, prefix);
}

int addr6_del(struct nl *nl, int ifindex, const struct in6_addr *addr,
	      int prefix)
{
	return addr6_change(nl, RTM_DELADDR, ifindex, addr, prefix);
}

/*
 * One address dump: the address looked for, or the first global one; or,
 * with net, the first global address on any interface but skip whose
 * network overlaps net/net_prefix.
 */
struct addr6_dump {
	int ifindex;
	const struct in6_addr *want;	/* NULL: the first global one */
	const struct in6_addr *net;
	int net_prefix, skip;
	struct in6_addr found;
	int prefix, found_ifindex;
	uint32_t flags;
	bool hit;
};

/* Do a/alen and b/blen share addresses (one network inside the other)? */
static bool prefixes_overlap(const struct in6_addr *a, int alen,
			     const struct in6_addr *b, int blen)
{
	return in6_in_prefix(a, b, alen < blen ? alen : blen);
}

/* An address addr6_cb found: is it the one the dump is for? */
static bool addr6_wanted(const struct addr6_dump *d, const struct ifaddrmsg *ifa,
			 const struct in6_addr *a, uint32_t flags)
{
	if (d->net)
		return (int)ifa->ifa_index != d->skip &&
		       ifa->ifa_scope == RT_SCOPE_UNIVERSE &&
		       prefixes_overlap(a, ifa->ifa_prefixlen, d->net, d->net_prefix);
	if ((int)ifa->ifa_index != d->ifindex)
		return false;
	if (d->want)
		return !memcmp(a, d->want, sizeof(*a));
	return ifa->ifa_scope == RT_SCOPE_UNIVERSE &&
	       !(flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED));
}

static int addr6_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	struct addr6_dump *d = data;
	const struct nlattr *attr;
	const struct in6_addr *a = NULL;
	uint32_t flags = ifa->ifa_flags;

	if (d->hit || ifa->ifa_family != AF_INET6)
		return MNL_CB_OK;
	mnl_attr_for_each(attr, nlh, sizeof(*ifa)) {
		if (mnl_attr_get_type(attr) == IFA_ADDRESS &&
		    mnl_attr_get_payload_len(attr) == sizeof(*a))
			a = mnl_attr_get_payload(attr);
		if (mnl_attr_get_type(attr) == IFA_FLAGS)
			flags = mnl_attr_get_u32(attr);
	}
	if (!a || !addr6_wanted(d, ifa, a, flags))
		return MNL_CB_OK;
	d->found = *a;
	d->prefix = ifa->ifa_prefixlen;
	d->found_ifindex = (int)ifa->ifa_index;
	d->flags = flags;
	d->hit = true;
	return MNL_CB_OK;
}

static int addr6_dump(struct nl *nl, struct addr6_dump *d)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = nl_msg(nl, buf, RTM_GETADDR, NLM_F_DUMP);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	int err;

	ifa->ifa_family = AF_INET6;
	err = nl_talk(nl, nlh, addr6_cb, d);
	return err ? err : d->hit ? 0 : -ENOENT;
}

int addr6_find(struct nl *nl, int ifindex, const struct in6_addr *addr,
	       int *prefix, uint32_t *flags)
{
	struct addr6_dump d = { .ifindex = ifindex, .want = addr };
	int err = addr6_dump(nl, &d);

	if (!err) {
		*prefix = d.prefix;
		*flags = d.flags;
	}
	return err;
}

int addr6_first_global(struct nl *nl, int ifindex, struct in6_addr *out)
{
	struct addr6_dump d = { .ifindex = ifindex };
	int err = addr6_dump(nl, &d);

	if (!err)
		*out = d.found;
	return err;
}

struct addr6_all {
	struct host_addr6 *out;
	int max, n;
};

/* Global addresses only: a link-local one names a link, not the host
 * (the same fe80:: may be on every interface), and ::1 is host-scoped. */
static int addr6_all_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	struct addr6_all *d = data;
	const struct nlattr *attr;

	if (ifa->ifa_family != AF_INET6 || ifa->ifa_scope != RT_SCOPE_UNIVERSE)
		return MNL_CB_OK;
	mnl_attr_for_each(attr, nlh, sizeof(*ifa)) {
		if (mnl_attr_get_type(attr) != IFA_ADDRESS ||
		    mnl_attr_get_payload_len(attr) != sizeof(struct in6_addr))
			continue;
		if (d->n < d->max) {
			d->out[d->n].ifindex = (int)ifa->ifa_index;
			memcpy(&d->out[d->n].addr, mnl_attr_get_payload(attr),
			       sizeof(struct in6_addr));
		}
		d->n++;
	}
	return MNL_CB_OK;
}

int addr6_list(struct nl *nl, struct host_addr6 *out, int max)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = nl_msg(nl, buf, RTM_GETADDR, NLM_F_DUMP);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	struct addr6_all d = { .out = out, .max = max };
	int err;

	ifa->ifa_family = AF_INET6;
	err = nl_talk(nl, nlh, addr6_all_cb, &d);
	return err ? err : d.n;
}

int route6_add_default(struct nl *nl, const struct in6_addr *gw, int oif)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	/* never replace a route that is there: it is not ours */
	struct nlmsghdr *nlh = nl_msg(nl, buf, RTM_NEWROUTE,
				      NLM_F_CREATE | NLM_F_EXCL);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));

	rtm->rtm_family = AF_INET6;
	rtm->rtm_dst_len = 0;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_BOOT;
	rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	rtm->rtm_type = RTN_UNICAST;
	mnl_attr_put(nlh, RTA_GATEWAY, sizeof(*gw), gw);
	mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)oif);
	return nl_talk(nl, nlh, NULL, NULL);
}

struct default_via6 {
	int oif;
	struct in6_addr gw;
};

static int route6_via_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	struct default_via6 *via = data, this = { 0 };
	uint32_t table = rtm->rtm_table;
	const struct nlattr *attr;

	if (rtm->rtm_family != AF_INET6 || rtm->rtm_dst_len != 0 ||
	    rtm->rtm_type != RTN_UNICAST || via->oif)
		return MNL_CB_OK;
	mnl_attr_for_each(attr, nlh, sizeof(*rtm)) {
		if (mnl_attr_get_type(attr) == RTA_OIF)
			this.oif = (int)mnl_attr_get_u32(attr);
		if (mnl_attr_get_type(attr) == RTA_GATEWAY &&
		    mnl_attr_get_payload_len(attr) == sizeof(this.gw))
			memcpy(&this.gw, mnl_attr_get_payload(attr), sizeof(this.gw));
		if (mnl_attr_get_type(attr) == RTA_TABLE)
			table = mnl_attr_get_u32(attr);
	}
	if (table == RT_TABLE_MAIN)
		*via = this;
	return MNL_CB_OK;
}

int route6_default_via(struct nl *nl, int *oif, struct in6_addr *gw)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = nl_msg(nl, buf, RTM_GETROUTE, NLM_F_DUMP);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	struct default_via6 via = { 0 };
	int err;

	rtm->rtm_family = AF_INET6;
	err = nl_talk(nl, nlh, route6_via_cb, &via);
	*oif = via.oif;
	*gw = via.gw;
	if (err)
		return err;
	return via.oif ? 0 : -ENOENT;
}

static int neigh6_change(struct nl *nl, int type, int ifindex,
			 const struct in6_addr *addr, const uint8_t *mac)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = nl_msg(nl, buf, type, type == RTM_NEWNEIGH ?
				      NLM_F_CREATE | NLM_F_REPLACE : 0);
	struct ndmsg *nd = mnl_nlmsg_put_extra_header(nlh, sizeof(*nd));

	nd->ndm_family = AF_INET6;
	nd->ndm_ifindex = ifindex;
	nd->ndm_state = NUD_PERMANENT;
	nd->ndm_type = RTN_UNICAST;
	mnl_attr_put(nlh, NDA_DST, sizeof(*addr), addr);
	if (mac)
		mnl_attr_put(nlh, NDA_LLADDR, 6, mac);
	return nl_talk(nl, nlh, NULL, NULL);
}

int neigh6_set(struct nl *nl, int ifindex, const struct in6_addr *addr,
	       const uint8_t mac[6])
{
	return neigh6_change(nl, RTM_NEWNEIGH, ifindex, addr, mac);
}

int neigh6_del(struct nl *nl, int ifindex, const struct in6_addr *addr)
{
	return neigh6_change(nl, RTM_DELNEIGH, ifindex, addr, NULL);
}

int addr6_overlapping(struct nl *nl, const struct in6_addr *net, int prefix,
		      int skip_ifindex, struct in6_addr *found, int *found_prefix,
		      int *ifindex)
{
	struct addr6_dump d = { .net = net, .net_prefix = prefix, .skip = skip_ifindex };
	int err = addr6_dump(nl, &d);

	if (!err) {
		*found = d.found;
		*found_prefix = d.prefix;
		*ifindex = d.found_ifindex;
	}
	return err;
}
