// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "nl.h"
#include "sockdiag.h"
#include "vec.h"

/* The IPv4 address an IPv6 socket takes, if it takes IPv4 at all. */
static bool v4_of_v6(const struct nlmsghdr *nlh, const __be32 src[4],
		     struct in_addr *out)
{
	const struct nlattr *attr;
	bool v6only = false;

	mnl_attr_for_each(attr, nlh, sizeof(struct inet_diag_msg))
		if (mnl_attr_get_type(attr) == INET_DIAG_SKV6ONLY)
			v6only = mnl_attr_get_u8(attr);
	if (!src[0] && !src[1] && !src[2] && !src[3] && !v6only) {
		out->s_addr = 0;	/* :: also takes 0.0.0.0 */
		return true;
	}
	if (!src[0] && !src[1] && src[2] == htonl(0xffff)) {
		out->s_addr = src[3];
		return true;
	}
	return false;
}

static int listener_push(struct listener_list *l, const struct listener *s)
{
	if (VEC_RESERVE(l->v, l->n, l->cap))
		return MNL_CB_ERROR;
	l->v[l->n++] = *s;
	return MNL_CB_OK;
}

static int listener_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct inet_diag_msg *m = mnl_nlmsg_get_payload(nlh);
	struct listener_list *l = data;
	struct listener s = {
		.bound.s_addr = m->id.idiag_src[0],
		.port = ntohs(m->id.idiag_sport),
		.family = AF_INET,
	};

	if (m->idiag_family != AF_INET6)
		return listener_push(l, &s);
	if (v4_of_v6(nlh, m->id.idiag_src, &s.bound) &&
	    listener_push(l, &s) != MNL_CB_OK)
		return MNL_CB_ERROR;
	/* a v4-mapped address takes IPv4 only */
	if (!m->id.idiag_src[0] && !m->id.idiag_src[1] &&
	    m->id.idiag_src[2] == htonl(0xffff))
		return MNL_CB_OK;
	s.bound.s_addr = 0;
	s.family = AF_INET6;
	memcpy(&s.bound6, m->id.idiag_src, sizeof(s.bound6));
	return listener_push(l, &s);
}

static int dump(struct nl *nl, uint8_t family, uint8_t proto,
		struct listener_list *out)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = nl_msg(nl, buf, SOCK_DIAG_BY_FAMILY, NLM_F_DUMP);
	struct inet_diag_req_v2 *req = mnl_nlmsg_put_extra_header(nlh, sizeof(*req));

	req->sdiag_family = family;
	req->sdiag_protocol = proto;
	/* a UDP socket that takes any peer is "closed" to sock_diag */
	req->idiag_states = proto == IPPROTO_TCP ? 1u << TCP_LISTEN : 1u << TCP_CLOSE;
	return nl_talk(nl, nlh, listener_cb, out);
}

int host_listeners(uint8_t proto, struct listener_list *out)
{
	struct nl nl;
	int err = nl_open_proto(&nl, NETLINK_SOCK_DIAG);

	if (err)
		return err;
	err = dump(&nl, AF_INET, proto, out);
	if (!err) {
		err = dump(&nl, AF_INET6, proto, out);
		/* a kernel without IPv6 has no IPv6 sockets to ask about */
		if (err == -ENOENT || err == -EAFNOSUPPORT)
			err = 0;
	}
	nl_close(&nl);
	return err;
}

void listener_list_free(struct listener_list *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static int conn_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct inet_diag_msg *m = mnl_nlmsg_get_payload(nlh);
	struct conn_list *l = data;
	struct host_conn *c;

	if (m->idiag_family != l->family)
		return MNL_CB_OK;
	if (!l->any_peer && l->family == AF_INET &&
	    m->id.idiag_dst[0] != l->peer.s_addr)
		return MNL_CB_OK;
	if (!l->any_peer && l->family == AF_INET6 &&
	    memcmp(m->id.idiag_dst, &l->peer6, sizeof(l->peer6)))
		return MNL_CB_OK;
	if (VEC_RESERVE(l->v, l->n, l->cap))
		return MNL_CB_ERROR;
	c = &l->v[l->n++];
	c->id = m->id;
	c->family = m->idiag_family;
	c->cookie = (uint64_t)m->id.idiag_cookie[1] << 32 | m->id.idiag_cookie[0];
	return MNL_CB_OK;
}

static int conn_dump(uint8_t proto, uint32_t states, struct conn_list *out)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct inet_diag_req_v2 *req;
	struct nlmsghdr *nlh;
	struct nl nl;
	int err = nl_open_proto(&nl, NETLINK_SOCK_DIAG), from = out->n;

	if (err)
		return err;
	nlh = nl_msg(&nl, buf, SOCK_DIAG_BY_FAMILY, NLM_F_DUMP);
	req = mnl_nlmsg_put_extra_header(nlh, sizeof(*req));
	req->sdiag_family = out->family;
	req->sdiag_protocol = proto;
	req->idiag_states = states;
	err = nl_talk(&nl, nlh, conn_cb, out);
	for (int i = from; i < out->n; i++)
		out->v[i].proto = proto;
	nl_close(&nl);
	return err;
}

int host_conns(uint8_t proto, struct in_addr peer, struct conn_list *out)
{
	out->peer = peer;
	out->any_peer = false;
	out->family = AF_INET;
	/* connected ones: every state but listening (TCP) and unbound-peer (UDP) */
	return conn_dump(proto, ~(1u << TCP_LISTEN | 1u << TCP_CLOSE), out);
}

int host_conns6(uint8_t proto, const struct in6_addr *peer,
		struct conn_list *out)
{
	int err;

	out->peer6 = *peer;
	out->any_peer = false;
	out->family = AF_INET6;
	err = conn_dump(proto, ~(1u << TCP_LISTEN | 1u << TCP_CLOSE), out);
	/* a kernel without IPv6 has no IPv6 sockets to close */
	return err == -ENOENT || err == -EAFNOSUPPORT ? 0 : err;
}

int host_sockets(uint8_t proto, struct conn_list *out)
{
	out->any_peer = true;
	out->family = AF_INET;
	return conn_dump(proto, ~0u, out);
}

void conn_list_free(struct conn_list *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

int host_conn_destroy(const struct host_conn *c)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct inet_diag_req_v2 *req;
	struct nlmsghdr *nlh;
	struct nl nl;
	int err = nl_open_proto(&nl, NETLINK_SOCK_DIAG);

	if (err)
		return err;
	nlh = nl_msg(&nl, buf, SOCK_DESTROY, NLM_F_ACK);
	req = mnl_nlmsg_put_extra_header(nlh, sizeof(*req));
	req->sdiag_family = c->family;
	req->sdiag_protocol = c->proto;
	req->idiag_states = ~0u;
	req->id = c->id;
	err = nl_talk(&nl, nlh, NULL, NULL);
	nl_close(&nl);
	return err;
}
