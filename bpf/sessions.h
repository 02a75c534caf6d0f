/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Pending probes: one `sessions` entry per (requester, id), ended by its answer or by expiry.
 *
 * Expiry does not use a bpf_timer per session: bpf_timer_init allocates, and on Linux 6.18 that
 * allocation (kmalloc_nolock) fails once a few hundred timers exist, so most sessions would
 * never expire. Every session has the same timeout, so sessions expire in the order they were
 * created: each one also goes into its CPU's FIFO ring (maps.h), and one timer, a tenth of the
 * timeout apart, ends the sessions at the heads whose time has come. That costs O(1) per
 * session, whatever the table size, takes no lock and allocates nothing while serving.
 */
#ifndef RTT_SESSIONS_H
#define RTT_SESSIONS_H

#include <linux/errno.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "events.h"
#include "maps.h"
#include "policing.h"

#define RTT_CLOCK_MONOTONIC 1
/* Sessions one expiry run ends at most; the rest wait for the next run. */
#define RTT_EXPIRE_BATCH 65536

/* Gives the session back to its source's share. */
static __always_inline void source_release(struct rtt_addr *requester)
{
	struct rtt_addr source;

	source_key_of(requester, &source);
	struct rtt_bucket *b = bpf_map_lookup_elem(&source_buckets, &source);
	if (b)
		__sync_fetch_and_sub(&b->sessions, 1);
}

/*
 * Appends a session to this CPU's ring; 0 when the ring is full. Only this CPU writes the tail
 * (BPF programs do not nest on a CPU), and it publishes the entry by moving the tail after
 * writing it; the expiry reads the tail before the entries it covers.
 */
static __always_inline int expiry_append(struct rtt_session_key *key, __u64 now)
{
	__u32 zero = 0;
	struct rtt_expiry_ring *ring = bpf_map_lookup_elem(&expiry_rings, &zero);

	if (!ring)
		return 0;
	__u64 tail = ring->tail;
	/* A stale head only makes the ring look fuller than it is: a plain read is enough. */
	if (tail - *(volatile __u64 *)&ring->head >= cfg_ring_size)
		return 0;
	__u32 index =
	    bpf_get_smp_processor_id() * cfg_ring_size + (__u32)(tail & (cfg_ring_size - 1));
	struct rtt_expiry *e = bpf_map_lookup_elem(&expiries, &index);
	if (!e)
		return 0;
	e->key = *key;
	e->sent_ns = now;
	__sync_lock_test_and_set(&ring->tail, tail + 1);
	return 1;
}

enum session_result { SESSION_CREATED, SESSION_DUPLICATE, SESSION_TABLE_FULL };

static __always_inline enum session_result session_create(struct rtt_session_key *key,
							  struct rtt_addr *local, __u8 protocol,
							  __u8 ttl, __u64 now,
							  struct rtt_bucket *source)
{
	struct rtt_session fresh = {
	    .sent_ns = now, .local = *local, .protocol = protocol, .ttl = ttl};
	long err = bpf_map_update_elem(&sessions, key, &fresh, BPF_NOEXIST);

	if (err == -EEXIST)
		return SESSION_DUPLICATE;
	if (err)
		return SESSION_TABLE_FULL;
	if (!expiry_append(key, now)) {
		/* Untracked, it would never expire: refuse it instead. */
		bpf_map_delete_elem(&sessions, key);
		return SESSION_TABLE_FULL;
	}
	if (source)
		__sync_fetch_and_add(&source->sessions, 1);
	return SESSION_CREATED;
}

/*
 * What an answer needs of the session it ends. Laid out without implicit padding, so that a
 * copy on the stack is fully initialised and can be handed to a global function.
 */
struct answered {
	__u64 sent_ns;
	struct rtt_session_key key;
	struct rtt_addr local; /* the address the answer must be for: the session's */
	__u8 protocol;
	__u8 ttl;
	__u8 family;
	__u8 pad;
};

/*
 * Ends the session `a->key` if it was sent from `a->local`; 1 when it did, with the session's
 * time, protocol and TTL in `a`. Whoever deletes the entry (this answer or the expiry) ends the
 * session, so it is ended and counted once.
 */
static __always_inline int session_answer(struct answered *a)
{
	struct rtt_session *found = bpf_map_lookup_elem(&sessions, &a->key);

	if (!found)
		return 0;
	struct rtt_session copy = *found;
	if (!addr_equal(&copy.local, &a->local) || bpf_map_delete_elem(&sessions, &a->key))
		return 0;
	source_release(&a->key.requester);
	a->sent_ns = copy.sent_ns;
	a->protocol = copy.protocol;
	a->ttl = copy.ttl;
	return 1;
}

struct expiry_run {
	__u64 now;
	__u32 cpu;
	struct rtt_expiry_ring *ring;
};

/* Ends the oldest session of the ring if its time has come; stops the loop when none has. */
static long expire_oldest(__u64 unused, struct expiry_run *run)
{
	struct rtt_expiry_ring *ring = run->ring;
	__u64 head = ring->head;

	if (head >= __sync_fetch_and_add(&ring->tail, 0))
		return 1;
	__u32 index = run->cpu * cfg_ring_size + (__u32)(head & (cfg_ring_size - 1));
	struct rtt_expiry *e = bpf_map_lookup_elem(&expiries, &index);
	if (!e || e->sent_ns + cfg_timeout_ns > run->now)
		return 1;
	struct rtt_session_key key = e->key;
	__u64 sent_ns = e->sent_ns;
	/* The entry is read: the producer may reuse its place. */
	__sync_lock_test_and_set(&ring->head, head + 1);
	struct rtt_session *s = bpf_map_lookup_elem(&sessions, &key);
	/* Answered already, or a newer session with the same key that has its own entry. */
	if (!s || s->sent_ns != sent_ns)
		return 0;
	__u8 protocol = s->protocol, ttl = s->ttl;
	if (bpf_map_delete_elem(&sessions, &key))
		return 0; /* its answer came first */
	emit_simple_event(RTT_EVENT_TIMEOUT, &key.requester, key.id, protocol, ttl, 0, 0);
	count(RTT_CNT_TIMEOUTS);
	source_release(&key.requester);
	return 0;
}

static long expire_ring(__u64 cpu, struct expiry_run *run)
{
	__u32 zero = 0;

	run->cpu = cpu;
	run->ring = bpf_map_lookup_percpu_elem(&expiry_rings, &zero, cpu);
	if (run->ring)
		bpf_loop(RTT_EXPIRE_BATCH, expire_oldest, run, 0);
	return 0;
}

/* Only one expiry runs at a time (the timer, or the loader's fallback): one consumer. */
static __always_inline void expire_sessions(void)
{
	struct expiry_run run = {.now = bpf_ktime_get_ns()};

	bpf_loop(cfg_nr_cpus, expire_ring, &run, 0);
}

static int expiry_timer_fired(void *map, __u32 *key, struct rtt_expiry_timer *t)
{
	expire_sessions();
	bpf_timer_start(&t->timer, cfg_expiry_period_ns, 0);
	return 0;
}

#endif
