/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* Maps and load-time configuration of the server program. */
#ifndef RTT_MAPS_H
#define RTT_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "protocol.h"
#include "rtt_server.h"

/* Set by the loader before load (read-only afterwards, so the verifier prunes dead paths). */
const volatile __u8 cfg_enable_v4 = 1;
const volatile __u8 cfg_enable_v6 = 1;
const volatile __u8 cfg_emit_events = 0;
const volatile __u8 cfg_allowlist = 0;
const volatile __u64 cfg_timeout_ns = 5000000000ULL;
/* Token buckets: rate in requests/s, burst in requests; rate 0 disables a bucket. */
const volatile __u64 cfg_source_rate = 200;
const volatile __u64 cfg_source_burst = 500;
const volatile __u64 cfg_global_rate = 20000;
const volatile __u64 cfg_global_burst = 20000;
/* --require-padding: requests shorter than a success response get state 5 (anti-amplification). */
const volatile __u32 cfg_min_request_len = RTT_REQUEST_LEN;
/* --source-sessions: pending probes one source (IPv6: one /64) may hold; 0 = no limit. */
const volatile __s32 cfg_source_sessions = 512;

/* Expiry: the FIFO runs a tenth of the timeout apart (the loader sets it from -t). */
const volatile __u64 cfg_expiry_period_ns = 500000000ULL;

/* A pending probe, found by (requester, id). */
struct rtt_session {
	__u64 sent_ns;
	struct rtt_addr local; /* the address the request was sent to: the response's source */
	__u8 protocol;
	__u8 ttl;
	__u8 pad[6];
};

/* max_entries is the -n option; the loader resizes it before load. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 5000);
	__type(key, struct rtt_session_key);
	__type(value, struct rtt_session);
} sessions SEC(".maps");

/*
 * Every session created, oldest first (sessions.h): one ring per CPU, so that a request never
 * takes a lock to enter it (a BPF queue map's push, with its spinlock, cost about 100 ns per
 * request). Entry `i` of CPU `c`'s ring is element c * cfg_ring_size + (i % cfg_ring_size) of
 * `expiries`; `expiry_rings` holds each CPU's head (next to expire, written only by the expiry)
 * and tail (next free, written only by that CPU). The loader sizes both.
 */
const volatile __u32 cfg_ring_size = 8192; /* a power of two */
const volatile __u32 cfg_nr_cpus = 1;

struct rtt_expiry {
	struct rtt_session_key key;
	__u32 pad;
	__u64 sent_ns;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, struct rtt_expiry);
} expiries SEC(".maps");

struct rtt_expiry_ring {
	__u64 head;
	__u64 tail;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct rtt_expiry_ring);
} expiry_rings SEC(".maps");

struct rtt_expiry_timer {
	struct bpf_timer timer;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct rtt_expiry_timer);
} expiry_timer SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct rtt_addr);
	__type(value, struct rtt_bucket);
} source_buckets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct rtt_bucket);
} global_bucket SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 1024);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct rtt_prefix_key);
	__type(value, __u8);
} allowlist SEC(".maps");

/* The host's own addresses, kept current by the loader: requests to other hosts pass. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct rtt_addr);
	__type(value, __u8);
} local_addresses SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, RTT_CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

static __always_inline void count(enum rtt_counter which)
{
	__u32 key = which;
	__u64 *value = bpf_map_lookup_elem(&counters, &key);

	if (value)
		*value += 1;
}

#endif
