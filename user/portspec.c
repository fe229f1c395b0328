// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "portspec.h"
#include "vec.h"


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

/*
 * The bracketed IPv6 address at the start of buf ("[2001:db8::1]:..."):
 * into ps, and *rest past its colon. An IPv4-mapped address is refused:
 * it would name an IPv4 address through the IPv6 map.
 */
static int parse_host6(char *buf, struct port_spec *ps, char **rest,
		       const char *text, char *err, size_t errlen)
{
	char *close = strchr(buf, ']');

	if (!close || close[1] != ':')
		return fmt_err(err, errlen,
			    "port map '%s': an IPv6 address goes in brackets, then ':' ([ADDR]:HOSTPORT:CONTAINERPORT)",
			    text);
	*close = '\0';
	if (inet_pton(AF_INET6, buf + 1, &ps->host6) != 1 ||
	    IN6_IS_ADDR_V4MAPPED(&ps->host6))
		return fmt_err(err, errlen,
			    "port map '%s': '%s' is not an IPv6 address", text,
			    buf + 1);
	ps->family = AF_INET6;
	*rest = close + 2;
	return 0;
}

/* "tcp" or "udp" after the slash, if any; the slash is cut off buf. */
static int parse_proto(char *buf, struct port_spec *ps, const char *text,
		       char *err, size_t errlen)
{
	char *proto = strrchr(buf, '/');

	ps->proto = IPPROTO_TCP;
	if (!proto)
		return 0;
	*proto++ = '\0';
	if (!strcmp(proto, "udp"))
		ps->proto = IPPROTO_UDP;
	else if (strcmp(proto, "tcp"))
		return fmt_err(err, errlen,
			    "port map '%s': protocol must be tcp or udp", text);
	return 0;
}

int portspec_parse(const char *text, struct port_spec *ps, char *err,
		   size_t errlen)
{
	char buf[96], *rest = buf, *parts[4];
	int n = 0, r;

	memset(ps, 0, sizeof(*ps));
	if (strlen(text) >= sizeof(buf) || !*text)
		return fmt_err(err, errlen, "port map '%.40s' is empty or too long",
			    text);
	strcpy(buf, text);
	r = parse_proto(buf, ps, text, err, errlen);
	if (!r && buf[0] == '[')
		r = parse_host6(buf, ps, &rest, text, err, errlen);
	if (r)
		return r;
	for (char *p = rest, *c; n < 4; p = c + 1) {
		parts[n++] = p;
		c = strchr(p, ':');
		if (!c)
			break;
		*c = '\0';
	}
	if (n < 2 || n > 3 || (n == 3 && ps->family == AF_INET6))
		return fmt_err(err, errlen,
			    "port map '%s': expected [HOSTIP:]HOSTPORT:CONTAINERPORT[/tcp|udp]",
			    text);
	if (n == 3) {
		if (inet_pton(AF_INET, parts[0], &ps->host) != 1)
			return fmt_err(err, errlen,
				    "port map '%s': '%s' is not an IPv4 address (IPv6 goes in brackets)",
				    text, parts[0]);
		ps->family = AF_INET;
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

int portlist_push(struct port_list *l, const struct port_spec *ps)
{
	if (VEC_RESERVE(l->v, l->n, l->cap))
		return -ENOMEM;
	l->v[l->n++] = *ps;
	return 0;
}

void portlist_free(struct port_list *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

int portlist_find(const struct port_list *l, const struct port_spec *ps)
{
	for (int i = 0; i < l->n; i++)
		if (portspec_equal(&l->v[i], ps))
			return i;
	return -1;
}

void portlist_remove(struct port_list *l, int i)
{
	memmove(&l->v[i], &l->v[i + 1], sizeof(l->v[0]) * (size_t)(l->n - i - 1));
	l->n--;
}

/* Does ps overlap one of l->v[from..)? */
static int overlaps_from(const struct port_list *l, int from,
			 const struct port_spec *ps)
{
	for (int i = from; i < l->n; i++)
		if (portspec_overlap(&l->v[i], ps))
			return 1;
	return 0;
}

/*
 * Append the specs of text to l; max 0 is no limit. With distinct, specs of
 * this list may not overlap each other. On error l is as it was.
 */
static int parse_into(const char *text, struct port_list *l, int max,
		      bool distinct, char *err, size_t errlen)
{
	char *copy, *save = NULL, *tok;
	int start = l->n, ret = 0;
	struct port_spec ps;

	if (!*text)
		return 0;
	copy = strdup(text);
	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ')
			tok++;
		if (max && l->n - start == max) {
			ret = fmt_err(err, errlen, "more than %d port maps", max);
			break;
		}
		ret = portspec_parse(tok, &ps, err, errlen);
		if (ret)
			break;
		if (distinct && overlaps_from(l, start, &ps)) {
			ret = fmt_err(err, errlen,
				      "port map '%s' overlaps another in the same list",
				      tok);
			break;
		}
		ret = portlist_push(l, &ps);
		if (ret)
			break;
	}
	if (!ret && l->n == start)
		ret = fmt_err(err, errlen, "no port map in '%.40s'", text);
	free(copy);
	if (ret) {
		l->n = start;
		return ret;
	}
	return l->n - start;
}

int portlist_parse(const char *text, struct port_list *l, bool distinct,
		   char *err, size_t errlen)
{
	return parse_into(text, l, 0, distinct, err, errlen);
}

int portspec_parse_list(const char *text, struct port_spec *out, int max,
			char *err, size_t errlen)
{
	struct port_list l = { 0 };
	int n = parse_into(text, &l, max, true, err, errlen);

	if (n > 0)
		memcpy(out, l.v, sizeof(*out) * (size_t)n);
	portlist_free(&l);
	return n;
}

/* Append decimal v at p; returns the new end. (Formatting is on the path of
 * every state save: a container may hold thousands of specs.) */
static char *put_u(char *p, unsigned int v)
{
	char tmp[10];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

static char *put_range(char *p, uint16_t lo, uint16_t hi)
{
	p = put_u(p, lo);
	if (lo != hi) {
		*p++ = '-';
		p = put_u(p, hi);
	}
	return p;
}

/* At most 1 + 45 + 2 ("[ADDR]:") + 11 + 1 + 11 + 4 characters and the NUL. */
#define PORTSPEC_TEXT_MAX 80

static size_t format_spec(const struct port_spec *ps, char *buf)
{
	const uint8_t *a = (const uint8_t *)&ps->host.s_addr;
	char *p = buf;

	if (ps->family == AF_INET) {
		for (int i = 0; i < 4; i++) {
			p = put_u(p, a[i]);
			*p++ = i < 3 ? '.' : ':';
		}
	} else if (ps->family == AF_INET6) {
		*p++ = '[';
		inet_ntop(AF_INET6, &ps->host6, p, INET6_ADDRSTRLEN);
		p += strlen(p);
		*p++ = ']';
		*p++ = ':';
	}
	p = put_range(p, ps->host_lo, ps->host_hi);
	*p++ = ':';
	p = put_range(p, ps->ctr_lo, ps->ctr_hi);
	memcpy(p, ps->proto == IPPROTO_UDP ? "/udp" : "/tcp", 5);
	return (size_t)(p + 4 - buf);
}

void portspec_format(const struct port_spec *ps, char *buf, size_t size)
{
	char one[PORTSPEC_TEXT_MAX];

	format_spec(ps, one);
	snprintf(buf, size, "%s", one);
}

static bool in6_zero(const struct in6_addr *a)
{
	return IN6_IS_ADDR_UNSPECIFIED(a);
}

/* Could a and b name one address? Both families (no address) meets any. */
static bool addr_overlap(const struct port_spec *a, const struct port_spec *b)
{
	if (a->family == PORTSPEC_BOTH || b->family == PORTSPEC_BOTH)
		return true;
	if (a->family != b->family)
		return false;
	if (a->family == AF_INET)
		return !a->host.s_addr || !b->host.s_addr ||
		       a->host.s_addr == b->host.s_addr;
	return in6_zero(&a->host6) || in6_zero(&b->host6) ||
	       IN6_ARE_ADDR_EQUAL(&a->host6, &b->host6);
}

int portspec_overlap(const struct port_spec *a, const struct port_spec *b)
{
	if (a->proto != b->proto || !addr_overlap(a, b))
		return 0;
	return a->host_lo <= b->host_hi && b->host_lo <= a->host_hi;
}

int portspec_equal(const struct port_spec *a, const struct port_spec *b)
{
	return a->proto == b->proto && a->family == b->family &&
	       a->host.s_addr == b->host.s_addr &&
	       IN6_ARE_ADDR_EQUAL(&a->host6, &b->host6) &&
	       a->host_lo == b->host_lo && a->host_hi == b->host_hi &&
	       a->ctr_lo == b->ctr_lo && a->ctr_hi == b->ctr_hi;
}

char *portlist_format(const struct port_list *l)
{
	char *buf = malloc((size_t)l->n * PORTSPEC_TEXT_MAX + 1), *p = buf;

	if (!buf)
		return NULL;
	for (int i = 0; i < l->n; i++) {
		if (i)
			*p++ = ',';
		p += format_spec(&l->v[i], p);
	}
	*p = '\0';
	return buf;
}
