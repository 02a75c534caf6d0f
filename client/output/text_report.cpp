// SPDX-License-Identifier: MIT
#include "text_report.h"

#include "measurement/flow_table.h"
#include "measurement/hop_statistics.h"
#include "measurement/trace_graph.h"

#include <algorithm>
#include <optional>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace rtt::client {

std::string address_label(const IpAddress& address, ReverseResolver& resolver, bool wait, bool with_name,
                          const GeoIpDatabase* places) {
    std::optional<std::string> name;
    if (with_name)
        name = wait ? resolver.name(address) : resolver.known_name(address);
    std::string label = name ? fmt::format("{} ({})", *name, address.to_string()) : address.to_string();
    if (resolver.looks_up_origin_as()) {
        const auto numbers = wait ? resolver.origin_as(address) : resolver.known_origin_as(address);
        std::vector<std::string> words;
        words.reserve(numbers.size());
        for (const auto number : numbers)
            words.push_back(fmt::format("AS{}", number));
        label += words.empty() ? " [*]" : fmt::format(" [{}]", fmt::join(words, "/"));
    }
    if (places != nullptr) {
        const auto place = places->locate(address);
        label += place ? fmt::format(" [{}]", geo_location_label(*place)) : " [no location]";
    }
    return label;
}

class TextReport::Section final : public TraceObserver {
public:
    Section(TextReport& report, std::size_t index, SectionHeading heading)
        : report_(report), index_(index), heading_(std::move(heading)) {}

    std::vector<std::string> held;
    bool finished = false;

    std::string heading_line() const {
        const auto& h = heading_;
        const std::string who = h.target_name == h.target.to_string()
                                    ? h.target.to_string()
                                    : fmt::format("{} ({})", h.target_name, h.target.to_string());
        const std::string route = h.direction == TraceDirection::reverse
                                      ? fmt::format("from {} back to {}", who, h.source.to_string())
                                      : fmt::format("to {} from {}", who, h.source.to_string());
        if (h.multipath)
            return fmt::format("{} {} multipath traceroute {}, {} hops max, {:g}% confidence {}{}",
                               trace_direction_name(h.direction), protocol_name(h.protocol), route, h.max_ttl,
                               100 * (1 - h.confidence), h.trace_bound ? "for the whole trace" : "per branching point",
                               h.min_share > 0 ? fmt::format(", branches down to {:g}% of the flows", 100 * h.min_share)
                                               : std::string());
        if (h.path_mtu_from > 0)
            return fmt::format("{} {} path MTU discovery {}, flow {}, {} hops max, from {} bytes",
                               trace_direction_name(h.direction), protocol_name(h.protocol), route, h.flow, h.max_ttl,
                               h.path_mtu_from);
        return fmt::format("{} {} traceroute {}, flow {}, {} hops max, {} probes per hop{}",
                           trace_direction_name(h.direction), protocol_name(h.protocol), route, h.flow, h.max_ttl,
                           h.probes_per_hop,
                           h.direction == TraceDirection::reverse ? " (RTTs measured by the server)" : "");
    }

    void on_graph(const MultipathGraph& found) override {
        const MultipathGraph graph = heading_.merge ? found.merged() : found;
        bool any_inferred = false;
        bool any_uncertain = false;
        for (const auto& vertex : graph.vertices) {
            if (vertex.id == 0)
                continue;
            std::string line = vertex.ttl != last_ttl_ ? fmt::format("{:2d}  ", vertex.ttl) : std::string(4, ' ');
            last_ttl_ = vertex.ttl;
            line += fmt::format("{:<24}", vertex_label(vertex));
            if (const auto rtt = rtt_summary(vertex); !rtt.empty())
                line += "  " + rtt;
            line += fmt::format("  {} flow{}", vertex.flows.size(), vertex.flows.size() == 1 ? "" : "s");
            // As on a single-path hop line: probes its flows lost before a retry was answered.
            if (const auto received = vertex.rtts_ms.size(); received > 0 && received < vertex.sent)
                line += fmt::format(" ({} of {} probes lost)", vertex.sent - received, vertex.sent);
            if (vertex.per_packet)
                line += " (per-packet)";
            if (!vertex.other_destination_next_hops.empty()) {
                std::vector<std::string> others;
                for (const auto& hop : vertex.other_destination_next_hops)
                    others.push_back(hop.to_string());
                line += fmt::format(" (per-destination: other addresses leave via {})", fmt::join(others, ", "));
            }
            for (const auto& stack : vertex.mpls)
                line += " [" + mpls_text(stack) + "]";
            for (const auto& change : vertex.changes) {
                line += " " + path_change_mark(change);
                marks_shown_.push_back(change.kind);
            }
            if (vertex.answer && vertex.answer->kind == AnswerKind::unreachable) {
                const auto note = unreachable_annotation(vertex.answer->responder.family(), vertex.answer->icmp_code);
                if (!note.empty())
                    line += " " + note;
            }
            std::vector<std::string> next;
            for (const auto& edge : graph.edges) {
                if (edge.from != vertex.id)
                    continue;
                const auto& to = graph.vertices[static_cast<std::size_t>(edge.to)];
                next.push_back((edge.uncertain ? "?" : "") + std::string(edge.inferred ? "~" : "") +
                               (to.address ? to.address->to_string() : "***"));
                any_inferred = any_inferred || edge.inferred;
                any_uncertain = any_uncertain || edge.uncertain;
            }
            if (!next.empty())
                line += fmt::format("  -> {}", fmt::join(next, ", "));
            report_.print(index_, line);
        }
        if (any_inferred)
            report_.print(index_, "    (~ marks a link inferred through a hop that every flow passes)");
        if (any_uncertain)
            report_.print(index_,
                          "    (? marks a link not known to exist: behind a per-packet balancer a flow takes another "
                          "way on every probe)");
        if (heading_.flow_paths) {
            report_.print(index_, fmt::format("{} path of each flow (- not probed, * no answer):",
                                              trace_direction_name(heading_.direction)));
            for (const auto& line : flow_table(found))
                report_.print(index_, line);
        }
        vertices_ = graph.vertices.size() - 1;
        edges_ = graph.edges.size();
    }

    void on_hop(const HopResult& hop) override {
        std::string line = fmt::format("{:2d} ", hop.ttl);
        std::optional<IpAddress> last;
        std::optional<MplsStack> last_mpls;
        std::vector<PathChange> marked;  // on this line already
        std::optional<std::vector<PathChange>> changes_here;
        for (const HopReply& reply : hop.replies) {
            if (!reply.answer) {
                line += " *";
                continue;
            }
            const Answer& a = *reply.answer;
            if (!last || *last != a.responder) {
                line += " " + address_label(a.responder, report_.resolver_, true, true, report_.places_);
                last = a.responder;
            }
            line += fmt::format("  {:.3f} ms", reply.rtt_ms);
            // Like traceroute -e: a label stack once, where it first differs from the last one.
            if (!a.mpls.empty() && a.mpls != last_mpls)
                line += " [" + mpls_text(a.mpls) + "]";
            last_mpls = a.mpls;
            // What a middlebox before this hop rewrote, once per line.
            for (const auto& change : changes_first_seen(changes_before_, a.changes))
                if (std::find(marked.begin(), marked.end(), change) == marked.end()) {
                    line += " " + path_change_mark(change);
                    marked.push_back(change);
                    marks_shown_.push_back(change.kind);
                }
            changes_here = a.changes;
            if (a.kind == AnswerKind::unreachable) {
                const auto note = unreachable_annotation(a.responder.family(), a.icmp_code);
                if (!note.empty())
                    line += " " + note;
            }
        }
        // Lost probes a retry made up for leave no `*`: say how many of all attempts were lost.
        const auto counted = hop_statistics({hop});
        const RttStatistics& rtt = counted.front().rtt;
        if (rtt.received() > 0 && rtt.received() < rtt.sent())
            line += fmt::format("  ({} of {} probes lost)", rtt.sent() - rtt.received(), rtt.sent());
        if (hop.size > 0)
            line += fmt::format("  pmtu {}", hop.size);
        report_.print(index_, line);
        if (changes_here)
            changes_before_ = std::move(*changes_here);
    }

    void on_end(const TraceSummary& summary) override {
        std::string line = end_line(summary);
        if (heading_.multipath && summary.end != TraceEnd::failed)
            line += fmt::format(" ({} vertices, {} links, {} probes, {} answered)", vertices_, edges_,
                                summary.probes_sent, summary.probes_answered);
        if (summary.path_mtu)
            for (const auto& mtu_line : path_mtu_lines(*summary.path_mtu))
                report_.print(index_, mtu_line);
        if (!marks_shown_.empty())
            for (const auto& legend : path_change_legend(marks_shown_))
                report_.print(index_, "    " + legend);
        report_.print(index_, line);
        report_.section_finished(index_);
    }

private:
    std::string end_line(const TraceSummary& s) const {
        const auto& h = heading_;
        switch (s.end) {
        case TraceEnd::reached: {
            const Answer& a = *s.final_answer;
            std::string line =
                h.direction == TraceDirection::reverse
                    ? fmt::format("{}: the server's probes reached us ({})", trace_direction_name(h.direction),
                                  h.end_of_path.to_string())
                    : fmt::format("{}: reached {}", trace_direction_name(h.direction), h.end_of_path.to_string());
            if (h.multipath)
                return line;
            if (a.kind == AnswerKind::tcp_syn_ack)
                line += fmt::format("; TCP port {} is open (SYN-ACK)", h.flow);
            else if (a.kind == AnswerKind::tcp_reset)
                line += fmt::format("; TCP port {} is closed (RST)", h.flow);
            else if (a.kind == AnswerKind::dns_reply)
                line += "; DNS answered";
            return line;
        }
        case TraceEnd::unreachable: {
            const Answer& a = *s.final_answer;
            return fmt::format("{}: not reached: {} says {}", trace_direction_name(h.direction),
                               a.responder.to_string(), unreachable_reason(a.responder.family(), a.icmp_code));
        }
        case TraceEnd::no_reply:
            return fmt::format("{}: not reached: no reply from {} consecutive hops (--abort {})",
                               trace_direction_name(h.direction), h.abort_after, h.abort_after);
        case TraceEnd::max_ttl:
            return fmt::format("{}: not reached within {} hops (raise -m/--max-ttl)", trace_direction_name(h.direction),
                               h.max_ttl);
        case TraceEnd::failed: return fmt::format("{}: failed: {}", trace_direction_name(h.direction), s.failure);
        case TraceEnd::interrupted:
            return fmt::format("{}: interrupted ({}): above is what it found until then",
                               trace_direction_name(h.direction), s.failure);
        }
        return {};
    }

    std::string vertex_label(const MultipathVertex& vertex) const {
        return vertex.address ? address_label(*vertex.address, report_.resolver_, true, true, report_.places_) : "***";
    }

    TextReport& report_;
    std::size_t index_;
    SectionHeading heading_;
    std::uint8_t last_ttl_ = 0;
    std::vector<PathChange> changes_before_;   // what the last answered hop's quote showed
    std::vector<PathChangeKind> marks_shown_;  // for the legend
    std::size_t vertices_ = 0;
    std::size_t edges_ = 0;
};

TextReport::TextReport(std::FILE* out, ReverseResolver& resolver, const GeoIpDatabase* places)
    : out_(out), resolver_(resolver), places_(places) {}

TextReport::~TextReport() = default;

TraceObserver& TextReport::add_section(const SectionHeading& heading) {
    sections_.push_back(std::make_unique<Section>(*this, sections_.size(), heading));
    Section& section = *sections_.back();
    if (sections_.size() > 1)
        print(sections_.size() - 1, "");
    print(sections_.size() - 1, section.heading_line());
    return section;
}

void TextReport::print(std::size_t section, const std::string& line) {
    if (section == printing_) {
        if (clear_)
            clear_();
        std::fprintf(out_, "%s\n", line.c_str());
        std::fflush(out_);
    } else {
        sections_[section]->held.push_back(line);
    }
}

void TextReport::section_finished(std::size_t section) {
    sections_[section]->finished = true;
    while (printing_ < sections_.size() && sections_[printing_]->finished) {
        ++printing_;
        if (printing_ < sections_.size()) {
            if (clear_ && !sections_[printing_]->held.empty())
                clear_();
            for (const auto& line : sections_[printing_]->held)
                std::fprintf(out_, "%s\n", line.c_str());
            sections_[printing_]->held.clear();
            std::fflush(out_);
        }
    }
}

}  // namespace rtt::client
