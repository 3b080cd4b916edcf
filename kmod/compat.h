/* SPDX-License-Identifier: GPL-2.0 */
/*
 * scon: every difference between the kernels scon supports (Debian's 5.10,
 * 6.1 and 6.12 are tested; Raspberry Pi OS and Jetson Linux run 5.10 to
 * 6.12) lives here. Each branch names the release its interface appeared
 * in, so that a branch can go once that release is the oldest supported.
 * The rest of the module is written against the newest interfaces.
 */
#ifndef _SCON_COMPAT_H
#define _SCON_COMPAT_H

#include <linux/if_bridge.h>
#include <linux/jiffies.h>
#include <linux/skbuff.h>
#include <linux/version.h>
#include <net/genetlink.h>
#include <net/netlink.h>

/* 6.5 moved the GSO helpers out of skbuff.h into a header of their own. */
#if __has_include(<net/gso.h>)
#include <net/gso.h>
#endif

/* 5.18: skb_clear_tstamp() also clears the mono delivery time flag. */
#if LINUX_VERSION_CODE < KERNEL_VERSION(5, 18, 0)
static inline void skb_clear_tstamp(struct sk_buff *skb)
{
	skb->tstamp = 0;
}
#endif

/* 5.11 renamed nla_strlcpy() to nla_strscpy(). */
#if LINUX_VERSION_CODE < KERNEL_VERSION(5, 11, 0)
#define nla_strscpy nla_strlcpy
#endif

/*
 * 6.1 validates big-endian attributes by type; before, a 4-byte integer
 * policy checks the same length, and the value is read as __be32 anyway.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 1, 0)
#define SCON_NLA_BE32 NLA_U32
#else
#define SCON_NLA_BE32 NLA_BE32
#endif

/*
 * 6.0: GENL_REQ_ATTR_CHECK() reports a missing attribute by type in the
 * extended ack. Before, the same refusal says it in words.
 */
#ifndef GENL_REQ_ATTR_CHECK
#define GENL_REQ_ATTR_CHECK(info, attr)					\
	({								\
		bool __missing = !(info)->attrs[attr];			\
		if (__missing)						\
			NL_SET_ERR_MSG((info)->extack,			\
				       "required attribute " #attr " missing"); \
		__missing;						\
	})
#endif

/*
 * 6.1: resv_start_op makes the core refuse unknown commands and nonzero
 * reserved header bytes. Before, every scon operation validates strictly
 * already and the core answers an unknown command with EOPNOTSUPP.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 1, 0)
#define SCON_GENL_RESV_START_OP(op) .resv_start_op = (op),
#else
#define SCON_GENL_RESV_START_OP(op)
#endif

/*
 * The bridge's ageing time in jiffies. 5.14 exported br_get_ageing_time();
 * before, compat.c reads it from the bridge's link info whenever the
 * netdevice notifier reports a bridge appearing or changing.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(5, 14, 0)
static inline unsigned long scon_bridge_ageing(const struct net_device *bridge)
{
	return clock_t_to_jiffies(br_get_ageing_time(bridge));
}

static inline void scon_bridge_ageing_event(struct net_device *dev,
					    unsigned long event)
{
}

static inline void scon_bridge_ageing_exit(void)
{
}
#else
unsigned long scon_bridge_ageing(const struct net_device *bridge);
void scon_bridge_ageing_event(struct net_device *dev, unsigned long event);
void scon_bridge_ageing_exit(void);
#endif

#endif /* _SCON_COMPAT_H */
