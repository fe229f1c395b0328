// SPDX-License-Identifier: GPL-2.0
/*
 * bpfnet monitor: the datapath's drops (and translations, IPv4's and
 * IPv6's, --type trace: masquerade and its replies, published ports from
 * outside and their answers, hairpin both ways) as they happen, one line
 * each (-j: one JSON object each), read from the pinned ring buffer until
 * SIGINT or SIGTERM. The container of an event is
 * found in the state: by the address the datapath knew, else by the
 * interface (its host veth). One monitor per network at a time: a ring
 * buffer has one reader position, two readers would each see only part.
 */
#include <arpa/inet.h>
#include <bpf/libbpf.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/types.h>
#include <net/if.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "bpfnet_shared.h"
#include "cmd.h"
#include "counters.h"
#include "fsutil.h"
#include "log.h"
#include "monitor.h"
#include "pins.h"
#include "state.h"

/* A container as the monitor knows it: from the state, loaded now and then. */
struct who {
	char id[OCI_ID_MAX + 1];
	struct in_addr ip;
	unsigned int ifindex;	/* its host veth; 0 if gone */
};

struct mon {
	const struct bpfnet_config *cfg;
	struct who *who;
	int n_who;
	time_t who_loaded;	/* CLOCK_MONOTONIC seconds of the last load */
	__u64 lost_seen;
	__u64 started_ns;	/* CLOCK_MONOTONIC: older events are an earlier monitor's */
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static time_t mono_secs(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* The containers, from a short read of the state (the lock is not kept). */
static int who_load(struct mon *m)
{
	struct state_session s;
	int err = state_begin(&s, m->cfg->state_dir, STATE_RECORDS);

	if (!err) {
		struct who *w = calloc((size_t)s.st.n + 1, sizeof(*w));

		if (w) {
			for (int i = 0; i < s.st.n; i++) {
				snprintf(w[i].id, sizeof(w[i].id), "%s", s.st.eps[i].id);
				w[i].ip = s.st.eps[i].ip;
				w[i].ifindex = if_nametoindex(s.st.eps[i].veth);
			}
			free(m->who);
			m->who = w;
			m->n_who = s.st.n;
		} else {
			err = -ENOMEM;
		}
	}
	state_end(&s);
	m->who_loaded = mono_secs();
	return err;
}

static const struct who *who_find(const struct mon *m, __be32 addr,
				  unsigned int ifindex)
{
	for (int i = 0; addr && i < m->n_who; i++)
		if (m->who[i].ip.s_addr == addr)
			return &m->who[i];
	for (int i = 0; ifindex && i < m->n_who; i++)
		if (m->who[i].ifindex == ifindex)
			return &m->who[i];
	return NULL;
}

/* The event's container; the state is read again (once a second at most)
 * for one not known yet. */
static const struct who *who_of(struct mon *m, const struct bpfnet_event *e)
{
	const struct who *w = who_find(m, e->ep_addr, e->ifindex);

	if (!w && mono_secs() != m->who_loaded && !who_load(m))
		w = who_find(m, e->ep_addr, e->ifindex);
	return w;
}

static const char *proto_name(__u8 proto, char *buf, size_t len)
{
	switch (proto) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_ICMP:
		return "icmp";
	case IPPROTO_ICMPV6:
		return "icmpv6";
	default:
		snprintf(buf, len, "%u", proto);
		return buf;
	}
}

static const char *event_name(const struct bpfnet_event *e)
{
	const char *name = e->reason < BPFNET_STAT_MAX ? stat_name((int)e->reason) : NULL;

	return name ? name : "unknown";
}

/* A trace's kind, as text and -j name it (enum bpfnet_trace_kind). */
static const char *kind_name(const struct bpfnet_event *e)
{
	static const char *const names[BPFNET_TRACE_KINDS] = {
		[BPFNET_TRACE_SNAT] = "snat",
		[BPFNET_TRACE_RNAT] = "reverse-nat",
		[BPFNET_TRACE_DNAT] = "dnat",
		[BPFNET_TRACE_DNAT_REPLY] = "dnat-reply",
		[BPFNET_TRACE_HAIRPIN] = "hairpin",
		[BPFNET_TRACE_HAIRPIN_REPLY] = "hairpin-reply",
	};

	return e->kind < BPFNET_TRACE_KINDS && names[e->kind] ? names[e->kind] : "unknown";
}

static __u64 clock_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;
}

/* "HH:MM:SS.uuuuuu", local time, of an event's bpf_ktime_get_ns() stamp. */
static void time_text(__u64 ts_ns, char *buf, size_t len)
{
	__u64 mono = clock_ns(CLOCK_MONOTONIC), wall = clock_ns(CLOCK_REALTIME);
	__u64 at = wall - (mono > ts_ns ? mono - ts_ns : 0);
	time_t secs = (time_t)(at / 1000000000ULL);
	struct tm tm;

	localtime_r(&secs, &tm);
	snprintf(buf, len, "%02d:%02d:%02d.%06llu", tm.tm_hour, tm.tm_min,
		 tm.tm_sec, (unsigned long long)(at % 1000000000ULL / 1000));
}

#define ETHERTYPE_IPV6 0x86dd

/* Is f a tuple of an IPv6 frame (its addresses in the event's IPv6 fields)? */
static bool tuple_is6(const struct bpfnet_event *e)
{
	return e->eth_proto == ETHERTYPE_IPV6;
}

/* The IPv6 addresses of f: the tuple's as the packet came, or as it left. */
static const struct bpfnet_in6 *addrs6(const struct bpfnet_event *e,
				       const struct bpfnet_flow *f, int dst)
{
	if (f == &e->after)
		return dst ? &e->after_daddr6 : &e->after_saddr6;
	return dst ? &e->daddr6 : &e->saddr6;
}

/* Did the datapath read a tuple from the frame? */
static bool has_tuple(const struct bpfnet_event *e, const struct bpfnet_flow *f)
{
	static const struct bpfnet_in6 none;

	if (tuple_is6(e))
		return memcmp(addrs6(e, f, 0), &none, sizeof(none)) ||
		       memcmp(addrs6(e, f, 1), &none, sizeof(none));
	return f->saddr || f->proto;
}

/* The tuple's addresses as text (IPv4 or IPv6, as the frame was). */
static void tuple_addrs(const struct bpfnet_event *e, const struct bpfnet_flow *f,
			char *s, char *d)
{
	if (tuple_is6(e)) {
		inet_ntop(AF_INET6, addrs6(e, f, 0), s, INET6_ADDRSTRLEN);
		inet_ntop(AF_INET6, addrs6(e, f, 1), d, INET6_ADDRSTRLEN);
	} else {
		inet_ntop(AF_INET, &f->saddr, s, INET6_ADDRSTRLEN);
		inet_ntop(AF_INET, &f->daddr, d, INET6_ADDRSTRLEN);
	}
}

static void add_tuple(cJSON *o, const struct bpfnet_event *e, const struct bpfnet_flow *f)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN], pbuf[8];

	tuple_addrs(e, f, s, d);
	cJSON_AddStringToObject(o, "proto", proto_name(f->proto, pbuf, sizeof(pbuf)));
	cJSON_AddStringToObject(o, "src", s);
	cJSON_AddNumberToObject(o, "sport", ntohs(f->sport));
	cJSON_AddStringToObject(o, "dst", d);
	cJSON_AddNumberToObject(o, "dport", ntohs(f->dport));
}

static void print_json(const struct bpfnet_event *e, const struct who *w,
		       const char *ifname)
{
	cJSON *o = cJSON_CreateObject();
	char t[32];

	time_text(e->ts_ns, t, sizeof(t));
	cJSON_AddStringToObject(o, "time", t);
	cJSON_AddStringToObject(o, "type", e->type == BPFNET_EV_TRACE ? "trace" : "drop");
	if (e->type == BPFNET_EV_TRACE)
		cJSON_AddStringToObject(o, "kind", kind_name(e));
	cJSON_AddStringToObject(o, "reason", event_name(e));
	if (w)
		cJSON_AddStringToObject(o, "id", w->id);
	else
		cJSON_AddNullToObject(o, "id");
	cJSON_AddStringToObject(o, "iface", ifname);
	cJSON_AddNumberToObject(o, "ifindex", e->ifindex);
	cJSON_AddNumberToObject(o, "ethertype", e->eth_proto);
	if (has_tuple(e, &e->tuple))
		add_tuple(o, e, &e->tuple);
	if (e->type == BPFNET_EV_TRACE)
		add_tuple(cJSON_AddObjectToObject(o, "after"), e, &e->after);
	cmd_put_json(o);
}

/* "udp 172.19.0.9:5000 -> 198.51.100.2:7", "tcp [fd19::99]:1234 -> [fd19::1]:80",
 * or the ethertype of a frame with no tuple */
static void tuple_text(const struct bpfnet_event *e, const struct bpfnet_flow *f,
		       char *buf, size_t len)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN], pbuf[8];
	const char *o = tuple_is6(e) ? "[" : "", *c = tuple_is6(e) ? "]" : "";

	if (!has_tuple(e, f)) {
		snprintf(buf, len, "ethertype 0x%04x", e->eth_proto);
		return;
	}
	tuple_addrs(e, f, s, d);
	snprintf(buf, len, "%s %s%s%s:%u -> %s%s%s:%u",
		 proto_name(f->proto, pbuf, sizeof(pbuf)), o, s, c, ntohs(f->sport),
		 o, d, c, ntohs(f->dport));
}

static void print_text(const struct bpfnet_event *e, const struct who *w,
		       const char *ifname)
{
	char t[32], tup[136], after[136];

	time_text(e->ts_ns, t, sizeof(t));
	tuple_text(e, &e->tuple, tup, sizeof(tup));
	if (e->type == BPFNET_EV_TRACE)
		tuple_text(e, &e->after, after, sizeof(after));
	/* a drop's reason, a trace's kind (its reason is the kind's counter) */
	printf("%s %-5s %-28s %-20.64s %-15s %s%s%s\n", t,
	       e->type == BPFNET_EV_TRACE ? "trace" : "drop",
	       e->type == BPFNET_EV_TRACE ? kind_name(e) : event_name(e),
	       w ? w->id : "-", ifname, tup,
	       e->type == BPFNET_EV_TRACE ? " => " : "",
	       e->type == BPFNET_EV_TRACE ? after : "");
}

static int on_event(void *ctx, void *data, size_t size)
{
	const struct bpfnet_event *e = data;
	struct mon *m = ctx;
	char ifname[IF_NAMESIZE] = "?";
	const struct who *w;

	/* what an earlier monitor left unread in the ring: not news */
	if (size < sizeof(*e) || e->ts_ns < m->started_ns ||
	    e->type >= BPFNET_EV_TYPES || !(m->cfg->monitor_types & (1u << e->type)))
		return 0;
	w = who_of(m, e);
	if (m->cfg->monitor_id[0] && (!w || strcmp(w->id, m->cfg->monitor_id)))
		return 0;
	if (!if_indextoname(e->ifindex, ifname))
		snprintf(ifname, sizeof(ifname), "if%u", e->ifindex);
	if (m->cfg->json)
		print_json(e, w, ifname);
	else
		print_text(e, w, ifname);
	fflush(stdout);
	return 0;
}

/* Events the datapath could not make since the last look: said once. */
static void report_lost(struct mon *m, struct dp *dp)
{
	__u64 lost = monitor_lost(dp);

	if (lost <= m->lost_seen)
		return;
	if (m->cfg->json)
		printf("{\"lost\":%llu}\n", (unsigned long long)(lost - m->lost_seen));
	else
		printf("lost %llu events (over the rate, or the reader behind)\n",
		       (unsigned long long)(lost - m->lost_seen));
	fflush(stdout);
	m->lost_seen = lost;
}

/* Renew the lease every BPFNET_MONITOR_RENEW_MS and print what comes. */
static int run(struct mon *m, struct dp *dp, struct ring_buffer *rb)
{
	unsigned int types = m->cfg->monitor_types;
	int err = 0;

	m->lost_seen = monitor_lost(dp);
	m->started_ns = clock_ns(CLOCK_MONOTONIC);
	while (!stop && !err) {
		err = monitor_lease(dp, types, m->cfg->monitor_rate);
		if (err) {
			pr_err("failed to write %s: %s", BPFNET_PIN_MONITOR_CTL,
			       strerror(-err));
			break;
		}
		err = ring_buffer__poll(rb, BPFNET_MONITOR_RENEW_MS);
		if (err == -EINTR)
			err = 0;
		else if (err < 0)
			pr_err("failed to read %s: %s", BPFNET_PIN_MONITOR_RING,
			       strerror(-err));
		else
			err = 0;
		report_lost(m, dp);
	}
	monitor_unlease(dp, types);
	return err;
}

static int watch_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	/* no SA_RESTART: the poll returns at once with EINTR */
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGINT, &sa, NULL) || sigaction(SIGTERM, &sa, NULL))
		return -errno;
	return 0;
}

/* --id must name a container of the state now. */
static int check_id(struct mon *m)
{
	if (!m->cfg->monitor_id[0])
		return 0;
	for (int i = 0; i < m->n_who; i++)
		if (!strcmp(m->who[i].id, m->cfg->monitor_id))
			return 0;
	pr_err("no container '%s' (see 'bpfnet ls')", m->cfg->monitor_id);
	return -ENOENT;
}

#define MONITOR_LOCK "monitor.lock"

/* The network's one monitor: the lock's fd, or -errno (said why). */
static int monitor_lock(const char *state_dir)
{
	int dfd = open_private_dir(state_dir), fd = -1, err;

	if (dfd >= 0)
		fd = openat(dfd, MONITOR_LOCK, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	err = dfd < 0 ? dfd : fd < 0 ? -errno : 0;
	if (dfd >= 0)
		close(dfd);
	if (err) {
		pr_err("failed to open lock %s/%s: %s", state_dir, MONITOR_LOCK,
		       strerror(-err));
		return err;
	}
	if (!flock(fd, LOCK_EX | LOCK_NB))
		return fd;
	err = -errno;
	close(fd);
	if (err == -EWOULDBLOCK)
		pr_err("another bpfnet monitor is running for this network (%s/%s is locked)",
		       state_dir, MONITOR_LOCK);
	else
		pr_err("failed to lock %s/%s: %s", state_dir, MONITOR_LOCK, strerror(-err));
	return err;
}

/* Read the ring until stopped: the datapath opened, the lock held. */
static int monitor_dp(struct mon *m, struct dp *dp)
{
	struct ring_buffer *rb;
	int err, lock = monitor_lock(m->cfg->state_dir);

	if (lock < 0)
		return lock;
	rb = ring_buffer__new(dp->mon_ring_fd, on_event, m, NULL);
	if (!rb) {
		err = -errno;
		pr_err("failed to open %s: %s", BPFNET_PIN_MONITOR_RING, strerror(-err));
	} else {
		err = watch_signals();
		if (!err)
			err = run(m, dp, rb);
		ring_buffer__free(rb);
	}
	close(lock);
	return err;
}

int cmd_monitor(struct bpfnet_config *cfg, struct bpfnet_args *args)
{
	struct mon m = { .cfg = cfg };
	struct dp dp;
	int err;

	(void)args;
	if (!cfg->monitor_types)
		cfg->monitor_types = 1u << BPFNET_EV_DROP;
	err = who_load(&m);
	if (!err)
		err = check_id(&m);
	if (!err) {
		err = dp_open(cfg, &dp, false);
		if (err == -ENOENT)
			pr_err("no datapath is loaded in %s (no container was set up yet)",
			       cfg->pin_dir);
	}
	if (!err) {
		err = monitor_dp(&m, &dp);
		dp_close(&dp);
	}
	free(m.who);
	return err ? 1 : 0;
}
