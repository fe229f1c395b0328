// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if_arp.h>
#include <stdlib.h>
#include <string.h>

#include "link.h"
#include "vec.h"

struct link_dump {
	struct link_info *one;	/* single lookup */
	void (*fn)(const struct link_info *, void *);
	void *data;
};

static void parse_linkinfo(const struct nlattr *nest, struct link_info *li)
{
	const struct nlattr *attr;

	mnl_attr_for_each_nested(attr, nest) {
		if (mnl_attr_get_type(attr) == IFLA_INFO_KIND)
			snprintf(li->kind, sizeof(li->kind), "%s",
				 mnl_attr_get_str(attr));
	}
}

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);
	struct link_dump *d = data;
	const struct nlattr *attr;
	struct link_info li = { 0 };

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	li.ifindex = ifm->ifi_index;
	li.up = ifm->ifi_flags & IFF_UP;
	li.type = ifm->ifi_type;
	mnl_attr_for_each(attr, nlh, sizeof(*ifm)) {
		switch (mnl_attr_get_type(attr)) {
		case IFLA_IFNAME:
			snprintf(li.name, sizeof(li.name), "%s",
				 mnl_attr_get_str(attr));
			break;
		case IFLA_MTU:
			li.mtu = (int)mnl_attr_get_u32(attr);
			break;
		case IFLA_MASTER:
			li.master = (int)mnl_attr_get_u32(attr);
			break;
		case IFLA_ADDRESS:
			if (mnl_attr_get_payload_len(attr) == 6)
				memcpy(li.mac, mnl_attr_get_payload(attr), 6);
			break;
		case IFLA_LINKINFO:
			parse_linkinfo(attr, &li);
			break;
		case IFLA_IFALIAS:
			snprintf(li.alias, sizeof(li.alias), "%s",
				 mnl_attr_get_str(attr));
			break;
		}
	}
	if (d->one)
		*d->one = li;
	else
		d->fn(&li, d->data);
	return MNL_CB_OK;
}

int link_get(struct nl *nl, const char *name, int ifindex, struct link_info *li)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = nl_msg(nl, buf, RTM_GETLINK, 0);
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	struct link_dump d = { .one = li };
	int err;

	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = ifindex;
	if (!ifindex)
		mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	memset(li, 0, sizeof(*li));
	err = nl_talk(nl, nlh, link_cb, &d);
	if (err == -ENODEV || (!err && !li->ifindex))
		return -ENODEV;
	return err;
}

int link_list(struct nl *nl, void (*fn)(const struct link_info *, void *),
	      void *data)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = nl_msg(nl, buf, RTM_GETLINK, NLM_F_DUMP);
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	struct link_dump d = { .fn = fn, .data = data };

	ifm->ifi_family = AF_UNSPEC;
	return nl_talk(nl, nlh, link_cb, &d);
}

struct veth_filter {
	int master;
	const char *prefix;
	struct link_vec *out;
};

static void add_if_veth(const struct link_info *li, void *data)
{
	struct veth_filter *f = data;
	struct link_vec *lv = f->out;

	if (strncmp(li->name, f->prefix, strlen(f->prefix)) ||
	    strcmp(li->kind, "veth") || li->master != f->master)
		return;
	if (VEC_RESERVE(lv->v, lv->n, lv->cap))
		return;	/* the list is short by one: callers only miss a link */
	lv->v[lv->n++] = *li;
}

int link_list_veths(struct nl *nl, int master, const char *prefix,
		    struct link_vec *out)
{
	struct veth_filter f = { .master = master, .prefix = prefix, .out = out };

	return link_list(nl, add_if_veth, &f);
}

void link_vec_free(struct link_vec *lv)
{
	free(lv->v);
	memset(lv, 0, sizeof(*lv));
}

static struct nlmsghdr *newlink_msg(struct nl *nl, char *buf, const char *name,
				    int mtu)
{
	struct nlmsghdr *nlh = nl_msg(nl, buf, RTM_NEWLINK,
				      NLM_F_CREATE | NLM_F_EXCL);
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));

	ifm->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	if (mtu > 0)
		mnl_attr_put_u32(nlh, IFLA_MTU, (uint32_t)mtu);
	return nlh;
}

int bridge_create(struct nl *nl, const char *name, int mtu,
		  const uint8_t mac[6])
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = newlink_msg(nl, buf, name, mtu);
	struct nlattr *info;

	/* an address given at creation is kept (NET_ADDR_SET): the bridge no
	 * longer takes the lowest MAC of its ports */
	if (mac)
		mnl_attr_put(nlh, IFLA_ADDRESS, 6, mac);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
	mnl_attr_nest_end(nlh, info);
	return nl_talk(nl, nlh, NULL, NULL);
}

int veth_create(struct nl *nl, const char *name, const char *peer,
		int netns_fd, const uint8_t peer_mac[6], int mtu)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = newlink_msg(nl, buf, name, mtu);
	struct nlattr *info, *data, *peer_nest;
	struct ifinfomsg *pifm;


	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	peer_nest = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
	/* the peer's ifinfomsg sits at the start of VETH_INFO_PEER */
	pifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*pifm));
	memset(pifm, 0, sizeof(*pifm));
	pifm->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, peer);
	mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)netns_fd);
	if (peer_mac)
		mnl_attr_put(nlh, IFLA_ADDRESS, 6, peer_mac);
	if (mtu > 0)
		mnl_attr_put_u32(nlh, IFLA_MTU, (uint32_t)mtu);
	mnl_attr_nest_end(nlh, peer_nest);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	return nl_talk(nl, nlh, NULL, NULL);
}

int link_set(struct nl *nl, int ifindex, bool up, int master)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = nl_msg(nl, buf, RTM_NEWLINK, 0);
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));

	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = ifindex;
	ifm->ifi_change = IFF_UP;
	ifm->ifi_flags = up ? IFF_UP : 0;
	if (master >= 0)
		mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)master);
	return nl_talk(nl, nlh, NULL, NULL);
}

int link_set_alias(struct nl *nl, int ifindex, const char *alias)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = nl_msg(nl, buf, RTM_NEWLINK, 0);
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));

	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = ifindex;
	mnl_attr_put_strz(nlh, IFLA_IFALIAS, alias);
	return nl_talk(nl, nlh, NULL, NULL);
}

int link_set_mac(struct nl *nl, int ifindex, const uint8_t mac[6])
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = nl_msg(nl, buf, RTM_NEWLINK, 0);
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));

	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = ifindex;
	mnl_attr_put(nlh, IFLA_ADDRESS, 6, mac);
	return nl_talk(nl, nlh, NULL, NULL);
}

int link_del(struct nl *nl, int ifindex)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = nl_msg(nl, buf, RTM_DELLINK, 0);
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));

	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = ifindex;
	return nl_talk(nl, nlh, NULL, NULL);
}

/* RTM_NEWADDR (create or replace) or RTM_DELADDR of addr/prefix. */
static int addr_change(struct nl *nl, int type, int ifindex,
		       struct in_addr addr, int prefix)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = nl_msg(nl, buf, type, type == RTM_NEWADDR ?
				      NLM_F_CREATE | NLM_F_REPLACE : 0);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	uint32_t hm = prefix >= 32 ? 0 : (~0u >> prefix);
	struct in_addr brd = { htonl(ntohl(addr.s_addr) | hm) };

	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = (unsigned char)prefix;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (unsigned int)ifindex;
	mnl_attr_put_u32(nlh, IFA_LOCAL, addr.s_addr);
	mnl_attr_put_u32(nlh, IFA_ADDRESS, addr.s_addr);
	if (prefix < 31)
		mnl_attr_put_u32(nlh, IFA_BROADCAST, brd.s_addr);
	return nl_talk(nl, nlh, NULL, NULL);
}

int addr_add(struct nl *nl, int ifindex, struct in_addr addr, int prefix)
{
	return addr_change(nl, RTM_NEWADDR, ifindex, addr, prefix);
}

int addr_del(struct nl *nl, int ifindex, struct in_addr addr, int prefix)
{
	return addr_change(nl, RTM_DELADDR, ifindex, addr, prefix);
}

struct addr_dump {
	int ifindex;
	struct in_addr *addr;
	int prefix;
	bool found;
};

static int addr_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	struct addr_dump *d = data;
	const struct nlattr *attr;

	if (d->found || ifa->ifa_family != AF_INET ||
	    (int)ifa->ifa_index != d->ifindex)
		return MNL_CB_OK;
	mnl_attr_for_each(attr, nlh, sizeof(*ifa)) {
		if (mnl_attr_get_type(attr) == IFA_LOCAL) {
			d->addr->s_addr = mnl_attr_get_u32(attr);
			d->prefix = ifa->ifa_prefixlen;
			d->found = true;
		}
	}
	return MNL_CB_OK;
}

int addr_first(struct nl *nl, int ifindex, struct in_addr *addr)
{
	return addr_first_net(nl, ifindex, addr, NULL);
}

int addr_first_net(struct nl *nl, int ifindex, struct in_addr *addr,
		   int *prefix)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = nl_msg(nl, buf, RTM_GETADDR, NLM_F_DUMP);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	struct addr_dump d = { .ifindex = ifindex, .addr = addr };
	int err;

	ifa->ifa_family = AF_INET;
	err = nl_talk(nl, nlh, addr_cb, &d);
	if (err)
		return err;
	if (prefix)
		*prefix = d.prefix;
	return d.found ? 0 : -ENOENT;
}

struct addr_all {
	struct host_addr *out;
	int max, n;
};

static int addr_all_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	struct addr_all *d = data;
	const struct nlattr *attr;

	if (ifa->ifa_family != AF_INET)
		return MNL_CB_OK;
	mnl_attr_for_each(attr, nlh, sizeof(*ifa)) {
		if (mnl_attr_get_type(attr) != IFA_LOCAL)
			continue;
		if (d->n < d->max) {
			d->out[d->n].ifindex = (int)ifa->ifa_index;
			d->out[d->n].addr.s_addr = mnl_attr_get_u32(attr);
			d->out[d->n].prefix = ifa->ifa_prefixlen;
		}
		d->n++;
	}
	return MNL_CB_OK;
}

int addr_list(struct nl *nl, struct host_addr *out, int max)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = nl_msg(nl, buf, RTM_GETADDR, NLM_F_DUMP);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	struct addr_all d = { .out = out, .max = max };
	int err;

	ifa->ifa_family = AF_INET;
	err = nl_talk(nl, nlh, addr_all_cb, &d);
	return err ? err : d.n;
}

static int route_type_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);

	*(int *)data = rtm->rtm_type;
	return MNL_CB_OK;
}

/* What `ip route get A` says: "local" is an address of this host. */
static int local_route(struct nl *nl, int family, const void *a, size_t len)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = nl_msg(nl, buf, RTM_GETROUTE, 0);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	int type = RTN_UNSPEC, err;

	rtm->rtm_family = (unsigned char)family;
	rtm->rtm_dst_len = (unsigned char)(len * 8);
	mnl_attr_put(nlh, RTA_DST, len, a);
	err = nl_talk(nl, nlh, route_type_cb, &type);
	if (err == -ENETUNREACH || err == -EHOSTUNREACH)
		return 0;	/* no route to it: certainly not ours */
	return err ? err : type == RTN_LOCAL;
}

int addr_is_local(struct nl *nl, struct in_addr a)
{
	return local_route(nl, AF_INET, &a.s_addr, sizeof(a.s_addr));
}

int addr6_is_local(struct nl *nl, const struct in6_addr *a)
{
	return local_route(nl, AF_INET6, a, sizeof(*a));
}

int route_add_default(struct nl *nl, struct in_addr gw, int oif)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	/* never replace a route that is there: it is not ours */
	struct nlmsghdr *nlh = nl_msg(nl, buf, RTM_NEWROUTE,
				      NLM_F_CREATE | NLM_F_EXCL);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));

	rtm->rtm_family = AF_INET;
	rtm->rtm_dst_len = 0;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_BOOT;
	rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	rtm->rtm_type = RTN_UNICAST;
	mnl_attr_put_u32(nlh, RTA_GATEWAY, gw.s_addr);
	mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)oif);
	return nl_talk(nl, nlh, NULL, NULL);
}

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *attr;
	int *oif = data;
	uint32_t table = rtm->rtm_table;
	int this_oif = 0;

	if (rtm->rtm_family != AF_INET || rtm->rtm_dst_len != 0 ||
	    rtm->rtm_type != RTN_UNICAST || *oif)
		return MNL_CB_OK;
	mnl_attr_for_each(attr, nlh, sizeof(*rtm)) {
		if (mnl_attr_get_type(attr) == RTA_OIF)
			this_oif = (int)mnl_attr_get_u32(attr);
		if (mnl_attr_get_type(attr) == RTA_TABLE)
			table = mnl_attr_get_u32(attr);
		/* an ECMP route: its first next hop's device */
		if (mnl_attr_get_type(attr) == RTA_MULTIPATH && !this_oif &&
		    mnl_attr_get_payload_len(attr) >= sizeof(struct rtnexthop))
			this_oif = ((const struct rtnexthop *)
				    mnl_attr_get_payload(attr))->rtnh_ifindex;
	}
	if (table == RT_TABLE_MAIN)
		*oif = this_oif;
	return MNL_CB_OK;
}

int route_default_oif(struct nl *nl, int *oif)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = nl_msg(nl, buf, RTM_GETROUTE, NLM_F_DUMP);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	int err;

	rtm->rtm_family = AF_INET;
	*oif = 0;
	err = nl_talk(nl, nlh, route_cb, oif);
	if (err)
		return err;
	return *oif ? 0 : -ENOENT;
}

/* The main table's default route: its device and its gateway. */
struct default_via {
	int oif;
	struct in_addr gw;
};

static int route_via_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	struct default_via *via = data, this = { 0 };
	uint32_t table = rtm->rtm_table;
	const struct nlattr *attr;

	if (rtm->rtm_family != AF_INET || rtm->rtm_dst_len != 0 ||
	    rtm->rtm_type != RTN_UNICAST || via->oif)
		return MNL_CB_OK;
	mnl_attr_for_each(attr, nlh, sizeof(*rtm)) {
		if (mnl_attr_get_type(attr) == RTA_OIF)
			this.oif = (int)mnl_attr_get_u32(attr);
		if (mnl_attr_get_type(attr) == RTA_GATEWAY)
			this.gw.s_addr = mnl_attr_get_u32(attr);
		if (mnl_attr_get_type(attr) == RTA_TABLE)
			table = mnl_attr_get_u32(attr);
	}
	if (table == RT_TABLE_MAIN)
		*via = this;
	return MNL_CB_OK;
}

int route_default_via(struct nl *nl, int *oif, struct in_addr *gw)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = nl_msg(nl, buf, RTM_GETROUTE, NLM_F_DUMP);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	struct default_via via = { 0 };
	int err;

	rtm->rtm_family = AF_INET;
	err = nl_talk(nl, nlh, route_via_cb, &via);
	*oif = via.oif;
	*gw = via.gw;
	if (err)
		return err;
	return via.oif ? 0 : -ENOENT;
}

int uplink_resolve(struct nl *nl, const char *name, int *ifindex, int *mtu)
{
	struct link_info li;
	int err, oif = 0;

	*ifindex = 0;
	*mtu = 0;
	if (name[0]) {
		err = link_get(nl, name, 0, &li);
		if (err)
			return err;
	} else if (route_default_oif(nl, &oif) || link_get(nl, NULL, oif, &li)) {
		return 0;	/* no default route: no uplink */
	}
	/* the datapath reads an Ethernet header on the uplink: an L3 device
	 * (WireGuard, tun, PPP) would be misparsed, so it is refused */
	if (li.type != ARPHRD_ETHER)
		return -EPFNOSUPPORT;
	*ifindex = li.ifindex;
	*mtu = li.mtu;
	return 0;
}
