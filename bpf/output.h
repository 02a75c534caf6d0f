/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Writing a composed packet over the received one and sending it out. The new IP header and
 * L4 message are composed on the stack (struct outgoing), the skb is resized to fit, and the
 * frame leaves through the interface it came in on, to the next hop the routing table names.
 */
#ifndef RTT_OUTPUT_H
#define RTT_OUTPUT_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "csum.h"
#include "parsing.h"
#include "protocol.h"

#define RTT_AF_INET 2
#define RTT_AF_INET6 10
#define RTT_MAX_L4_LEN 36

/* An outgoing packet from the IP header on; l4 starts right after the IP header. */
struct outgoing {
	__u8 bytes[40 + RTT_MAX_L4_LEN];
	__u32 ip_len;
	__u32 l4_len;
	__u8 family;
	struct rtt_addr src;
	struct rtt_addr dst;
};

static __always_inline __u8 *outgoing_l4(struct outgoing *o)
{
	return o->family == 4 ? o->bytes + 20 : o->bytes + 40;
}

/* Writes the IP header (IPv4 without options / IPv6 without extension headers). */
static __always_inline void outgoing_ip_header(struct outgoing *o, __u8 protocol, __u8 ttl,
					       __u8 tos, __u8 dont_frag)
{
	if (o->family == 4) {
		struct iphdr *ip = (void *)o->bytes;
		o->ip_len = sizeof(*ip);
		ip->version = 4;
		ip->ihl = 5;
		ip->tos = tos;
		ip->tot_len = bpf_htons(sizeof(*ip) + o->l4_len);
		ip->id = 0;
		ip->frag_off = dont_frag ? bpf_htons(0x4000) : 0;
		ip->ttl = ttl;
		ip->protocol = protocol;
		ip->check = 0;
		ip->saddr = o->src.words[3];
		ip->daddr = o->dst.words[3];
		ip->check = rtt_csum_finish(csum_add_bytes(0, ip, sizeof(*ip)));
		return;
	}
	struct ipv6hdr *ip = (void *)o->bytes;
	o->ip_len = sizeof(*ip);
	/* Traffic class and flow label zero (docs/protocol.md §3). */
	*(__u32 *)ip = bpf_htonl(0x60000000);
	ip->payload_len = bpf_htons(o->l4_len);
	ip->nexthdr = protocol;
	ip->hop_limit = ttl;
	__builtin_memcpy(&ip->saddr, &o->src, 16);
	__builtin_memcpy(&ip->daddr, &o->dst, 16);
}

/* The L4 checksum sum of the outgoing message (pseudo-header included except for ICMPv4). */
static __always_inline __u64 outgoing_l4_sum(struct outgoing *o, __u8 protocol)
{
	__u64 sum = 0;
	__u32 len = o->l4_len;

	if (len > RTT_MAX_L4_LEN || len % 4)
		return 0;
	if (o->family == 4)
		sum = csum_add_bytes(0, o->bytes + 20, len);
	else
		sum = csum_add_bytes(0, o->bytes + 40, len);
	if (protocol != RTT_IPPROTO_ICMP) /* only ICMPv4 has no pseudo-header */
		sum += csum_pseudo(o->family, &o->src, &o->dst, protocol, len);
	return sum;
}

/*
 * Copies the composed packet over the skb. The copy length is one of the few sizes we compose;
 * spelling them out gives the verifier constant sizes (a variable length loses its bounds in
 * clang's 32-bit compares).
 */
static __always_inline int outgoing_store(struct __sk_buff *skb, struct outgoing *o, __u32 len)
{
#define RTT_STORE_CASE(n)                                                                          \
	case n:                                                                                    \
		return bpf_skb_store_bytes(skb, RTT_L3_OFFSET, o->bytes, n, 0) == 0;
	switch (len) {
		RTT_STORE_CASE(20 + RTT_RESPONSE_ERROR_LEN)
		RTT_STORE_CASE(20 + RTT_UDP_PROBE_LEN)
		RTT_STORE_CASE(20 + RTT_TCP_PROBE_LEN)
		RTT_STORE_CASE(20 + RTT_RESPONSE_SUCCESS_LEN) /* = 40 + RTT_UDP_PROBE_LEN */
		RTT_STORE_CASE(40 + RTT_RESPONSE_ERROR_LEN)
		RTT_STORE_CASE(40 + RTT_TCP_PROBE_LEN)
		RTT_STORE_CASE(40 + RTT_RESPONSE_SUCCESS_LEN)
	}
#undef RTT_STORE_CASE
	return 0;
}

/* Resizes the skb and copies the outgoing packet over it, leaving the Ethernet header. */
static __always_inline int outgoing_write(struct __sk_buff *skb, struct outgoing *o)
{
	__u32 len = o->ip_len + o->l4_len;

	if (len > sizeof(o->bytes))
		return 0;
	/* An answer is often as long as its response already: then the skb needs no resizing. */
	if (skb->len != RTT_L3_OFFSET + len && bpf_skb_change_tail(skb, RTT_L3_OFFSET + len, 0))
		return 0;
	return outgoing_store(skb, o, len);
}

/*
 * Sends the rewritten frame out of the interface it arrived on, to the next hop the FIB names
 * for the destination on that interface. When the FIB has no answer (no route through this
 * interface), the frame goes back to the neighbour it came from, as deployed servers do.
 */
static __always_inline int outgoing_send(struct __sk_buff *skb, struct outgoing *o)
{
	struct bpf_fib_lookup fib = {};
	__u32 ifindex = skb->ifindex;

	/*
	 * The packet's flow changed (new protocol, ports or checksum): a hash the kernel computed
	 * for the request would otherwise travel with it, and ECMP next hops that reuse an
	 * existing L4 hash (Linux does) would send every flow the same way.
	 */
	bpf_set_hash_invalid(skb);
	fib.ifindex = ifindex;
	if (o->family == 4) {
		fib.family = RTT_AF_INET;
		fib.ipv4_src = o->src.words[3];
		fib.ipv4_dst = o->dst.words[3];
	} else {
		fib.family = RTT_AF_INET6;
		__builtin_memcpy(fib.ipv6_src, &o->src, 16);
		__builtin_memcpy(fib.ipv6_dst, &o->dst, 16);
	}
	long rc = bpf_fib_lookup(skb, &fib, sizeof(fib), BPF_FIB_LOOKUP_OUTPUT);
	if (rc == BPF_FIB_LKUP_RET_SUCCESS) {
		__u8 macs[ETH_ALEN * 2];
		__builtin_memcpy(macs, fib.dmac, ETH_ALEN);
		__builtin_memcpy(macs + ETH_ALEN, fib.smac, ETH_ALEN);
		if (bpf_skb_store_bytes(skb, 0, macs, sizeof(macs), 0))
			return TC_ACT_SHOT;
		return bpf_redirect(fib.ifindex, 0);
	}
	if (rc == BPF_FIB_LKUP_RET_NO_NEIGH) {
		struct bpf_redir_neigh nh = {};
		if (o->family == 4) {
			nh.nh_family = RTT_AF_INET;
			nh.ipv4_nh = fib.ipv4_dst;
		} else {
			nh.nh_family = RTT_AF_INET6;
			__builtin_memcpy(nh.ipv6_nh, fib.ipv6_dst, 16);
		}
		return bpf_redirect_neigh(fib.ifindex, &nh, sizeof(nh), 0);
	}
	__u8 macs[ETH_ALEN * 2], swapped[ETH_ALEN * 2];
	if (!load(skb, 0, macs, sizeof(macs)))
		return TC_ACT_SHOT;
	__builtin_memcpy(swapped, macs + ETH_ALEN, ETH_ALEN);
	__builtin_memcpy(swapped + ETH_ALEN, macs, ETH_ALEN);
	if (bpf_skb_store_bytes(skb, 0, swapped, sizeof(swapped), 0))
		return TC_ACT_SHOT;
	return bpf_redirect(ifindex, 0);
}

#endif
