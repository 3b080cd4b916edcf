// SPDX-License-Identifier: GPL-2.0
/*
 * What compat.h cannot do inline for older kernels.
 *
 * Before 5.14 a module cannot ask a bridge for its ageing time, but the
 * bridge puts it into its rtnetlink link info. So scon reads that under
 * RTNL whenever a bridge appears or changes (a new ageing time, by
 * netlink or sysfs, raises NETDEV_CHANGE), and keeps it by ifindex for the
 * learn path, which runs in softirq and must not build netlink messages.
 */
#include <linux/rtnetlink.h>
#include <linux/xarray.h>
#include <net/rtnetlink.h>

#include "scon.h"

#if LINUX_VERSION_CODE < KERNEL_VERSION(5, 14, 0)

#define SCON_BRIDGE_DEFAULT_AGEING	(300 * HZ)

static DEFINE_XARRAY(scon_bridge_ageings);

static void scon_bridge_ageing_read(struct net_device *bridge)
{
	const struct rtnl_link_ops *ops = bridge->rtnl_link_ops;
	struct sk_buff *skb;
	struct nlattr *attr;

	if (!ops || !ops->get_size || !ops->fill_info)
		return;

	skb = alloc_skb(ops->get_size(bridge), GFP_KERNEL);
	if (!skb)
		return;

	attr = NULL;
	if (!ops->fill_info(skb, bridge))
		attr = nla_find((struct nlattr *)skb->data, skb->len,
				IFLA_BR_AGEING_TIME);
	if (attr && nla_len(attr) == sizeof(u32))
		xa_store(&scon_bridge_ageings, bridge->ifindex,
			 xa_mk_value(clock_t_to_jiffies(nla_get_u32(attr))),
			 GFP_KERNEL);
	kfree_skb(skb);
}

void scon_bridge_ageing_event(struct net_device *dev, unsigned long event)
{
	ASSERT_RTNL();

	if (!netif_is_bridge_master(dev))
		return;

	switch (event) {
	case NETDEV_REGISTER:
	case NETDEV_UP:
	case NETDEV_CHANGE:
		scon_bridge_ageing_read(dev);
		break;
	case NETDEV_UNREGISTER:
		xa_erase(&scon_bridge_ageings, dev->ifindex);
		break;
	}
}

/* Any context; a bridge never read takes the bridge default. */
unsigned long scon_bridge_ageing(const struct net_device *bridge)
{
	void *entry = xa_load(&scon_bridge_ageings, bridge->ifindex);

	return entry ? xa_to_value(entry) : SCON_BRIDGE_DEFAULT_AGEING;
}

void scon_bridge_ageing_exit(void)
{
	xa_destroy(&scon_bridge_ageings);
}

#endif
