/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* The echo reply with code 1 that tells the requester about its request (protocol.md §2). */
#ifndef RTT_RESPONSE_H
#define RTT_RESPONSE_H

#include <linux/bpf.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "output.h"
#include "protocol.h"

/*
 * Composes a response from o->src (the server address) to o->dst (the requester).
 * A success carries the hop and the timespan; an error state is the 12-byte head alone, with
 * `value` in bytes 10-11.
 */
static __always_inline void build_response(struct outgoing *o, __u16 id, __u8 state, __u16 value,
					   struct rtt_addr *hop, __u64 timespan_ns)
{
	struct rtt_response_success *r = (void *)outgoing_l4(o);
	__u8 protocol = o->family == 4 ? RTT_IPPROTO_ICMP : RTT_IPPROTO_ICMPV6;

	o->l4_len = state == RTT_STATE_SUCCESS ? RTT_RESPONSE_SUCCESS_LEN : RTT_RESPONSE_ERROR_LEN;
	__builtin_memset(r, 0, sizeof(*r));
	r->head.type = o->family == 4 ? RTT_ICMP4_ECHO_REPLY : RTT_ICMP6_ECHO_REPLY;
	r->head.code = RTT_CODE;
	r->head.identifier = bpf_htons(id);
	r->head.state = state;
	r->head.reserved = bpf_htons(value); /* state 4: the object's Class-Num and C-Type */
	if (state == RTT_STATE_SUCCESS) {
		__builtin_memcpy(r->hop_address, hop, 16);
		/* Deployed clients read 32 bits; saturate rather than wrap (protocol.md §2). */
		r->timespan_ns =
		    bpf_htonl(timespan_ns > 0xFFFFFFFFULL ? 0xFFFFFFFFU : (__u32)timespan_ns);
	}
	r->head.checksum = rtt_csum_finish(outgoing_l4_sum(o, protocol));
	outgoing_ip_header(o, protocol, RTT_RESPONSE_TTL, 0, 0);
}

#endif
