/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* Pending probes: one map entry per (requester, id) with a bpf_timer that expires it. */
#ifndef RTT_SESSIONS_H
#define RTT_SESSIONS_H

#include <linux/errno.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "events.h"
#include "maps.h"

#define RTT_CLOCK_MONOTONIC 1

static int session_expired(void *map, struct rtt_session_key *key, struct rtt_session *session)
{
	emit_simple_event(RTT_EVENT_TIMEOUT, &key->requester, key->id, session->protocol,
			  session->ttl, 0, 0);
	bpf_map_delete_elem(map, key);
	count(RTT_CNT_TIMEOUTS);
	return 0;
}

enum session_result { SESSION_CREATED, SESSION_DUPLICATE, SESSION_TABLE_FULL };

static __always_inline enum session_result session_create(struct rtt_session_key *key,
							  struct rtt_addr *local, __u8 protocol,
							  __u8 ttl, __u64 now)
{
	struct rtt_session fresh = {
	    .sent_ns = now, .local = *local, .protocol = protocol, .ttl = ttl};
	long err = bpf_map_update_elem(&sessions, key, &fresh, BPF_NOEXIST);

	if (err == -EEXIST)
		return SESSION_DUPLICATE;
	if (err)
		return SESSION_TABLE_FULL;
	struct rtt_session *session = bpf_map_lookup_elem(&sessions, key);
	if (!session)
		return SESSION_TABLE_FULL;
	/*
	 * The timer's memory is allocated here, without locks; under a burst that can fail with
	 * -ENOMEM (seen on 6.18 at ~1 M requests/s). The session is kept then, and the loader's
	 * sweep (server/server_program.cpp) expires it instead of the timer.
	 */
	if (bpf_timer_init(&session->timer, &sessions, RTT_CLOCK_MONOTONIC) ||
	    bpf_timer_set_callback(&session->timer, session_expired) ||
	    bpf_timer_start(&session->timer, cfg_timeout_ns, 0))
		count(RTT_CNT_TIMER_FALLBACK);
	return SESSION_CREATED;
}

#endif
