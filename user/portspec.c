// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "portspec.h"


/* "N" or "N-M", 1..65535, N <= M. */
static int parse_range(const char *s, uint16_t *lo, uint16_t *hi)
{
	unsigned long a, b;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	a = strtoul(s, &end, 10);
	b = a;
	if (*end == '-') {
		if (end[1] < '0' || end[1] > '9')
			return -EINVAL;
		b = strtoul(end + 1, &end, 10);
	}
	if (*end || a < 1 || a > 65535 || b < 1 || b > 65535 || a > b)
		return -EINVAL;
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return 0;
}

int portspec_parse(const char *text, struct port_spec *ps, char *err,
		   size_t errlen)
{
	char buf[96], *proto, *parts[4];
	int n = 0;

	memset(ps, 0, sizeof(*ps));
	if (strlen(text) >= sizeof(buf) || !*text)
		return fmt_err(err, errlen, "port map '%.40s' is empty or too long",
			    text);
	strcpy(buf, text);
	ps->proto = IPPROTO_TCP;
	proto = strchr(buf, '/');
	if (proto) {
		*proto++ = '\0';
		if (!strcmp(proto, "udp"))
			ps->proto = IPPROTO_UDP;
		else if (strcmp(proto, "tcp"))
			return fmt_err(err, errlen,
				    "port map '%s': protocol must be tcp or udp",
				    text);
	}
	for (char *p = buf, *c; n < 4; p = c + 1) {
		parts[n++] = p;
		c = strchr(p, ':');
		if (!c)
			break;
		*c = '\0';
	}
	if (n < 2 || n > 3)
		return fmt_err(err, errlen,
			    "port map '%s': expected [HOSTIP:]HOSTPORT:CONTAINERPORT[/tcp|udp]",
			    text);
	if (n == 3) {
		if (inet_pton(AF_INET, parts[0], &ps->host) != 1)
			return fmt_err(err, errlen,
				    "port map '%s': '%s' is not an IPv4 address",
				    text, parts[0]);
		parts[0] = parts[1];
		parts[1] = parts[2];
	}
	if (parse_range(parts[0], &ps->host_lo, &ps->host_hi) ||
	    parse_range(parts[1], &ps->ctr_lo, &ps->ctr_hi))
		return fmt_err(err, errlen,
			    "port map '%s': ports must be 1-65535 (a range as LOW-HIGH)",
			    text);
	if (ps->ctr_hi - ps->ctr_lo != ps->host_hi - ps->host_lo)
		return fmt_err(err, errlen,
			    "port map '%s': host and container ranges differ in size",
			    text);
	return 0;
}

int portspec_parse_list(const char *text, struct port_spec *out, int max,
			char *err, size_t errlen)
{
	char *copy, *save = NULL, *tok;
	int n = 0, ret = 0;

	if (!*text)
		return 0;
	copy = strdup(text);
	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ')
			tok++;
		if (n == max) {
			ret = fmt_err(err, errlen, "more than %d port maps", max);
			break;
		}
		ret = portspec_parse(tok, &out[n], err, errlen);
		if (ret)
			break;
		for (int i = 0; i < n; i++) {
			if (portspec_overlap(&out[i], &out[n])) {
				ret = fmt_err(err, errlen,
					   "port map '%s' overlaps another in the same list",
					   tok);
				break;
			}
		}
		if (ret)
			break;
		n++;
	}
	if (!ret && n == 0)
		ret = fmt_err(err, errlen, "no port map in '%.40s'", text);
	free(copy);
	return ret ? ret : n;
}

void portspec_format(const struct port_spec *ps, char *buf, size_t size)
{
	char host[24] = "", hp[16], cp[16];

	if (ps->host.s_addr)
		snprintf(host, sizeof(host), "%s:", inet_ntoa(ps->host));
	if (ps->host_lo == ps->host_hi)
		snprintf(hp, sizeof(hp), "%u", ps->host_lo);
	else
		snprintf(hp, sizeof(hp), "%u-%u", ps->host_lo, ps->host_hi);
	if (ps->ctr_lo == ps->ctr_hi)
		snprintf(cp, sizeof(cp), "%u", ps->ctr_lo);
	else
		snprintf(cp, sizeof(cp), "%u-%u", ps->ctr_lo, ps->ctr_hi);
	snprintf(buf, size, "%s%s:%s/%s", host, hp, cp,
		 ps->proto == IPPROTO_UDP ? "udp" : "tcp");
}

int portspec_overlap(const struct port_spec *a, const struct port_spec *b)
{
	if (a->proto != b->proto)
		return 0;
	if (a->host.s_addr && b->host.s_addr && a->host.s_addr != b->host.s_addr)
		return 0;
	return a->host_lo <= b->host_hi && b->host_lo <= a->host_hi;
}

int portspec_equal(const struct port_spec *a, const struct port_spec *b)
{
	return a->proto == b->proto && a->host.s_addr == b->host.s_addr &&
	       a->host_lo == b->host_lo && a->host_hi == b->host_hi &&
	       a->ctr_lo == b->ctr_lo && a->ctr_hi == b->ctr_hi;
}

void portspec_format_list(const struct port_spec *ps, int n, char *buf,
			  size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int i = 0; i < n && used < size; i++) {
		char one[64];

		portspec_format(&ps[i], one, sizeof(one));
		used += (size_t)snprintf(buf + used, size - used, "%s%s",
					 i ? "," : "", one);
	}
}
