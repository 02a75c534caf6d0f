/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* Ring-buffer events for the loader's --verbose log; compiled out unless enabled at load. */
#ifndef RTT_EVENTS_H
#define RTT_EVENTS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "maps.h"

static __always_inline struct rtt_event *event_start(__u8 kind, struct rtt_addr *requester,
						     __u16 id)
{
	if (!cfg_emit_events)
		return 0;
	struct rtt_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return 0;
	__builtin_memset(e, 0, sizeof(*e));
	e->time_ns = bpf_ktime_get_ns();
	e->kind = kind;
	e->requester = *requester;
	e->id = id;
	return e;
}

static __always_inline void emit_simple_event(__u8 kind, struct rtt_addr *requester, __u16 id,
					      __u8 protocol, __u8 ttl, __u8 state, __u8 reason)
{
	struct rtt_event *e = event_start(kind, requester, id);

	if (!e)
		return;
	e->protocol = protocol;
	e->ttl = ttl;
	e->state = state;
	e->reason = reason;
	bpf_ringbuf_submit(e, 0);
}

#endif
