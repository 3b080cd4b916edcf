// SPDX-License-Identifier: GPL-2.0
/*
 * The configuration: one immutable copy published with RCU. Writers (under
 * RTNL) copy, change the copy, then publish it, so a request applies whole
 * or not at all and the express path never sees half of one.
 */
#include <linux/rtnetlink.h>
#include <linux/slab.h>

#include "scon.h"

struct scon_config __rcu *scon_cfg;

static void scon_config_defaults(struct scon_config *cfg)
{
	cfg->enabled = true;
	cfg->max_flows = 16384;
	cfg->revalidate_ms = 1000;
	cfg->idle_timeout_ms = 30000;
	cfg->protocols = SCON_PROTO_TCP | SCON_PROTO_UDP;
	cfg->n_bridges = 1;
	strscpy(cfg->bridges[0], "docker0", IFNAMSIZ);
}

int scon_config_init(void)
{
	struct scon_config *cfg = kzalloc(sizeof(*cfg), GFP_KERNEL);

	if (!cfg)
		return -ENOMEM;

	scon_config_defaults(cfg);
	RCU_INIT_POINTER(scon_cfg, cfg);
	return 0;
}

void scon_config_exit(void)
{
	kfree(rcu_dereference_protected(scon_cfg, true));
	RCU_INIT_POINTER(scon_cfg, NULL);
}

const struct scon_config *scon_config_rtnl(void)
{
	return rtnl_dereference(scon_cfg);
}

/* Returns a private copy of the current configuration to change. */
struct scon_config *scon_config_copy(void)
{
	ASSERT_RTNL();

	return kmemdup(scon_config_rtnl(), sizeof(struct scon_config),
		       GFP_KERNEL);
}

void scon_config_publish(struct scon_config *cfg)
{
	struct scon_config *old = rtnl_dereference(scon_cfg);

	rcu_assign_pointer(scon_cfg, cfg);
	kfree_rcu(old, rcu);
}

static bool scon_exclude_hits(const struct scon_exclude *ex, u8 proto,
			      __be32 addr, __be16 port)
{
	if (ex->proto && ex->proto != proto)
		return false;
	if ((addr & ex->mask) != ex->addr)
		return false;
	return !ex->port || ex->port == ntohs(port);
}

static bool scon_tuple_excluded(const struct scon_exclude *ex,
				const struct nf_conntrack_tuple *t)
{
	u8 proto = t->dst.protonum;

	return scon_exclude_hits(ex, proto, t->src.u3.ip, t->src.u.all) ||
	       scon_exclude_hits(ex, proto, t->dst.u3.ip, t->dst.u.all);
}

/* Both tuples are checked: an exclusion matches before or after NAT. */
bool scon_config_excludes(const struct scon_config *cfg,
			  const struct nf_conn *ct)
{
	const struct nf_conntrack_tuple *orig, *reply;
	unsigned int i;

	orig = &ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple;
	reply = &ct->tuplehash[IP_CT_DIR_REPLY].tuple;
	for (i = 0; i < cfg->n_excludes; i++) {
		if (scon_tuple_excluded(&cfg->excludes[i], orig) ||
		    scon_tuple_excluded(&cfg->excludes[i], reply))
			return true;
	}

	return false;
}
