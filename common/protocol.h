/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The reverse traceroute wire protocol (docs/protocol.md), shared by the eBPF server and the
 * C++ client. Plain C with uapi types only, so that BPF code (clang -target bpf, no libc) and
 * C++ include the same definitions. All multi-byte fields are in network byte order.
 */
#ifndef RTT_COMMON_PROTOCOL_H
#define RTT_COMMON_PROTOCOL_H

#include <linux/types.h>

/* Echo request/reply code that marks reverse traceroute messages (code 0 is ordinary ping). */
#define RTT_CODE 1

#define RTT_ICMP4_ECHO_REQUEST 8
#define RTT_ICMP4_ECHO_REPLY 0
#define RTT_ICMP4_DEST_UNREACH 3
#define RTT_ICMP4_TIME_EXCEEDED 11
#define RTT_ICMP6_ECHO_REQUEST 128
#define RTT_ICMP6_ECHO_REPLY 129
#define RTT_ICMP6_DEST_UNREACH 1
#define RTT_ICMP6_TIME_EXCEEDED 3
#define RTT_ICMP6_PACKET_TOO_BIG 2
#define RTT_ICMP4_FRAG_NEEDED 4 /* destination unreachable code */

#define RTT_IPPROTO_ICMP 1
#define RTT_IPPROTO_TCP 6
#define RTT_IPPROTO_UDP 17
#define RTT_IPPROTO_ICMPV6 58
/* Protocol 0 in a request asks for the server default, an ICMP probe. */
#define RTT_IPPROTO_DEFAULT 0

/* Markers the server puts on its probes so that answers can be recognised (§3). */
#define RTT_PROBE_SOURCE_PORT 1021
#define RTT_PROBE_ECHO_SEQUENCE 0xFFFF

/* Defaults for flow 0 (§3). */
#define RTT_DEFAULT_UDP_PORT 53
#define RTT_DEFAULT_TCP_PORT 80
#define RTT_DEFAULT_ICMP_CHECKSUM 0xBEAF

/* TCP probe shape (§3): SYN, data offset 6 (one MSS option), window 1024, MSS 1460. */
#define RTT_TCP_PROBE_WINDOW 1024
#define RTT_TCP_PROBE_MSS 1460

/* Response IP TTL / hop limit (§2). */
#define RTT_RESPONSE_TTL 64

/* Response states (§2). */
enum rtt_state {
    RTT_STATE_SUCCESS = 0,
    RTT_STATE_INVALID_TTL = 1,
    RTT_STATE_INVALID_PROTOCOL = 2,
    RTT_STATE_INVALID_FLOW = 3,
    /* The request carries an ICMP extension object the server does not implement; bytes 10-11
       of the response hold the object's Class-Num and C-Type (as the deployed server does). */
    RTT_STATE_EXTENSION_NOT_SUPPORTED = 4,
    /* The server answers only requests padded to the size of a success response. */
    RTT_STATE_INSUFFICIENT_PADDING = 5,
    /* Ours: refused for load, the session table or the requester's share of it is full. */
    RTT_STATE_BUSY = 6,
};

/* An ICMP extension structure (RFC 4884) may follow the request's 12 bytes: version 2. */
#define RTT_EXTENSION_VERSION 2

/* §1: bytes 0-11 of the request's ICMP message. */
struct rtt_request {
    __u8 type;
    __u8 code;
    __be16 checksum;
    __be16 identifier;
    __be16 sequence;
    __u8 ttl;
    __u8 protocol;
    __be16 flow;
} __attribute__((packed));

/* §2: the fixed 12-byte head of every response. */
struct rtt_response_head {
    __u8 type;
    __u8 code;
    __be16 checksum;
    __be16 identifier;
    __be16 sequence;
    __u8 state;
    __u8 err_msg_len;
    __be16 reserved;
} __attribute__((packed));

/* §2: a success response; IPv4 hop addresses are IPv4-mapped (::ffff:a.b.c.d). */
struct rtt_response_success {
    struct rtt_response_head head;
    __u8 hop_address[16];
    /* Deployed servers write a 32-bit nanosecond count here and zero after it. */
    __be32 timespan_ns;
    __be32 timespan_high;
} __attribute__((packed));

/* §3: the 8 payload bytes of UDP and ICMP probes; the last two balance the checksum. */
struct rtt_probe_payload {
    __u8 random[6];
    __be16 balance;
} __attribute__((packed));

/* §3: the TCP SYN probe, header plus its single MSS option. */
struct rtt_tcp_probe {
    __be16 source;
    __be16 dest;
    __be32 seq;
    __be32 ack_seq;
    __u8 data_offset; /* upper nibble: 6 words */
    __u8 flags;
    __be16 window;
    __be16 checksum;
    __be16 urgent;
    __u8 mss_kind;
    __u8 mss_len;
    __be16 mss;
} __attribute__((packed));

#define RTT_REQUEST_LEN 12
#define RTT_RESPONSE_ERROR_LEN 12
#define RTT_RESPONSE_SUCCESS_LEN 36
#define RTT_UDP_PROBE_LEN 16
#define RTT_TCP_PROBE_LEN 24
#define RTT_ICMP_PROBE_LEN 16

#define RTT_TCP_FLAG_FIN 0x01
#define RTT_TCP_FLAG_SYN 0x02
#define RTT_TCP_FLAG_RST 0x04
#define RTT_TCP_FLAG_ACK 0x10

#ifdef __cplusplus
static_assert(sizeof(struct rtt_request) == RTT_REQUEST_LEN, "request layout");
static_assert(sizeof(struct rtt_response_head) == RTT_RESPONSE_ERROR_LEN, "response layout");
static_assert(sizeof(struct rtt_response_success) == RTT_RESPONSE_SUCCESS_LEN, "response layout");
static_assert(sizeof(struct rtt_tcp_probe) == RTT_TCP_PROBE_LEN, "tcp probe layout");
#else
_Static_assert(sizeof(struct rtt_request) == RTT_REQUEST_LEN, "request layout");
_Static_assert(sizeof(struct rtt_response_success) == RTT_RESPONSE_SUCCESS_LEN, "response layout");
_Static_assert(sizeof(struct rtt_tcp_probe) == RTT_TCP_PROBE_LEN, "tcp probe layout");
#endif

#endif
