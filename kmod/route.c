// SPDX-License-Identifier: GPL-2.0
/*
 * Learned decisions, shared. Thousands of connections between the same two
 * places leave by the same port with the same link-layer header, so a
 * decision is kept once, hashed by its whole content, and every flow
 * direction that took it holds a reference. A flow then costs its own
 * struct only, and a renewal that finds the decision unchanged allocates
 * nothing.
 *
 * Lookups run under RCU. A route's count drops to zero only under
 * scon_routes_lock, which also guards removal from the table, so an entry
 * found while holding the lock is always alive. A dead route is freed, and
 * its device reference dropped, after an RCU grace period.
 */
#include <linux/rhashtable.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "scon.h"

static const struct rhashtable_params scon_route_params = {
	.head_offset		= offsetof(struct scon_route, node),
	.key_offset		= 0,
	.key_len		= SCON_ROUTE_KEY_LEN,
	.automatic_shrinking	= true,
};

static struct rhashtable scon_routes;
static struct kmem_cache *scon_route_cache;
static DEFINE_SPINLOCK(scon_routes_lock);

static void scon_route_free_rcu(struct rcu_head *head)
{
	struct scon_route *route = container_of(head, struct scon_route, rcu);

	dev_put(route->out_dev);
	kmem_cache_free(scon_route_cache, route);
}

static struct scon_route *scon_route_lookup_get(const struct scon_route *tmpl)
{
	struct scon_route *route;

	rcu_read_lock();
	route = rhashtable_lookup(&scon_routes, tmpl, scon_route_params);
	if (route && !refcount_inc_not_zero(&route->ref))
		route = NULL;
	rcu_read_unlock();
	return route;
}

static struct scon_route *scon_route_insert(const struct scon_route *tmpl)
{
	struct scon_route *route;

	route = kmem_cache_alloc(scon_route_cache, GFP_ATOMIC);
	if (!route)
		return NULL;

	memcpy(route, tmpl, SCON_ROUTE_KEY_LEN);
	refcount_set(&route->ref, 1);
	dev_hold(route->out_dev);
	if (rhashtable_insert_fast(&scon_routes, &route->node,
				   scon_route_params)) {
		dev_put(route->out_dev);
		kmem_cache_free(scon_route_cache, route);
		return NULL;
	}

	return route;
}

/*
 * Returns a counted reference to the route equal to @tmpl, creating it if
 * no flow uses that decision yet; NULL when memory is short. @tmpl must be
 * zeroed before it is filled in: its bytes are hashed and compared whole.
 */
struct scon_route *scon_route_get(const struct scon_route *tmpl)
{
	struct scon_route *route;

	route = scon_route_lookup_get(tmpl);
	if (route)
		return route;

	spin_lock_bh(&scon_routes_lock);
	route = rhashtable_lookup_fast(&scon_routes, tmpl, scon_route_params);
	if (route)
		refcount_inc(&route->ref);
	else
		route = scon_route_insert(tmpl);
	spin_unlock_bh(&scon_routes_lock);
	return route;
}

/* Takes the lock only for the last reference, and returns holding it. */
static bool scon_route_dec_and_lock(struct scon_route *route)
{
	if (refcount_dec_not_one(&route->ref))
		return false;

	spin_lock_bh(&scon_routes_lock);
	if (refcount_dec_and_test(&route->ref))
		return true;
	spin_unlock_bh(&scon_routes_lock);
	return false;
}

/* Drops a reference; the last one unhashes the route. NULL is fine. */
void scon_route_put(struct scon_route *route)
{
	if (!route || !scon_route_dec_and_lock(route))
		return;

	rhashtable_remove_fast(&scon_routes, &route->node, scon_route_params);
	spin_unlock_bh(&scon_routes_lock);
	call_rcu(&route->rcu, scon_route_free_rcu);
}

int scon_routes_init(void)
{
	int err;

	scon_route_cache = KMEM_CACHE(scon_route, 0);
	if (!scon_route_cache)
		return -ENOMEM;

	err = rhashtable_init(&scon_routes, &scon_route_params);
	if (err)
		kmem_cache_destroy(scon_route_cache);
	return err;
}

/*
 * Runs after scon_flows_exit(), whose barrier let the flows' RCU callbacks
 * put their routes; this one waits for the routes' own callbacks.
 */
void scon_routes_exit(void)
{
	rcu_barrier();
	WARN_ON_ONCE(atomic_read(&scon_routes.nelems));
	rhashtable_destroy(&scon_routes);
	kmem_cache_destroy(scon_route_cache);
}
