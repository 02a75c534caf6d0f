// SPDX-License-Identifier: MIT
// graphviz, loaded when a graph is drawn rather than at every start: linking libgvc/libcgraph
// costs every run ~1.5 ms of start-up (measured), and most runs draw nothing. The functions the
// renderer uses, resolved once from the installed libgvc6.
#pragma once

#include <graphviz/cgraph.h>
#include <graphviz/gvc.h>

namespace rtt {

struct GraphvizLibrary {
    decltype(&agopen) open_graph;
    decltype(&agsubg) subgraph;
    decltype(&agnode) node;
    decltype(&agedge) edge;
    decltype(&agsafeset) set_attribute;
    decltype(&agclose) close_graph;
    decltype(&agseterr) set_error_level;
    Agdesc_t* directed;
    decltype(&gvContext) context;
    decltype(&gvLayout) layout;
    decltype(&gvRenderData) render_data;
    decltype(&gvFreeRenderData) free_render_data;
    decltype(&gvFreeLayout) free_layout;
};

// Loads graphviz on first use; throws MeasurementError with one sentence if it is not installed.
const GraphvizLibrary& graphviz();

}  // namespace rtt
