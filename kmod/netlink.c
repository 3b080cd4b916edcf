// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family "scon": configuration, status and the flow
 * dump. uapi/scon.h documents every command. Policies reject malformed
 * attributes before a handler runs; handlers reject what policies cannot
 * express, each time with an extended-ack message naming the attribute.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/etherdevice.h>
#include <linux/inetdevice.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <net/genetlink.h>

#include "scon.h"

static const struct nla_policy scon_names_policy[SCON_A_MAX + 1] = {
	[SCON_A_NAME]		= { .type = NLA_NUL_STRING, .len = IFNAMSIZ - 1 },
};

static const struct nla_policy scon_exclude_policy[SCON_EXCL_A_MAX + 1] = {
	[SCON_EXCL_A_ADDR]	= { .type = SCON_NLA_BE32 },
	[SCON_EXCL_A_PREFIX]	= NLA_POLICY_MAX(NLA_U8, 32),
	[SCON_EXCL_A_PORT]	= { .type = NLA_U16 },
	[SCON_EXCL_A_PROTO]	= { .type = NLA_U8 },
};

static struct netlink_range_validation scon_max_flows_range = {
	.min = 1, .max = 1048576,
};

static struct netlink_range_validation scon_revalidate_range = {
	.min = 10, .max = 60000,
};

static struct netlink_range_validation scon_idle_range = {
	.min = 1000, .max = 3600000,
};

static const struct nla_policy scon_policy[SCON_A_MAX + 1] = {
	[SCON_A_ENABLED]	= NLA_POLICY_MAX(NLA_U8, 1),
	[SCON_A_MAX_FLOWS]	= NLA_POLICY_FULL_RANGE(NLA_U32,
							&scon_max_flows_range),
	[SCON_A_REVALIDATE_MS]	= NLA_POLICY_FULL_RANGE(NLA_U32,
							&scon_revalidate_range),
	[SCON_A_IDLE_TIMEOUT_MS] = NLA_POLICY_FULL_RANGE(NLA_U32,
							 &scon_idle_range),
	[SCON_A_PROTOCOLS]	= NLA_POLICY_MASK(NLA_U32, SCON_PROTO_TCP |
							   SCON_PROTO_UDP),
	[SCON_A_BRIDGES]	= NLA_POLICY_NESTED(scon_names_policy),
	[SCON_A_UPLINKS]	= NLA_POLICY_NESTED(scon_names_policy),
	[SCON_A_NAME]		= { .type = NLA_NUL_STRING, .len = IFNAMSIZ - 1 },
	[SCON_A_EXCLUDES]	= NLA_POLICY_NESTED_ARRAY(scon_exclude_policy),
};

static struct genl_family scon_family;

/*
 * A list whose last entry runs past its end. Policies check this for
 * plain nests but not for the entries of a nested array.
 */
static int scon_truncated(const struct nlattr *nest,
			  struct netlink_ext_ack *extack)
{
	NL_SET_ERR_MSG_ATTR(extack, nest, "truncated attribute in the list");
	return -EINVAL;
}

/* Copies a nest of SCON_A_NAME strings into @names. */
static int scon_parse_names(const struct nlattr *nest,
			    char names[][IFNAMSIZ], unsigned int *count,
			    struct netlink_ext_ack *extack)
{
	const struct nlattr *attr;
	unsigned int n = 0;
	int rem;

	nla_for_each_nested(attr, nest, rem) {
		if (n == SCON_MAX_DEVICES) {
			NL_SET_ERR_MSG_ATTR(extack, attr, "too many devices (at most 32)");
			return -E2BIG;
		}
		if (!dev_valid_name(nla_data(attr))) {
			NL_SET_ERR_MSG_ATTR(extack, attr, "invalid device name");
			return -EINVAL;
		}
		nla_strscpy(names[n++], attr, IFNAMSIZ);
	}
	if (rem)
		return scon_truncated(nest, extack);

	*count = n;
	return 0;
}

static int scon_parse_exclude(const struct nlattr *nest,
			      struct scon_exclude *ex,
			      struct netlink_ext_ack *extack)
{
	struct nlattr *tb[SCON_EXCL_A_MAX + 1];
	int err;

	err = nla_parse_nested(tb, SCON_EXCL_A_MAX, nest, scon_exclude_policy,
			       extack);
	if (err)
		return err;

	if (!tb[SCON_EXCL_A_ADDR] || !tb[SCON_EXCL_A_PREFIX]) {
		NL_SET_ERR_MSG_ATTR(extack, nest,
				    "exclusion needs an address and a prefix length");
		return -EINVAL;
	}

	ex->mask = inet_make_mask(nla_get_u8(tb[SCON_EXCL_A_PREFIX]));
	ex->addr = nla_get_be32(tb[SCON_EXCL_A_ADDR]) & ex->mask;
	ex->port = tb[SCON_EXCL_A_PORT] ? nla_get_u16(tb[SCON_EXCL_A_PORT]) : 0;
	ex->proto = tb[SCON_EXCL_A_PROTO] ? nla_get_u8(tb[SCON_EXCL_A_PROTO]) : 0;
	if (ex->proto && ex->proto != IPPROTO_TCP && ex->proto != IPPROTO_UDP) {
		NL_SET_ERR_MSG_ATTR(extack, tb[SCON_EXCL_A_PROTO],
				    "protocol must be 0, TCP (6) or UDP (17)");
		return -EINVAL;
	}

	return 0;
}

static int scon_parse_excludes(const struct nlattr *nest,
			       struct scon_config *cfg,
			       struct netlink_ext_ack *extack)
{
	const struct nlattr *attr;
	unsigned int n = 0;
	int rem, err;

	nla_for_each_nested(attr, nest, rem) {
		if (n == SCON_MAX_EXCLUDES) {
			NL_SET_ERR_MSG_ATTR(extack, attr, "too many exclusions (at most 64)");
			return -E2BIG;
		}
		err = scon_parse_exclude(attr, &cfg->excludes[n++], extack);
		if (err)
			return err;
	}
	if (rem)
		return scon_truncated(nest, extack);

	cfg->n_excludes = n;
	return 0;
}

static int scon_find_name(const char names[][IFNAMSIZ], unsigned int n,
			  const char *name)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (!strcmp(names[i], name))
			return i;
	}

	return -1;
}

/* A bridge listed as an uplink would be attached twice, in two roles. */
static bool scon_names_overlap(const struct scon_config *cfg)
{
	unsigned int i;

	for (i = 0; i < cfg->n_bridges; i++)
		if (scon_find_name(cfg->uplinks, cfg->n_uplinks,
				   cfg->bridges[i]) >= 0)
			return true;

	return false;
}

/* Applies the attributes of @info to @cfg, a private copy. */
static int scon_parse_config(struct scon_config *cfg, struct genl_info *info)
{
	struct nlattr **tb = info->attrs;
	int err;

	if (tb[SCON_A_ENABLED])
		cfg->enabled = nla_get_u8(tb[SCON_A_ENABLED]);
	if (tb[SCON_A_MAX_FLOWS])
		cfg->max_flows = nla_get_u32(tb[SCON_A_MAX_FLOWS]);
	if (tb[SCON_A_REVALIDATE_MS])
		cfg->revalidate_ms = nla_get_u32(tb[SCON_A_REVALIDATE_MS]);
	if (tb[SCON_A_IDLE_TIMEOUT_MS])
		cfg->idle_timeout_ms = nla_get_u32(tb[SCON_A_IDLE_TIMEOUT_MS]);
	if (tb[SCON_A_PROTOCOLS])
		cfg->protocols = nla_get_u32(tb[SCON_A_PROTOCOLS]);

	if (tb[SCON_A_BRIDGES]) {
		err = scon_parse_names(tb[SCON_A_BRIDGES], cfg->bridges,
				       &cfg->n_bridges, info->extack);
		if (err)
			return err;
	}
	if (tb[SCON_A_UPLINKS]) {
		err = scon_parse_names(tb[SCON_A_UPLINKS], cfg->uplinks,
				       &cfg->n_uplinks, info->extack);
		if (err)
			return err;
	}
	if (scon_names_overlap(cfg)) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[SCON_A_UPLINKS] ?:
				    tb[SCON_A_BRIDGES],
				    "a device is both a bridge and an uplink");
		return -EINVAL;
	}
	if (tb[SCON_A_EXCLUDES])
		return scon_parse_excludes(tb[SCON_A_EXCLUDES], cfg, info->extack);

	return 0;
}

/* Publishes @cfg (consumed), flushing the cache if decisions may differ. */
static int scon_commit(struct scon_config *cfg, bool flush)
{
	scon_config_publish(cfg);
	if (flush)
		scon_flows_flush(SCON_CTR_INV_FLUSH);

	return scon_devices_sync();
}

static bool scon_only_enabled(const struct genl_info *info)
{
	int i;

	for (i = 1; i <= SCON_A_MAX; i++) {
		if (info->attrs[i] && i != SCON_A_ENABLED)
			return false;
	}

	return true;
}

static int scon_cmd_set_config(struct sk_buff *skb, struct genl_info *info)
{
	struct scon_config *cfg;
	int err;

	rtnl_lock();
	cfg = scon_config_copy();
	if (!cfg) {
		err = -ENOMEM;
		goto out;
	}

	err = scon_parse_config(cfg, info);
	if (err) {
		kfree(cfg);
		goto out;
	}

	err = scon_commit(cfg, !scon_only_enabled(info));
out:
	rtnl_unlock();
	return err;
}

static int scon_add_name(char names[][IFNAMSIZ], unsigned int *n,
			 const char *name, struct genl_info *info)
{
	if (scon_find_name(names, *n, name) >= 0)
		return 0;

	if (*n == SCON_MAX_DEVICES) {
		GENL_SET_ERR_MSG(info, "too many devices attached (at most 32)");
		return -E2BIG;
	}

	strscpy(names[(*n)++], name, IFNAMSIZ);
	return 0;
}

static bool scon_del_name(char names[][IFNAMSIZ], unsigned int *n,
			  const char *name)
{
	int i = scon_find_name(names, *n, name);

	if (i < 0)
		return false;

	memmove(names[i], names[i + 1], (*n - i - 1) * IFNAMSIZ);
	(*n)--;
	return true;
}

static int scon_cmd_attach(struct sk_buff *skb, struct genl_info *info)
{
	struct scon_config *cfg;
	struct net_device *dev;
	char name[IFNAMSIZ];
	int err;

	if (GENL_REQ_ATTR_CHECK(info, SCON_A_NAME))
		return -EINVAL;
	nla_strscpy(name, info->attrs[SCON_A_NAME], IFNAMSIZ);

	rtnl_lock();
	dev = __dev_get_by_name(&init_net, name);
	if (!dev) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[SCON_A_NAME],
				    "no such device");
		err = -ENODEV;
		goto out;
	}

	cfg = scon_config_copy();
	if (!cfg) {
		err = -ENOMEM;
		goto out;
	}

	/* The device's kind now decides its role, whatever it was listed as. */
	if (netif_is_bridge_master(dev)) {
		scon_del_name(cfg->uplinks, &cfg->n_uplinks, name);
		err = scon_add_name(cfg->bridges, &cfg->n_bridges, name, info);
	} else {
		scon_del_name(cfg->bridges, &cfg->n_bridges, name);
		err = scon_add_name(cfg->uplinks, &cfg->n_uplinks, name, info);
	}
	if (err) {
		kfree(cfg);
		goto out;
	}

	err = scon_commit(cfg, false);
out:
	rtnl_unlock();
	return err;
}

static int scon_cmd_detach(struct sk_buff *skb, struct genl_info *info)
{
	struct scon_config *cfg;
	char name[IFNAMSIZ];
	bool found;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, SCON_A_NAME))
		return -EINVAL;
	nla_strscpy(name, info->attrs[SCON_A_NAME], IFNAMSIZ);

	rtnl_lock();
	cfg = scon_config_copy();
	if (!cfg) {
		err = -ENOMEM;
		goto out;
	}

	found = scon_del_name(cfg->bridges, &cfg->n_bridges, name);
	found = scon_del_name(cfg->uplinks, &cfg->n_uplinks, name) || found;
	if (!found) {
		kfree(cfg);
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[SCON_A_NAME],
				    "device is not attached");
		err = -ENOENT;
		goto out;
	}

	err = scon_commit(cfg, false);
out:
	rtnl_unlock();
	return err;
}

static int scon_cmd_flush(struct sk_buff *skb, struct genl_info *info)
{
	scon_flows_flush(SCON_CTR_INV_FLUSH);
	return 0;
}

static int scon_put_names(struct sk_buff *msg, int type,
			  char names[][IFNAMSIZ], unsigned int n)
{
	struct nlattr *nest = nla_nest_start(msg, type);
	unsigned int i;

	if (!nest)
		return -EMSGSIZE;

	for (i = 0; i < n; i++) {
		if (nla_put_string(msg, SCON_A_NAME, names[i]))
			return -EMSGSIZE;
	}

	nla_nest_end(msg, nest);
	return 0;
}

static int scon_put_exclude(struct sk_buff *msg, const struct scon_exclude *ex)
{
	struct nlattr *nest = nla_nest_start(msg, SCON_A_EXCLUDE);

	if (!nest ||
	    nla_put_be32(msg, SCON_EXCL_A_ADDR, ex->addr) ||
	    nla_put_u8(msg, SCON_EXCL_A_PREFIX, inet_mask_len(ex->mask)) ||
	    nla_put_u16(msg, SCON_EXCL_A_PORT, ex->port) ||
	    nla_put_u8(msg, SCON_EXCL_A_PROTO, ex->proto))
		return -EMSGSIZE;

	nla_nest_end(msg, nest);
	return 0;
}

static int scon_put_excludes(struct sk_buff *msg, const struct scon_config *cfg)
{
	struct nlattr *nest = nla_nest_start(msg, SCON_A_EXCLUDES);
	unsigned int i;

	if (!nest)
		return -EMSGSIZE;

	for (i = 0; i < cfg->n_excludes; i++) {
		if (scon_put_exclude(msg, &cfg->excludes[i]))
			return -EMSGSIZE;
	}

	nla_nest_end(msg, nest);
	return 0;
}

/*
 * Counters are 8-byte values without alignment padding: the nest's
 * attribute numbers all belong to counters.
 */
static int scon_put_counters(struct sk_buff *msg)
{
	struct nlattr *nest = nla_nest_start(msg, SCON_A_COUNTERS);
	int i;

	if (!nest)
		return -EMSGSIZE;

	for (i = 0; i < __SCON_CTR_MAX; i++) {
		u64 value = scon_counter_sum(i);

		if (nla_put(msg, i + 1, sizeof(value), &value))
			return -EMSGSIZE;
	}

	nla_nest_end(msg, nest);
	return 0;
}

static int scon_put_config(struct sk_buff *msg, struct scon_config *cfg)
{
	if (nla_put_u8(msg, SCON_A_ENABLED, cfg->enabled) ||
	    nla_put_u32(msg, SCON_A_MAX_FLOWS, cfg->max_flows) ||
	    nla_put_u32(msg, SCON_A_REVALIDATE_MS, cfg->revalidate_ms) ||
	    nla_put_u32(msg, SCON_A_IDLE_TIMEOUT_MS, cfg->idle_timeout_ms) ||
	    nla_put_u32(msg, SCON_A_PROTOCOLS, cfg->protocols))
		return -EMSGSIZE;

	if (scon_put_names(msg, SCON_A_BRIDGES, cfg->bridges, cfg->n_bridges) ||
	    scon_put_names(msg, SCON_A_UPLINKS, cfg->uplinks, cfg->n_uplinks))
		return -EMSGSIZE;

	return scon_put_excludes(msg, cfg);
}

static int scon_fill_status(struct sk_buff *msg, struct genl_info *info)
{
	void *hdr;

	hdr = genlmsg_put_reply(msg, info, &scon_family, 0, SCON_CMD_GET_STATUS);
	if (!hdr)
		return -EMSGSIZE;

	if (nla_put_string(msg, SCON_A_VERSION, SCON_VERSION) ||
	    nla_put_u32(msg, SCON_A_PROTO_VERSION, SCON_GENL_VERSION) ||
	    nla_put_u32(msg, SCON_A_FLOW_COUNT, scon_flow_count()) ||
	    scon_put_config(msg, (struct scon_config *)scon_config_rtnl()) ||
	    scon_devices_fill(msg) || scon_put_counters(msg)) {
		genlmsg_cancel(msg, hdr);
		return -EMSGSIZE;
	}

	genlmsg_end(msg, hdr);
	return 0;
}

/*
 * The status reply grows with the configuration and with every attached
 * port: a few hundred bridge ports outgrow NLMSG_GOODSIZE. It is built
 * again in a buffer twice as large until it fits, up to what the u16
 * length of the devices nest can describe.
 */
#define SCON_STATUS_MAX_SIZE	(U16_MAX - 4096)

static int scon_cmd_get_status(struct sk_buff *skb, struct genl_info *info)
{
	size_t size = NLMSG_GOODSIZE;
	struct sk_buff *msg;
	int err;

	for (;;) {
		msg = genlmsg_new(size, GFP_KERNEL);
		if (!msg)
			return -ENOMEM;

		rtnl_lock();
		err = scon_fill_status(msg, info);
		rtnl_unlock();
		if (!err)
			return genlmsg_reply(msg, info);

		nlmsg_free(msg);
		if (err != -EMSGSIZE || size >= SCON_STATUS_MAX_SIZE)
			return err;
		size = min_t(size_t, size * 2, SCON_STATUS_MAX_SIZE);
	}
}

static const char *scon_ifname(int ifindex)
{
	struct net_device *dev = dev_get_by_index_rcu(&init_net, ifindex);

	return dev ? dev->name : "";
}

static int scon_put_tuples(struct sk_buff *msg, const struct scon_flow *flow,
			   const struct scon_dir *d)
{
	const struct nf_conntrack_tuple *back;

	back = &flow->ct->tuplehash[!d->dir].tuple;
	return nla_put_u8(msg, SCON_FLOW_A_PROTO, d->key.proto) ||
	       nla_put_be32(msg, SCON_FLOW_A_SRC, d->key.saddr) ||
	       nla_put_be32(msg, SCON_FLOW_A_DST, d->key.daddr) ||
	       nla_put_be16(msg, SCON_FLOW_A_SPORT, d->key.sport) ||
	       nla_put_be16(msg, SCON_FLOW_A_DPORT, d->key.dport) ||
	       nla_put_be32(msg, SCON_FLOW_A_NAT_SRC, back->dst.u3.ip) ||
	       nla_put_be32(msg, SCON_FLOW_A_NAT_DST, back->src.u3.ip) ||
	       nla_put_be16(msg, SCON_FLOW_A_NAT_SPORT, back->dst.u.all) ||
	       nla_put_be16(msg, SCON_FLOW_A_NAT_DPORT, back->src.u.all);
}

static u32 scon_dir_flags(const struct scon_flow *flow,
			  const struct scon_dir *d,
			  const struct scon_route *route)
{
	u32 flags = 0;

	if (route && (route->flags & SCON_ROUTE_ROUTED))
		flags |= SCON_FLOW_F_ROUTED;
	if (scon_flow_ready(flow))
		flags |= SCON_FLOW_F_READY;
	if (test_bit(SCON_DIR_STALE, &d->state))
		flags |= SCON_FLOW_F_STALE;

	return flags;
}

static int scon_put_route(struct sk_buff *msg, const struct scon_route *route)
{
	if (!route)
		return 0;

	return nla_put_u32(msg, SCON_FLOW_A_OUT_IFINDEX, route->out_dev->ifindex) ||
	       nla_put_string(msg, SCON_FLOW_A_OUT_DEV, route->out_dev->name) ||
	       nla_put_u32(msg, SCON_FLOW_A_MTU, route->mtu) ||
	       nla_put(msg, SCON_FLOW_A_DST_MAC, ETH_ALEN, route->l2);
}

static int scon_put_flow(struct sk_buff *msg, const struct scon_dir *d)
{
	const struct scon_flow *flow = scon_dir_flow((struct scon_dir *)d);
	const struct scon_route *route = rcu_dereference(d->route);
	unsigned long now = jiffies;
	struct nlattr *nest;

	nest = nla_nest_start(msg, SCON_A_FLOW);
	if (!nest)
		return -EMSGSIZE;

	if (scon_put_tuples(msg, flow, d) ||
	    nla_put_u8(msg, SCON_FLOW_A_DIR, d->dir) ||
	    nla_put_u32(msg, SCON_FLOW_A_IN_IFINDEX, READ_ONCE(d->in_ifindex)) ||
	    nla_put_string(msg, SCON_FLOW_A_IN_DEV, scon_ifname(d->in_ifindex)) ||
	    scon_put_route(msg, route) ||
	    nla_put_u64_64bit(msg, SCON_FLOW_A_PACKETS, READ_ONCE(d->packets),
			      SCON_FLOW_A_PAD) ||
	    nla_put_u64_64bit(msg, SCON_FLOW_A_BYTES, READ_ONCE(d->bytes),
			      SCON_FLOW_A_PAD) ||
	    nla_put_u64_64bit(msg, SCON_FLOW_A_AGE_MS,
			      jiffies_to_msecs(now - flow->created),
			      SCON_FLOW_A_PAD) ||
	    nla_put_u64_64bit(msg, SCON_FLOW_A_IDLE_MS,
			      jiffies_to_msecs(now - READ_ONCE(flow->last_used)),
			      SCON_FLOW_A_PAD) ||
	    nla_put_u32(msg, SCON_FLOW_A_FLAGS, scon_dir_flags(flow, d, route)))
		return -EMSGSIZE;

	nla_nest_end(msg, nest);
	return 0;
}

static int scon_dump_one(struct sk_buff *skb, struct netlink_callback *cb,
			 const struct scon_dir *d)
{
	void *hdr;

	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &scon_family, NLM_F_MULTI, SCON_CMD_GET_FLOWS);
	if (!hdr)
		return -EMSGSIZE;

	if (scon_put_flow(skb, d)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}

	genlmsg_end(skb, hdr);
	return 0;
}

static int scon_flows_start(struct netlink_callback *cb)
{
	struct rhashtable_iter *iter = kmalloc(sizeof(*iter), GFP_KERNEL);

	if (!iter)
		return -ENOMEM;

	rhashtable_walk_enter(scon_flow_table(), iter);
	cb->args[0] = (long)iter;
	return 0;
}

/* Resumes where the last call stopped: peek returns the entry not sent. */
static int scon_flows_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct rhashtable_iter *iter = (struct rhashtable_iter *)cb->args[0];
	struct scon_dir *d;

	rhashtable_walk_start(iter);
	for (d = rhashtable_walk_peek(iter); d; d = rhashtable_walk_next(iter)) {
		if (IS_ERR(d)) {
			if (PTR_ERR(d) == -EAGAIN)
				continue;
			break;
		}
		if (scon_dump_one(skb, cb, d))
			break;
	}
	rhashtable_walk_stop(iter);

	return skb->len;
}

static int scon_flows_done(struct netlink_callback *cb)
{
	struct rhashtable_iter *iter = (struct rhashtable_iter *)cb->args[0];

	if (iter) {
		rhashtable_walk_exit(iter);
		kfree(iter);
	}
	return 0;
}

static const struct genl_ops scon_ops[] = {
	{
		.cmd	= SCON_CMD_GET_STATUS,
		.doit	= scon_cmd_get_status,
	},
	{
		.cmd	= SCON_CMD_SET_CONFIG,
		.doit	= scon_cmd_set_config,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd	= SCON_CMD_ATTACH,
		.doit	= scon_cmd_attach,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd	= SCON_CMD_DETACH,
		.doit	= scon_cmd_detach,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd	= SCON_CMD_FLUSH,
		.doit	= scon_cmd_flush,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd	= SCON_CMD_GET_FLOWS,
		.start	= scon_flows_start,
		.dumpit	= scon_flows_dump,
		.done	= scon_flows_done,
	},
};

static struct genl_family scon_family __ro_after_init = {
	.name		= SCON_GENL_NAME,
	.version	= SCON_GENL_VERSION,
	.maxattr	= SCON_A_MAX,
	.policy		= scon_policy,
	.netnsok	= false,
	.module		= THIS_MODULE,
	.ops		= scon_ops,
	.n_ops		= ARRAY_SIZE(scon_ops),
	SCON_GENL_RESV_START_OP(SCON_CMD_GET_FLOWS + 1)
};

int scon_netlink_init(void)
{
	return genl_register_family(&scon_family);
}

void scon_netlink_exit(void)
{
	genl_unregister_family(&scon_family);
}
