// SPDX-License-Identifier: GPL-2.0
/*
 * scon: an express path for container traffic.
 *
 * Only orders start-up and tear-down. Tear-down runs in reverse: first no
 * more requests, then no more packets on the express path or the learning
 * hooks, then the flows and what they hold go.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <net/genetlink.h>

#include "scon.h"

static int __init scon_init(void)
{
	int err;

	err = scon_stats_init();
	if (err)
		return err;
	err = scon_config_init();
	if (err)
		goto err_stats;
	err = scon_routes_init();
	if (err)
		goto err_config;
	err = scon_flows_init();
	if (err)
		goto err_routes;
	err = scon_learn_init();
	if (err)
		goto err_flows;
	err = scon_devices_init();
	if (err)
		goto err_learn;
	err = scon_netlink_init();
	if (err)
		goto err_devices;

	pr_info("express path %s loaded\n", SCON_VERSION);
	return 0;

err_devices:
	scon_devices_exit();
err_learn:
	scon_learn_exit();
err_flows:
	scon_flows_exit();
err_routes:
	scon_routes_exit();
err_config:
	scon_config_exit();
err_stats:
	scon_stats_exit();
	return err;
}

static void __exit scon_exit(void)
{
	scon_netlink_exit();
	scon_devices_exit();
	scon_learn_exit();
	scon_flows_exit();
	scon_routes_exit();
	scon_config_exit();
	scon_stats_exit();
	pr_info("unloaded\n");
}

module_init(scon_init);
module_exit(scon_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Express path for container networking");
MODULE_VERSION(SCON_VERSION);
MODULE_ALIAS_GENL_FAMILY(SCON_GENL_NAME);
MODULE_SOFTDEP("pre: nf_conntrack");
