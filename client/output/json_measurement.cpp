#include "json_measurement.h"

namespace rtt::client {
namespace {

const char* end_name(TraceEnd end) {
    switch (end) {
    case TraceEnd::reached: return "reached";
    case TraceEnd::unreachable: return "unreachable";
    case TraceEnd::no_reply: return "no_reply";
    case TraceEnd::max_ttl: return "max_ttl";
    case TraceEnd::failed: return "failed";
    }
    return "?";
}

nlohmann::json vertex(int id, const std::string& address, int ttl) {
    return {{"id", id}, {"address", address}, {"ttl", ttl}, {"rtt", nlohmann::json::array()},
            {"flows", nlohmann::json::array()}, {"successors", nlohmann::json::array()}};
}

// Single path: one vertex per responder and hop, every vertex linked to all of the next hop's
// (they share the flow); silent hops are "***" vertices; silence after the last answer is
// trimmed as the Augsburg client does.
nlohmann::json vertex_list(const RecordedDirection& direction) {
    std::vector<std::vector<nlohmann::json>> layers;
    int next_id = 0;
    layers.push_back({vertex(next_id++, direction.root.to_string(), 0)});
    for (const HopResult& hop : direction.record->hops) {
        std::vector<nlohmann::json> layer;
        for (const HopReply& reply : hop.replies) {
            if (!reply.answer)
                continue;
            const std::string address = reply.answer->responder.to_string();
            auto it = std::find_if(layer.begin(), layer.end(), [&](const auto& v) { return v["address"] == address; });
            if (it == layer.end()) {
                layer.push_back(vertex(next_id++, address, hop.ttl));
                layer.back()["flows"].push_back(hop.flow);
                it = layer.end() - 1;
            }
            (*it)["rtt"].push_back(reply.rtt_ms);
        }
        if (layer.empty())
            layer.push_back(vertex(next_id++, "***", hop.ttl));
        layers.push_back(std::move(layer));
    }
    while (layers.size() > 1 && layers.back().size() == 1 && layers.back()[0]["address"] == "***")
        layers.pop_back();
    nlohmann::json list = nlohmann::json::array();
    for (std::size_t i = 0; i < layers.size(); ++i) {
        for (auto& v : layers[i]) {
            if (i + 1 < layers.size())
                for (const auto& next : layers[i + 1])
                    v["successors"].push_back(next["id"]);
            list.push_back(v);
        }
    }
    return list;
}

// Multipath: the graph as found (unmerged, as the Augsburg client stores it).
nlohmann::json vertex_list(const MultipathGraph& graph) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& v : graph.vertices) {
        nlohmann::json entry = vertex(v.id, v.address ? v.address->to_string() : "***", v.ttl);
        entry["rtt"] = v.rtts_ms;
        entry["flows"] = v.flows;
        entry["successors"] = graph.successors(v.id);
        list.push_back(std::move(entry));
    }
    return list;
}

}  // namespace

nlohmann::json measurement_json(const ClientOptions& options, const std::vector<RecordedDirection>& directions,
                                const std::map<IpAddress, std::string>& hostnames) {
    nlohmann::json m;
    m["target"] = options.target;
    m["protocol"] = protocol_name(options.protocol);
    m["min_ttl"] = options.first_ttl;
    m["max_ttl"] = options.max_ttl;
    if (options.engine == EngineKind::singlepath)
        m["singlepath"] = {{"flow", options.flow}, {"probes", options.probes_per_hop}};
    else
        m["multipath"] = {{"confidence", options.confidence}, {"retry", options.retry},
                          {"min_burst", options.min_burst}, {"max_burst", options.max_burst},
                          {"single_vertex_probing", false}, {"max_probes", options.max_probes}};
    m["inter"] = options.inter_s;
    m["timeout"] = options.timeout_s;
    m["abort"] = options.abort_after;
    m["traces"] = nlohmann::json::object();
    m["outcome"] = nlohmann::json::object();
    for (const auto& d : directions) {
        m["traces"][d.name] = d.record->graph ? vertex_list(*d.record->graph) : vertex_list(d);
        if (d.record->summary)
            m["outcome"][d.name] = end_name(d.record->summary->end);
    }
    m["hostnames"] = nlohmann::json::object();
    for (const auto& [address, name] : hostnames)
        m["hostnames"][address.to_string()] = nlohmann::json::array({name});
    return m;
}

}  // namespace rtt::client
