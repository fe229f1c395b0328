// SPDX-License-Identifier: GPL-2.0
/*
 * What each command does, in a few paragraphs: printed by `bpfnet help
 * COMMAND` and written into its page, bpfnet-COMMAND(8). Lines of at most
 * 76 characters, as help prints them unchanged.
 */
#include <string.h>

#include "doc_text.h"

static const struct doc_key cni_keys[] = {
	{ "type", "\"bpfnet\": the plugin's name, which CNI_PATH must hold" },
	{ "bridge", "bridge to create or use, as --bridge (default bpfnet0)" },
	{ "subnet", "container subnet, as --subnet (default 172.19.0.0/16)" },
	{ "subnet6", "IPv6 prefix, as --subnet6 (default none): the result then\n"
		     "lists an IPv6 address and the ::/0 route too" },
	{ "nat6", "true or false, as --nat6 (default true)" },
	{ "uplink", "interface to masquerade behind, as --uplink (default: the\n"
		    "default route's)" },
	{ "mtu", "MTU of the veths, as --mtu (default: the uplink's)" },
	{ "isolate", "true or false, as --isolate" },
	{ "snatPorts", "\"MIN-MAX\", as --snat-ports (default 1024-65535)" },
	{ "stateDir", "persistent state, as --state-dir (default /run/bpfnet)" },
	{ "pinDir", "BPF pins, as --pin-dir (default /sys/fs/bpf/bpfnet)" },
	{ "flowTableSize", "flows per flow table, as --flow-table-size" },
	{ "noMasquerade", "[\"CIDR\", ...], as --no-masquerade: other nodes' pod\n"
			  "subnets, reached and admitted untranslated" },
	{ "cgroup", "cgroup2 dir for the socket programs, as --cgroup" },
	{ "ipam", "{\"type\": PLUGIN, ...}: addresses from PLUGIN (host-local)\n"
		  "in CNI_PATH instead of bpfnet's allocator; they must be in\n"
		  "the subnet" },
	{ "capabilities", "{\"portMappings\": true}: the runtime passes the\n"
			  "container's published ports as runtimeConfig.portMappings;\n"
			  "{\"ips\": true, \"mac\": true}: the address and MAC asked\n"
			  "for, as runtimeConfig.ips and runtimeConfig.mac" },
	{ NULL }
};

const struct doc_text doc_extra_topics[] = {
	{ .name = "cni", .summary = "bpfnet as a CNI plugin",
	  .synopsis = "CNI_COMMAND=ADD|DEL|CHECK|VERSION|GC|STATUS bpfnet < CONFIG",
	  .text =
"With CNI_COMMAND set in its environment, bpfnet is a CNI plugin, not a\n"
"command: a runtime that uses CNI (CRI-O, containerd, podman with CNI,\n"
"cnitool) runs it for a network configuration list whose plugin has the\n"
"type \"bpfnet\", with CNI_CONTAINERID, CNI_NETNS, CNI_IFNAME and CNI_PATH\n"
"in the environment and the network configuration, JSON, on stdin. The\n"
"result, or the error, is JSON on stdout.\n"
"\n"
"ADD sets up the container's interface in CNI_NETNS as the hook does, and\n"
"publishes its portMappings; DEL takes it down again and succeeds when\n"
"there is nothing left to remove; CHECK says whether the container is still\n"
"as ADD left it; VERSION prints the spec versions the plugin speaks; GC\n"
"removes what containers missing from the runtime's list left behind;\n"
"STATUS says whether the plugin is ready to add containers.\n"
"\n"
"The keys of the plugin's configuration are the flags of the same meaning;\n"
"an example list is installed as share/doc/bpfnet/examples/bpfnet.conflist.\n"
"\n"
"With an ipam object, ADD runs the plugin it names (found in CNI_PATH, with\n"
"the same environment and configuration) and gives the container the first\n"
"IPv4 address of its result; an address outside the subnet, with another\n"
"gateway or in use fails (code 7) and is given back. DEL and CHECK run the\n"
"plugin's DEL and CHECK too; its errors are passed on as it gave them.\n"
"\n"
"ADD reads CNI_ARGS (K=V;K2=V2): IP=a.b.c.d asks for that address (in the\n"
"subnet and free, else code 7), MAC= for that MAC; the K8S_POD_* keys are\n"
"ignored, any other key fails (code 4) unless IgnoreUnknown=1 is given.\n"
"runtimeConfig.ips and .mac (and args.cni.ips and .mac) ask the same way;\n"
"IPv6 addresses are refused. The datapath admits the MAC asked for only.",
	  .keys = cni_keys },
	{ NULL }
};

static const struct doc_text commands[] = {
	{ .name = "hook", .text =
"Sets up or tears down one container's network. The OCI runtime runs it as\n"
"a hook (createRuntime or prestart to set up, poststop to tear down) and\n"
"writes the container's state, JSON, on its stdin: the status creating,\n"
"created or running sets up, stopped tears down. bpfnet with no command and\n"
"stdin not a terminal does the same.\n"
"\n"
"Set-up creates the bridge if it is missing, a veth pair whose container\n"
"end becomes --iface in the network namespace of the state's pid, gives it\n"
"the next free address of the subnet (or the bpfnet.ip annotation's), loads\n"
"the datapath the first time and attaches its TC programs, and publishes\n"
"the ports of the bpfnet.ports annotation. Teardown removes the veth, frees\n"
"the address and unpublishes the ports. A container that joins another's\n"
"network namespace finds its interface there; the hook leaves it alone.\n"
"\n"
"With --subnet6 the container also gets the next free IPv6 address of that\n"
"prefix (or the bpfnet.ip6 annotation's), a default route via the bridge's\n"
"::1 and static neighbour entries both ways, with DAD and router\n"
"advertisements off on its interface.\n"
"\n"
"make install lays out an oci-hooks(5) file that has podman and CRI-O run\n"
"the hook for containers annotated bpfnet.network=true." },
	{ .name = "ls", .text =
"Lists the network's containers: id, address (and IPv6 address, when the\n"
"network has --subnet6), MAC address, host-side interface, whether the network namespace is alive or dead, and published\n"
"ports. With -j, a JSON array." },
	{ .name = "port", .text =
"Publishes a port of a running container, or unpublishes it, without\n"
"restarting the container. ID is the container's id as bpfnet ls shows it;\n"
"SPEC is [HOSTIP:]HOSTPORT[-END]:CONTAINERPORT[-END][/tcp|udp], as in the\n"
"bpfnet.ports annotation, tcp by default. A host port where a host process\n"
"listens is refused unless --force is given. Once a port is unpublished, new\n"
"connections stop at once and established ones are cut." },
	{ .name = "net", .text =
"Shows the network's settings, or changes one for every container at once.\n"
"They are subnet, isolate, snat-ports, uplink, flow-table-size,\n"
"no-masquerade, subnet6 and nat6: the first container's hook records them\n"
"in the state dir, later commands take the recorded value of each one they\n"
"are not given, and one given another value is refused.\n"
"\n"
"net set takes: isolate true|false; snat-ports MIN-MAX; uplink NAME (\"\" for\n"
"the default route's); subnet CIDR, only while no container exists;\n"
"flow-table-size N, only while no datapath is loaded; subnet6 CIDR (\"\" for\n"
"none), only while no container exists; nat6 true|false. A bad key or value\n"
"is a usage error, a refused change an error, and neither changes anything." },
	{ .name = "stats", .text =
"Prints the datapath's counters: totals, drops by reason and per container,\n"
"and the fill of each flow table, with one warning line per table at 95%.\n"
"With -j, JSON." },
	{ .name = "monitor", .text =
"Prints the datapath's events as they happen, one line each (-j: one JSON\n"
"object per line), until SIGINT or SIGTERM. --type drop (the default): each\n"
"dropped packet with its reason, as bpfnet stats names it. --type trace:\n"
"each translation, named by its kind: snat and reverse-nat (a masqueraded\n"
"flow and its replies), dnat and dnat-reply (a client outside to a\n"
"published port, and the container's answer), hairpin and hairpin-reply (a\n"
"container to a published port, its own or another's, and the answer),\n"
"each with the tuple as it came and as it left. --type all: both. An event\n"
"names its container (for a published port, the one it is published by),\n"
"the interface and the packet's tuple: IPv4's, or IPv6's (in the text its\n"
"addresses in brackets; IPv6's translations are traced with the same kinds,\n"
"both tuples IPv6's). --id ID: one container's events.\n"
"\n"
"The datapath makes events only while a monitor holds its lease, renewed\n"
"every 0.5 s: with none, they cost nothing but a lookup. At most --rate N\n"
"a second per CPU (1000 by default); the rest are counted and reported as\n"
"lost. One monitor per network at a time." },
	{ .name = "flows", .text =
"Lists the flows the datapath tracks, as conntrack -L lists the kernel's:\n"
"masqueraded flows and flows to published ports, answered or not yet.\n"
"Each with its container, its kind (masquerade, published, hairpin), the\n"
"tuple as sent and as translated, its state, its age (whole seconds since\n"
"its first packet), the whole seconds until it expires and its packets and\n"
"bytes. With an ID, only that container's flows. With -j, a JSON array\n"
"(fields age and expires_in)." },
	{ .name = "gc", .text =
"Removes expired flows and what dead or half-built containers left behind:\n"
"links, addresses, published ports, map entries and counters. Each flow is\n"
"read again just before it is deleted, as the datapath may have renewed it.\n"
"A corrupt state file is set aside and rebuilt from the links and the\n"
"pinned maps." },
	{ .name = "resync", .text =
"Follows the uplink now: reads its address, its interface and the default\n"
"route (the first hop of several) again and hands them to the datapath.\n"
"bpfnet watch does it after every change." },
	{ .name = "watch", .text =
"Runs until it gets SIGTERM and resyncs, as bpfnet resync does, within a\n"
"second of every link, address or route change. make install lays out a\n"
"systemd unit that runs it, bpfnet-watch.service." },
	{ .name = "down", .text =
"Removes everything bpfnet created for the network: the veths, the bridge,\n"
"its own TC filters (no one else's), the pinned programs and maps, and the\n"
"state. The containers lose their network." },
	{ .name = "help", .text =
"Prints the commands and the flags; with a COMMAND, what that command does,\n"
"as its page bpfnet-COMMAND(8) says it. bpfnet help cni: the CNI mode." },
	{ NULL }
};

const struct doc_text *doc_text(const char *name)
{
	for (const struct doc_text *t = commands; t->name; t++)
		if (!strcmp(t->name, name))
			return t;
	for (const struct doc_text *t = doc_extra_topics; t->name; t++)
		if (!strcmp(t->name, name))
			return t;
	return NULL;
}
