/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The probe a request turns into (docs/protocol.md §3). Within one flow every field a load
 * balancer may hash stays constant; the request id rides in the UDP checksum, TCP sequence
 * number or echo identifier, and two payload bytes balance the checksums that carry values.
 */
#ifndef RTT_PROBE_H
#define RTT_PROBE_H

#include <linux/bpf.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "output.h"
#include "protocol.h"

/* The probe protocol for a requested one, or 0 when this family does not offer it. */
static __always_inline __u8 probe_protocol(__u8 requested, __u8 family)
{
	__u8 icmp = family == 4 ? RTT_IPPROTO_ICMP : RTT_IPPROTO_ICMPV6;

	if (requested == RTT_IPPROTO_DEFAULT || requested == icmp)
		return icmp;
	if (requested == RTT_IPPROTO_TCP || requested == RTT_IPPROTO_UDP)
		return requested;
	return 0;
}

static __always_inline void random_payload(struct rtt_probe_payload *payload)
{
	__u32 a = bpf_get_prandom_u32(), b = bpf_get_prandom_u32();

	__builtin_memcpy(payload->random, &a, 4);
	__builtin_memcpy(payload->random + 4, &b, 2);
	payload->balance = 0;
}

/* Sets the balance word so the message verifies with the value already in its checksum field. */
static __always_inline void balance_payload(struct outgoing *o, struct rtt_probe_payload *payload,
					    __u8 protocol)
{
	payload->balance = rtt_csum_finish(outgoing_l4_sum(o, protocol));
}

/* Composes the probe for a request; the outgoing addresses and family must be set. */
static __always_inline void build_probe(struct outgoing *o, __u8 protocol, __u8 ttl, __u16 id,
					__u16 flow, __u8 tos, __u8 dont_frag)
{
	__u8 *l4 = outgoing_l4(o);

	if (protocol == RTT_IPPROTO_TCP) {
		struct rtt_tcp_probe *tcp = (void *)l4;
		o->l4_len = RTT_TCP_PROBE_LEN;
		tcp->source = bpf_htons(RTT_PROBE_SOURCE_PORT);
		tcp->dest = bpf_htons(flow ? flow : RTT_DEFAULT_TCP_PORT);
		tcp->seq = bpf_htonl(id);
		tcp->ack_seq = 0;
		tcp->data_offset = 6 << 4;
		tcp->flags = RTT_TCP_FLAG_SYN;
		tcp->window = bpf_htons(RTT_TCP_PROBE_WINDOW);
		tcp->checksum = 0;
		tcp->urgent = 0;
		tcp->mss_kind = 2;
		tcp->mss_len = 4;
		tcp->mss = bpf_htons(RTT_TCP_PROBE_MSS);
		tcp->checksum = rtt_csum_finish(outgoing_l4_sum(o, protocol));
	} else if (protocol == RTT_IPPROTO_UDP) {
		/* source, dest, length, checksum (= id) */
		__be16 *udp = (void *)l4;
		struct rtt_probe_payload *payload = (void *)(l4 + 8);
		o->l4_len = RTT_UDP_PROBE_LEN;
		udp[0] = bpf_htons(RTT_PROBE_SOURCE_PORT);
		udp[1] = bpf_htons(flow ? flow : RTT_DEFAULT_UDP_PORT);
		udp[2] = bpf_htons(RTT_UDP_PROBE_LEN);
		udp[3] = bpf_htons(id);
		random_payload(payload);
		balance_payload(o, payload, protocol);
	} else {
		/* type, code, checksum (= flow), identifier (= id), sequence (= marker) */
		__be16 *icmp = (void *)l4;
		struct rtt_probe_payload *payload = (void *)(l4 + 8);
		o->l4_len = RTT_ICMP_PROBE_LEN;
		l4[0] = o->family == 4 ? RTT_ICMP4_ECHO_REQUEST : RTT_ICMP6_ECHO_REQUEST;
		l4[1] = 0;
		icmp[1] = bpf_htons(flow ? flow : RTT_DEFAULT_ICMP_CHECKSUM);
		icmp[2] = bpf_htons(id);
		icmp[3] = bpf_htons(RTT_PROBE_ECHO_SEQUENCE);
		random_payload(payload);
		balance_payload(o, payload, protocol);
	}
	outgoing_ip_header(o, protocol, ttl, o->family == 4 ? tos : 0, dont_frag);
}

#endif
