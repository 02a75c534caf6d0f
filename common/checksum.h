/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * RFC 1071 one's-complement arithmetic usable from BPF C and C++. Sums are kept unfolded in
 * 64 bits so that callers can add many 16-bit words (or bpf_csum_diff results) before folding.
 */
#ifndef RTT_COMMON_CHECKSUM_H
#define RTT_COMMON_CHECKSUM_H

#include <linux/types.h>

/* Folds an unfolded one's-complement sum to 16 bits (not yet inverted). */
static inline __u16 rtt_csum_fold(__u64 sum) {
    sum = (sum & 0xFFFFFFFFULL) + (sum >> 32);
    sum = (sum & 0xFFFFFFFFULL) + (sum >> 32);
    sum = (sum & 0xFFFF) + (sum >> 16);
    sum = (sum & 0xFFFF) + (sum >> 16);
    sum = (sum & 0xFFFF) + (sum >> 16);
    return (__u16)sum;
}

/*
 * The checksum field value for a message whose words (checksum field zero) sum to `sum`.
 * The same value, put in any other zeroed 16-bit word, makes the message verify: that is how
 * probe payloads are balanced so the checksum field can carry a chosen value.
 */
static inline __u16 rtt_csum_finish(__u64 sum) {
    return (__u16)~rtt_csum_fold(sum);
}

#endif
