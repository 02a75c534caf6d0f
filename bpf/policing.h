/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Policing of requests: the optional allow-list, token buckets per source and overall, and
 * each source's share of the session table. Buckets are updated without locks; two CPUs racing
 * on one bucket can let a request more through, which is harmless next to the cost of a lock on
 * every request.
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
 * Whose bucket a requester draws on: an IPv4 address, or an IPv6 /64, since one IPv6 host can
 * draw on a whole /64 of source addresses. (IPv4-mapped IPv6 sources are refused earlier.)
 */
static __always_inline void source_key_of(const struct rtt_addr *requester, struct rtt_addr *key)
{
	*key = *requester;
	if (key->words[0] || key->words[1] || key->words[2] != bpf_htonl(0x0000FFFF)) {
		key->words[2] = 0;
		key->words[3] = 0;
	}
}

/* The source's state; a source seen for the first time starts with a full bucket. */
static __always_inline struct rtt_bucket *source_bucket(const struct packet *p, __u64 now)
{
	struct rtt_addr key;

	source_key_of(&p->src, &key);
	struct rtt_bucket *b = bpf_map_lookup_elem(&source_buckets, &key);
	if (b)
		return b;
	struct rtt_bucket fresh = {
	    .nanotokens = cfg_source_burst * NANOTOKENS_PER_REQUEST,
	    .last_ns = now,
	};
	bpf_map_update_elem(&source_buckets, &key, &fresh, BPF_NOEXIST);
	return bpf_map_lookup_elem(&source_buckets, &key);
}

/*
 * The source's bucket first, the global one only for requests their source may send: a
 * flooding source is stopped by its own bucket and cannot spend the budget everyone shares.
 */
static __always_inline int within_rate_limits(struct rtt_bucket *source, __u64 now)
{
	if (cfg_source_rate && source &&
	    !take_token(source, now, cfg_source_rate, cfg_source_burst))
		return 0;
	if (!cfg_global_rate)
		return 1;
	__u32 zero = 0;
	struct rtt_bucket *global = bpf_map_lookup_elem(&global_bucket, &zero);
	return global && take_token(global, now, cfg_global_rate, cfg_global_burst);
}

/* A source may hold at most its share of the session table (--source-sessions). */
static __always_inline int within_source_share(struct rtt_bucket *source)
{
	return !cfg_source_sessions || !source || source->sessions < cfg_source_sessions;
}

#endif
