// SPDX-License-Identifier: MIT
#include "socket_filter.h"

#include <stdexcept>

namespace rtt::client {

SocketFilterBuilder::Label SocketFilterBuilder::new_label() {
    label_positions_.push_back(-1);
    return static_cast<Label>(label_positions_.size() - 1);
}

void SocketFilterBuilder::place(Label label) {
    label_positions_.at(static_cast<std::size_t>(label)) = static_cast<int>(program_.size());
}

void SocketFilterBuilder::emit(std::uint16_t code, std::uint32_t k, Label yes, Label no) {
    program_.push_back(Pending{sock_filter{code, 0, 0, k}, yes, no});
}

void SocketFilterBuilder::load_byte(std::uint32_t offset) {
    emit(BPF_LD | BPF_B | BPF_ABS, offset);
}
void SocketFilterBuilder::load_half(std::uint32_t offset) {
    emit(BPF_LD | BPF_H | BPF_ABS, offset);
}
void SocketFilterBuilder::load_word(std::uint32_t offset) {
    emit(BPF_LD | BPF_W | BPF_ABS, offset);
}

void SocketFilterBuilder::load_ipv4_header_length(std::uint32_t offset) {
    emit(BPF_LDX | BPF_B | BPF_MSH, offset);
}

void SocketFilterBuilder::load_byte_after_header(std::uint32_t offset) {
    emit(BPF_LD | BPF_B | BPF_IND, offset);
}
void SocketFilterBuilder::load_half_after_header(std::uint32_t offset) {
    emit(BPF_LD | BPF_H | BPF_IND, offset);
}
void SocketFilterBuilder::load_word_after_header(std::uint32_t offset) {
    emit(BPF_LD | BPF_W | BPF_IND, offset);
}

void SocketFilterBuilder::and_with(std::uint32_t mask) {
    emit(BPF_ALU | BPF_AND | BPF_K, mask);
}

void SocketFilterBuilder::jump_if_equal(std::uint32_t value, Label yes, Label no) {
    emit(BPF_JMP | BPF_JEQ | BPF_K, value, yes, no);
}

void SocketFilterBuilder::jump_if_any_bit(std::uint32_t mask, Label yes, Label no) {
    emit(BPF_JMP | BPF_JSET | BPF_K, mask, yes, no);
}

void SocketFilterBuilder::jump_to(Label label) {
    emit(BPF_JMP | BPF_JA, 0, label, label);
}

std::vector<sock_filter> SocketFilterBuilder::finish() {
    const int accept_at = static_cast<int>(program_.size());
    const int reject_at = accept_at + 1;
    std::vector<sock_filter> out;
    out.reserve(program_.size() + 2);
    for (std::size_t i = 0; i < program_.size(); ++i) {
        const auto resolve = [&](Label label) -> std::uint8_t {
            int target = static_cast<int>(i) + 1;
            if (label == accept)
                target = accept_at;
            else if (label == reject)
                target = reject_at;
            else if (label != next)
                target = label_positions_.at(static_cast<std::size_t>(label));
            const int offset = target - static_cast<int>(i) - 1;
            // Classic BPF only jumps forward, at most 255 instructions.
            if (target < 0 || offset < 0 || offset > 255)
                throw std::logic_error("socket filter: jump to an unplaced or earlier label");
            return static_cast<std::uint8_t>(offset);
        };
        sock_filter instruction = program_[i].instruction;
        if (instruction.code == (BPF_JMP | BPF_JA)) {
            instruction.k = resolve(program_[i].yes);
        } else if (BPF_CLASS(instruction.code) == BPF_JMP) {
            instruction.jt = resolve(program_[i].yes);
            instruction.jf = resolve(program_[i].no);
        }
        out.push_back(instruction);
    }
    out.push_back(sock_filter{BPF_RET | BPF_K, 0, 0, 0xFFFFFFFFu});
    out.push_back(sock_filter{BPF_RET | BPF_K, 0, 0, 0});
    return out;
}

std::vector<sock_filter> drop_everything_filter() {
    return {sock_filter{BPF_RET | BPF_K, 0, 0, 0}};
}

}  // namespace rtt::client
