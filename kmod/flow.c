// SPDX-License-Identifier: GPL-2.0
/*
 * The flow cache: one scon_flow per conntrack entry, hashed twice, once by
 * the tuple each direction's packets arrive with. Entries are created by
 * learn.c, read by express.c under RCU, and dropped here: by the garbage
 * collector (idle, conntrack gone), by notifiers (devices) and by flushes.
 */
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <net/netfilter/nf_conntrack_core.h>

#include "scon.h"

static const struct rhashtable_params scon_flow_params = {
	.head_offset		= offsetof(struct scon_dir, node),
	.key_offset		= offsetof(struct scon_dir, key),
	.key_len		= sizeof(struct scon_key),
	.automatic_shrinking	= true,
};

static struct rhashtable scon_flows;
static struct kmem_cache *scon_flow_cache;
static atomic_t scon_nflows = ATOMIC_INIT(0);
static struct delayed_work scon_gc_work;

struct rhashtable *scon_flow_table(void)
{
	return &scon_flows;
}

u32 scon_flow_count(void)
{
	return atomic_read(&scon_nflows);
}

struct scon_dir *scon_flow_lookup(const struct scon_key *key)
{
	return rhashtable_lookup(&scon_flows, key, scon_flow_params);
}

static void scon_flow_free_rcu(struct rcu_head *head)
{
	struct scon_flow *flow = container_of(head, struct scon_flow, rcu);
	int i;

	for (i = 0; i < 2; i++)
		scon_route_put(rcu_dereference_protected(flow->d[i].route, true));

	nf_ct_put(flow->ct);
	kmem_cache_free(scon_flow_cache, flow);
}

static void scon_key_from_tuple(struct scon_key *key,
				const struct nf_conntrack_tuple *t)
{
	memset(key, 0, sizeof(*key));
	key->saddr = t->src.u3.ip;
	key->daddr = t->dst.u3.ip;
	key->sport = t->src.u.all;
	key->dport = t->dst.u.all;
	key->proto = t->dst.protonum;
}

static struct scon_flow *scon_flow_alloc(struct nf_conn *ct)
{
	struct scon_flow *flow;
	int i;

	flow = kmem_cache_zalloc(scon_flow_cache, GFP_ATOMIC);
	if (!flow)
		return NULL;

	for (i = 0; i < 2; i++) {
		flow->d[i].dir = i;
		scon_key_from_tuple(&flow->d[i].key, &ct->tuplehash[i].tuple);
	}
	nf_conntrack_get(&ct->ct_general);
	flow->ct = ct;
	flow->created = jiffies;
	flow->last_used = jiffies;
	return flow;
}

/*
 * Makes both directions visible. Whoever inserts the original direction
 * first owns the conntrack entry; a loser frees its copy and retries.
 */
static int scon_flow_insert(struct scon_flow *flow)
{
	int err;

	err = rhashtable_lookup_insert_fast(&scon_flows, &flow->d[0].node,
					    scon_flow_params);
	if (err)
		return err;

	err = rhashtable_lookup_insert_fast(&scon_flows, &flow->d[1].node,
					    scon_flow_params);
	if (err) {
		rhashtable_remove_fast(&scon_flows, &flow->d[0].node,
				       scon_flow_params);
		return err;
	}

	return 0;
}

/*
 * Takes one of the max_flows slots, or says that none is left. The check
 * and the count move together, so CPUs learning at the same time cannot
 * push the table past its limit.
 */
static bool scon_flow_reserve(u32 max_flows)
{
	int nflows = atomic_read(&scon_nflows);

	do {
		if ((u32)nflows >= max_flows)
			return false;
	} while (!atomic_try_cmpxchg(&scon_nflows, &nflows, nflows + 1));

	return true;
}

/* A flow left over from an earlier conntrack entry with the same tuple. */
static bool scon_flow_evict_stale(const struct scon_key *key,
				  const struct nf_conn *ct)
{
	struct scon_dir *d = scon_flow_lookup(key);
	struct scon_flow *old;

	if (!d)
		return true;

	old = scon_dir_flow(d);
	if (old->ct == ct)
		return true;
	if (!nf_ct_is_dying(old->ct))
		return false;

	scon_flow_remove(old, SCON_CTR_INV_CONNTRACK);
	return true;
}

/*
 * Conntrack sees only some packets of a cached TCP connection, so its
 * window tracking lags behind what went express: an ACK for data it never
 * saw would be called invalid, and an invalid packet escapes NAT. So, as
 * the kernel's flowtable does for what it offloads, conntrack stops
 * checking this connection's windows. Set before either direction is
 * ready, so before the first express packet.
 */
static void scon_flow_tcp_liberal(struct nf_conn *ct)
{
	if (nf_ct_protonum(ct) != IPPROTO_TCP)
		return;

	spin_lock_bh(&ct->lock);
	ct->proto.tcp.seen[0].flags |= IP_CT_TCP_FLAG_BE_LIBERAL;
	ct->proto.tcp.seen[1].flags |= IP_CT_TCP_FLAG_BE_LIBERAL;
	spin_unlock_bh(&ct->lock);
}

/* Called under rcu_read_lock from the learning hooks. */
struct scon_flow *scon_flow_find_or_create(struct nf_conn *ct,
					   const struct scon_config *cfg)
{
	struct scon_flow *flow;
	struct scon_dir *d;
	struct scon_key key;
	int i;

	scon_key_from_tuple(&key, &ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple);
	d = scon_flow_lookup(&key);
	if (d && scon_dir_flow(d)->ct == ct)
		return scon_dir_flow(d);

	for (i = 0; i < 2; i++) {
		scon_key_from_tuple(&key, &ct->tuplehash[i].tuple);
		if (!scon_flow_evict_stale(&key, ct))
			return NULL;
	}

	if (!scon_flow_reserve(cfg->max_flows)) {
		scon_count(SCON_CTR_FLOWS_REFUSED_FULL);
		return NULL;
	}

	flow = scon_flow_alloc(ct);
	if (!flow)
		goto unreserve;

	if (scon_flow_insert(flow)) {
		/* Another CPU won the race, or a tuple is still taken. */
		nf_ct_put(ct);
		kmem_cache_free(scon_flow_cache, flow);
		goto unreserve;
	}

	scon_flow_tcp_liberal(ct);
	return flow;

unreserve:
	atomic_dec(&scon_nflows);
	return NULL;
}

/* The normal path has just confirmed direction @dir's decision. */
void scon_flow_renewed(struct scon_flow *flow, u8 dir)
{
	WRITE_ONCE(flow->d[dir].validated, jiffies);
	if (test_bit(SCON_DIR_STALE, &flow->d[dir].state))
		clear_bit(SCON_DIR_STALE, &flow->d[dir].state);
}

/*
 * Publishes a newly learned decision for one direction, taking over the
 * caller's reference to @route. Readers may still hold the old route: its
 * reference goes, its memory waits for a grace period.
 */
void scon_flow_set_route(struct scon_flow *flow, u8 dir,
			 struct scon_route *route)
{
	struct scon_route *old;

	old = unrcu_pointer(xchg(&flow->d[dir].route, RCU_INITIALIZER(route)));
	scon_flow_renewed(flow, dir);
	scon_route_put(old);
}

bool scon_flow_ready(const struct scon_flow *flow)
{
	return rcu_access_pointer(flow->d[0].route) &&
	       rcu_access_pointer(flow->d[1].route);
}

/*
 * Express packets bypass conntrack's TCP window tracking. Before the next
 * packet of the connection meets it again, forget the windows so that
 * conntrack's record picks them up from that packet.
 */
void scon_flow_fixup_tcp(struct nf_conn *ct)
{
	if (nf_ct_protonum(ct) != IPPROTO_TCP)
		return;

	spin_lock_bh(&ct->lock);
	ct->proto.tcp.seen[0].td_maxwin = 0;
	ct->proto.tcp.seen[1].td_maxwin = 0;
	spin_unlock_bh(&ct->lock);
}

void scon_flow_remove(struct scon_flow *flow, enum scon_counter reason)
{
	if (test_and_set_bit(SCON_FLOW_DEAD, &flow->flags))
		return;

	rhashtable_remove_fast(&scon_flows, &flow->d[0].node, scon_flow_params);
	rhashtable_remove_fast(&scon_flows, &flow->d[1].node, scon_flow_params);
	atomic_dec(&scon_nflows);
	scon_count(reason);

	if (test_bit(SCON_FLOW_EXPRESSED, &flow->flags))
		scon_flow_fixup_tcp(flow->ct);
	call_rcu(&flow->rcu, scon_flow_free_rcu);
}

/* Says why a flow must go (a SCON_CTR_INV_* counter), or SCON_KEEP. */
#define SCON_KEEP	(-1)
typedef int (*scon_flow_judge_t)(const struct scon_flow *flow, const void *arg);

/*
 * Removes every flow the judge condemns. Each flow is visited through its
 * original direction only. A table resize can make the walk miss entries,
 * so callers that must see all of them loop.
 */
static void scon_flows_sweep(scon_flow_judge_t judge, const void *arg)
{
	struct rhashtable_iter iter;
	struct scon_dir *d;
	int reason;

	rhashtable_walk_enter(&scon_flows, &iter);
	rhashtable_walk_start(&iter);
	while ((d = rhashtable_walk_next(&iter)) != NULL) {
		if (IS_ERR(d))
			continue;
		if (d->dir != IP_CT_DIR_ORIGINAL)
			continue;
		reason = judge(scon_dir_flow(d), arg);
		if (reason != SCON_KEEP)
			scon_flow_remove(scon_dir_flow(d), reason);
	}
	rhashtable_walk_stop(&iter);
	rhashtable_walk_exit(&iter);
}

static int scon_judge_all(const struct scon_flow *flow, const void *arg)
{
	return *(const enum scon_counter *)arg;
}

void scon_flows_flush(enum scon_counter reason)
{
	int tries;

	for (tries = 0; tries < 16 && scon_flow_count(); tries++)
		scon_flows_sweep(scon_judge_all, &reason);
	WARN_ON_ONCE(scon_flow_count());
}

static bool scon_route_uses(const struct scon_route *route,
			    const struct net_device *dev)
{
	return route && (route->out_dev == dev ||
			 route->via_ifindex == dev->ifindex ||
			 route->neigh_ifindex == dev->ifindex);
}

static bool scon_flow_uses(const struct scon_flow *flow,
			   const struct net_device *dev)
{
	int i;

	for (i = 0; i < 2; i++) {
		const struct scon_dir *d = &flow->d[i];

		if (d->in_ifindex == dev->ifindex ||
		    scon_route_uses(rcu_dereference(d->route), dev))
			return true;
	}

	return false;
}

static int scon_judge_dev(const struct scon_flow *flow, const void *arg)
{
	return scon_flow_uses(flow, arg) ? SCON_CTR_INV_LINK : SCON_KEEP;
}

static bool scon_flows_any_dev(const struct net_device *dev)
{
	struct rhashtable_iter iter;
	struct scon_dir *d;
	bool found = false;

	rhashtable_walk_enter(&scon_flows, &iter);
	rhashtable_walk_start(&iter);
	while (!found && (d = rhashtable_walk_next(&iter)) != NULL) {
		if (!IS_ERR(d))
			found = scon_flow_uses(scon_dir_flow(d), dev);
	}
	rhashtable_walk_stop(&iter);
	rhashtable_walk_exit(&iter);
	return found;
}

/*
 * Drops every flow that enters or leaves through @dev, or is routed via
 * it. Called from the netdevice notifier: no flow may keep a reference
 * to a device on its way out.
 */
void scon_flows_remove_dev(const struct net_device *dev)
{
	int tries;

	for (tries = 0; tries < 16; tries++) {
		scon_flows_sweep(scon_judge_dev, dev);
		if (!scon_flows_any_dev(dev))
			return;
	}
	WARN_ON_ONCE(1);
}

static bool scon_ct_gone(const struct nf_conn *ct)
{
	if (nf_ct_is_dying(ct) || !nf_ct_is_confirmed(ct))
		return true;

	if (nf_ct_protonum(ct) != IPPROTO_TCP)
		return false;

	switch (READ_ONCE(ct->proto.tcp.state)) {
	case TCP_CONNTRACK_FIN_WAIT:
	case TCP_CONNTRACK_CLOSE_WAIT:
	case TCP_CONNTRACK_LAST_ACK:
	case TCP_CONNTRACK_TIME_WAIT:
	case TCP_CONNTRACK_CLOSE:
		return true;
	default:
		return false;
	}
}

/*
 * A learning hook can publish a route just after the notifier swept the
 * device it names. Catch such a flow here, long before the unregistering
 * device would start waiting for its reference.
 */
static bool scon_flow_unlisted(const struct scon_flow *flow)
{
	int i;

	for (i = 0; i < 2; i++) {
		const struct scon_route *route = rcu_dereference(flow->d[i].route);

		if (route && (route->out_dev->reg_state != NETREG_REGISTERED ||
			      !scon_device_attached(route->out_dev)))
			return true;
	}

	return false;
}

static int scon_judge_gc(const struct scon_flow *flow, const void *arg)
{
	const unsigned long *idle = arg;

	if (scon_ct_gone(flow->ct))
		return SCON_CTR_INV_CONNTRACK;
	if (scon_flow_unlisted(flow))
		return SCON_CTR_INV_LINK;
	if (time_after(jiffies, READ_ONCE(flow->last_used) + *idle))
		return SCON_CTR_INV_IDLE;

	return SCON_KEEP;
}

static void scon_gc(struct work_struct *work)
{
	unsigned long idle;

	rcu_read_lock();
	idle = msecs_to_jiffies(rcu_dereference(scon_cfg)->idle_timeout_ms);
	rcu_read_unlock();

	scon_flows_sweep(scon_judge_gc, &idle);
	queue_delayed_work(system_power_efficient_wq, &scon_gc_work, HZ);
}

void scon_gc_kick(void)
{
	mod_delayed_work(system_power_efficient_wq, &scon_gc_work, 0);
}

int scon_flows_init(void)
{
	int err;

	scon_flow_cache = KMEM_CACHE(scon_flow, 0);
	if (!scon_flow_cache)
		return -ENOMEM;

	err = rhashtable_init(&scon_flows, &scon_flow_params);
	if (err) {
		kmem_cache_destroy(scon_flow_cache);
		return err;
	}

	INIT_DEFERRABLE_WORK(&scon_gc_work, scon_gc);
	queue_delayed_work(system_power_efficient_wq, &scon_gc_work, HZ);
	return 0;
}

/* Runs after every hook is gone: nothing adds flows any more. */
void scon_flows_exit(void)
{
	cancel_delayed_work_sync(&scon_gc_work);
	scon_flows_flush(SCON_CTR_INV_FLUSH);
	rcu_barrier();
	rhashtable_destroy(&scon_flows);
	kmem_cache_destroy(scon_flow_cache);
}
