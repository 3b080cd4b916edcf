// SPDX-License-Identifier: GPL-2.0
/*
 * Learning: watch forwarded packets as they leave, after every netfilter
 * hook has accepted them and NAT has rewritten them, and record for their
 * conntrack direction what the kernel did: output device (for a bridge,
 * the port), link-layer header, MTU, whether the packet was routed.
 *
 * Three ways out, three places to look:
 * - routed out of an ordinary device: IPv4 POST_ROUTING has it all;
 * - routed into a bridge: IPv4 POST_ROUTING knows the route, the bridge's
 *   own POST_ROUTING right after it (same CPU, same skb) knows the port;
 * - bridged with br_netfilter: IPv4 POST_ROUTING, called by br_netfilter,
 *   sees the port as physoutdev and the frame's own header.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/etherdevice.h>
#include <linux/if_arp.h>
#include <linux/if_bridge.h>
#include <linux/if_vlan.h>
#include <linux/netfilter_bridge.h>
#include <linux/netfilter_ipv4.h>
#include <net/arp.h>
#include <net/ip.h>
#include <net/netfilter/nf_conntrack_helper.h>
#include <net/netfilter/nf_conntrack_zones.h>
#include <net/route.h>
#include <net/xfrm.h>

#include "scon.h"

/* A packet routed into a bridge, waiting for the bridge to pick a port. */
struct scon_pending {
	const struct sk_buff *skb;
	struct nf_conn *ct;
	u8 dir;
	u16 mtu;
	int via_ifindex;
	__be32 nexthop;
	u32 neigh_gen;
	int rt_genid;
};

static DEFINE_PER_CPU(struct scon_pending, scon_pending);

static bool scon_proto_enabled(const struct scon_config *cfg, u8 proto)
{
	if (proto == IPPROTO_TCP)
		return cfg->protocols & SCON_PROTO_TCP;
	if (proto == IPPROTO_UDP)
		return cfg->protocols & SCON_PROTO_UDP;
	return false;
}

static bool scon_ct_learnable(const struct nf_conn *ct,
			      const struct scon_config *cfg)
{
	if (!nf_ct_is_confirmed(ct) || nf_ct_is_dying(ct) ||
	    !test_bit(IPS_SEEN_REPLY_BIT, &ct->status))
		return false;
	if (nf_ct_l3num(ct) != NFPROTO_IPV4 ||
	    !scon_proto_enabled(cfg, nf_ct_protonum(ct)))
		return false;
	if (nf_ct_zone_id(nf_ct_zone(ct), IP_CT_DIR_ORIGINAL) !=
	    NF_CT_DEFAULT_ZONE_ID)
		return false;

	/* A helper must see every packet, and so must what it expects. */
	if (nfct_help(ct) || ct->master) {
		scon_count(SCON_CTR_SKIP_HELPER);
		return false;
	}
	if (scon_config_excludes(cfg, ct)) {
		scon_count(SCON_CTR_SKIP_EXCLUDED);
		return false;
	}

	return true;
}

static bool scon_skb_learnable(const struct sk_buff *skb)
{
	const struct iphdr *iph = ip_hdr(skb);

	if (iph->ihl != 5 || ip_is_fragment(iph) || skb_vlan_tag_present(skb))
		return false;

	if (skb_sec_path(skb) || (skb_dst(skb) && dst_xfrm(skb_dst(skb)))) {
		scon_count(SCON_CTR_SKIP_XFRM);
		return false;
	}

	return true;
}

static u8 scon_nat_flags(const struct nf_conn *ct, u8 dir)
{
	const struct nf_conntrack_tuple *in = &ct->tuplehash[dir].tuple;
	const struct nf_conntrack_tuple *back = &ct->tuplehash[!dir].tuple;
	u8 flags = 0;

	if (in->src.u3.ip != back->dst.u3.ip || in->src.u.all != back->dst.u.all)
		flags |= SCON_ROUTE_SNAT;
	if (in->dst.u3.ip != back->src.u3.ip || in->dst.u.all != back->src.u.all)
		flags |= SCON_ROUTE_DNAT;

	return flags;
}

/*
 * Records @tmpl as direction @dir's decision. A renewal that finds the
 * same decision only moves the validation time.
 */
static void scon_learn_commit(struct nf_conn *ct, u8 dir,
			      const struct scon_route *tmpl,
			      const struct scon_config *cfg)
{
	struct scon_route *old, *route;
	struct scon_flow *flow;

	flow = scon_flow_find_or_create(ct, cfg);
	if (!flow)
		return;

	WRITE_ONCE(flow->d[!dir].in_ifindex, tmpl->out_dev->ifindex);

	old = rcu_dereference(flow->d[dir].route);
	if (old && !memcmp(old, tmpl, SCON_ROUTE_KEY_LEN)) {
		scon_flow_renewed(flow, dir);
		scon_count(SCON_CTR_FLOWS_RENEWED);
		return;
	}

	route = scon_route_get(tmpl);
	if (!route)
		return;

	scon_flow_set_route(flow, dir, route);
	if (old)
		scon_count(SCON_CTR_FLOWS_RENEWED);
	if (scon_flow_ready(flow) &&
	    !test_and_set_bit(SCON_FLOW_COUNTED, &flow->flags))
		scon_count(SCON_CTR_FLOWS_LEARNED);
}

/* Starts a route template: zeroed whole, since it is hashed whole. */
static void scon_route_init(struct scon_route *tmpl, struct net_device *out,
			    u16 mtu, u8 flags)
{
	memset(tmpl, 0, SCON_ROUTE_KEY_LEN);
	tmpl->out_dev = out;
	tmpl->mtu = mtu;
	tmpl->flags = flags;
}

static bool scon_ether_dev(const struct net_device *dev)
{
	return dev->type == ARPHRD_ETHER && dev->hard_header_len == ETH_HLEN &&
	       scon_device_attached(dev);
}

/* Routed out of an ordinary Ethernet device: the neighbour gives the MAC. */
static void scon_learn_routed(struct sk_buff *skb, struct nf_conn *ct, u8 dir,
			      struct net_device *out,
			      const struct scon_config *cfg)
{
	struct rtable *rt = skb_rtable(skb);
	struct scon_route tmpl;
	struct neighbour *neigh;
	__be32 nexthop;
	u16 mtu;

	if (!rt || !scon_ether_dev(out))
		return;

	nexthop = rt_nexthop(rt, ip_hdr(skb)->daddr);
	neigh = __ipv4_neigh_lookup_noref(out, (__force u32)nexthop);
	if (!neigh || !(READ_ONCE(neigh->nud_state) & NUD_VALID)) {
		scon_count(SCON_CTR_SKIP_NO_NEIGH);
		return;
	}

	mtu = min_t(unsigned int, ip_dst_mtu_maybe_forward(&rt->dst, true),
		    U16_MAX);
	scon_route_init(&tmpl, out, mtu,
			SCON_ROUTE_ROUTED | scon_nat_flags(ct, dir));
	neigh_ha_snapshot(tmpl.l2, neigh, out);
	ether_addr_copy(tmpl.l2 + ETH_ALEN, out->dev_addr);
	*(__be16 *)(tmpl.l2 + 2 * ETH_ALEN) = htons(ETH_P_IP);
	tmpl.neigh_ifindex = out->ifindex;
	tmpl.nexthop = nexthop;
	tmpl.neigh_gen = scon_neigh_gen(out->ifindex, nexthop);
	tmpl.rt_genid = rt_genid_ipv4(dev_net(out));
	scon_learn_commit(ct, dir, &tmpl, cfg);
}

/* Routed into a bridge: note the route, the bridge hook adds the port. */
static void scon_learn_to_bridge(struct sk_buff *skb, struct nf_conn *ct,
				 u8 dir, struct net_device *bridge)
{
	struct scon_pending *p = this_cpu_ptr(&scon_pending);
	struct rtable *rt = skb_rtable(skb);

	if (!rt)
		return;

	p->skb = skb;
	p->ct = ct;
	p->dir = dir;
	p->via_ifindex = bridge->ifindex;
	p->nexthop = rt_nexthop(rt, ip_hdr(skb)->daddr);
	p->neigh_gen = scon_neigh_gen(bridge->ifindex, p->nexthop);
	p->rt_genid = rt_genid_ipv4(dev_net(bridge));
	p->mtu = min_t(unsigned int, ip_dst_mtu_maybe_forward(&rt->dst, true),
		       U16_MAX);
}

/* The frame as the bridge will send it: a unicast Ethernet IPv4 frame. */
static bool scon_frame_usable(const struct sk_buff *skb)
{
	const struct ethhdr *eth;

	if (!skb_mac_header_was_set(skb) ||
	    skb_network_offset(skb) - skb_mac_offset(skb) < ETH_HLEN)
		return false;

	eth = eth_hdr(skb);
	return eth->h_proto == htons(ETH_P_IP) &&
	       is_valid_ether_addr(eth->h_dest);
}

/*
 * How often the other direction, whose frames come in through @port, must
 * take the normal path: the bridge learns a station only from frames it
 * sees, and forgets one it has not seen for its ageing time. Without
 * that the bridge floods the flow's next normal-path packet to every port.
 */
static u32 scon_fdb_refresh(struct net_device *port)
{
	struct net_device *bridge = netdev_master_upper_dev_get_rcu(port);

	if (!bridge || !netif_is_bridge_master(bridge))
		return 0;

	return min_t(unsigned long, scon_bridge_ageing(bridge) / 2, U32_MAX);
}

static bool scon_route_from_frame(struct scon_route *tmpl,
				  const struct sk_buff *skb,
				  struct net_device *port, u16 mtu, u8 flags)
{
	if (!scon_ether_dev(port) || !scon_frame_usable(skb))
		return false;

	scon_route_init(tmpl, port, min_t(u16, mtu, port->mtu), flags);
	memcpy(tmpl->l2, eth_hdr(skb), ETH_HLEN);
	tmpl->fdb_refresh = scon_fdb_refresh(port);
	/*
	 * Read after the bridge chose the port: a station moving in between
	 * is caught by the revalidation interval only.
	 */
	tmpl->fdb_gen = scon_fdb_gen(tmpl->l2);
	return true;
}

/* Bridged between two ports, seen through br_netfilter. */
static void scon_learn_bridged(struct sk_buff *skb, struct nf_conn *ct, u8 dir,
			       struct net_device *port,
			       struct net_device *bridge,
			       const struct scon_config *cfg)
{
	struct scon_route tmpl;

	if (!scon_route_from_frame(&tmpl, skb, port, U16_MAX,
				   scon_nat_flags(ct, dir)))
		return;

	tmpl.via_ifindex = bridge->ifindex;
	scon_learn_commit(ct, dir, &tmpl, cfg);
}

static unsigned int scon_learn_ipv4(void *priv, struct sk_buff *skb,
				    const struct nf_hook_state *state)
{
	const struct scon_config *cfg = rcu_dereference(scon_cfg);
	const struct nf_bridge_info *nf_bridge;
	enum ip_conntrack_info ctinfo;
	struct nf_conn *ct;

	/* Only forwarded packets: locally generated ones have no input. */
	if (!cfg->enabled || !skb->skb_iif || !net_eq(state->net, &init_net))
		return NF_ACCEPT;

	ct = nf_ct_get(skb, &ctinfo);
	if (!ct || !scon_ct_learnable(ct, cfg) || !scon_skb_learnable(skb))
		return NF_ACCEPT;

	nf_bridge = nf_bridge_info_get(skb);
	if (nf_bridge && nf_bridge->physoutdev)
		scon_learn_bridged(skb, ct, CTINFO2DIR(ctinfo),
				   nf_bridge->physoutdev, state->out, cfg);
	else if (netif_is_bridge_master(state->out))
		scon_learn_to_bridge(skb, ct, CTINFO2DIR(ctinfo), state->out);
	else
		scon_learn_routed(skb, ct, CTINFO2DIR(ctinfo), state->out, cfg);

	return NF_ACCEPT;
}

/*
 * The bridge chose a port for a packet routed into it. A flooded frame is
 * a clone (the bridge copies it to every port): no single port to learn.
 */
static unsigned int scon_learn_bridge_out(void *priv, struct sk_buff *skb,
					  const struct nf_hook_state *state)
{
	struct scon_pending *p = this_cpu_ptr(&scon_pending);
	const struct scon_config *cfg = rcu_dereference(scon_cfg);
	enum ip_conntrack_info ctinfo;
	struct scon_route tmpl;
	struct nf_conn *ct;

	if (p->skb != skb)
		return NF_ACCEPT;
	p->skb = NULL;

	ct = nf_ct_get(skb, &ctinfo);
	if (ct != p->ct || CTINFO2DIR(ctinfo) != p->dir || skb_cloned(skb) ||
	    !cfg->enabled)
		return NF_ACCEPT;

	if (!scon_route_from_frame(&tmpl, skb, state->out, p->mtu,
				   SCON_ROUTE_ROUTED | scon_nat_flags(ct, p->dir)))
		return NF_ACCEPT;

	tmpl.via_ifindex = p->via_ifindex;
	tmpl.neigh_ifindex = p->via_ifindex;
	tmpl.nexthop = p->nexthop;
	tmpl.neigh_gen = p->neigh_gen;
	tmpl.rt_genid = p->rt_genid;
	scon_learn_commit(ct, p->dir, &tmpl, cfg);
	return NF_ACCEPT;
}

static const struct nf_hook_ops scon_learn_ops[] = {
	{
		.hook		= scon_learn_ipv4,
		.pf		= NFPROTO_IPV4,
		.hooknum	= NF_INET_POST_ROUTING,
		.priority	= NF_IP_PRI_LAST,
	},
	{
		/* Before br_netfilter, which steals bridged IP packets. */
		.hook		= scon_learn_bridge_out,
		.pf		= NFPROTO_BRIDGE,
		.hooknum	= NF_BR_POST_ROUTING,
		.priority	= NF_BR_PRI_LAST - 1,
	},
};

int scon_learn_init(void)
{
	return nf_register_net_hooks(&init_net, scon_learn_ops,
				     ARRAY_SIZE(scon_learn_ops));
}

void scon_learn_exit(void)
{
	nf_unregister_net_hooks(&init_net, scon_learn_ops,
				ARRAY_SIZE(scon_learn_ops));
}
