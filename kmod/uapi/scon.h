/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * scon: the generic netlink interface of the container express path.
 *
 * This header is the only definition of the wire format. The Go side
 * (internal/sconnl) mirrors these numbers and a test compares the two.
 *
 * Family "scon", version SCON_GENL_VERSION. Every request that changes
 * state needs CAP_NET_ADMIN; reads are open to everyone. Rejected
 * requests carry an errno and an extended-ack message naming the attribute.
 *
 * SCON_CMD_GET_STATUS (doit, no request attributes)
 *   Reply: SCON_A_VERSION, SCON_A_PROTO_VERSION, SCON_A_ENABLED,
 *   SCON_A_FLOW_COUNT, SCON_A_MAX_FLOWS, SCON_A_REVALIDATE_MS,
 *   SCON_A_IDLE_TIMEOUT_MS, SCON_A_PROTOCOLS, SCON_A_BRIDGES and
 *   SCON_A_UPLINKS (nests of SCON_A_NAME strings, as configured),
 *   SCON_A_EXCLUDES (nest of SCON_A_EXCLUDE, see below),
 *   SCON_A_DEVICES (nest of SCON_A_DEVICE, each with SCON_DEV_A_IFINDEX,
 *   SCON_DEV_A_NAME and SCON_DEV_A_ROLE: the devices whose ingress the
 *   express path runs on right now) and SCON_A_COUNTERS (nest with one
 *   u64 per enum scon_counter, attribute type = counter + 1, summed over
 *   all CPUs).
 *
 * SCON_CMD_SET_CONFIG (doit, admin)
 *   Any subset of SCON_A_ENABLED, SCON_A_MAX_FLOWS, SCON_A_REVALIDATE_MS,
 *   SCON_A_IDLE_TIMEOUT_MS, SCON_A_PROTOCOLS, SCON_A_BRIDGES,
 *   SCON_A_UPLINKS and SCON_A_EXCLUDES. Present attributes replace the
 *   current value (a nest replaces the whole list); absent ones keep
 *   theirs. The request is validated whole before anything changes, so it
 *   applies completely or not at all. Any change but SCON_A_ENABLED alone
 *   flushes the flow cache.
 *
 * SCON_CMD_ATTACH, SCON_CMD_DETACH (doit, admin)
 *   SCON_A_NAME: a device name. ATTACH of a bridge adds it to the bridges
 *   (all its ports, now and later); ATTACH of any other existing device
 *   adds it to the uplinks; ATTACH of a missing device fails with ENODEV.
 *   DETACH removes the name from either list (ENOENT if in neither).
 *
 * SCON_CMD_FLUSH (doit, admin, no attributes)
 *   Drops every cached flow. Connections carry on through the normal path.
 *
 * SCON_CMD_GET_FLOWS (dump)
 *   One message per cached flow direction: SCON_A_FLOW, a nest of
 *   SCON_FLOW_A_* attributes. Addresses are IPv4, network byte order;
 *   ports network byte order. SCON_FLOW_A_NAT_* carry the tuple the packet
 *   leaves with (equal to the original one when there is no NAT).
 *
 * SCON_A_EXCLUDE nest: SCON_EXCL_A_ADDR (IPv4, be32), SCON_EXCL_A_PREFIX
 * (u8, 0-32), optional SCON_EXCL_A_PORT (u16, host order, 0 = any) and
 * SCON_EXCL_A_PROTO (u8, IPPROTO_TCP/UDP, 0 = any). A connection whose
 * addresses or ports, before or after NAT, match an exclusion is never
 * offloaded.
 */
#ifndef _UAPI_SCON_H
#define _UAPI_SCON_H

#define SCON_GENL_NAME		"scon"
#define SCON_GENL_VERSION	1

/* Longest lists SCON_CMD_SET_CONFIG takes (per list for the devices). */
#define SCON_MAX_DEVICES	32
#define SCON_MAX_EXCLUDES	64

enum scon_cmd {
	SCON_CMD_UNSPEC,
	SCON_CMD_GET_STATUS,
	SCON_CMD_SET_CONFIG,
	SCON_CMD_ATTACH,
	SCON_CMD_DETACH,
	SCON_CMD_FLUSH,
	SCON_CMD_GET_FLOWS,
	__SCON_CMD_MAX
};
#define SCON_CMD_MAX (__SCON_CMD_MAX - 1)

enum scon_attr {
	SCON_A_UNSPEC,
	SCON_A_VERSION,		/* string: module version */
	SCON_A_PROTO_VERSION,	/* u32: SCON_GENL_VERSION */
	SCON_A_ENABLED,		/* u8: 0 or 1 */
	SCON_A_FLOW_COUNT,	/* u32: connections cached now */
	SCON_A_MAX_FLOWS,	/* u32: connection limit, 1..1048576 */
	SCON_A_REVALIDATE_MS,	/* u32: 10..60000 */
	SCON_A_IDLE_TIMEOUT_MS,	/* u32: 1000..3600000 */
	SCON_A_PROTOCOLS,	/* u32: bitmask of SCON_PROTO_* */
	SCON_A_BRIDGES,		/* nest of SCON_A_NAME */
	SCON_A_UPLINKS,		/* nest of SCON_A_NAME */
	SCON_A_NAME,		/* string: device name, < IFNAMSIZ */
	SCON_A_EXCLUDES,	/* nest of SCON_A_EXCLUDE */
	SCON_A_EXCLUDE,		/* nest of SCON_EXCL_A_* */
	SCON_A_DEVICES,		/* nest of SCON_A_DEVICE */
	SCON_A_DEVICE,		/* nest of SCON_DEV_A_* */
	SCON_A_COUNTERS,	/* nest of u64, type = enum scon_counter + 1 */
	SCON_A_FLOW,		/* nest of SCON_FLOW_A_* */
	__SCON_A_MAX
};
#define SCON_A_MAX (__SCON_A_MAX - 1)

#define SCON_PROTO_TCP	(1U << 0)
#define SCON_PROTO_UDP	(1U << 1)

enum scon_excl_attr {
	SCON_EXCL_A_UNSPEC,
	SCON_EXCL_A_ADDR,	/* be32 */
	SCON_EXCL_A_PREFIX,	/* u8 */
	SCON_EXCL_A_PORT,	/* u16, host order */
	SCON_EXCL_A_PROTO,	/* u8 */
	__SCON_EXCL_A_MAX
};
#define SCON_EXCL_A_MAX (__SCON_EXCL_A_MAX - 1)

enum scon_dev_role {
	SCON_ROLE_UPLINK,	/* listed as an uplink */
	SCON_ROLE_BRIDGE_PORT,	/* port of a listed bridge */
};

enum scon_dev_attr {
	SCON_DEV_A_UNSPEC,
	SCON_DEV_A_IFINDEX,	/* u32 */
	SCON_DEV_A_NAME,	/* string */
	SCON_DEV_A_ROLE,	/* u8: enum scon_dev_role */
	SCON_DEV_A_MASTER,	/* string: the bridge, for a port */
	__SCON_DEV_A_MAX
};
#define SCON_DEV_A_MAX (__SCON_DEV_A_MAX - 1)

/* Flags of a cached flow direction (SCON_FLOW_A_FLAGS). */
#define SCON_FLOW_F_ROUTED	(1U << 0)	/* TTL is decremented */
#define SCON_FLOW_F_READY	(1U << 1)	/* both directions learned */
#define SCON_FLOW_F_STALE	(1U << 2)	/* waits for revalidation */

enum scon_flow_attr {
	SCON_FLOW_A_UNSPEC,
	SCON_FLOW_A_PROTO,	/* u8: IPPROTO_TCP or IPPROTO_UDP */
	SCON_FLOW_A_SRC,	/* be32 */
	SCON_FLOW_A_DST,	/* be32 */
	SCON_FLOW_A_SPORT,	/* be16 */
	SCON_FLOW_A_DPORT,	/* be16 */
	SCON_FLOW_A_NAT_SRC,	/* be32 */
	SCON_FLOW_A_NAT_DST,	/* be32 */
	SCON_FLOW_A_NAT_SPORT,	/* be16 */
	SCON_FLOW_A_NAT_DPORT,	/* be16 */
	SCON_FLOW_A_IN_IFINDEX,	/* u32 */
	SCON_FLOW_A_IN_DEV,	/* string */
	SCON_FLOW_A_OUT_IFINDEX, /* u32 */
	SCON_FLOW_A_OUT_DEV,	/* string */
	SCON_FLOW_A_MTU,	/* u32 */
	SCON_FLOW_A_PACKETS,	/* u64: express packets */
	SCON_FLOW_A_BYTES,	/* u64: express bytes (IP length) */
	SCON_FLOW_A_AGE_MS,	/* u64: since first learned */
	SCON_FLOW_A_IDLE_MS,	/* u64: since last express packet */
	SCON_FLOW_A_FLAGS,	/* u32: SCON_FLOW_F_* */
	SCON_FLOW_A_DIR,	/* u8: 0 original, 1 reply (conntrack's) */
	SCON_FLOW_A_DST_MAC,	/* binary, 6 bytes */
	SCON_FLOW_A_PAD,
	__SCON_FLOW_A_MAX
};
#define SCON_FLOW_A_MAX (__SCON_FLOW_A_MAX - 1)

/*
 * Per-CPU counters, summed in SCON_A_COUNTERS. Append only: the numbers
 * are part of the wire format.
 */
enum scon_counter {
	SCON_CTR_EXPRESS_PACKETS,
	SCON_CTR_EXPRESS_BYTES,
	SCON_CTR_FLOWS_LEARNED,
	SCON_CTR_FLOWS_REFUSED_FULL,	/* limit reached: stays normal */
	SCON_CTR_FLOWS_RENEWED,		/* revalidated by the normal path */
	/*
	 * Packets sent to the normal path, by reason: those of a cached
	 * flow, except that IP options, fragments and malformed headers
	 * count for every IPv4 TCP or UDP packet on an attached device (a
	 * malformed IPv4 header for every IPv4 packet), as no flow can be
	 * looked up for them. Checksums are checked on cached flows only.
	 */
	SCON_CTR_FB_TCP_FLAGS,		/* SYN, FIN or RST, or no ACK */
	SCON_CTR_FB_MTU,		/* larger than the output MTU */
	SCON_CTR_FB_IP_OPTIONS,
	SCON_CTR_FB_FRAGMENT,
	SCON_CTR_FB_TTL,		/* TTL <= 1 on a routed flow */
	SCON_CTR_FB_REVALIDATE,		/* interval passed, renewing */
	SCON_CTR_FB_CT_STATE,		/* conntrack not established */
	SCON_CTR_FB_NOT_READY,		/* one direction not learned yet */
	SCON_CTR_FB_MALFORMED,		/* bad header or checksum */
	SCON_CTR_FB_NO_MEMORY,		/* could not make headers writable */
	SCON_CTR_FB_OUT_DOWN,		/* output device not running */
	/* Learning refused, by reason. */
	SCON_CTR_SKIP_HELPER,		/* conntrack helper attached */
	SCON_CTR_SKIP_XFRM,		/* IPsec policy or state */
	SCON_CTR_SKIP_EXCLUDED,		/* matched a configured exclusion */
	SCON_CTR_SKIP_NO_NEIGH,		/* next hop not resolved */
	/* Cached flows dropped, by reason. */
	SCON_CTR_INV_CONNTRACK,		/* entry deleted or expired */
	SCON_CTR_INV_LINK,		/* device down, deleted, changed */
	SCON_CTR_INV_NEIGH,		/* neighbour changed or failed */
	SCON_CTR_INV_ROUTE,		/* routes, rules or addresses changed */
	SCON_CTR_INV_IDLE,		/* idle timeout */
	SCON_CTR_INV_FLUSH,		/* flush, config change, unload */
	SCON_CTR_FB_L2_MISMATCH,	/* MAC addresses not the learned ones */
	SCON_CTR_INV_FDB,		/* bridge moved or forgot a station */
	__SCON_CTR_MAX
};
#define SCON_CTR_MAX (__SCON_CTR_MAX - 1)

#endif /* _UAPI_SCON_H */
