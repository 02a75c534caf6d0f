// SPDX-License-Identifier: MIT
// A small assembler for classic BPF socket filters (SO_ATTACH_FILTER). Jumps name labels
// instead of counting instructions, so a filter reads like the packet layout it checks.
#pragma once

#include <linux/filter.h>

#include <cstdint>
#include <vector>

namespace rtt::client {

class SocketFilterBuilder {
public:
    using Label = int;
    // Every program ends with these two: let the packet through / drop it.
    static constexpr Label accept = -1;
    static constexpr Label reject = -2;
    // A jump target meaning "the next instruction".
    static constexpr Label next = -3;

    Label new_label();
    void place(Label label);

    void load_byte(std::uint32_t offset);
    void load_half(std::uint32_t offset);
    void load_word(std::uint32_t offset);
    // X = 4 * (byte at `offset` & 0x0f): the IPv4 header length.
    void load_ipv4_header_length(std::uint32_t offset = 0);
    // Loads relative to X (after load_ipv4_header_length: relative to the L4 header).
    void load_byte_after_header(std::uint32_t offset);
    void load_half_after_header(std::uint32_t offset);
    void load_word_after_header(std::uint32_t offset);
    void and_with(std::uint32_t mask);

    void jump_if_equal(std::uint32_t value, Label yes, Label no);
    void jump_if_any_bit(std::uint32_t mask, Label yes, Label no);
    void jump_to(Label label);
    // Falls through when the loaded value equals `value`, rejects otherwise.
    void require_equal(std::uint32_t value) { jump_if_equal(value, next, reject); }

    std::vector<sock_filter> finish();

private:
    struct Pending {
        sock_filter instruction;
        Label yes = next;
        Label no = next;
    };
    void emit(std::uint16_t code, std::uint32_t k, Label yes = next, Label no = next);

    std::vector<Pending> program_;
    std::vector<int> label_positions_;
};

// A filter that lets nothing through: for send-only raw sockets, which would otherwise queue
// a copy of every packet of their protocol.
std::vector<sock_filter> drop_everything_filter();

}  // namespace rtt::client
