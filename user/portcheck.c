// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "link.h"
#include "portcheck.h"
#include "sockdiag.h"

/* The host's listeners of both protocols, asked for once per check. */
struct host_sockets {
	struct listener_list tcp, udp;
};

static const struct listener *listener_in(const struct host_sockets *h,
					  const struct port_spec *ps)
{
	const struct listener_list *l = ps->proto == IPPROTO_UDP ? &h->udp : &h->tcp;

	for (int i = 0; i < l->n; i++) {
		const struct listener *s = &l->v[i];

		if (s->port >= ps->host_lo && s->port <= ps->host_hi &&
		    (!s->bound.s_addr || !ps->host.s_addr ||
		     s->bound.s_addr == ps->host.s_addr))
			return s;
	}
	return NULL;
}

static int check_one(struct nl *nl, const struct host_sockets *h,
		     const struct port_spec *ps, char *err, size_t errlen)
{
	const struct listener *s;
	char spec[64], at[INET_ADDRSTRLEN];
	int r;

	portspec_format(ps, spec, sizeof(spec));
	if (ps->host.s_addr) {
		r = addr_is_local(nl, ps->host);
		if (r <= 0) {
			snprintf(err, errlen, "port map %s: %s is not an address of this host",
				 spec, inet_ntoa(ps->host));
			return r < 0 ? r : -EADDRNOTAVAIL;
		}
	}
	s = h ? listener_in(h, ps) : NULL;
	if (!s)
		return 0;
	inet_ntop(AF_INET, &s->bound, at, sizeof(at));
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
