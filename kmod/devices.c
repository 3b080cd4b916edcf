// SPDX-License-Identifier: GPL-2.0
/*
 * Attached devices and the events that invalidate cached decisions.
 *
 * The express path runs on the ingress of every port of a configured
 * bridge and of every configured uplink. Which devices those are is
 * recomputed from the configuration (scon_devices_sync) whenever it or a
 * device changes; all of it under RTNL. The express path itself never
 * reads the list: it looks ports up in an RCU-safe xarray by ifindex.
 *
 * Link events drop the flows that use a device at once. Route, rule and
 * address changes move rt_genid; neighbour changes, and a bridge learning,
 * moving or forgetting a station, each move a generation number of their
 * own. A flow learned under older numbers goes back to the normal path for
 * renewal with its next packet.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hash.h>
#include <linux/if_arp.h>
#include <linux/netfilter.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <linux/xarray.h>
#include <net/arp.h>
#include <net/netevent.h>
#include <net/genetlink.h>
#include <net/switchdev.h>

#include "scon.h"

struct scon_port {
	struct list_head list;
	struct net_device *dev;		/* holds a reference */
	struct nf_hook_ops ops;
	u8 role;			/* enum scon_dev_role */
	bool wanted;			/* still wanted by this sync */
	char master[IFNAMSIZ];
};

static LIST_HEAD(scon_ports);
static DEFINE_XARRAY(scon_port_index);

#define SCON_NEIGH_GEN_BITS	8
static atomic_t scon_neigh_gens[1 << SCON_NEIGH_GEN_BITS];

static u32 scon_neigh_slot(int ifindex, __be32 addr)
{
	return hash_32((__force u32)addr ^ (u32)ifindex, SCON_NEIGH_GEN_BITS);
}

u32 scon_neigh_gen(int ifindex, __be32 addr)
{
	return atomic_read(&scon_neigh_gens[scon_neigh_slot(ifindex, addr)]);
}

/*
 * Bridge forwarding entries, by station MAC. The bridge tells its
 * forwarding table's changes through the switchdev notifiers, which
 * kernels without CONFIG_NET_SWITCHDEV lack: there only the revalidation
 * interval catches a station that moved to another port.
 */
#define SCON_FDB_GEN_BITS	8
static atomic_t scon_fdb_gens[1 << SCON_FDB_GEN_BITS];

static u32 scon_fdb_slot(const u8 *mac)
{
	u32 low = get_unaligned((const u32 *)(mac + 2));

	return hash_32(low ^ get_unaligned((const u16 *)mac), SCON_FDB_GEN_BITS);
}

u32 scon_fdb_gen(const u8 *mac)
{
	return atomic_read(&scon_fdb_gens[scon_fdb_slot(mac)]);
}

bool scon_device_attached(const struct net_device *dev)
{
	return xa_load(&scon_port_index, dev->ifindex) != NULL;
}

static int scon_port_attach(struct net_device *dev, u8 role,
			    const char *master)
{
	struct scon_port *port;
	int err;

	port = kzalloc(sizeof(*port), GFP_KERNEL);
	if (!port)
		return -ENOMEM;

	port->dev = dev;
	port->role = role;
	port->wanted = true;
	strscpy(port->master, master, IFNAMSIZ);
	port->ops.hook = scon_express_hook;
	port->ops.pf = NFPROTO_NETDEV;
	port->ops.hooknum = NF_NETDEV_INGRESS;
	/* Last: the administrator's own ingress filters see every packet. */
	port->ops.priority = INT_MAX;
	port->ops.dev = dev;

	err = xa_insert(&scon_port_index, dev->ifindex, port, GFP_KERNEL);
	if (err)
		goto err_free;

	err = nf_register_net_hook(dev_net(dev), &port->ops);
	if (err)
		goto err_index;

	dev_hold(dev);
	list_add(&port->list, &scon_ports);
	pr_debug("attached %s\n", dev->name);
	return 0;

err_index:
	xa_erase(&scon_port_index, dev->ifindex);
err_free:
	kfree(port);
	return err;
}

static void scon_port_detach(struct scon_port *port)
{
	ASSERT_RTNL();

	nf_unregister_net_hook(dev_net(port->dev), &port->ops);
	xa_erase(&scon_port_index, port->dev->ifindex);
	list_del(&port->list);
	scon_flows_remove_dev(port->dev);
	pr_debug("detached %s\n", port->dev->name);
	dev_put(port->dev);
	kfree(port);
}

static int scon_want(struct net_device *dev, u8 role, const char *master)
{
	struct scon_port *port;

	if (dev->reg_state != NETREG_REGISTERED || dev->type != ARPHRD_ETHER)
		return 0;

	port = xa_load(&scon_port_index, dev->ifindex);
	if (port) {
		port->wanted = true;
		port->role = role;
		strscpy(port->master, master, IFNAMSIZ);
		return 0;
	}

	return scon_port_attach(dev, role, master);
}

static int scon_want_bridge(const char *name)
{
	struct net_device *br = __dev_get_by_name(&init_net, name);
	struct net_device *lower;
	struct list_head *iter;
	int err = 0;

	if (!br || !netif_is_bridge_master(br) ||
	    br->reg_state != NETREG_REGISTERED)
		return 0;

	netdev_for_each_lower_dev(br, lower, iter)
		err = scon_want(lower, SCON_ROLE_BRIDGE_PORT, br->name) ?: err;

	return err;
}

static int scon_want_uplink(const char *name)
{
	struct net_device *dev = __dev_get_by_name(&init_net, name);

	return dev ? scon_want(dev, SCON_ROLE_UPLINK, "") : 0;
}

/*
 * Attaches to what the configuration names and detaches from the rest.
 * Returns the first attach error; the other devices are still handled.
 */
int scon_devices_sync(void)
{
	const struct scon_config *cfg = scon_config_rtnl();
	struct scon_port *port, *next;
	unsigned int i;
	int err = 0;

	ASSERT_RTNL();

	list_for_each_entry(port, &scon_ports, list)
		port->wanted = false;

	for (i = 0; i < cfg->n_bridges; i++)
		err = scon_want_bridge(cfg->bridges[i]) ?: err;
	for (i = 0; i < cfg->n_uplinks; i++)
		err = scon_want_uplink(cfg->uplinks[i]) ?: err;

	list_for_each_entry_safe(port, next, &scon_ports, list) {
		if (!port->wanted)
			scon_port_detach(port);
	}

	return err;
}

static int scon_fill_port(struct sk_buff *msg, const struct scon_port *port)
{
	struct nlattr *nest = nla_nest_start(msg, SCON_A_DEVICE);

	if (!nest)
		return -EMSGSIZE;

	if (nla_put_u32(msg, SCON_DEV_A_IFINDEX, port->dev->ifindex) ||
	    nla_put_string(msg, SCON_DEV_A_NAME, port->dev->name) ||
	    nla_put_u8(msg, SCON_DEV_A_ROLE, port->role) ||
	    (port->master[0] &&
	     nla_put_string(msg, SCON_DEV_A_MASTER, port->master))) {
		nla_nest_cancel(msg, nest);
		return -EMSGSIZE;
	}

	nla_nest_end(msg, nest);
	return 0;
}

/* Puts SCON_A_DEVICES into @msg. Called under RTNL. */
int scon_devices_fill(struct sk_buff *msg)
{
	const struct scon_port *port;
	struct nlattr *nest;

	nest = nla_nest_start(msg, SCON_A_DEVICES);
	if (!nest)
		return -EMSGSIZE;

	list_for_each_entry(port, &scon_ports, list) {
		if (scon_fill_port(msg, port)) {
			nla_nest_cancel(msg, nest);
			return -EMSGSIZE;
		}
	}

	nla_nest_end(msg, nest);
	return 0;
}

static bool scon_event_invalidates(unsigned long event)
{
	switch (event) {
	case NETDEV_DOWN:
	case NETDEV_CHANGE:
	case NETDEV_CHANGEMTU:
	case NETDEV_CHANGEADDR:
	case NETDEV_CHANGEUPPER:
	case NETDEV_UNREGISTER:
		return true;
	default:
		return false;
	}
}

static bool scon_event_resyncs(unsigned long event)
{
	switch (event) {
	case NETDEV_REGISTER:
	case NETDEV_UNREGISTER:
	case NETDEV_CHANGENAME:
	case NETDEV_CHANGEUPPER:
		return true;
	default:
		return false;
	}
}

static int scon_netdev_event(struct notifier_block *nb, unsigned long event,
			     void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);

	if (!net_eq(dev_net(dev), &init_net))
		return NOTIFY_DONE;

	scon_bridge_ageing_event(dev, event);
	if (scon_event_invalidates(event))
		scon_flows_remove_dev(dev);
	if (scon_event_resyncs(event))
		scon_devices_sync();

	return NOTIFY_DONE;
}

/* Runs in atomic context: only moves a generation number. */
static int scon_netevent(struct notifier_block *nb, unsigned long event,
			 void *ptr)
{
	struct neighbour *n = ptr;

	if (event != NETEVENT_NEIGH_UPDATE || n->tbl != &arp_tbl)
		return NOTIFY_DONE;

	atomic_inc(&scon_neigh_gens[scon_neigh_slot(n->dev->ifindex,
						    *(__be32 *)n->primary_key)]);
	return NOTIFY_DONE;
}

/* Atomic context, like the neighbour events. */
static int scon_switchdev_event(struct notifier_block *nb,
				unsigned long event, void *ptr)
{
	const struct switchdev_notifier_fdb_info *fdb = ptr;

	if (event != SWITCHDEV_FDB_ADD_TO_DEVICE &&
	    event != SWITCHDEV_FDB_DEL_TO_DEVICE)
		return NOTIFY_DONE;

	atomic_inc(&scon_fdb_gens[scon_fdb_slot(fdb->addr)]);
	return NOTIFY_DONE;
}

static struct notifier_block scon_netdev_nb = {
	.notifier_call = scon_netdev_event,
};

static struct notifier_block scon_netevent_nb = {
	.notifier_call = scon_netevent,
};

static struct notifier_block scon_switchdev_nb = {
	.notifier_call = scon_switchdev_event,
};

int scon_devices_init(void)
{
	int err;

	err = register_netevent_notifier(&scon_netevent_nb);
	if (err)
		return err;

	err = register_switchdev_notifier(&scon_switchdev_nb);
	if (err)
		goto err_netevent;

	/* Replays REGISTER for existing devices: attaches what is there. */
	err = register_netdevice_notifier(&scon_netdev_nb);
	if (err)
		goto err_switchdev;

	return 0;

err_switchdev:
	unregister_switchdev_notifier(&scon_switchdev_nb);
err_netevent:
	unregister_netevent_notifier(&scon_netevent_nb);
	return err;
}

void scon_devices_exit(void)
{
	struct scon_port *port, *next;

	unregister_netdevice_notifier(&scon_netdev_nb);
	unregister_switchdev_notifier(&scon_switchdev_nb);
	unregister_netevent_notifier(&scon_netevent_nb);
	scon_bridge_ageing_exit();

	rtnl_lock();
	list_for_each_entry_safe(port, next, &scon_ports, list)
		scon_port_detach(port);
	rtnl_unlock();
}
