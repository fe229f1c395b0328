// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "link.h"
#include "portcheck.h"
#include "sockdiag.h"

/* The host's listeners of both protocols, asked for once per check. */
struct host_sockets {
	struct listener_list tcp, udp;
};

/* Does listener s, of family af, take connections the spec would take? */
static bool listener_meets(const struct listener *s, const struct port_spec *ps,
			   int af)
{
	if (s->family != af || s->port < ps->host_lo || s->port > ps->host_hi)
		return false;
	if (af == AF_INET)
		return !s->bound.s_addr || ps->family != AF_INET ||
		       !ps->host.s_addr || s->bound.s_addr == ps->host.s_addr;
	return IN6_IS_ADDR_UNSPECIFIED(&s->bound6) || ps->family != AF_INET6 ||
	       IN6_IS_ADDR_UNSPECIFIED(&ps->host6) ||
	       IN6_ARE_ADDR_EQUAL(&s->bound6, &ps->host6);
}

static const struct listener *listener_in(const struct host_sockets *h,
					  const struct port_spec *ps)
{
	const struct listener_list *l = ps->proto == IPPROTO_UDP ? &h->udp : &h->tcp;

	for (int i = 0; i < l->n; i++) {
		const struct listener *s = &l->v[i];

		if ((portspec_v4(ps) && listener_meets(s, ps, AF_INET)) ||
		    (portspec_v6(ps) && listener_meets(s, ps, AF_INET6)))
			return s;
	}
	return NULL;
}

/* A named address must be one of this host's. */
static int check_local(struct nl *nl, const struct port_spec *ps,
		       const char *spec, char *err, size_t errlen)
{
	char at[INET6_ADDRSTRLEN];
	int r = 1;

	if (ps->family == AF_INET && ps->host.s_addr)
		r = addr_is_local(nl, ps->host);
	else if (ps->family == AF_INET6 && !IN6_IS_ADDR_UNSPECIFIED(&ps->host6))
		r = addr6_is_local(nl, &ps->host6);
	if (r > 0)
		return 0;
	if (ps->family == AF_INET)
		inet_ntop(AF_INET, &ps->host, at, sizeof(at));
	else
		inet_ntop(AF_INET6, &ps->host6, at, sizeof(at));
	snprintf(err, errlen, "port map %s: %s is not an address of this host",
		 spec, at);
	return r < 0 ? r : -EADDRNOTAVAIL;
}

static int check_one(struct nl *nl, const struct host_sockets *h,
		     const struct port_spec *ps, char *err, size_t errlen)
{
	const struct listener *s;
	char spec[96], at[INET6_ADDRSTRLEN + 2];
	int r;

	portspec_format(ps, spec, sizeof(spec));
	r = check_local(nl, ps, spec, err, errlen);
	if (r)
		return r;
	s = h ? listener_in(h, ps) : NULL;
	if (!s)
		return 0;
	if (s->family == AF_INET) {
		inet_ntop(AF_INET, &s->bound, at, sizeof(at));
	} else {
		at[0] = '[';
		inet_ntop(AF_INET6, &s->bound6, at + 1, INET6_ADDRSTRLEN);
		strcat(at, "]");
	}
	snprintf(err, errlen,
		 "port map %s: a host process listens on %s:%u/%s (--force publishes it anyway)",
		 spec, at, s->port, ps->proto == IPPROTO_UDP ? "udp" : "tcp");
	return -EADDRINUSE;
}

int portcheck_host(struct nl *nl, const struct port_spec *ps, int n,
		   bool force, char *err, size_t errlen)
{
	struct host_sockets h = { 0 };
	int r = 0;

	if (!force) {
		r = host_listeners(IPPROTO_TCP, &h.tcp);
		if (!r)
			r = host_listeners(IPPROTO_UDP, &h.udp);
		if (r)
			snprintf(err, errlen, "cannot list the host's sockets: %s",
				 strerror(-r));
	}
	for (int i = 0; i < n && !r; i++)
		r = check_one(nl, force ? NULL : &h, &ps[i], err, errlen);
	listener_list_free(&h.tcp);
	listener_list_free(&h.udp);
	return r;
}
