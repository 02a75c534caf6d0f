/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Pending probes: one `sessions` entry per (requester, id), ended by its answer or by expiry.
 *
 * Expiry does not use a bpf_timer per session: bpf_timer_init allocates, and on Linux 6.18 that
 * allocation (kmalloc_nolock) fails once a few hundred timers exist, so most sessions would
 * never expire. Every session has the same timeout, so sessions expire in the order they were
 * created: each one also goes into the `expiries` FIFO, and one timer, a tenth of the timeout
 * apart, ends the sessions at the head whose time has come. That costs O(1) per session,
 * whatever the table size, and allocates nothing while serving.
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
	struct rtt_expiry expiry = {.key = *key, .sent_ns = now};
	if (bpf_map_push_elem(&expiries, &expiry, 0)) {
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
	struct rtt_addr local; /* in: the address the answer must be for; out: the session's */
	__u8 protocol;
	__u8 ttl;
	__u8 family;
	__u8 pad;
};

/*
 * Ends the session `a->key` if it was sent from `local`; 1 when it did. Whoever deletes the
 * entry (this answer or the expiry) ends the session, so it is ended and counted once.
 */
static __always_inline int session_answer(struct answered *a, struct rtt_addr *local)
{
	struct rtt_session *found = bpf_map_lookup_elem(&sessions, &a->key);

	if (!found)
		return 0;
	struct rtt_session copy = *found;
	if (!addr_equal(&copy.local, local) || bpf_map_delete_elem(&sessions, &a->key))
		return 0;
	source_release(&a->key.requester);
	a->local = copy.local;
	a->sent_ns = copy.sent_ns;
	a->protocol = copy.protocol;
	a->ttl = copy.ttl;
	return 1;
}

struct expiry_run {
	__u64 now;
};

/* Ends the oldest session if its time has come; stops the loop when none has. */
static long expire_oldest(__u64 index, struct expiry_run *run)
{
	struct rtt_expiry e;

	if (bpf_map_peek_elem(&expiries, &e) || e.sent_ns + cfg_timeout_ns > run->now)
		return 1;
	bpf_map_pop_elem(&expiries, &e);
	struct rtt_session *s = bpf_map_lookup_elem(&sessions, &e.key);
	/* Answered already, or a newer session with the same key that has its own entry. */
	if (!s || s->sent_ns != e.sent_ns)
		return 0;
	__u8 protocol = s->protocol, ttl = s->ttl;
	if (bpf_map_delete_elem(&sessions, &e.key))
		return 0; /* its answer came first */
	emit_simple_event(RTT_EVENT_TIMEOUT, &e.key.requester, e.key.id, protocol, ttl, 0, 0);
	count(RTT_CNT_TIMEOUTS);
	source_release(&e.key.requester);
	return 0;
}

/* Only one expiry runs at a time (the timer, or the loader's fallback): one consumer. */
static __always_inline void expire_sessions(void)
{
	struct expiry_run run = {.now = bpf_ktime_get_ns()};

	bpf_loop(RTT_EXPIRE_BATCH, expire_oldest, &run, 0);
}

static int expiry_timer_fired(void *map, __u32 *key, struct rtt_expiry_timer *t)
{
	expire_sessions();
	bpf_timer_start(&t->timer, cfg_expiry_period_ns, 0);
	return 0;
}

#endif
