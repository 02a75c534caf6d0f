/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Policing of requests: the optional allow-list and token buckets per source and overall.
 * Buckets are updated without locks; two CPUs racing on one bucket can let a request more
 * through, which is harmless next to the cost of a lock on every request.
 */
#ifndef RTT_POLICING_H
#define RTT_POLICING_H

#include <linux/bpf.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "maps.h"
#include "parsing.h"

#define NANOTOKENS_PER_REQUEST 1000000000ULL

static __always_inline int allowed_by_allowlist(const struct packet *p)
{
	if (!cfg_allowlist)
		return 1;
	struct rtt_prefix_key key = {.prefixlen = 128, .addr = p->src};
	return bpf_map_lookup_elem(&allowlist, &key) != 0;
}

/* Refills and takes one request from a bucket; 0 when it is empty. */
static __always_inline int take_token(struct rtt_bucket *b, __u64 now, __u64 rate, __u64 burst)
{
	__u64 capacity = burst * NANOTOKENS_PER_REQUEST;
	__u64 elapsed = now - b->last_ns;

	/* Past the time a bucket needs to fill up, it is full (also keeps elapsed*rate small). */
	if (elapsed >= capacity / rate)
		b->nanotokens = capacity;
	else
		b->nanotokens += elapsed * rate;
	if (b->nanotokens > capacity)
		b->nanotokens = capacity;
	b->last_ns = now;
	if (b->nanotokens < NANOTOKENS_PER_REQUEST)
		return 0;
	b->nanotokens -= NANOTOKENS_PER_REQUEST;
	return 1;
}

/*
 * The per-source bucket key: the IPv4 address, or the IPv6 /64, since one IPv6 host can
 * draw on a whole /64 of source addresses.
 */
static __always_inline void source_bucket_key(const struct packet *p, struct rtt_addr *key)
{
	*key = p->src;
	if (p->family == 6) {
		key->words[2] = 0;
		key->words[3] = 0;
	}
}

/* A source's own bucket; a source seen for the first time starts with a full one. */
static __always_inline int within_source_limit(const struct packet *p, __u64 now)
{
	if (!cfg_source_rate)
		return 1;
	struct rtt_addr key;
	source_bucket_key(p, &key);
	struct rtt_bucket *b = bpf_map_lookup_elem(&source_buckets, &key);
	if (b)
		return take_token(b, now, cfg_source_rate, cfg_source_burst);
	struct rtt_bucket fresh = {
	    .nanotokens = (cfg_source_burst - 1) * NANOTOKENS_PER_REQUEST,
	    .last_ns = now,
	};
	if (cfg_source_burst == 0)
		return 0;
	bpf_map_update_elem(&source_buckets, &key, &fresh, BPF_ANY);
	return 1;
}

/*
 * The source's bucket first, the global one only for requests their source may send: a
 * flooding source is stopped by its own bucket and cannot spend the budget everyone shares.
 */
static __always_inline int within_rate_limits(const struct packet *p, __u64 now)
{
	if (!within_source_limit(p, now))
		return 0;
	if (!cfg_global_rate)
		return 1;
	__u32 zero = 0;
	struct rtt_bucket *global = bpf_map_lookup_elem(&global_bucket, &zero);
	return global && take_token(global, now, cfg_global_rate, cfg_global_burst);
}

#endif
