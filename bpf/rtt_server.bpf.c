// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * reverse-traceroute server, tc ingress. Turns reverse traceroute requests into probes toward
 * the requester and the answers those probes provoke into responses (docs/protocol.md).
 * Every packet that is not part of this exchange leaves with TC_ACT_UNSPEC, untouched, so
 * later filters (another instance for the other family, anyone else's) still see it.
 */
#include <linux/bpf.h>
#include <linux/in.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "events.h"
#include "maps.h"
#include "output.h"
#include "parsing.h"
#include "policing.h"
#include "probe.h"
#include "protocol.h"
#include "response.h"
#include "sessions.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

static __always_inline int pass(void)
{
	count(RTT_CNT_PASSED);
	return TC_ACT_UNSPEC;
}

static __always_inline int drop(enum rtt_counter reason, struct rtt_addr *requester, __u16 id)
{
	count(reason);
	emit_simple_event(RTT_EVENT_DROPPED, requester, id, 0, 0, 0, reason);
	return TC_ACT_SHOT;
}

/*
 * The packet being composed lives in a per-CPU scratch buffer rather than on the stack: the
 * stack is small, and a map value can be handed to send_outgoing, a global function the
 * verifier checks once instead of once per caller.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct outgoing);
} outgoing_scratch SEC(".maps");

static __always_inline struct outgoing *outgoing_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&outgoing_scratch, &zero);
}

/* Writes the composed packet over the skb and sends it (output.h). */
__noinline int send_outgoing(struct __sk_buff *skb)
{
	struct outgoing *o = outgoing_get();

	if (!skb || !o || !outgoing_write(skb, o)) {
		count(RTT_CNT_SEND_FAILED);
		return TC_ACT_SHOT;
	}
	return outgoing_send(skb, o);
}

static __always_inline void outgoing_reply_to(struct outgoing *o, const struct packet *p)
{
	o->family = p->family;
	o->src = p->dst;
	o->dst = p->src;
}

/* Answers a request with an error state (12 bytes), `value` in bytes 10-11. */
__noinline int reject(struct __sk_buff *skb, struct packet *p, struct rtt_request *req, __u8 state,
		      __u16 value)
{
	struct outgoing *o = outgoing_get();

	/* An error state only: a success carries a hop, which a refusal has not. */
	if (!skb || !p || !req || !o || state == RTT_STATE_SUCCESS)
		return TC_ACT_SHOT;
	struct rtt_addr requester = p->src;
	outgoing_reply_to(o, p);
	build_response(o, bpf_ntohs(req->identifier), state, value, 0, 0);
	count(RTT_CNT_STATE_ERRORS);
	emit_simple_event(RTT_EVENT_REJECTED, &requester, bpf_ntohs(req->identifier), req->protocol,
			  req->ttl, state, 0);
	return send_outgoing(skb);
}

/*
 * Only packets addressed to this host can be ours: on a router, other hosts' requests, answers
 * and anything else that happens to carry our markers must pass untouched.
 */
static __always_inline int addressed_to_us(const struct packet *p)
{
	return bpf_map_lookup_elem(&local_addresses, &p->dst) != 0;
}

/*
 * A whole request message, as far as the server reads one: requests are 12 bytes, 36 when
 * padded, and an extension object adds a few dozen; longer ones are refused as malformed.
 */
#define RTT_MAX_REQUEST_LEN 128

struct request_message {
	__u8 bytes[RTT_MAX_REQUEST_LEN];
};

/* Too large for BPF's 512-byte stack: one scratch copy per CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct request_message);
} request_scratch SEC(".maps");

/* Loads the request (zero-filled past its end) and checks its ICMP checksum. */
static __noinline int load_checked_request(struct __sk_buff *skb, const struct packet *p,
					   struct request_message *m)
{
	__u32 len = p->l4_len;

	if (len < RTT_REQUEST_LEN || len > RTT_MAX_REQUEST_LEN)
		return 0;
	/*
	 * Zeros past the end add nothing to the sum, so a zero-filled buffer of constant size is
	 * summed (the verifier wants constant sizes): 36 bytes for the requests clients send (12,
	 * or padded to 36), all 128 for longer ones.
	 */
	__u64 sum;
	if (len <= RTT_RESPONSE_SUCCESS_LEN) {
		__builtin_memset(m, 0, RTT_RESPONSE_SUCCESS_LEN);
		if (bpf_skb_load_bytes(skb, p->l4_off, m->bytes, len))
			return 0;
		sum = csum_add_bytes(0, m->bytes, RTT_RESPONSE_SUCCESS_LEN);
	} else {
		__builtin_memset(m, 0, sizeof(*m));
		if (bpf_skb_load_bytes(skb, p->l4_off, m->bytes, len))
			return 0;
		sum = csum_add_bytes(0, m->bytes, RTT_MAX_REQUEST_LEN);
	}
	if (p->family == 6) {
		struct rtt_addr src = p->src, dst = p->dst;
		sum += csum_pseudo(6, &src, &dst, RTT_IPPROTO_ICMPV6, len);
	}
	return rtt_csum_fold(sum) == 0xFFFF;
}

/*
 * The handlers below are global functions: the verifier checks each once, on its own, rather
 * than every path through all of them together.
 */
__noinline int handle_request(struct __sk_buff *skb, struct packet *p)
{
	struct rtt_request req;
	__u32 zero = 0;

	if (!skb || !p)
		return TC_ACT_UNSPEC;
	if (!addressed_to_us(p))
		return pass();
	count(RTT_CNT_REQUESTS);
	struct request_message *m = bpf_map_lookup_elem(&request_scratch, &zero);
	if (!m || p->l4_len < RTT_REQUEST_LEN || p->l4_len > RTT_MAX_REQUEST_LEN)
		return drop(RTT_CNT_MALFORMED, &p->src, 0);
	if (!load_checked_request(skb, p, m))
		return drop(RTT_CNT_BAD_CHECKSUM, &p->src, 0);
	__builtin_memcpy(&req, m->bytes, sizeof(req));
	__u16 id = bpf_ntohs(req.identifier);
	/* A request "from" one of our own addresses is forged: it would make us probe ourselves. */
	if (id == 0 || !usable_requester(p) || bpf_map_lookup_elem(&local_addresses, &p->src))
		return drop(RTT_CNT_MALFORMED, &p->src, id);
	if (!allowed_by_allowlist(p))
		return drop(RTT_CNT_NOT_ALLOWED, &p->src, id);
	__u64 now = bpf_ktime_get_ns();
	struct rtt_bucket *source = source_bucket(p, now);
	/* Nothing is sent for a request over a rate limit: the server must not be a reflector. */
	if (!within_rate_limits(source, now))
		return drop(RTT_CNT_RATE_LIMITED, &p->src, id);
	/* The refusals below are 12 bytes, never more than the request. */
	if (p->l4_len < cfg_min_request_len) {
		count(RTT_CNT_UNPADDED);
		return reject(skb, p, &req, RTT_STATE_INSUFFICIENT_PADDING, 0);
	}
	if (p->l4_len >= RTT_REQUEST_LEN + 4 &&
	    m->bytes[RTT_REQUEST_LEN] >> 4 == RTT_EXTENSION_VERSION) {
		/* No extension object is implemented: the "indirect target" would probe a third
		 * party. */
		if (p->l4_len < RTT_REQUEST_LEN + 8)
			return drop(RTT_CNT_MALFORMED, &p->src, id);
		count(RTT_CNT_EXTENSIONS);
		return reject(skb, p, &req, RTT_STATE_EXTENSION_NOT_SUPPORTED,
			      (__u16)m->bytes[RTT_REQUEST_LEN + 6] << 8 |
				  m->bytes[RTT_REQUEST_LEN + 7]);
	}
	if (req.ttl == 0)
		return reject(skb, p, &req, RTT_STATE_INVALID_TTL, 0);
	__u8 protocol = probe_protocol(req.protocol, p->family);
	if (!protocol)
		return reject(skb, p, &req, RTT_STATE_INVALID_PROTOCOL, 0);
	if (!within_source_share(source)) {
		count(RTT_CNT_SOURCE_SHARE);
		return reject(skb, p, &req, RTT_STATE_BUSY, 0);
	}

	struct rtt_session_key key = {.requester = p->src, .id = id};
	enum session_result created = session_create(&key, &p->dst, protocol, req.ttl, now, source);
	if (created == SESSION_DUPLICATE)
		return drop(RTT_CNT_DUPLICATES, &p->src, id);
	if (created == SESSION_TABLE_FULL) {
		count(RTT_CNT_TABLE_FULL);
		return reject(skb, p, &req, RTT_STATE_BUSY, 0);
	}

	struct outgoing *o = outgoing_get();
	if (!o)
		return TC_ACT_SHOT;
	outgoing_reply_to(o, p);
	build_probe(o, protocol, req.ttl, id, bpf_ntohs(req.flow), p->tos, p->dont_frag);
	count(protocol == RTT_IPPROTO_TCP   ? RTT_CNT_PROBES_TCP
	      : protocol == RTT_IPPROTO_UDP ? RTT_CNT_PROBES_UDP
					    : RTT_CNT_PROBES_ICMP);
	emit_simple_event(RTT_EVENT_PROBE, &key.requester, id, protocol, req.ttl, 0, 0);
	int verdict = send_outgoing(skb);
	if (verdict == TC_ACT_SHOT) {
		/* Never sent: no answer can come, so the session ends now. */
		struct answered never_sent = {.key = key, .local = p->dst};
		session_answer(&never_sent);
	}
	return verdict;
}

static __always_inline int respond(struct __sk_buff *skb, struct answered *a, struct rtt_addr *hop)
{
	struct outgoing *o = outgoing_get();
	__u64 timespan = bpf_ktime_get_ns() - a->sent_ns;

	if (!o)
		return TC_ACT_SHOT;
	o->family = a->family;
	o->src = a->local;
	o->dst = a->key.requester;
	build_response(o, a->key.id, RTT_STATE_SUCCESS, 0, hop, timespan);
	count(RTT_CNT_ANSWERS);
	struct rtt_event *e = event_start(RTT_EVENT_ANSWER, &a->key.requester, a->key.id);
	if (e) {
		e->hop = *hop;
		e->timespan_ns = timespan;
		e->protocol = a->protocol;
		e->ttl = a->ttl;
		bpf_ringbuf_submit(e, 0);
	}
	return send_outgoing(skb);
}

/*
 * Ends the session an answer belongs to and turns the answer into the response; drops an answer
 * whose session has ended (or never was). `a` holds the key, the address the answer must be
 * for, and the family. With `to_stack`, a copy of the packet goes to the local stack first, so
 * that the kernel answers a SYN-ACK with a reset and the requester keeps no half-open connection
 * (the mark lets the copy pass us).
 */
__noinline int answer(struct __sk_buff *skb, struct answered *a, struct rtt_addr *hop, int to_stack)
{
	if (!skb || !a || !hop)
		return TC_ACT_UNSPEC;
	if (!session_answer(a))
		return drop(RTT_CNT_UNMATCHED, &a->key.requester, a->key.id);
	if (to_stack) {
		__u32 mark = skb->mark;
		skb->mark = RTT_PASS_MARK;
		bpf_clone_redirect(skb, skb->ifindex, BPF_F_INGRESS);
		skb->mark = mark;
	}
	return respond(skb, a, hop);
}

/*
 * The answer classifiers fill `a` and return 1 when the packet carries our markers and is
 * addressed to us; the dispatcher then calls answer(). (Calling answer() from inside them would
 * stack four frames deep, more than BPF's 512 bytes.)
 */

/* ICMP Time Exceeded / Destination Unreachable: is the quoted packet one of our probes? */
__noinline int quoted_probe(struct __sk_buff *skb, struct packet *p, struct answered *a)
{
	if (!skb || !p || !a)
		return 0;
	__u32 quote = p->l4_off + 8;
	__u32 end = p->l4_off + p->l4_len;
	__u8 quoted_protocol;
	__u32 quoted_l4;

	if (p->family == 4) {
		struct iphdr ip;
		if (quote + sizeof(ip) > end || !load(skb, quote, &ip, sizeof(ip)) ||
		    ip.version != 4 || ip.ihl < 5)
			return 0;
		quoted_protocol = ip.protocol;
		addr_from_v4(&a->local, ip.saddr);
		addr_from_v4(&a->key.requester, ip.daddr);
		quoted_l4 = quote + ip.ihl * 4;
	} else {
		struct ipv6hdr ip;
		if (quote + sizeof(ip) > end || !load(skb, quote, &ip, sizeof(ip)) ||
		    ip.version != 6)
			return 0;
		quoted_protocol = ip.nexthdr;
		addr_from_v6(&a->local, &ip.saddr);
		addr_from_v6(&a->key.requester, &ip.daddr);
		quoted_l4 = quote + sizeof(ip);
	}
	__u8 l4[8];
	if (quoted_l4 + sizeof(l4) > end || !load(skb, quoted_l4, l4, sizeof(l4)))
		return 0;
	__u16 word0 = (__u16)l4[0] << 8 | l4[1];
	__u16 word2 = (__u16)l4[4] << 8 | l4[5], word3 = (__u16)l4[6] << 8 | l4[7];
	__u8 icmp = p->family == 4 ? RTT_IPPROTO_ICMP : RTT_IPPROTO_ICMPV6;
	__u8 echo_request = p->family == 4 ? RTT_ICMP4_ECHO_REQUEST : RTT_ICMP6_ECHO_REQUEST;

	if (quoted_protocol == RTT_IPPROTO_UDP && word0 == RTT_PROBE_SOURCE_PORT)
		a->key.id = word3; /* the UDP checksum */
	else if (quoted_protocol == RTT_IPPROTO_TCP && word0 == RTT_PROBE_SOURCE_PORT && word2 == 0)
		a->key.id = word3; /* the low half of the sequence number */
	else if (quoted_protocol == icmp && l4[0] == echo_request && l4[1] == 0 &&
		 word3 == RTT_PROBE_ECHO_SEQUENCE)
		a->key.id = word2; /* the echo identifier */
	else
		return 0;
	/* Checked once the markers matched, so that other ICMP traffic pays no map lookup. */
	return addressed_to_us(p);
}

/* A direct answer from the requester: its address and our address are the session's. */
static __always_inline void direct_answer(struct answered *a, const struct packet *p, __u16 id)
{
	a->key.requester = p->src;
	a->key.id = id;
	a->local = p->dst;
}

static __always_inline int handle_icmp(struct __sk_buff *skb, struct packet *p, struct answered *a)
{
	__u8 h[8];

	if (p->l4_len < sizeof(h) || !load(skb, p->l4_off, h, sizeof(h)))
		return pass();
	__u8 type = h[0], code = h[1];
	int v4 = p->family == 4;

	if (type == (v4 ? RTT_ICMP4_ECHO_REQUEST : RTT_ICMP6_ECHO_REQUEST))
		return code == RTT_CODE ? handle_request(skb, p) : pass();
	if ((type == (v4 ? RTT_ICMP4_TIME_EXCEEDED : RTT_ICMP6_TIME_EXCEEDED) && code == 0) ||
	    type == (v4 ? RTT_ICMP4_DEST_UNREACH : RTT_ICMP6_DEST_UNREACH))
		return quoted_probe(skb, p, a) ? answer(skb, a, &p->src, 0) : pass();
	/* A direct echo reply to an ICMP probe. */
	if (type == (v4 ? RTT_ICMP4_ECHO_REPLY : RTT_ICMP6_ECHO_REPLY) && code == 0 &&
	    h[6] == 0xFF && h[7] == 0xFF && addressed_to_us(p)) {
		direct_answer(a, p, (__u16)h[4] << 8 | h[5]);
		return answer(skb, a, &p->src, 0);
	}
	return pass();
}

/* A SYN-ACK or RST from the requester answers a TCP probe directly. */
static __always_inline int handle_tcp(struct __sk_buff *skb, struct packet *p, struct answered *a)
{
	__u8 h[16];

	if (p->l4_len < 20 || !load(skb, p->l4_off, h, sizeof(h)))
		return pass();
	__u16 dest = (__u16)h[2] << 8 | h[3];
	__u8 flags = h[13];
	int syn_ack = (flags & (RTT_TCP_FLAG_SYN | RTT_TCP_FLAG_ACK)) ==
		      (RTT_TCP_FLAG_SYN | RTT_TCP_FLAG_ACK);
	int rst_ack = (flags & (RTT_TCP_FLAG_RST | RTT_TCP_FLAG_ACK)) ==
		      (RTT_TCP_FLAG_RST | RTT_TCP_FLAG_ACK);
	__u32 acked = ((__u32)h[8] << 24 | (__u32)h[9] << 16 | (__u32)h[10] << 8 | h[11]) - 1;

	if (dest != RTT_PROBE_SOURCE_PORT || !(syn_ack || rst_ack) || acked > 0xFFFF ||
	    !addressed_to_us(p))
		return pass();
	direct_answer(a, p, (__u16)acked);
	return answer(skb, a, &p->src, syn_ack);
}

/*
 * Run by the loader with BPF_PROG_TEST_RUN, never by a packet. start_expiry arms the expiry
 * timer (one allocation, at start); expire_now is the loader's fallback when it could not.
 */
int expiry_error;

SEC("syscall")
int start_expiry(void *ctx)
{
	__u32 zero = 0;
	struct rtt_expiry_timer *t = bpf_map_lookup_elem(&expiry_timer, &zero);

	if (!t)
		return 0;
	expiry_error = bpf_timer_init(&t->timer, &expiry_timer, RTT_CLOCK_MONOTONIC);
	if (!expiry_error)
		expiry_error = bpf_timer_set_callback(&t->timer, expiry_timer_fired);
	if (!expiry_error)
		expiry_error = bpf_timer_start(&t->timer, cfg_expiry_period_ns, 0);
	return 0;
}

SEC("syscall")
int expire_now(void *ctx)
{
	expire_sessions();
	return 0;
}

SEC("tc")
int rtt_ingress(struct __sk_buff *skb)
{
	struct packet p;

	if (skb->mark == RTT_PASS_MARK) {
		skb->mark = 0;
		return pass();
	}
	if (!parse_packet(skb, &p))
		return pass();
	struct answered a = {.family = p.family};
	if (p.protocol == (p.family == 4 ? RTT_IPPROTO_ICMP : RTT_IPPROTO_ICMPV6))
		return handle_icmp(skb, &p, &a);
	if (p.protocol == RTT_IPPROTO_TCP)
		return handle_tcp(skb, &p, &a);
	return pass();
}
