/*
 * shapes.c - the graphs of the golden tests, built by hand the way the
 * snapshot builder will build them from a real session.
 */
#include "shapes.h"

#include <stdio.h>
#include <stdlib.h>

static int T(viz_graph *g, const char *var, const char *shape, unsigned flags)
{
	return viz_graph_add_node(g, &(viz_node_info){
		.kind = VIZ_NODE_TENSOR, .name = var, .shape = shape,
		.dtype = "float32", .flags = flags, .version = 0 });
}

static int G(viz_graph *g, const char *name, const char *var, const char *shape)
{
	return viz_graph_add_node(g, &(viz_node_info){
		.kind = VIZ_NODE_GRAD, .name = name, .var = var, .shape = shape,
		.dtype = "float32", .version = -1 });
}

static int E(viz_graph *g, int a, int b)
{
	return viz_graph_add_edge(g, a, b, NULL);
}

static int K(viz_graph *g, int a, int b, viz_edge_kind k, const char *label)
{
	return viz_graph_add_edge(g, a, b, &(viz_edge_info){ .kind = k, .label = label });
}

static viz_grad_stats gs(double mean, double max)
{
	return (viz_grad_stats){ .valid = true, .mean_abs = mean, .max_abs = max };
}

/* x = torch.ones(2, 2, {requires_grad=true}); y = x + 2; z = y * y * 3;
 * out = z:mean() -- PyTorch's autograd tutorial. */
viz_graph *shape_seed(void)
{
	viz_graph *g = viz_graph_new();
	int x = T(g, "x", "[2, 2]", VIZ_FLAG_LEAF | VIZ_FLAG_REQUIRES_GRAD);
	int add = G(g, "AddBackward0", "y", "[2, 2]");
	int mul = G(g, "MulBackward0", NULL, "[2, 2]");
	int mul3 = G(g, "MulBackward0", "z", "[2, 2]");
	int mean = G(g, "MeanBackward0", "out", "[]");
	E(g, x, add);
	E(g, add, mul);
	E(g, add, mul);	/* y * y: y is used twice */
	E(g, mul, mul3);
	E(g, mul3, mean);
	return g;
}

/* The same after out:backward(), paused in the stepper at the first
 * MulBackward0, with gradient statistics (full detail). */
static viz_graph *shape_seed_paused(void)
{
	viz_graph *g = viz_graph_new();
	viz_node_info x = { .kind = VIZ_NODE_TENSOR, .name = "x", .shape = "[2, 2]",
			    .dtype = "float32", .version = 0, .where = "seed.lua:1",
			    .flags = VIZ_FLAG_LEAF | VIZ_FLAG_REQUIRES_GRAD };
	int a = viz_graph_add_node(g, &x);
	viz_node_info add = { .kind = VIZ_NODE_GRAD, .name = "AddBackward0", .var = "y",
			      .shape = "[2, 2]", .dtype = "float32", .version = -1,
			      .where = "seed.lua:2" };
	int b = viz_graph_add_node(g, &add);
	viz_node_info mul = { .kind = VIZ_NODE_GRAD, .name = "MulBackward0",
			      .shape = "[2, 2]", .dtype = "float32", .version = -1,
			      .where = "seed.lua:3", .grad = gs(0.75, 0.75),
			      .flags = VIZ_FLAG_PAUSED };
	int c = viz_graph_add_node(g, &mul);
	viz_node_info mul3 = { .kind = VIZ_NODE_GRAD, .name = "MulBackward0", .var = "z",
			       .shape = "[2, 2]", .dtype = "float32", .version = -1,
			       .where = "seed.lua:3", .grad = gs(0.25, 0.25) };
	int d = viz_graph_add_node(g, &mul3);
	viz_node_info mean = { .kind = VIZ_NODE_GRAD, .name = "MeanBackward0", .var = "out",
			       .shape = "[]", .dtype = "float32", .version = -1,
			       .where = "seed.lua:4", .grad = gs(1, 1) };
	int e = viz_graph_add_node(g, &mean);
	E(g, a, b);
	E(g, b, c);
	E(g, b, c);
	viz_graph_add_edge(g, c, d, &(viz_edge_info){ .grad = gs(0.75, 0.75) });
	viz_graph_add_edge(g, d, e, &(viz_edge_info){ .grad = gs(0.25, 0.25) });
	return g;
}

static int P(viz_graph *g, const char *name, const char *shape, const char *scope,
	     viz_grad_stats grad)
{
	return viz_graph_add_node(g, &(viz_node_info){
		.kind = VIZ_NODE_TENSOR, .name = name, .shape = shape, .dtype = "float32",
		.flags = VIZ_FLAG_LEAF | VIZ_FLAG_PARAM | VIZ_FLAG_REQUIRES_GRAD,
		.scope = scope, .grad = grad, .version = 0 });
}

static int S(viz_graph *g, const char *name, const char *var, const char *shape,
	     const char *scope, viz_grad_stats grad)
{
	return viz_graph_add_node(g, &(viz_node_info){
		.kind = VIZ_NODE_GRAD, .name = name, .var = var, .shape = shape,
		.dtype = "float32", .scope = scope, .grad = grad, .version = -1 });
}

/* model = nn.Sequential(fc1 = Linear(4, 8), act = ReLU, fc2 = Linear(8, 1));
 * loss = F.mse_loss(model(x), target); loss:backward() */
viz_graph *shape_mlp(void)
{
	viz_graph *g = viz_graph_new();
	int x = T(g, "x", "[16, 4]", VIZ_FLAG_LEAF);
	int w1 = P(g, "model.fc1.weight", "[8, 4]", "model.fc1", gs(2.1e-2, 9.3e-2));
	int b1 = P(g, "model.fc1.bias", "[8]", "model.fc1", gs(3.4e-2, 1.2e-1));
	int t1 = S(g, "TBackward0", NULL, "[4, 8]", "model.fc1", gs(2.1e-2, 9.3e-2));
	int l1 = S(g, "AddmmBackward0", NULL, "[16, 8]", "model.fc1", gs(4.2e-3, 3.0e-2));
	int r = S(g, "ReluBackward0", "h", "[16, 8]", "model.act", gs(2.6e-3, 3.0e-2));
	int w2 = P(g, "model.fc2.weight", "[1, 8]", "model.fc2", gs(1.5e-1, 4.4e-1));
	int b2 = P(g, "model.fc2.bias", "[1]", "model.fc2", gs(3.9e-1, 3.9e-1));
	int t2 = S(g, "TBackward0", NULL, "[8, 1]", "model.fc2", gs(1.5e-1, 4.4e-1));
	int l2 = S(g, "AddmmBackward0", "pred", "[16, 1]", "model.fc2", gs(4.9e-2, 1.6e-1));
	int target = T(g, "target", "[16, 1]", VIZ_FLAG_LEAF);
	int loss = S(g, "MseLossBackward0", "loss", "[]", NULL, gs(1, 1));
	E(g, w1, t1);
	E(g, b1, l1);
	K(g, x, l1, VIZ_EDGE_NONDIFF, NULL);
	E(g, t1, l1);
	E(g, l1, r);
	E(g, w2, t2);
	E(g, b2, l2);
	E(g, r, l2);
	E(g, t2, l2);
	E(g, l2, loss);
	K(g, target, loss, VIZ_EDGE_NONDIFF, NULL);
	return g;
}

/* One self-attention block: q, k, v projections, scaled scores, softmax,
 * weighted sum, output projection and the residual connection. */
static viz_graph *shape_attention(void)
{
	viz_graph *g = viz_graph_new();
	int x = T(g, "x", "[2, 5, 16]", VIZ_FLAG_LEAF | VIZ_FLAG_REQUIRES_GRAD);
	const char *sc = "attn";
	int wq = P(g, "attn.q.weight", "[16, 16]", sc, (viz_grad_stats){ 0 });
	int wk = P(g, "attn.k.weight", "[16, 16]", sc, (viz_grad_stats){ 0 });
	int wv = P(g, "attn.v.weight", "[16, 16]", sc, (viz_grad_stats){ 0 });
	int wo = P(g, "attn.out.weight", "[16, 16]", sc, (viz_grad_stats){ 0 });
	viz_grad_stats none = { 0 };
	int q = S(g, "MatmulBackward0", "q", "[2, 5, 16]", sc, none);
	int k = S(g, "MatmulBackward0", "k", "[2, 5, 16]", sc, none);
	int v = S(g, "MatmulBackward0", "v", "[2, 5, 16]", sc, none);
	int kt = S(g, "TransposeBackward0", NULL, "[2, 16, 5]", sc, none);
	int s = S(g, "BmmBackward0", NULL, "[2, 5, 5]", sc, none);
	int d = S(g, "DivBackward0", "scores", "[2, 5, 5]", sc, none);
	int sm = S(g, "SoftmaxBackward0", "attn", "[2, 5, 5]", sc, none);
	int o = S(g, "BmmBackward0", NULL, "[2, 5, 16]", sc, none);
	int op = S(g, "MatmulBackward0", NULL, "[2, 5, 16]", sc, none);
	int res = S(g, "AddBackward0", "y", "[2, 5, 16]", NULL, none);
	E(g, x, q); E(g, wq, q);
	E(g, x, k); E(g, wk, k);
	E(g, x, v); E(g, wv, v);
	E(g, k, kt);
	E(g, q, s); E(g, kt, s);
	E(g, s, d);
	E(g, d, sm);
	E(g, sm, o); E(g, v, o);
	E(g, o, op); E(g, wo, op);
	E(g, op, res); E(g, x, res);
	return g;
}

/* a = x:exp(); b = a:detach(); c = b * x; loss = c:sum() -- nothing flows
 * back through b, so x only gets the gradient of the product. */
static viz_graph *shape_detach(void)
{
	viz_graph *g = viz_graph_new();
	int x = T(g, "x", "[3]", VIZ_FLAG_LEAF | VIZ_FLAG_REQUIRES_GRAD);
	int a = G(g, "ExpBackward0", "a", "[3]");
	int b = T(g, "b", "[3]", 0);
	int c = G(g, "MulBackward0", "c", "[3]");
	int s = G(g, "SumBackward0", "loss", "[]");
	E(g, x, a);
	K(g, a, b, VIZ_EDGE_DETACHED, NULL);
	E(g, b, c);
	E(g, x, c);
	E(g, c, s);
	return g;
}

/* with torch.no_grad(): w_ema = w * 0.9 end; loss = (w * x + w_ema):sum() */
static viz_graph *shape_no_grad(void)
{
	viz_graph *g = viz_graph_new();
	int w = T(g, "w", "[4]", VIZ_FLAG_LEAF | VIZ_FLAG_REQUIRES_GRAD);
	int x = T(g, "x", "[4]", VIZ_FLAG_LEAF);
	int ema = viz_graph_add_node(g, &(viz_node_info){
		.kind = VIZ_NODE_OP, .name = "mul", .var = "w_ema", .shape = "[4]",
		.dtype = "float32", .no_grad_region = 1, .version = -1 });
	int m = G(g, "MulBackward0", NULL, "[4]");
	int add = G(g, "AddBackward0", NULL, "[4]");
	int s = G(g, "SumBackward0", "loss", "[]");
	K(g, w, ema, VIZ_EDGE_NO_GRAD, NULL);
	E(g, w, m);
	K(g, x, m, VIZ_EDGE_NONDIFF, NULL);
	E(g, m, add);
	K(g, ema, add, VIZ_EDGE_NO_GRAD, NULL);
	E(g, add, s);
	return g;
}

/* x = torch.zeros(3, 1):expand(3, 4); x:add_(1) -- the write fails. */
static viz_graph *shape_inplace_expand(void)
{
	viz_graph *g = viz_graph_new();
	int z = T(g, "zeros", "[3, 1]", VIZ_FLAG_LEAF);
	int x = viz_graph_add_node(g, &(viz_node_info){
		.kind = VIZ_NODE_OP, .name = "expand", .var = "x", .shape = "[3, 4]",
		.dtype = "float32", .version = 0, .note = "stride 0 in dim 1: 4 elements share one memory location" });
	int one = viz_graph_add_node(g, &(viz_node_info){
		.kind = VIZ_NODE_TENSOR, .name = "1", .shape = "[]", .dtype = "int64", .version = -1 });
	int add = viz_graph_add_node(g, &(viz_node_info){
		.kind = VIZ_NODE_OP, .name = "add_", .shape = "[3, 4]", .dtype = "float32",
		.flags = VIZ_FLAG_FAILING, .version = -1, .where = "expand.lua:2",
		.note = "unsupported operation: more than one element of the written-to "
			"tensor refers to a single memory location. Please clone() the "
			"tensor before performing the operation." });
	K(g, z, x, VIZ_EDGE_NONDIFF, NULL);
	E(g, x, add);
	K(g, one, add, VIZ_EDGE_NONDIFF, NULL);
	return g;
}

/* h = torch.tanh(x:matmul(w)); out = (h + h:sigmoid()):sum() -- h feeds
 * two consumers, so its gradient is the sum of two contributions. */
static viz_graph *shape_shared(void)
{
	viz_graph *g = viz_graph_new();
	int x = T(g, "x", "[8, 3]", VIZ_FLAG_LEAF);
	int w = T(g, "w", "[3, 3]", VIZ_FLAG_LEAF | VIZ_FLAG_REQUIRES_GRAD);
	int mm = G(g, "MmBackward0", NULL, "[8, 3]");
	int h = G(g, "TanhBackward0", "h", "[8, 3]");
	int sg = G(g, "SigmoidBackward0", NULL, "[8, 3]");
	int add = G(g, "AddBackward0", NULL, "[8, 3]");
	int s = G(g, "SumBackward0", "out", "[]");
	K(g, x, mm, VIZ_EDGE_NONDIFF, NULL);
	E(g, w, mm);
	E(g, mm, h);
	E(g, h, sg);
	E(g, h, add);
	E(g, sg, add);
	E(g, add, s);
	return g;
}

/* a, b, c = x:unbind(1); p, q = y:split(2); out = a * b + c + torch.cat({q, p}) */
static viz_graph *shape_multi_output(void)
{
	viz_graph *g = viz_graph_new();
	int x = T(g, "x", "[3, 4]", VIZ_FLAG_LEAF | VIZ_FLAG_REQUIRES_GRAD);
	int y = T(g, "y", "[4]", VIZ_FLAG_LEAF | VIZ_FLAG_REQUIRES_GRAD);
	int ub = G(g, "UnbindBackward0", NULL, "3 x [4]");
	int sp = G(g, "SplitBackward0", NULL, "2 x [2]");
	int mul = G(g, "MulBackward0", NULL, "[4]");
	int add = G(g, "AddBackward0", NULL, "[4]");
	int cat = G(g, "CatBackward0", NULL, "[4]");
	int add2 = G(g, "AddBackward0", "out", "[4]");
	E(g, x, ub);
	E(g, y, sp);
	K(g, ub, mul, VIZ_EDGE_AUTOGRAD, "0");
	K(g, ub, mul, VIZ_EDGE_AUTOGRAD, "1");
	E(g, mul, add);
	K(g, ub, add, VIZ_EDGE_AUTOGRAD, "2");
	K(g, sp, cat, VIZ_EDGE_AUTOGRAD, "1");
	K(g, sp, cat, VIZ_EDGE_AUTOGRAD, "0");
	E(g, add, add2);
	E(g, cat, add2);
	return g;
}

static viz_graph *shape_chain500(void)
{
	viz_graph *g = viz_graph_new();
	char name[32];
	int prev = T(g, "x", "[1]", VIZ_FLAG_LEAF | VIZ_FLAG_REQUIRES_GRAD);
	for (int i = 1; i < 500; i++) {
		snprintf(name, sizeof name, "%s%d", i % 2 ? "Sin" : "Cos", i);
		int n = G(g, name, NULL, "[1]");
		E(g, prev, n);
		prev = n;
	}
	return g;
}

static viz_graph *shape_fanout200(void)
{
	viz_graph *g = viz_graph_new();
	char name[32];
	int x = T(g, "x", "[200]", VIZ_FLAG_LEAF | VIZ_FLAG_REQUIRES_GRAD);
	for (int i = 0; i < 200; i++) {
		snprintf(name, sizeof name, "x[%d]", i + 1);
		int n = viz_graph_add_node(g, &(viz_node_info){
			.kind = VIZ_NODE_GRAD, .name = "SelectBackward0", .var = name,
			.version = -1 });
		E(g, x, n);
	}
	return g;
}

/* Exploding and NaN gradients in a small recurrent loop. */
static viz_graph *shape_nan(void)
{
	viz_graph *g = viz_graph_new();
	int h0 = T(g, "h0", "[4]", VIZ_FLAG_LEAF | VIZ_FLAG_REQUIRES_GRAD);
	int w = viz_graph_add_node(g, &(viz_node_info){
		.kind = VIZ_NODE_TENSOR, .name = "w", .shape = "[4, 4]", .dtype = "float32",
		.flags = VIZ_FLAG_LEAF | VIZ_FLAG_PARAM | VIZ_FLAG_REQUIRES_GRAD, .version = 0,
		.grad = { .valid = true, .mean_abs = 3.2e5, .max_abs = 8.1e6 } });
	int m1 = S(g, "MvBackward0", "h1", "[4]", NULL, gs(4.1e2, 9.0e2));
	int m2 = S(g, "MvBackward0", "h2", "[4]", NULL, gs(5.0e4, 2.2e5));
	int lg = viz_graph_add_node(g, &(viz_node_info){
		.kind = VIZ_NODE_GRAD, .name = "LogBackward0", .shape = "[4]", .dtype = "float32",
		.version = -1, .grad = { .valid = true, .mean_abs = 0.5, .max_abs = 1,
					 .nan_count = 2 } });
	int s = S(g, "SumBackward0", "loss", "[]", NULL, gs(1, 1));
	int tiny = S(g, "MulBackward0", NULL, "[4]", NULL, gs(3e-11, 8e-11));
	E(g, h0, m1); E(g, w, m1);
	E(g, m1, m2); E(g, w, m2);
	viz_graph_add_edge(g, m2, lg, &(viz_edge_info){
		.grad = { .valid = true, .mean_abs = 0.5, .max_abs = 1, .nan_count = 2 } });
	E(g, lg, tiny);
	E(g, tiny, s);
	return g;
}

/* A graph with a cycle (never made by autograd, but a snapshot of a
 * broken hand-made graph may have one): drawn with an upward arrow. */
static viz_graph *shape_cycle(void)
{
	viz_graph *g = viz_graph_new();
	int a = G(g, "A", NULL, NULL);
	int b = G(g, "B", NULL, NULL);
	int c = G(g, "C", NULL, NULL);
	E(g, a, b);
	E(g, b, c);
	E(g, c, a);
	return g;
}

#define OPT(dir, det, asc, w, how) { .direction = dir, .detail = det, .ascii = asc, \
	.max_width = w, .fit = how }

const shape viz_shapes[] = {
	{ "seed", shape_seed, OPT(VIZ_DIR_TB, VIZ_DETAIL_NORMAL, false, 0, VIZ_FIT_SCROLL), NULL },
	{ "seed_compact", shape_seed, OPT(VIZ_DIR_TB, VIZ_DETAIL_COMPACT, false, 0, VIZ_FIT_SCROLL), NULL },
	{ "seed_lr", shape_seed, OPT(VIZ_DIR_LR, VIZ_DETAIL_NORMAL, false, 0, VIZ_FIT_SCROLL), NULL },
	{ "seed_ascii", shape_seed, OPT(VIZ_DIR_TB, VIZ_DETAIL_NORMAL, true, 0, VIZ_FIT_SCROLL), NULL },
	{ "seed_paused", shape_seed_paused, OPT(VIZ_DIR_TB, VIZ_DETAIL_FULL, false, 0, VIZ_FIT_SCROLL), NULL },
	{ "mlp", shape_mlp, OPT(VIZ_DIR_TB, VIZ_DETAIL_NORMAL, false, 0, VIZ_FIT_SCROLL), NULL },
	{ "mlp_full", shape_mlp, OPT(VIZ_DIR_TB, VIZ_DETAIL_FULL, false, 0, VIZ_FIT_SCROLL), NULL },
	{ "module_collapsed", shape_mlp, OPT(VIZ_DIR_TB, VIZ_DETAIL_NORMAL, false, 0, VIZ_FIT_SCROLL), "model.fc1" },
	{ "module_all_collapsed", shape_mlp, OPT(VIZ_DIR_TB, VIZ_DETAIL_NORMAL, false, 0, VIZ_FIT_SCROLL), "model" },
	{ "attention", shape_attention, OPT(VIZ_DIR_TB, VIZ_DETAIL_COMPACT, false, 0, VIZ_FIT_SCROLL), NULL },
	{ "detach", shape_detach, OPT(VIZ_DIR_TB, VIZ_DETAIL_NORMAL, false, 0, VIZ_FIT_SCROLL), NULL },
	{ "detach_ascii", shape_detach, OPT(VIZ_DIR_TB, VIZ_DETAIL_NORMAL, true, 0, VIZ_FIT_SCROLL), NULL },
	{ "no_grad", shape_no_grad, OPT(VIZ_DIR_TB, VIZ_DETAIL_NORMAL, false, 0, VIZ_FIT_SCROLL), NULL },
	{ "inplace_expand", shape_inplace_expand, OPT(VIZ_DIR_TB, VIZ_DETAIL_NORMAL, false, 0, VIZ_FIT_SCROLL), NULL },
	{ "shared", shape_shared, OPT(VIZ_DIR_TB, VIZ_DETAIL_NORMAL, false, 0, VIZ_FIT_SCROLL), NULL },
	{ "multi_output", shape_multi_output, OPT(VIZ_DIR_TB, VIZ_DETAIL_COMPACT, false, 0, VIZ_FIT_SCROLL), NULL },
	{ "chain500", shape_chain500, OPT(VIZ_DIR_LR, VIZ_DETAIL_COMPACT, false, 100, VIZ_FIT_WRAP), NULL },
	{ "fanout200", shape_fanout200, OPT(VIZ_DIR_LR, VIZ_DETAIL_COMPACT, false, 0, VIZ_FIT_SCROLL), NULL },
	{ "grad_problems", shape_nan, OPT(VIZ_DIR_TB, VIZ_DETAIL_NORMAL, false, 0, VIZ_FIT_SCROLL), NULL },
	{ "cycle", shape_cycle, OPT(VIZ_DIR_TB, VIZ_DETAIL_COMPACT, false, 0, VIZ_FIT_SCROLL), NULL },
};
const int viz_nshapes = sizeof viz_shapes / sizeof *viz_shapes;
