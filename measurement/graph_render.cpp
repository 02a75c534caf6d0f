// SPDX-License-Identifier: MIT
#include "measurement/graph_render.h"

#include <algorithm>
#include <memory>
#include <mutex>

#include <fmt/format.h>

#include "measurement/graphviz_library.h"
#include "measurement/measurement_error.h"
#include "measurement/trace_graph.h"

namespace rtt {
namespace {

// cgraph takes char* for names and values it copies; this keeps the casts in one place.
void set(void* object, const char* name, const std::string& value) {
    graphviz().set_attribute(object, const_cast<char*>(name), const_cast<char*>(value.c_str()), const_cast<char*>(""));
}

std::string vertex_label(const MultipathVertex& vertex, const std::map<IpAddress, std::string>& names) {
    if (!vertex.address)
        return "***";
    std::string label = vertex.address->to_string();
    if (const auto name = names.find(*vertex.address); name != names.end())
        label += "\n" + name->second;
    if (const auto rtt = rtt_summary(vertex); !rtt.empty())
        label += "\n" + rtt;
    for (const auto& stack : vertex.mpls)
        label += "\n" + mpls_text(stack);
    for (const auto& change : vertex.changes)
        label += "\n" + path_change_mark(change);
    return label;
}

struct GraphCloser {
    void operator()(Agraph_t* graph) const { graphviz().close_graph(graph); }
};
// graphviz is not thread-safe (the collector draws from several threads), and one context must
// serve the whole process: its pango plugin keeps a pointer to a font name the context owns, so
// a freed context followed by a new one reads freed memory (ASan found it in the collector).
std::mutex& graphviz_mutex() {
    static std::mutex mutex;
    return mutex;
}

GVC_t* process_context() {
    static GVC_t* const context = graphviz().context();  // lives as long as the process
    return context;
}

}  // namespace

std::string drawn_title(TraceDirection direction, std::string_view protocol, bool multipath, std::string_view from,
                        std::string_view to) {
    return fmt::format("{} {} {}: {} to {}", trace_direction_name(direction), protocol,
                       multipath ? "multipath" : "single path", from, to);
}

const std::vector<std::string>& graph_formats() {
    static const std::vector<std::string> formats{"dot", "gif", "jpg", "pdf", "png", "ps", "svg"};
    return formats;
}

std::string render_graph(const std::vector<DrawnDirection>& directions, const std::map<IpAddress, std::string>& names,
                         const std::string& format, const std::vector<std::vector<IpAddress>>& aliases) {
    static const char* const kRouterColours[] = {"khaki",         "lightpink",   "lightcyan", "plum",
                                                 "wheat",         "lightsalmon", "thistle",   "lightgoldenrod",
                                                 "paleturquoise", "mistyrose"};
    std::map<IpAddress, std::size_t> router_of;
    for (std::size_t r = 0; r < aliases.size(); ++r)
        for (const auto& address : aliases[r])
            router_of[address] = r;
    const std::lock_guard<std::mutex> one_at_a_time(graphviz_mutex());
    const GraphvizLibrary& gv = graphviz();
    gv.set_error_level(AGMAX);  // graphviz's own warnings would break our one-sentence errors
    GVC_t* const context = process_context();
    std::unique_ptr<Agraph_t, GraphCloser> graph(
        gv.open_graph(const_cast<char*>("measurement"), *gv.directed, nullptr));
    set(graph.get(), "rankdir", "LR");
    set(graph.get(), "fontname", "Helvetica");
    bool any_inferred = false, any_retried = false, any_per_packet = false, any_uncertain = false,
         any_per_destination = false;
    // dot stacks clusters bottom up in creation order (rankdir LR): the last one created is
    // drawn on top, so create them last direction first to show forward above reverse.
    for (std::size_t d = directions.size(); d-- > 0;) {
        const MultipathGraph& found = *directions[d].graph;
        Agraph_t* cluster = gv.subgraph(graph.get(), const_cast<char*>(fmt::format("cluster_{}", d).c_str()), 1);
        set(cluster, "label", directions[d].title);
        set(cluster, "style", "rounded");
        std::vector<Agnode_t*> nodes;
        std::map<unsigned, Agraph_t*> columns;  // one rank per TTL, left to right
        const auto column_of = [&](unsigned ttl) {
            Agraph_t*& column = columns[ttl];
            if (!column) {
                column = gv.subgraph(cluster, const_cast<char*>(fmt::format("d{}ttl{}", d, ttl).c_str()), 1);
                set(column, "rank", "same");
            }
            return column;
        };
        for (const auto& vertex : found.vertices) {
            Agraph_t* column = column_of(vertex.ttl);
            Agnode_t* node = gv.node(column, const_cast<char*>(fmt::format("d{}v{}", d, vertex.id).c_str()), 1);
            set(node, "label", vertex_label(vertex, names));
            set(node, "fontname", "Helvetica");
            std::string style;
            if (vertex.id == 0) {
                set(node, "shape", "box");
                style = "filled";
                set(node, "fillcolor", "lightblue");
            } else if (!vertex.address) {
                set(node, "shape", "plaintext");
            } else if (vertex.end_of_path) {
                set(node, "shape", "doubleoctagon");
                style = "filled";
                set(node, "fillcolor", "palegreen");
            } else {
                set(node, "shape", "ellipse");
            }
            if (vertex.address && vertex.id != 0)
                if (const auto router = router_of.find(*vertex.address); router != router_of.end()) {
                    set(node, "label", vertex_label(vertex, names) + fmt::format("\nrouter {}", router->second + 1));
                    style = "filled";
                    set(node, "fillcolor", kRouterColours[router->second % std::size(kRouterColours)]);
                }
            if (vertex.per_packet) {
                style += style.empty() ? "dashed" : ",dashed";
                any_per_packet = true;
            }
            if (!style.empty())
                set(node, "style", style);
            nodes.push_back(node);
        }
        // A per-destination balancer's other next hops (--per-destination): not on the target's
        // path, so apart from its vertices, one TTL on, with a link of their own kind.
        for (const auto& vertex : found.vertices)
            for (std::size_t k = 0; k < vertex.other_destination_next_hops.size(); ++k) {
                Agnode_t* other = gv.node(column_of(vertex.ttl + 1u),
                                          const_cast<char*>(fmt::format("d{}v{}o{}", d, vertex.id, k).c_str()), 1);
                set(other, "label", vertex.other_destination_next_hops[k].to_string() + "\nother destinations");
                set(other, "fontname", "Helvetica");
                set(other, "shape", "ellipse");
                set(other, "style", "dotted");
                set(other, "color", "steelblue");
                Agedge_t* line = gv.edge(cluster, nodes[static_cast<std::size_t>(vertex.id)], other, nullptr, 1);
                set(line, "style", "dotted");
                set(line, "color", "steelblue");
                any_per_destination = true;
            }
        for (const auto& edge : found.edges) {
            Agedge_t* line = gv.edge(cluster, nodes[static_cast<std::size_t>(edge.from)],
                                     nodes[static_cast<std::size_t>(edge.to)], nullptr, 1);
            if (edge.uncertain) {
                set(line, "style", "dashed");
                set(line, "color", "orangered");
                set(line, "fontcolor", "orangered");
                set(line, "label", "?");
                any_uncertain = true;
            } else if (edge.inferred) {
                set(line, "style", "dashed");
                any_inferred = true;
            } else if (edge.retried) {
                set(line, "style", "dotted");
                any_retried = true;
            }
        }
    }
    if (any_inferred || any_retried || any_per_packet || any_uncertain || any_per_destination) {
        Agnode_t* legend = gv.node(graph.get(), const_cast<char*>("legend"), 1);
        set(legend, "shape", "note");
        std::string text;
        if (any_inferred)
            text += "dashed: link inferred through a hop every flow passes\\l";
        if (any_retried)
            text += "dotted: link seen only through probes that had to be retried\\l";
        if (any_per_packet)
            text += "dashed outline: behind a per-packet balancer\\l";
        if (any_uncertain)
            text += "red ?: link not known to exist (a per-packet balancer may have sent its flow another way)\\l";
        if (any_per_destination)
            text += "blue dotted: a per-destination balancer sends other addresses of the target's prefix there\\l";
        set(legend, "label", text);
    }
    if (gv.layout(context, graph.get(), "dot") != 0)
        throw MeasurementError("graphviz could not lay out the graph: check that graphviz's dot plugin is installed");
    // Rendered in memory: the caller writes the file, so a bad path gets our sentence.
    char* data = nullptr;
    unsigned int length = 0;
    const int rendered = gv.render_data(context, graph.get(), format.c_str(), &data, &length);
    gv.free_layout(context, graph.get());
    std::unique_ptr<char, void (*)(char*)> bytes(data, gv.free_render_data);
    if (rendered != 0 || data == nullptr)
        throw MeasurementError(
            fmt::format("graphviz cannot draw {}: check that its {} plugin is installed "
                        "(libgvc6) or pick another --format",
                        format, format));
    return std::string(data, length);
}

}  // namespace rtt
