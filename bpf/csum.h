/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Checksums over headers composed on the stack. bpf_csum_diff sums 32-bit words in host
 * order; a one's-complement sum folded from that is the checksum in memory order, so results
 * are stored without byte swapping (as the kernel's csum_* helpers do).
 */
#ifndef RTT_CSUM_H
#define RTT_CSUM_H

#include <linux/bpf.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "checksum.h"
#include "rtt_server.h"

/* Sum of `len` bytes (a multiple of 4, at most 512) at `data`. */
static __always_inline __u64 csum_add_bytes(__u64 sum, void *data, __u32 len)
{
	__s64 partial = bpf_csum_diff(0, 0, data, len, 0);

	return sum + (__u32)partial;
}

/* Pseudo-header sum (RFC 768/793/8200) for IPv4 (family 4) or IPv6. */
static __always_inline __u64 csum_pseudo(__u8 family, struct rtt_addr *src, struct rtt_addr *dst,
					 __u8 protocol, __u16 length)
{
	__u64 sum = bpf_htons(protocol) + (__u64)bpf_htons(length);

	if (family == 4)
		return sum + src->words[3] + (__u64)dst->words[3];
#pragma unroll
	for (int i = 0; i < 4; i++)
		sum += (__u64)src->words[i] + dst->words[i];
	return sum;
}

#endif
