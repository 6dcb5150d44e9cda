/*
 * test_graph.c - the viewer's graph model: nodes, edges, errors, scopes.
 */
#include "../tap.h"
#include "graph.h"
#include "ag.h"

#include <stdlib.h>

int main(void)
{
	plan_lazy();
	viz_graph *g = viz_graph_new();
	ok(g != NULL, "new graph");
	is_int(viz_graph_node_count(g), 0, "empty graph has no nodes");

	char name[] = "x";
	viz_node_info in = { .kind = VIZ_NODE_TENSOR, .name = name, .shape = "[2]",
			     .scope = "model.fc1", .version = 3 };
	int x = viz_graph_add_node(g, &in);
	is_int(x, 0, "first node gets id 0");
	name[0] = 'q';	/* the graph keeps its own copy */
	is_str(viz_graph_node(g, x)->name, "x", "strings are copied in");
	is_int(viz_graph_node(g, x)->version, 3, "version kept");
	int y = viz_graph_add_node(g, &(viz_node_info){ .kind = VIZ_NODE_GRAD,
		.name = "MulBackward0", .var = "y", .scope = "model.fc2" });
	is_int(y, 1, "second node gets id 1");
	int z = viz_graph_add_node(g, NULL);
	is_int(z, 2, "a NULL info adds a nameless tensor");
	is_int(viz_graph_node(g, z)->version, -1, "nameless tensor: version unknown");
	ok(viz_graph_node(g, 3) == NULL && viz_graph_node(g, -1) == NULL,
	   "no node for a bad id");

	is_int(viz_graph_add_node(g, &(viz_node_info){ .kind = (viz_node_kind)42 }), -1,
	       "unknown node kind is refused");
	is_str(ag_error_message(), "unknown node kind 42", "with a message");

	int e = viz_graph_add_edge(g, x, y, NULL);
	is_int(e, 0, "first edge id 0");
	int from = -1, to = -1;
	const viz_edge_info *ei = viz_graph_edge(g, e, &from, &to);
	ok(ei && from == x && to == y && ei->kind == VIZ_EDGE_AUTOGRAD,
	   "a NULL edge info is a plain autograd edge");
	is_int(viz_graph_add_edge(g, x, 7, NULL), -1, "edge to a missing node is refused");
	ok(ag_error_code() == AG_ERR_INDEX, "as an index error");
	is_str(ag_error_message(),
	       "edge 0 -> 7 refers to a node that does not exist (the graph has 3 nodes)",
	       "the message names the edge and the node count");
	is_int(viz_graph_add_edge(g, x, y, &(viz_edge_info){ .kind = (viz_edge_kind)9 }), -1,
	       "unknown edge kind is refused");
	e = viz_graph_add_edge(g, y, z, &(viz_edge_info){ .kind = VIZ_EDGE_DETACHED, .label = "0" });
	ei = viz_graph_edge(g, e, NULL, NULL);
	ok(ei && ei->kind == VIZ_EDGE_DETACHED && ei->label && !strcmp(ei->label, "0"),
	   "edge kind and label kept");
	is_int(viz_graph_edge_count(g), 2, "two edges");

	is_int(viz_graph_find(g, "y"), y, "find by variable name");
	is_int(viz_graph_find(g, "MulBackward0"), y, "find by op name");
	is_int(viz_graph_find(g, "nope"), -1, "find: missing name");

	/* scopes */
	ok(viz_graph_set_collapsed(g, "model.fc1", true) == 0, "collapse a scope");
	ok(viz_graph_is_collapsed(g, "model.fc1"), "it is collapsed");
	ok(!viz_graph_is_collapsed(g, "model.fc2"), "another one is not");
	ok(viz_graph_set_collapsed(g, "model.fc1", true) == 0, "collapsing twice is fine");
	ok(viz_graph_set_collapsed(g, "model.fc1", false) == 0, "expand it again");
	ok(!viz_graph_is_collapsed(g, "model.fc1"), "it is expanded");
	is_int(viz_graph_set_collapsed(g, "model.fc", true), -1,
	       "a prefix that is not a whole scope component is no scope");
	is_str(ag_error_message(), "no module scope 'model.fc' in this graph", "with a message");
	ok(viz_graph_set_collapsed(g, "model", true) == 0, "an outer scope collapses");
	is_int(viz_graph_set_collapsed(g, "", true), -1, "an empty scope is refused");
	is_int(viz_graph_collapse_depth(g, 2), 2, "depth 2 collapses model.fc1 and model.fc2");
	ok(viz_graph_is_collapsed(g, "model.fc2") && !viz_graph_is_collapsed(g, "model"),
	   "depth 2 replaced the earlier choice");
	is_int(viz_graph_collapse_depth(g, 1), 1, "depth 1 collapses model");
	is_int(viz_graph_collapse_depth(g, 0), 0, "depth 0 expands all");
	is_int(viz_graph_collapse_depth(g, -1), -1, "negative depth is refused");

	is_str(viz_node_kind_name(VIZ_NODE_GRAD), "grad", "node kind names");
	is_str(viz_edge_kind_name(VIZ_EDGE_NO_GRAD), "no_grad", "edge kind names");
	viz_graph_free(g);
	viz_graph_free(NULL);
	ok(1, "freeing NULL is fine");
	return done_testing();
}
