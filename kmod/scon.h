/* SPDX-License-Identifier: GPL-2.0 */
/*
 * scon: internal interfaces between the parts of the module.
 *
 * Locking, written down once:
 * - RTNL serialises every change of configuration and of the set of
 *   attached devices: netlink requests take it, notifiers run under it.
 * - The configuration is an immutable struct published with RCU; the
 *   express path reads it under the RCU read lock it already holds.
 * - The flow cache is an rhashtable; a flow is freed after a grace period
 *   and holds references on its conntrack entry and its two routes until
 *   then. A route (the learned decision of a direction) is immutable,
 *   shared by the flows that took it and holds its output device; a flow
 *   moves to another route with RCU when the normal path decides anew.
 */
#ifndef _SCON_H
#define _SCON_H

#include <linux/if_ether.h>
#include <linux/netdevice.h>
#include <linux/rhashtable.h>
#include <net/netfilter/nf_conntrack.h>

#include "compat.h"
#include "uapi/scon.h"

#define SCON_VERSION		"0.1.0"

struct scon_exclude {
	__be32 addr;
	__be32 mask;
	u16 port;		/* host order, 0 = any */
	u8 proto;		/* 0 = any */
};

struct scon_config {
	bool enabled;
	u32 max_flows;
	u32 revalidate_ms;
	u32 idle_timeout_ms;
	u32 protocols;		/* SCON_PROTO_* */
	unsigned int n_bridges, n_uplinks, n_excludes;
	char bridges[SCON_MAX_DEVICES][IFNAMSIZ];
	char uplinks[SCON_MAX_DEVICES][IFNAMSIZ];
	struct scon_exclude excludes[SCON_MAX_EXCLUDES];
	struct rcu_head rcu;
};

/* config.c */
extern struct scon_config __rcu *scon_cfg;
int scon_config_init(void);
void scon_config_exit(void);
struct scon_config *scon_config_copy(void);
void scon_config_publish(struct scon_config *cfg);
const struct scon_config *scon_config_rtnl(void);
bool scon_config_excludes(const struct scon_config *cfg,
			  const struct nf_conn *ct);

/* stats.c */
void scon_count(enum scon_counter counter);
void scon_count_add(enum scon_counter counter, u64 n);
u64 scon_counter_sum(enum scon_counter counter);
int scon_stats_init(void);
void scon_stats_exit(void);

/* What a packet arriving on the express path must match. */
struct scon_key {
	__be32 saddr;
	__be32 daddr;
	__be16 sport;
	__be16 dport;
	u8 proto;
	u8 pad[3];
};

#define SCON_ROUTE_ROUTED	BIT(0)	/* decrement TTL */
#define SCON_ROUTE_SNAT		BIT(1)
#define SCON_ROUTE_DNAT		BIT(2)

/*
 * The decision the kernel took for one direction, as seen when one of its
 * packets left. Shared by every flow direction that took the same one
 * (route.c) and immutable: a flow that decides differently moves to
 * another route. Everything before @node is the hash key.
 */
struct scon_route {
	struct net_device *out_dev;	/* holds a reference */
	int via_ifindex;		/* the bridge routed into, or 0 */
	int neigh_ifindex;		/* where the next hop lives, or 0 */
	__be32 nexthop;
	u32 neigh_gen;			/* scon_neigh_gen() when learned */
	int rt_genid;
	u32 fdb_refresh;		/* out_dev a bridge port: jiffies */
	u32 fdb_gen;			/* scon_fdb_gen() when learned */
	u16 mtu;
	u8 flags;			/* SCON_ROUTE_* */
	u8 l2[ETH_HLEN];		/* header the packet leaves with */
	struct rhash_head node;
	refcount_t ref;
	struct rcu_head rcu;
};

#define SCON_ROUTE_KEY_LEN	offsetof(struct scon_route, node)

struct scon_dir {
	struct rhash_head node;
	struct scon_key key;
	u8 dir;				/* IP_CT_DIR_* */
	int in_ifindex;			/* the other direction's output */
	unsigned long validated;	/* jiffies of the last renewal */
	unsigned long state;		/* SCON_DIR_STALE */
	struct scon_route __rcu *route;
	u64 packets;
	u64 bytes;
};

#define SCON_DIR_STALE		0	/* the normal path must renew it */

#define SCON_FLOW_DEAD		0	/* unhashed, waiting for RCU */
#define SCON_FLOW_EXPRESSED	1	/* express packets since fixup */
#define SCON_FLOW_COUNTED	2	/* counted as learned once */

struct scon_flow {
	struct scon_dir d[2];
	struct nf_conn *ct;		/* holds a reference */
	unsigned long created;
	unsigned long last_used;
	unsigned long flags;		/* SCON_FLOW_DEAD */
	struct rcu_head rcu;
};

static inline struct scon_flow *scon_dir_flow(struct scon_dir *d)
{
	return container_of(d - d->dir, struct scon_flow, d[0]);
}

/* flow.c */
int scon_flows_init(void);
void scon_flows_exit(void);
struct scon_dir *scon_flow_lookup(const struct scon_key *key);
struct scon_flow *scon_flow_find_or_create(struct nf_conn *ct,
					   const struct scon_config *cfg);
void scon_flow_set_route(struct scon_flow *flow, u8 dir,
			 struct scon_route *route);
void scon_flow_renewed(struct scon_flow *flow, u8 dir);
bool scon_flow_ready(const struct scon_flow *flow);
void scon_flow_remove(struct scon_flow *flow, enum scon_counter reason);
void scon_flow_fixup_tcp(struct nf_conn *ct);
void scon_flows_flush(enum scon_counter reason);
void scon_flows_remove_dev(const struct net_device *dev);
u32 scon_flow_count(void);
void scon_gc_kick(void);
struct rhashtable *scon_flow_table(void);

/* route.c */
int scon_routes_init(void);
void scon_routes_exit(void);
struct scon_route *scon_route_get(const struct scon_route *tmpl);
void scon_route_put(struct scon_route *route);

/* learn.c */
int scon_learn_init(void);
void scon_learn_exit(void);

/* express.c */
unsigned int scon_express_hook(void *priv, struct sk_buff *skb,
			       const struct nf_hook_state *state);

/* devices.c */
int scon_devices_init(void);
void scon_devices_exit(void);
int scon_devices_sync(void);
bool scon_device_attached(const struct net_device *dev);
int scon_devices_fill(struct sk_buff *msg);
u32 scon_neigh_gen(int ifindex, __be32 addr);
u32 scon_fdb_gen(const u8 *mac);

/* netlink.c */
int scon_netlink_init(void);
void scon_netlink_exit(void);

#endif /* _SCON_H */
