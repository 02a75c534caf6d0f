/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Packet parsing. Everything is read with bpf_skb_load_bytes into the stack, so non-linear
 * skbs work and no packet pointer has to be re-validated. Lengths come from the IP headers and
 * are checked against the skb: a packet that lies about its length is not ours.
 */
#ifndef RTT_PARSING_H
#define RTT_PARSING_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "maps.h"
#include "rtt_server.h"

#define RTT_L3_OFFSET ETH_HLEN
#define RTT_MAX_IPV6_EXT_HEADERS 4
#define IPV6_NEXTHDR_HOP 0
#define IPV6_NEXTHDR_ROUTING 43
#define IPV6_NEXTHDR_FRAGMENT 44
#define IPV6_NEXTHDR_DEST 60

struct packet {
	struct rtt_addr src;
	struct rtt_addr dst;
	__u32 l4_off;
	__u32 l4_len;
	__u8 family; /* 4 or 6 */
	__u8 protocol;
	__u8 tos;	/* IPv4 */
	__u8 dont_frag; /* IPv4 */
};

static __always_inline int load(struct __sk_buff *skb, __u32 off, void *to, __u32 len)
{
	return bpf_skb_load_bytes(skb, off, to, len) == 0;
}

static __always_inline void addr_from_v4(struct rtt_addr *a, __u32 v4)
{
	a->words[0] = 0;
	a->words[1] = 0;
	a->words[2] = bpf_htonl(0x0000FFFF);
	a->words[3] = v4;
}

static __always_inline void addr_from_v6(struct rtt_addr *a, const struct in6_addr *v6)
{
	__builtin_memcpy(a, v6, sizeof(*a));
}

static __always_inline int addr_equal(const struct rtt_addr *a, const struct rtt_addr *b)
{
	return a->words[0] == b->words[0] && a->words[1] == b->words[1] &&
	       a->words[2] == b->words[2] && a->words[3] == b->words[3];
}

/* Reads an IPv4 header at `off`; fills addresses, protocol, L4 offset and length. */
static __always_inline int parse_ipv4(struct __sk_buff *skb, __u32 off, __u32 avail,
				      struct packet *p)
{
	struct iphdr ip;

	if (!load(skb, off, &ip, sizeof(ip)) || ip.version != 4 || ip.ihl < 5)
		return 0;
	__u32 ihl = ip.ihl * 4;
	__u32 total = bpf_ntohs(ip.tot_len);
	if (total < ihl || total > avail)
		return 0;
	/* A fragment is never a complete request or answer of ours. */
	if (ip.frag_off & bpf_htons(0x3FFF))
		return 0;
	p->family = 4;
	p->protocol = ip.protocol;
	p->tos = ip.tos;
	p->dont_frag = !!(ip.frag_off & bpf_htons(0x4000));
	addr_from_v4(&p->src, ip.saddr);
	addr_from_v4(&p->dst, ip.daddr);
	p->l4_off = off + ihl;
	p->l4_len = total - ihl;
	return 1;
}

/* Reads an IPv6 header at `off`, skipping hop-by-hop, routing and destination options. */
static __always_inline int parse_ipv6(struct __sk_buff *skb, __u32 off, __u32 avail,
				      struct packet *p)
{
	struct ipv6hdr ip;

	if (!load(skb, off, &ip, sizeof(ip)) || ip.version != 6)
		return 0;
	__u32 payload = bpf_ntohs(ip.payload_len);
	if (payload + sizeof(ip) > avail)
		return 0;
	__u8 next = ip.nexthdr;
	__u32 l4 = off + sizeof(ip);
	__u32 end = l4 + payload;

#pragma unroll
	for (int i = 0; i < RTT_MAX_IPV6_EXT_HEADERS; i++) {
		if (next != IPV6_NEXTHDR_HOP && next != IPV6_NEXTHDR_ROUTING &&
		    next != IPV6_NEXTHDR_DEST)
			break;
		__u8 ext[2];
		if (!load(skb, l4, ext, sizeof(ext)))
			return 0;
		next = ext[0];
		l4 += (ext[1] + 1) * 8;
	}
	/* Fragments, AH, ESP and chains longer than we follow are not ours. */
	if (next == IPV6_NEXTHDR_HOP || next == IPV6_NEXTHDR_ROUTING || next == IPV6_NEXTHDR_DEST ||
	    next == IPV6_NEXTHDR_FRAGMENT || l4 > end)
		return 0;
	p->family = 6;
	p->protocol = next;
	p->tos = 0;
	p->dont_frag = 0;
	addr_from_v6(&p->src, &ip.saddr);
	addr_from_v6(&p->dst, &ip.daddr);
	p->l4_off = l4;
	p->l4_len = end - l4;
	return 1;
}

/* Parses the outer headers of an Ethernet frame; 0 when it is not IPv4/IPv6 we handle. */
static __always_inline int parse_packet(struct __sk_buff *skb, struct packet *p)
{
	if (skb->len <= RTT_L3_OFFSET)
		return 0;
	__u32 avail = skb->len - RTT_L3_OFFSET;

	if (skb->protocol == bpf_htons(ETH_P_IP))
		return cfg_enable_v4 && parse_ipv4(skb, RTT_L3_OFFSET, avail, p);
	if (skb->protocol == bpf_htons(ETH_P_IPV6))
		return cfg_enable_v6 && parse_ipv6(skb, RTT_L3_OFFSET, avail, p);
	return 0;
}

/* A requester address we may send to: unicast, not loopback, unspecified or multicast. */
static __always_inline int usable_requester(const struct packet *p)
{
	if (p->family == 4) {
		__u32 a = bpf_ntohl(p->src.words[3]);
		__u8 first = a >> 24;
		return first != 0 && first != 127 && first < 224;
	}
	__u8 first = bpf_ntohl(p->src.words[0]) >> 24;
	int unspecified_or_loopback = p->src.words[0] == 0 && p->src.words[1] == 0 &&
				      p->src.words[2] == 0 && bpf_ntohl(p->src.words[3]) <= 1;
	/* ::ffff:a.b.c.d would share its session key with the IPv4 requester a.b.c.d. */
	int v4_mapped = p->src.words[0] == 0 && p->src.words[1] == 0 &&
			p->src.words[2] == bpf_htonl(0x0000FFFF);
	return first != 0xFF && !unspecified_or_loopback && !v4_mapped;
}

#endif
