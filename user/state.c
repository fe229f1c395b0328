// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "addr6.h"
#include "fault.h"
#include "fsutil.h"
#include "log.h"
#include "netns.h"
#include "portstore.h"
#include "state.h"
#include "vec.h"

#define STATE_FILE "state.json"
#define STATE_LOCK "lock"
#define STATE_VERSION 1
#define STATE_LOCK_WAIT_MS 30000

/* How long a command waits for another one holding the lock. */
static int lock_wait_ms(void)
{
#ifdef BPFNET_TESTING
	const char *v = getenv("BPFNET_LOCK_WAIT_MS");

	if (v)
		return atoi(v);
#endif
	return STATE_LOCK_WAIT_MS;
}

static int state_lock(const char *dir)
{
	int dfd, fd, waited = 0, limit = lock_wait_ms();

	/* every command checks the dir before it creates anything in it */
	dfd = open_private_dir(dir);
	if (dfd < 0)
		return dfd;
	fd = openat(dfd, STATE_LOCK, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
		    0600);
	close(dfd);
	if (fd < 0) {
		int err = -errno;

		pr_err("failed to open lock %s/%s: %s", dir, STATE_LOCK,
		       strerror(-err));
		return err;
	}
	while (flock(fd, LOCK_EX | LOCK_NB)) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			int err = -errno;

			pr_err("failed to lock %s/%s: %s", dir, STATE_LOCK,
			       strerror(-err));
			close(fd);
			return err;
		}
		if (waited >= limit) {
			pr_err("another bpfnet has held %s/%s for %d s; giving up (a stuck hook? see 'fuser %s/%s')",
			       dir, STATE_LOCK, limit / 1000, dir, STATE_LOCK);
			close(fd);
			return -ETIMEDOUT;
		}
		usleep(10000);
		waited += 10;
	}
	return fd;
}

static void state_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}

int state_begin(struct state_session *s, const char *dir, unsigned int flags)
{
	int err;

	memset(s, 0, sizeof(*s));
	s->dir = dir;
	s->lock = -1;
	if (!(flags & STATE_WRITE) && access(dir, F_OK))
		return 0;	/* nothing set up yet */
	if (flags & STATE_WRITE) {
		err = ensure_private_dir(dir, 0700);
		if (err)
			return err;
	}
	s->lock = state_lock(dir);
	if (s->lock < 0)
		return s->lock;
	if (fault_point(1, "locked"))
		return -EIO;
	if (flags & STATE_RECORDS)
		return state_load_records(dir, &s->st);
	return state_load(dir, &s->st);
}

int state_commit(struct state_session *s)
{
	return state_save(s->dir, &s->st);
}

void state_end(struct state_session *s)
{
	state_free(&s->st);
	state_unlock(s->lock);
	s->lock = -1;
}

static void mac_str(const uint8_t *mac, char *buf)
{
	sprintf(buf, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2],
		mac[3], mac[4], mac[5]);
}

char *state_to_json(const struct bpfnet_state *st)
{
	cJSON *root = cJSON_CreateObject(), *arr;
	char buf[64], *out;

	cJSON_AddNumberToObject(root, "version", STATE_VERSION);
	netrec_to_json(&st->net, st->n, root);
	arr = cJSON_AddArrayToObject(root, "port_addrs");
	for (int i = 0; i < st->n_port_addrs; i++)
		cJSON_AddItemToArray(arr,
				     cJSON_CreateString(inet_ntoa(st->port_addrs[i])));
	arr = cJSON_AddArrayToObject(root, "containers");
	for (int i = 0; i < st->n; i++) {
		const struct endpoint_rec *e = &st->eps[i];
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "id", e->id);
		cJSON_AddStringToObject(o, "ip", inet_ntoa(e->ip));
		if (!in6_is_zero(&e->ip6)) {
			inet_ntop(AF_INET6, &e->ip6, buf, sizeof(buf));
			cJSON_AddStringToObject(o, "ip6", buf);
		}
		mac_str(e->mac, buf);
		cJSON_AddStringToObject(o, "mac", buf);
		cJSON_AddStringToObject(o, "veth", e->veth);
		cJSON_AddNumberToObject(o, "pid", e->pid);
		if (e->netns[0])
			cJSON_AddStringToObject(o, "netns", e->netns);
		if (e->ifname[0])
			cJSON_AddStringToObject(o, "ifname", e->ifname);
		cJSON_AddNumberToObject(o, "netns_ino", (double)e->netns_ino);
		cJSON_AddBoolToObject(o, "ready", e->ready);
		cJSON_AddItemToArray(arr, o);
	}
	out = cJSON_Print(root);
	cJSON_Delete(root);
	return out;
}

static const char *get_str(const cJSON *o, const char *key, size_t max)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (!cJSON_IsString(v) || strlen(v->valuestring) >= max)
		return NULL;
	return v->valuestring;
}

static bool in_subnet(const struct bpfnet_state *st, struct in_addr a)
{
	uint32_t mask = ~0u << (32 - st->net.prefix);

	return (ntohl(a.s_addr) & mask) == ntohl(st->net.subnet.s_addr);
}

/* Does an earlier record name the same veth? */
static bool veth_taken(const struct bpfnet_state *st, const struct endpoint_rec *e)
{
	for (const struct endpoint_rec *o = st->eps; o < e; o++)
		if (!strcmp(o->veth, e->veth))
			return true;
	return false;
}

static bool whole_in(double v, double lo, double hi)
{
	return v >= lo && v <= hi && v == (double)(long long)v;
}

/* Optional strings of a record: absent is "", anything else must fit. */
static int opt_str(const cJSON *o, const char *key, char *dst, size_t size)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (!v)
		return 0;
	if (!cJSON_IsString(v) || strlen(v->valuestring) >= size)
		return -EINVAL;
	strcpy(dst, v->valuestring);
	return 0;
}

/* "ip6": optional (IPv4-only records, and records before dual stack). */
static int ip6_from_json(const cJSON *o, struct endpoint_rec *e)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "ip6");

	if (!v)
		return 0;
	if (!cJSON_IsString(v) || inet_pton(AF_INET6, v->valuestring, &e->ip6) != 1 ||
	    in6_is_zero(&e->ip6))
		return -EINVAL;
	return 0;
}

/*
 * An IPv6 address must be unique, and inside the network's prefix when that
 * is recorded (a state gc rebuilt from the maps has not recorded it yet).
 */
static bool ip6_valid(const struct bpfnet_state *st, const struct endpoint_rec *e)
{
	if (in6_is_zero(&e->ip6))
		return true;
	if (st->net.prefix6 &&
	    !in6_in_prefix(&e->ip6, &st->net.subnet6, st->net.prefix6))
		return false;
	return state_find_ip6(st, &e->ip6) == e;
}

static int rec_from_json(const cJSON *o, struct endpoint_rec *e)
{
	const char *id, *ip, *mac, *veth;
	const cJSON *pid, *ino, *ready, *ports;
	unsigned int m[6];
	int end = 0;
	char why[160];

	id = get_str(o, "id", sizeof(e->id));
	ip = get_str(o, "ip", 16);
	mac = get_str(o, "mac", 18);
	veth = get_str(o, "veth", sizeof(e->veth));
	ports = cJSON_GetObjectItemCaseSensitive(o, "ports");
	pid = cJSON_GetObjectItemCaseSensitive(o, "pid");
	ino = cJSON_GetObjectItemCaseSensitive(o, "netns_ino");
	ready = cJSON_GetObjectItemCaseSensitive(o, "ready");
	if (!id || !oci_id_valid(id) || !ip || !mac || !veth ||
	    (ports && !cJSON_IsString(ports)) ||
	    !cJSON_IsNumber(pid) || !cJSON_IsNumber(ino) || !cJSON_IsBool(ready))
		return -EINVAL;
	/* numbers in range and whole, or the file is corrupt: never cast blindly */
	if (!whole_in(pid->valuedouble, 0, INT_MAX) ||
	    !whole_in(ino->valuedouble, 0, 9007199254740992.0) || !veth[0] ||
	    strncmp(veth, BPFNET_VETH_PREFIX, strlen(BPFNET_VETH_PREFIX)))
		return -EINVAL;
	if (inet_pton(AF_INET, ip, &e->ip) != 1 || ip6_from_json(o, e) ||
	    opt_str(o, "netns", e->netns, sizeof(e->netns)) ||
	    opt_str(o, "ifname", e->ifname, sizeof(e->ifname)))
		return -EINVAL;
	if (sscanf(mac, "%2x:%2x:%2x:%2x:%2x:%2x%n", &m[0], &m[1], &m[2], &m[3],
		   &m[4], &m[5], &end) != 6 || mac[end])
		return -EINVAL;
	for (int i = 0; i < 6; i++)
		e->mac[i] = (uint8_t)m[i];	/* two hex digits: at most 255 */
	strcpy(e->id, id);
	strcpy(e->veth, veth);
	/*
	 * Written by bpfnet 0.1 inside the record: taken over, and moved to the
	 * ports file at the next save (checked for overlaps when added).
	 */
	if (ports && (portlist_parse(ports->valuestring, &e->ports, false, why,
				     sizeof(why)) < 0))
		return -EINVAL;
	e->ports_dirty = ports != NULL;
	e->pid = (int)pid->valuedouble;
	e->netns_ino = (uint64_t)ino->valuedouble;
	e->ready = cJSON_IsTrue(ready);
	return 0;
}

static bool port_addr_known(const struct bpfnet_state *st, struct in_addr a)
{
	for (int i = 0; i < st->n_port_addrs; i++)
		if (st->port_addrs[i].s_addr == a.s_addr)
			return true;
	return false;
}

static int port_addr_add(struct bpfnet_state *st, struct in_addr a)
{
	if (VEC_RESERVE(st->port_addrs, st->n_port_addrs, st->cap_port_addrs))
		return -ENOMEM;
	st->port_addrs[st->n_port_addrs++] = a;
	return 0;
}

bool state_note_port_addrs(struct bpfnet_state *st,
			   const struct port_spec *ps, int n)
{
	bool added = false;

	for (int i = 0; i < n; i++)
		if (ps[i].host.s_addr && !port_addr_known(st, ps[i].host) &&
		    !port_addr_add(st, ps[i].host))
			added = true;
	return added;
}

/* The addresses named by the records' ports (all of them when loaded). */
static void port_addrs_recount(struct bpfnet_state *st)
{
	st->n_port_addrs = 0;
	for (int i = 0; i < st->n; i++)
		state_note_port_addrs(st, st->eps[i].ports.v, st->eps[i].ports.n);
}

/* Optional (bpfnet 0.1 did not write it): then from the records' ports. */
static int port_addrs_from_json(const cJSON *arr, struct bpfnet_state *st)
{
	const cJSON *it;

	if (!arr) {
		port_addrs_recount(st);
		return 0;
	}
	if (!cJSON_IsArray(arr))
		return -EINVAL;
	cJSON_ArrayForEach(it, arr) {
		struct in_addr a;

		if (!cJSON_IsString(it) ||
		    inet_pton(AF_INET, it->valuestring, &a) != 1 || !a.s_addr)
			return -EINVAL;
		if (!port_addr_known(st, a) && port_addr_add(st, a))
			return -ENOMEM;
	}
	return 0;
}

int state_from_json(const char *text, size_t len, struct bpfnet_state *st,
		    char *err, size_t errlen)
{
	const cJSON *ver, *arr, *it;
	cJSON *root;
	int ret = -EBADMSG, idx = 0;

	memset(st, 0, sizeof(*st));
	root = json_parse_strict(text, len);
	if (!root) {
		snprintf(err, errlen, "not valid JSON (truncated or corrupt)");
		return -EBADMSG;
	}
	ver = cJSON_GetObjectItemCaseSensitive(root, "version");
	arr = cJSON_GetObjectItemCaseSensitive(root, "containers");
	if (!cJSON_IsNumber(ver) || ver->valueint != STATE_VERSION) {
		snprintf(err, errlen, "unknown state version");
		goto out;
	}
	if (!cJSON_IsArray(arr)) {
		snprintf(err, errlen, "missing 'subnet' or 'containers'");
		goto out;
	}
	/* the network's settings; before they were recorded, the subnet only */
	if (netrec_from_json(root, cJSON_GetArraySize(arr) > 0, &st->net, err,
			     errlen))
		goto out;
	cJSON_ArrayForEach(it, arr) {
		struct endpoint_rec *e = state_add(st);

		if (!e) {
			ret = -ENOMEM;
			snprintf(err, errlen, "out of memory");
			goto out;
		}
		if (rec_from_json(it, e) || state_find(st, e->id) != e ||
		    state_find_ip(st, e->ip) != e || !in_subnet(st, e->ip) ||
		    !ip6_valid(st, e) || veth_taken(st, e)) {
			snprintf(err, errlen, "container entry %d is invalid", idx);
			goto out;
		}
		idx++;
	}
	if (port_addrs_from_json(cJSON_GetObjectItemCaseSensitive(root, "port_addrs"),
				 st)) {
		snprintf(err, errlen, "bad 'port_addrs'");
		goto out;
	}
	ret = 0;
out:
	cJSON_Delete(root);
	if (ret)
		state_free(st);
	return ret;
}

int state_load_records(const char *dir, struct bpfnet_state *st)
{
	char path[PATH_MAX], why[128];
	size_t len;
	char *text;
	int err;

	memset(st, 0, sizeof(*st));
	snprintf(path, sizeof(path), "%s/%s", dir, STATE_FILE);
	err = read_private_file(dir, STATE_FILE, 64 << 20, &text, &len);
	if (err == -ENOENT)
		return 0;
	if (err) {
		pr_err("failed to read state %s: %s", path, strerror(-err));
		return err;
	}
	err = state_from_json(text, len, st, why, sizeof(why));
	free(text);
	if (err)
		pr_err("state file %s is corrupt: %s (run 'bpfnet gc' to rebuild it)",
		       path, why);
	return err;
}

/* The list a ports file fills: its record's, unless that came inline. */
static struct port_list *ports_slot(const char *id, void *ctx)
{
	struct endpoint_rec *e = state_find(ctx, id);

	return e && !e->ports_dirty ? &e->ports : NULL;
}

int state_load_ports(const char *dir, struct bpfnet_state *st)
{
	int err = portstore_read_all(dir, ports_slot, st);

	port_addrs_recount(st);
	return err;
}

int state_load(const char *dir, struct bpfnet_state *st)
{
	int err = state_load_records(dir, st);

	if (!err)
		err = state_load_ports(dir, st);
	if (err)
		state_free(st);
	return err;
}

/* Is id a record whose ports file was just written (or is not needed)? */
static bool recorded(const struct bpfnet_state *st, const char *id)
{
	for (int i = 0; i < st->n; i++)
		if (!strcmp(st->eps[i].id, id))
			return true;
	return false;
}

int state_save(const char *dir, struct bpfnet_state *st)
{
	char path[PATH_MAX];
	char *text;
	int err = 0;

	/* ports first: a record is never saved before the ports it names */
	for (int i = 0; i < st->n && !err; i++) {
		struct endpoint_rec *e = &st->eps[i];

		if (e->ports_dirty)
			err = portstore_write(dir, e->id, &e->ports);
		if (!err)
			e->ports_dirty = false;
	}
	if (err)
		return err;
	text = state_to_json(st);
	if (!text)
		return -ENOMEM;
	snprintf(path, sizeof(path), "%s/%s", dir, STATE_FILE);
	err = write_file_atomic(path, text, strlen(text));
	free(text);
	if (err) {
		pr_err("failed to write state %s: %s", path, strerror(-err));
		return err;
	}
	for (int i = 0; i < st->n_gone; i++)
		if (!recorded(st, st->gone[i]))
			portstore_remove(dir, st->gone[i]);
	st->n_gone = 0;
	return 0;
}

void state_free(struct bpfnet_state *st)
{
	for (int i = 0; i < st->n; i++)
		portlist_free(&st->eps[i].ports);
	free(st->eps);
	free(st->port_addrs);
	free(st->gone);
	memset(st, 0, sizeof(*st));
}

struct endpoint_rec *state_find(const struct bpfnet_state *st, const char *id)
{
	for (int i = 0; i < st->n; i++)
		if (!strcmp(st->eps[i].id, id))
			return &st->eps[i];
	return NULL;
}

struct endpoint_rec *state_find_ip(const struct bpfnet_state *st,
				   struct in_addr ip)
{
	for (int i = 0; i < st->n; i++)
		if (st->eps[i].ip.s_addr == ip.s_addr)
			return &st->eps[i];
	return NULL;
}

struct endpoint_rec *state_find_ip6(const struct bpfnet_state *st,
				    const struct in6_addr *ip6)
{
	if (in6_is_zero(ip6))
		return NULL;
	for (int i = 0; i < st->n; i++)
		if (!memcmp(&st->eps[i].ip6, ip6, sizeof(*ip6)))
			return &st->eps[i];
	return NULL;
}

struct endpoint_rec *state_add(struct bpfnet_state *st)
{
	if (VEC_RESERVE(st->eps, st->n, st->cap))
		return NULL;
	memset(&st->eps[st->n], 0, sizeof(st->eps[0]));
	st->eps[st->n].ports_dirty = true;	/* no ports: no file */
	return &st->eps[st->n++];
}

bool state_rec_alive(const struct endpoint_rec *rec)
{
	uint64_t now = rec->netns[0] ? netns_ino_of_path(rec->netns) :
				       netns_ino_of_pid(rec->pid);

	return rec->netns_ino && now == rec->netns_ino;
}

void state_remove(struct bpfnet_state *st, struct endpoint_rec *rec)
{
	int i = (int)(rec - st->eps);

	/* its ports file goes at the next save (kept if that cannot grow) */
	if (!VEC_RESERVE(st->gone, st->n_gone, st->cap_gone))
		strcpy(st->gone[st->n_gone++], rec->id);
	portlist_free(&rec->ports);
	memmove(&st->eps[i], &st->eps[i + 1], sizeof(*rec) * (st->n - i - 1));
	st->n--;
}
