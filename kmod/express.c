// SPDX-License-Identifier: GPL-2.0
/*
 * The express path: a netdev ingress hook on every attached device. A
 * packet of a cached, ready flow gets exactly what the normal path gave
 * the flow's earlier packets (NAT rewrite, TTL, link-layer header) and is
 * handed to the output device, skipping the bridge, netfilter and the
 * route lookup. Anything else, or anything in doubt, returns NF_ACCEPT and
 * takes the normal path untouched: no packet is ever dropped here.
 */
#include <linux/etherdevice.h>
#include <linux/if_vlan.h>
#include <linux/ip.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <net/checksum.h>
#include <net/ip.h>
#include <net/netfilter/nf_conntrack_acct.h>
#include <net/netfilter/nf_conntrack_l4proto.h>
#include <net/route.h>

#include "scon.h"

/* scon_parse() and scon_check() answer OK, SKIP or a fallback counter. */
#define SCON_OK		0
#define SCON_SKIP	(-1)

struct scon_pkt {
	struct scon_key key;
	unsigned int thoff;
	unsigned int l4len;	/* from thoff to the IPv4 total length */
	bool tcp_ctl;		/* SYN, FIN or RST, or no ACK */
};

/*
 * Checks the TCP or UDP header as conntrack's trackers do (tcp_error(),
 * udp_error()): a header conntrack calls invalid misses NAT on the normal
 * path, so it must not get NAT here either. The header must lie within
 * the IPv4 total length, not merely within the frame.
 */
static int scon_parse_l4(struct sk_buff *skb, struct scon_pkt *pkt)
{
	if (pkt->key.proto == IPPROTO_TCP) {
		const struct tcphdr *th;

		if (pkt->l4len < sizeof(*th) ||
		    !pskb_may_pull(skb, pkt->thoff + sizeof(*th)))
			return SCON_CTR_FB_MALFORMED;
		th = (const struct tcphdr *)(skb->data + pkt->thoff);
		if (th->doff < 5 || th->doff * 4 > pkt->l4len)
			return SCON_CTR_FB_MALFORMED;
		pkt->key.sport = th->source;
		pkt->key.dport = th->dest;
		/* Without SYN, FIN and RST, conntrack wants ACK set. */
		pkt->tcp_ctl = th->syn || th->fin || th->rst || !th->ack;
	} else {
		const struct udphdr *uh;
		unsigned int ulen;

		if (pkt->l4len < sizeof(*uh) ||
		    !pskb_may_pull(skb, pkt->thoff + sizeof(*uh)))
			return SCON_CTR_FB_MALFORMED;
		uh = (const struct udphdr *)(skb->data + pkt->thoff);
		ulen = ntohs(uh->len);
		if (ulen < sizeof(*uh) || ulen > pkt->l4len)
			return SCON_CTR_FB_MALFORMED;
		pkt->key.sport = uh->source;
		pkt->key.dport = uh->dest;
	}

	return SCON_OK;
}

/*
 * Validates the IPv4 header as ip_rcv() would, whatever the protocol (a
 * header it drops is malformed), then builds the lookup key.
 */
static int scon_parse(struct sk_buff *skb, struct scon_pkt *pkt)
{
	const struct iphdr *iph;
	unsigned int tot_len;

	if (!pskb_may_pull(skb, sizeof(*iph)))
		return SCON_CTR_FB_MALFORMED;
	iph = ip_hdr(skb);
	if (iph->version != 4 || iph->ihl < 5 ||
	    !pskb_may_pull(skb, iph->ihl * 4))
		return SCON_CTR_FB_MALFORMED;

	iph = ip_hdr(skb);
	tot_len = ntohs(iph->tot_len);
	if (ip_fast_csum(iph, iph->ihl) || tot_len < iph->ihl * 4 ||
	    tot_len > skb->len)
		return SCON_CTR_FB_MALFORMED;
	if (iph->protocol != IPPROTO_TCP && iph->protocol != IPPROTO_UDP)
		return SCON_SKIP;
	if (iph->ihl != 5)
		return SCON_CTR_FB_IP_OPTIONS;
	if (ip_is_fragment(iph))
		return SCON_CTR_FB_FRAGMENT;

	memset(&pkt->key, 0, sizeof(pkt->key));
	pkt->key.saddr = iph->saddr;
	pkt->key.daddr = iph->daddr;
	pkt->key.proto = iph->protocol;
	pkt->thoff = sizeof(*iph);
	pkt->l4len = tot_len - sizeof(*iph);
	pkt->tcp_ctl = false;
	return scon_parse_l4(skb, pkt);
}

/* The frame must come from where the other direction's packets go. */
static bool scon_l2_matches(const struct sk_buff *skb,
			    const struct scon_route *back)
{
	const struct ethhdr *eth = eth_hdr(skb);

	return ether_addr_equal(eth->h_dest, back->l2 + ETH_ALEN) &&
	       ether_addr_equal(eth->h_source, back->l2);
}

static bool scon_fits_mtu(const struct sk_buff *skb, unsigned int mtu)
{
	if (skb_is_gso(skb))
		return skb_gso_validate_network_len(skb, mtu);

	return ntohs(ip_hdr(skb)->tot_len) <= mtu;
}

/* Marks the direction stale, counting what made it so the first time. */
static int scon_stale(struct scon_dir *d, enum scon_counter why)
{
	if (!test_and_set_bit(SCON_DIR_STALE, &d->state) &&
	    why != SCON_CTR_FB_REVALIDATE)
		scon_count(why);

	return SCON_CTR_FB_REVALIDATE;
}

/*
 * @back is the other direction's decision: when it leaves through a
 * bridge port, this direction's frames come in through that port, and
 * the bridge must see one often enough not to forget their sender.
 */
static int scon_check_fresh(struct scon_dir *d, const struct scon_route *r,
			    const struct scon_route *back,
			    const struct scon_config *cfg)
{
	unsigned long ttl = msecs_to_jiffies(cfg->revalidate_ms);

	if (back->fdb_refresh && back->fdb_refresh < ttl)
		ttl = back->fdb_refresh;

	if (test_bit(SCON_DIR_STALE, &d->state))
		return SCON_CTR_FB_REVALIDATE;
	if (time_after(jiffies, READ_ONCE(d->validated) + ttl))
		return scon_stale(d, SCON_CTR_FB_REVALIDATE);
	if ((r->flags & SCON_ROUTE_ROUTED) &&
	    r->rt_genid != rt_genid_ipv4(dev_net(r->out_dev)))
		return scon_stale(d, SCON_CTR_INV_ROUTE);
	if (r->neigh_ifindex &&
	    r->neigh_gen != scon_neigh_gen(r->neigh_ifindex, r->nexthop))
		return scon_stale(d, SCON_CTR_INV_NEIGH);
	if (r->via_ifindex && r->fdb_gen != scon_fdb_gen(r->l2))
		return scon_stale(d, SCON_CTR_INV_FDB);

	return SCON_OK;
}

static int scon_check_ct(struct scon_flow *flow, const struct scon_pkt *pkt)
{
	struct nf_conn *ct = flow->ct;

	if (nf_ct_is_dying(ct)) {
		scon_flow_remove(flow, SCON_CTR_INV_CONNTRACK);
		return SCON_CTR_FB_CT_STATE;
	}
	if (pkt->key.proto != IPPROTO_TCP)
		return SCON_OK;
	if (pkt->tcp_ctl)
		return SCON_CTR_FB_TCP_FLAGS;
	if (READ_ONCE(ct->proto.tcp.state) != TCP_CONNTRACK_ESTABLISHED)
		return SCON_CTR_FB_CT_STATE;

	return SCON_OK;
}

/* Everything that must hold before a packet may skip the normal path. */
static int scon_check(const struct sk_buff *skb, const struct scon_pkt *pkt,
		      struct scon_dir *d, const struct scon_config *cfg,
		      const struct scon_route **routep)
{
	struct scon_flow *flow = scon_dir_flow(d);
	const struct scon_route *route, *back;
	int err;

	route = rcu_dereference(d->route);
	back = rcu_dereference(flow->d[!d->dir].route);
	if (!route || !back)
		return SCON_CTR_FB_NOT_READY;
	if (READ_ONCE(d->in_ifindex) != skb->dev->ifindex ||
	    !scon_l2_matches(skb, back))
		return SCON_CTR_FB_L2_MISMATCH;

	err = scon_check_ct(flow, pkt);
	if (err)
		return err;
	err = scon_check_fresh(d, route, back, cfg);
	if (err)
		return err;

	if ((route->flags & SCON_ROUTE_ROUTED) && ip_hdr(skb)->ttl <= 1)
		return SCON_CTR_FB_TTL;
	if (!scon_fits_mtu(skb, route->mtu))
		return SCON_CTR_FB_MTU;
	if (!netif_running(route->out_dev) || !netif_carrier_ok(route->out_dev))
		return SCON_CTR_FB_OUT_DOWN;

	*routep = route;
	return SCON_OK;
}

/*
 * Drops Ethernet padding and makes the headers we rewrite private, before
 * the first change: after it the packet cannot go back to the normal path.
 */
static int scon_make_writable(struct sk_buff *skb, const struct scon_pkt *pkt)
{
	unsigned int l4len = pkt->key.proto == IPPROTO_TCP ?
			     sizeof(struct tcphdr) : sizeof(struct udphdr);

	if (skb_shared(skb))
		return SCON_CTR_FB_NO_MEMORY;
	if (pskb_trim_rcsum(skb, ntohs(ip_hdr(skb)->tot_len)))
		return SCON_CTR_FB_NO_MEMORY;
	if (skb_ensure_writable(skb, pkt->thoff + l4len))
		return SCON_CTR_FB_NO_MEMORY;
	if (skb_cow_head(skb, ETH_HLEN))
		return SCON_CTR_FB_NO_MEMORY;

	return SCON_OK;
}

/*
 * Conntrack verifies TCP and UDP checksums where packets come in (with
 * nf_conntrack_checksum, the default) and calls a bad one invalid: on the
 * normal path such a packet misses NAT and meets the local stack, or
 * leaves untranslated. So the express path checks them too, as conntrack
 * does: a checksum the device or the sender vouched for costs nothing, a
 * UDP datagram without one passes. Needs the packet trimmed to its total
 * length.
 */
static bool scon_l4_csum_ok(struct sk_buff *skb, const struct scon_pkt *pkt)
{
	const struct udphdr *uh = (const struct udphdr *)(skb->data + pkt->thoff);

	if (!READ_ONCE(dev_net(skb->dev)->ct.sysctl_checksum))
		return true;
	if (pkt->key.proto == IPPROTO_UDP && !uh->check)
		return true;

	return !nf_ip_checksum(skb, NF_INET_PRE_ROUTING, pkt->thoff,
			       pkt->key.proto);
}

static __sum16 *scon_l4_check(struct sk_buff *skb, const struct scon_pkt *pkt)
{
	void *l4 = skb->data + pkt->thoff;

	if (pkt->key.proto == IPPROTO_TCP)
		return &((struct tcphdr *)l4)->check;

	/* UDP without a checksum stays without one. */
	if (!((struct udphdr *)l4)->check && skb->ip_summed != CHECKSUM_PARTIAL)
		return NULL;
	return &((struct udphdr *)l4)->check;
}

static void scon_rewrite_addr(struct sk_buff *skb, __sum16 *check,
			      __be32 *addr, __be32 to)
{
	if (check)
		inet_proto_csum_replace4(check, skb, *addr, to, true);
	csum_replace4(&ip_hdr(skb)->check, *addr, to);
	*addr = to;
}

static void scon_rewrite_port(struct sk_buff *skb, __sum16 *check,
			      __be16 *port, __be16 to)
{
	if (check)
		inet_proto_csum_replace2(check, skb, *port, to, false);
	*port = to;
}

/*
 * Applies conntrack's NAT binding: the packet leaves with the inverse of
 * the other direction's tuple.
 */
static void scon_nat(struct sk_buff *skb, const struct scon_pkt *pkt,
		     const struct nf_conntrack_tuple *back, u8 flags)
{
	struct iphdr *iph = ip_hdr(skb);
	__be16 *ports = (__be16 *)(skb->data + pkt->thoff);
	__sum16 *check = scon_l4_check(skb, pkt);

	if (flags & SCON_ROUTE_SNAT) {
		scon_rewrite_addr(skb, check, &iph->saddr, back->dst.u3.ip);
		scon_rewrite_port(skb, check, &ports[0], back->dst.u.all);
	}
	if (flags & SCON_ROUTE_DNAT) {
		scon_rewrite_addr(skb, check, &iph->daddr, back->src.u3.ip);
		scon_rewrite_port(skb, check, &ports[1], back->src.u.all);
	}
	if (check && pkt->key.proto == IPPROTO_UDP && !*check)
		*check = CSUM_MANGLED_0;
}

static u32 scon_ct_lifetime(const struct nf_conn *ct)
{
	struct net *net = nf_ct_net(ct);

	if (nf_ct_protonum(ct) == IPPROTO_TCP)
		return nf_tcp_pernet(net)->timeouts[TCP_CONNTRACK_ESTABLISHED];
	return nf_udp_pernet(net)->timeouts[UDP_CT_REPLIED];
}

/* Keeps conntrack true: the entry stays alive and counts the traffic. */
static void scon_ct_account(struct nf_conn *ct, u8 dir, u32 segs, u32 len)
{
	struct nf_conn_acct *acct;
	u32 lifetime = scon_ct_lifetime(ct);

	if (nf_ct_expires(ct) + HZ < lifetime)
		WRITE_ONCE(ct->timeout, nfct_time_stamp + lifetime);

	acct = nf_conn_acct_find(ct);
	if (acct) {
		atomic64_add(segs, &acct->counter[dir].packets);
		atomic64_add(len, &acct->counter[dir].bytes);
	}
}

/*
 * Per-flow counts are plain stores: a direction's packets arrive on one
 * CPU in the normal case (one veth queue, RSS), and a lost update only
 * blurs a statistic.
 */
static void scon_account(struct scon_flow *flow, struct scon_dir *d,
			 u32 segs, u32 len)
{
	WRITE_ONCE(d->packets, d->packets + segs);
	WRITE_ONCE(d->bytes, d->bytes + len);
	if (READ_ONCE(flow->last_used) != jiffies)
		WRITE_ONCE(flow->last_used, jiffies);
	if (!test_bit(SCON_FLOW_EXPRESSED, &flow->flags))
		set_bit(SCON_FLOW_EXPRESSED, &flow->flags);

	scon_count_add(SCON_CTR_EXPRESS_PACKETS, segs);
	scon_count_add(SCON_CTR_EXPRESS_BYTES, len);
	scon_ct_account(flow->ct, d->dir, segs, len);
}

static void scon_xmit(struct sk_buff *skb, const struct scon_route *route)
{
	skb_forward_csum(skb);
	skb_clear_tstamp(skb);
	skb_dst_drop(skb);

	skb->dev = route->out_dev;
	__skb_push(skb, ETH_HLEN);
	memcpy(skb->data, route->l2, ETH_HLEN);
	skb_reset_mac_header(skb);
	dev_queue_xmit(skb);
}

static unsigned int scon_forward(struct sk_buff *skb, const struct scon_pkt *pkt,
				 struct scon_dir *d,
				 const struct scon_route *route)
{
	struct scon_flow *flow = scon_dir_flow(d);
	u32 segs = skb_is_gso(skb) ? skb_shinfo(skb)->gso_segs : 1;
	u32 len = skb->len;

	if (route->flags & (SCON_ROUTE_SNAT | SCON_ROUTE_DNAT))
		scon_nat(skb, pkt, &flow->ct->tuplehash[!d->dir].tuple,
			 route->flags);
	if (route->flags & SCON_ROUTE_ROUTED)
		ip_decrease_ttl(ip_hdr(skb));

	scon_account(flow, d, segs, len);
	scon_xmit(skb, route);
	return NF_STOLEN;
}

/* Sends a packet of a cached flow to the normal path, for @reason. */
static unsigned int scon_fallback(struct scon_dir *d, int reason)
{
	struct scon_flow *flow = scon_dir_flow(d);

	scon_count(reason);
	if (test_bit(SCON_FLOW_EXPRESSED, &flow->flags) &&
	    test_and_clear_bit(SCON_FLOW_EXPRESSED, &flow->flags))
		scon_flow_fixup_tcp(flow->ct);

	return NF_ACCEPT;
}

unsigned int scon_express_hook(void *priv, struct sk_buff *skb,
			       const struct nf_hook_state *state)
{
	const struct scon_config *cfg = rcu_dereference(scon_cfg);
	const struct scon_route *route = NULL;
	struct scon_pkt pkt;
	struct scon_dir *d;
	int err;

	/* A tag taken off by the NIC still belongs to a VLAN device. */
	if (!cfg->enabled || skb->protocol != htons(ETH_P_IP) ||
	    skb_vlan_tag_present(skb))
		return NF_ACCEPT;

	err = scon_parse(skb, &pkt);
	if (err) {
		if (err > 0)
			scon_count(err);
		return NF_ACCEPT;
	}

	d = scon_flow_lookup(&pkt.key);
	if (!d || test_bit(SCON_FLOW_DEAD, &scon_dir_flow(d)->flags))
		return NF_ACCEPT;

	err = scon_check(skb, &pkt, d, cfg, &route);
	if (!err)
		err = scon_make_writable(skb, &pkt);
	if (!err && !scon_l4_csum_ok(skb, &pkt))
		err = SCON_CTR_FB_MALFORMED;
	if (err)
		return scon_fallback(d, err);

	return scon_forward(skb, &pkt, d, route);
}
