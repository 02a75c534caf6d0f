/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * What the BPF program and its loader share: counters, events, map keys and values.
 * (The wire format itself is in common/protocol.h.)
 */
#ifndef RTT_SERVER_H
#define RTT_SERVER_H

#include <linux/types.h>

/* Per-CPU counters; the loader names them in the same order (server/counters.cpp). */
enum rtt_counter {
	RTT_CNT_REQUESTS,    /* reverse traceroute requests addressed to us */
	RTT_CNT_PROBES_ICMP, /* probes sent, per protocol */
	RTT_CNT_PROBES_TCP,
	RTT_CNT_PROBES_UDP,
	RTT_CNT_STATE_ERRORS, /* error responses sent (bad TTL or protocol) */
	RTT_CNT_ANSWERS,      /* answers matched to a session, responses sent */
	RTT_CNT_TIMEOUTS,     /* sessions expired without an answer (by their timer) */
	RTT_CNT_TABLE_FULL,   /* requests refused (state 6): session table full */
	RTT_CNT_DUPLICATES,   /* requests dropped: (requester, id) already pending */
	RTT_CNT_RATE_LIMITED, /* requests dropped by the per-source or global bucket */
	RTT_CNT_NOT_ALLOWED,  /* requests dropped: source outside the allow-list */
	RTT_CNT_MALFORMED,    /* requests dropped: truncated, too long, id 0, unusable source */
	RTT_CNT_UNMATCHED,    /* answers with our marker but no session, dropped */
	RTT_CNT_SEND_FAILED,  /* packets we could not rewrite or redirect, dropped */
	RTT_CNT_PASSED,	      /* packets that were not ours, passed untouched */
	RTT_CNT_UNPADDED,     /* requests refused (state 5): shorter than --require-padding asks */
	RTT_CNT_BAD_CHECKSUM, /* requests dropped: wrong ICMP checksum */
	RTT_CNT_SOURCE_SHARE, /* requests refused (state 6): the source holds its share of sessions
			       */
	RTT_CNT_EXTENSIONS,   /* requests refused (state 4): an extension object we do not implement
			       */
	RTT_CNT_MAX,
};

/* Addresses in the 16-byte wire form (IPv4 as IPv4-mapped), network byte order. */
struct rtt_addr {
	__u32 words[4];
};

/* Pending probes are keyed by (requester, request id), docs/protocol.md §4. */
struct rtt_session_key {
	struct rtt_addr requester;
	__u16 id;
	__u16 pad; /* always zero: part of the hash */
};

/*
 * Per-source state: a token bucket, counted in nanotokens (1e9 per request), and the sessions
 * the source holds (signed: an LRU eviction while sessions are pending can leave it below zero).
 */
struct rtt_bucket {
	__u64 nanotokens;
	__u64 last_ns;
	__s32 sessions;
	__u32 pad;
};

/* Allow-list entry (LPM trie); IPv4 prefixes are stored IPv4-mapped with prefixlen + 96. */
struct rtt_prefix_key {
	__u32 prefixlen;
	struct rtt_addr addr;
};

enum rtt_event_kind {
	RTT_EVENT_PROBE = 1, /* request turned into a probe */
	RTT_EVENT_ANSWER,    /* answer turned into a response */
	RTT_EVENT_REJECTED,  /* request answered with an error state */
	RTT_EVENT_DROPPED,   /* request dropped (see counter) */
	RTT_EVENT_TIMEOUT,   /* session expired */
};

/* Ring-buffer event for --verbose. */
struct rtt_event {
	__u64 time_ns;
	struct rtt_addr requester;
	struct rtt_addr hop; /* RTT_EVENT_ANSWER only */
	__u64 timespan_ns;   /* RTT_EVENT_ANSWER only */
	__u16 id;
	__u8 kind;
	__u8 protocol;
	__u8 ttl;
	__u8 state;  /* RTT_EVENT_REJECTED: the state sent */
	__u8 reason; /* RTT_EVENT_DROPPED: the counter that counted it */
	__u8 pad;
};

/* skb->mark on a direct TCP answer cloned back to the stack so the kernel resets it. */
#define RTT_PASS_MARK 0x52545452

#endif
