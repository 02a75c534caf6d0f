// SPDX-License-Identifier: MIT
#include "measurement/graphviz_library.h"

#include <dlfcn.h>

#include <fmt/format.h>

#include "measurement/measurement_error.h"

namespace rtt {
namespace {

void* open_library(const char* name) {
    // RTLD_GLOBAL: graphviz's plugins, loaded by libgvc, expect its symbols to be visible.
    void* handle = dlopen(name, RTLD_NOW | RTLD_GLOBAL);
    if (!handle)
        throw MeasurementError(
            fmt::format("cannot load graphviz ({}): install libgvc6 to draw graphs, or drop "
                        "-o/--format",
                        name));
    return handle;
}

template <typename Pointer>
void resolve(void* library, const char* symbol, Pointer& target) {
    target = reinterpret_cast<Pointer>(dlsym(library, symbol));
    if (!target)
        throw MeasurementError(
            fmt::format("the installed graphviz lacks {}: install libgvc6 2.42 or later to draw "
                        "graphs",
                        symbol));
}

GraphvizLibrary load() {
    void* cgraph = open_library("libcgraph.so.6");
    void* gvc = open_library("libgvc.so.6");
    GraphvizLibrary gv{};
    resolve(cgraph, "agopen", gv.open_graph);
    resolve(cgraph, "agsubg", gv.subgraph);
    resolve(cgraph, "agnode", gv.node);
    resolve(cgraph, "agedge", gv.edge);
    resolve(cgraph, "agsafeset", gv.set_attribute);
    resolve(cgraph, "agclose", gv.close_graph);
    resolve(cgraph, "agseterr", gv.set_error_level);
    resolve(cgraph, "Agdirected", gv.directed);
    resolve(gvc, "gvContext", gv.context);
    resolve(gvc, "gvLayout", gv.layout);
    resolve(gvc, "gvRenderData", gv.render_data);
    resolve(gvc, "gvFreeRenderData", gv.free_render_data);
    resolve(gvc, "gvFreeLayout", gv.free_layout);
    return gv;
}

}  // namespace

const GraphvizLibrary& graphviz() {
    static const GraphvizLibrary library = load();
    return library;
}

}  // namespace rtt
