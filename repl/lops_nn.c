/*
 * lops_nn.c - the nn functions of core for Lua: torch.softmax /
 * x:softmax and torch.log_softmax / x:log_softmax (1-based dims, the dtype
 * keyword), and the plain positional entry points torch._C.nn_* that
 * torch.nn.functional (Lua) builds its functions on after checking their
 * keywords.  Class indices cross 1-based: targets and ignore_index lose
 * one on the way in, and "Target N is out of bounds." gets it back.
 */
#include "ltorch.h"
#include "opargs.h"

#include <stdio.h>
#include <string.h>

static ag_tensor *opt_tensor(lua_State *L, int idx, const char *fname)
{
	if (lua_isnoneornil(L, idx))
		return NULL;
	return repl_check_tensor(L, idx, fname);
}

/* softmax(dim [, {dtype=...}]) */
static int softmax_common(lua_State *L, bool logsm)
{
	const char *fname = logsm ? "torch.log_softmax" : "torch.softmax";
	static const char *const keys[] = {"dtype", "dim", NULL};
	ag_tensor *x = repl_check_tensor(L, 1, fname), *xc, *r;
	int kw = repl_kwargs(L, 2), top = kw ? kw - 1 : lua_gettop(L), dim;
	ag_dtype dt;

	repl_check_keys(L, kw, fname, keys);
	if (top >= 2) {
		dim = repl_check_dim(L, 2, x->ndim, 0, fname);
	} else if (repl_kw_get(L, kw, "dim") != LUA_TNIL) {
		dim = repl_check_dim(L, lua_gettop(L), x->ndim, 0, fname);
		lua_pop(L, 1);
	} else {
		return luaL_error(L, "%s: missing the dim (softmax needs one)",
				  fname);
	}
	if (repl_kw_dtype(L, kw, "dtype", &dt, fname)) {
		xc = ag_to_dtype(x, dt);
		if (!xc)
			return repl_core_error(L);
	} else {
		xc = x;
		ag_tensor_retain(xc);
	}
	r = logsm ? ag_log_softmax(xc, dim) : ag_softmax(xc, dim);
	ag_tensor_release(xc);
	repl_push_tensor(L, r);
	return 1;
}

static int l_softmax(lua_State *L) { return softmax_common(L, false); }
static int l_log_softmax(lua_State *L) { return softmax_common(L, true); }

/* ------------------------------------------------------------ torch._C */

/* 1-based indices t made 0-based, in t's dtype (raises core's error) */
static ag_tensor *zero_based(lua_State *L, ag_tensor *t)
{
	ag_tensor *one = ag_scalar(1, t->dtype), *r;

	r = one ? ag_sub(t, one) : NULL;
	ag_tensor_release(one);
	if (!r)
		repl_core_error(L);
	return r;
}

/* A target (1-based) made 0-based; refuses non-int64 with PyTorch's
 * text. */
static ag_tensor *target_arg(lua_State *L, int idx, const char *fname)
{
	ag_tensor *t = repl_check_tensor(L, idx, fname);

	if (t->dtype != AG_INT64) {
		luaL_error(L, "expected scalar type Long but found %s",
			   ag_dtype_scalar_name(t->dtype));
	}
	return zero_based(L, t);
}

/* Raises core's error, with a 0-based "Target N" put back to 1-based. */
static int nn_error(lua_State *L)
{
	const char *msg = ag_error_message();
	long long v;

	if (msg && sscanf(msg, "Target %lld is out of bounds.", &v) == 1) {
		ag_error_clear();
		return luaL_error(L, "Target %I is out of bounds.",
				  (lua_Integer)(v + 1));
	}
	return repl_core_error(L);
}

static int reduction_arg(lua_State *L, int idx)
{
	const char *r = luaL_checkstring(L, idx);
	if (strcmp(r, "none") == 0)
		return 0;
	if (strcmp(r, "mean") == 0)
		return 1;
	if (strcmp(r, "sum") == 0)
		return 2;
	return luaL_error(L, "%s is not a valid value for reduction", r);
}

/* nn_nll_loss(input, target, weight|nil, reduction, ignore_index) */
static int c_nll_loss(lua_State *L)
{
	static const char fname[] = "nll_loss";
	ag_tensor *x = repl_check_tensor(L, 1, fname);
	ag_tensor *w = opt_tensor(L, 3, fname);
	int red = reduction_arg(L, 4);
	int64_t ii = repl_check_integer(L, 5, fname, "an integer") - 1;
	ag_tensor *t = target_arg(L, 2, fname), *r;

	r = ag_nll_loss(x, t, w, red, ii);
	ag_tensor_release(t);
	if (!r)
		return nn_error(L);
	repl_push_tensor(L, r);
	return 1;
}

/* nn_layer_norm(input, {shape}, weight|nil, bias|nil, eps) */
static int c_layer_norm(lua_State *L)
{
	static const char fname[] = "layer_norm";
	ag_tensor *x = repl_check_tensor(L, 1, fname);
	int64_t shape[AG_MAX_DIMS];
	int nd = repl_check_int_list(L, 2, fname, "normalized_shape", shape,
				     AG_MAX_DIMS);
	ag_tensor *w = opt_tensor(L, 3, fname), *b = opt_tensor(L, 4, fname);
	double eps = luaL_checknumber(L, 5);

	repl_push_tensor(L, ag_layer_norm(x, shape, nd, w, b, eps));
	return 1;
}

/* nn_batch_norm(input, running_mean|nil, running_var|nil, weight|nil,
 * bias|nil, training, momentum, eps) */
static int c_batch_norm(lua_State *L)
{
	static const char fname[] = "batch_norm";
	ag_tensor *x = repl_check_tensor(L, 1, fname), *out;
	ag_tensor *rm = opt_tensor(L, 2, fname), *rv = opt_tensor(L, 3, fname);
	ag_tensor *w = opt_tensor(L, 4, fname), *b = opt_tensor(L, 5, fname);
	bool training = lua_toboolean(L, 6);
	double momentum = luaL_checknumber(L, 7), eps = luaL_checknumber(L, 8);

	if (ag_native_batch_norm(x, w, b, rm, rv, training, momentum, eps,
				 &out) != 0)
		return repl_core_error(L);
	repl_push_tensor(L, out);
	return 1;
}

/* nn_group_norm(input, groups, weight|nil, bias|nil, eps) */
static int c_group_norm(lua_State *L)
{
	static const char fname[] = "group_norm";
	ag_tensor *x = repl_check_tensor(L, 1, fname), *out;
	int64_t groups = repl_check_integer(L, 2, fname, "an integer");
	ag_tensor *w = opt_tensor(L, 3, fname), *b = opt_tensor(L, 4, fname);
	double eps = luaL_checknumber(L, 5);

	if (ag_native_group_norm(x, groups, w, b, eps, &out) != 0)
		return repl_core_error(L);
	repl_push_tensor(L, out);
	return 1;
}

/* nn_loss(name, input, target, weight|nil, pos_weight|nil, reduction,
 * param): the pointwise losses with a node of their own */
static int c_pointwise_loss(lua_State *L)
{
	static const struct { const char *name; ag_op op; } losses[] = {
		{"mse_loss", AG_OP_MSE_LOSS},
		{"smooth_l1_loss", AG_OP_SMOOTH_L1_LOSS},
		{"huber_loss", AG_OP_HUBER_LOSS},
		{"binary_cross_entropy", AG_OP_BINARY_CROSS_ENTROPY},
		{"binary_cross_entropy_with_logits", AG_OP_BCE_WITH_LOGITS},
	};
	const char *name = luaL_checkstring(L, 1);
	ag_tensor *x = repl_check_tensor(L, 2, name);
	ag_tensor *t = repl_check_tensor(L, 3, name);
	ag_tensor *w = opt_tensor(L, 4, name), *pw = opt_tensor(L, 5, name);
	int red = reduction_arg(L, 6);
	double param = luaL_optnumber(L, 7, 0.0);

	for (size_t i = 0; i < sizeof losses / sizeof losses[0]; i++) {
		if (strcmp(name, losses[i].name) == 0) {
			repl_push_tensor(L, ag_pointwise_loss(losses[i].op, x, t, w,
							      pw, red, param));
			return 1;
		}
	}
	return luaL_error(L, "nn_loss: no loss named %s", name);
}

/* nn_embedding(input (1-based indices), weight, padding_idx (0-based, or
 * -1)) */
static int c_embedding(lua_State *L)
{
	static const char fname[] = "embedding";
	ag_tensor *w = repl_check_tensor(L, 2, fname);
	int64_t pad = repl_check_integer(L, 3, fname, "an integer");
	ag_tensor *t = repl_check_tensor(L, 1, fname), *idx, *r;

	/* Long or Int, as PyTorch takes them; any other dtype gets core's
	 * error, which is embedding's own */
	if (t->dtype != AG_INT64 && t->dtype != AG_INT32) {
		repl_push_tensor(L, ag_embedding(w, t, pad));
		return 1;
	}
	idx = zero_based(L, t);
	r = ag_embedding(w, idx, pad);
	ag_tensor_release(idx);
	repl_push_tensor(L, r);
	return 1;
}

/* nn_conv(input, weight, bias or nil, nsp, stride_h, stride_w, pad_h,
 * pad_w, dil_h, dil_w, groups): the sizes already checked and made 2-d
 * by torch.nn.functional (height 1, 0, 1 for a 1-d conv) */
static int c_conv(lua_State *L)
{
	static const char fname[] = "convolution";
	ag_tensor *x = repl_check_tensor(L, 1, fname);
	ag_tensor *w = repl_check_tensor(L, 2, fname);
	ag_tensor *b = opt_tensor(L, 3, fname);
	ag_conv_args a = { .nsp = (int)repl_check_integer(L, 4, fname, "1 or 2") };
	int64_t *v[] = { &a.stride[0], &a.stride[1], &a.padding[0],
			 &a.padding[1], &a.dilation[0], &a.dilation[1],
			 &a.groups };

	for (int i = 0; i < 7; i++)
		*v[i] = repl_check_integer(L, 5 + i, fname, "an integer");
	if (a.nsp != 1 && a.nsp != 2)
		return luaL_error(L, "nn_conv: 1 or 2 spatial dims");
	repl_push_tensor(L, ag_convolution(x, w, b, &a));
	return 1;
}

/* The pooling arguments from idx on: kh, kw, sh, sw, ph, pw, then
 * (max) dh, dw or (avg) nothing. */
static void pool_args(lua_State *L, int idx, bool dilation, ag_pool_args *a,
		      const char *fname)
{
	int64_t *v[] = { &a->kernel[0], &a->kernel[1], &a->stride[0],
			 &a->stride[1], &a->padding[0], &a->padding[1],
			 &a->dilation[0], &a->dilation[1] };

	a->dilation[0] = a->dilation[1] = 1;
	for (int i = 0; i < (dilation ? 8 : 6); i++)
		*v[i] = repl_check_integer(L, idx + i, fname, "an integer");
}

/* nn_max_pool2d(input, kh, kw, sh, sw, ph, pw, dh, dw, ceil_mode,
 * return_indices) -> output, and with return_indices the indices (1-based,
 * h * W + w + 1 in their plane; made only when asked for) */
static int c_max_pool2d(lua_State *L)
{
	static const char fname[] = "max_pool2d";
	ag_tensor *x = repl_check_tensor(L, 1, fname), *out, *idx;
	ag_pool_args a = { 0 };

	pool_args(L, 2, true, &a, fname);
	a.ceil_mode = lua_toboolean(L, 10);
	if (ag_max_pool2d_with_indices(x, &a, &out, &idx) < 0)
		return repl_core_error(L);
	repl_push_tensor(L, out);
	if (!lua_toboolean(L, 11)) {
		ag_tensor_release(idx);
		return 1;
	}
	ag_tensor *one = ag_wrapped_number(1, true);
	ag_tensor *r = one ? ag_add(idx, one) : NULL;
	ag_tensor_release(one);
	ag_tensor_release(idx);
	repl_push_tensor(L, r);
	return 2;
}

/* nn_avg_pool2d(input, kh, kw, sh, sw, ph, pw, ceil_mode,
 * count_include_pad, divisor_override or nil) */
static int c_avg_pool2d(lua_State *L)
{
	static const char fname[] = "avg_pool2d";
	ag_tensor *x = repl_check_tensor(L, 1, fname);
	ag_pool_args a = { 0 };

	pool_args(L, 2, false, &a, fname);
	a.ceil_mode = lua_toboolean(L, 8);
	a.count_include_pad = lua_toboolean(L, 9);
	if (!lua_isnoneornil(L, 10)) {
		a.has_divisor = true;
		a.divisor_override = repl_check_integer(L, 10, fname,
							"an integer");
	}
	repl_push_tensor(L, ag_avg_pool2d(x, &a));
	return 1;
}

/* nn_adaptive_avg_pool2d(input, out_h, out_w) */
static int c_adaptive_avg_pool2d(lua_State *L)
{
	static const char fname[] = "adaptive_avg_pool2d";
	ag_tensor *x = repl_check_tensor(L, 1, fname);
	ag_pool_args a = { 0 };

	a.out_h = repl_check_integer(L, 2, fname, "an integer");
	a.out_w = repl_check_integer(L, 3, fname, "an integer");
	repl_push_tensor(L, ag_adaptive_avg_pool2d(x, &a));
	return 1;
}

/* _C.div_scalar(x, s): x / s as PyTorch's C++ internals divide by a number
 * (div(Tensor, Scalar), DivBackward1), for the nn functions that do */
static int c_div_scalar(lua_State *L)
{
	static const char fname[] = "div";
	ag_tensor *x = repl_check_tensor(L, 1, fname);
	double s = repl_check_number(L, 2, fname);

	repl_push_tensor(L, ag_div_scalar(x, s));
	return 1;
}

/* ------------------------------------------------------------ registration */

void repl_register_nn_ops(lua_State *L)
{
	static const luaL_Reg ops[] = {
		{"softmax", l_softmax}, {"log_softmax", l_log_softmax},
		{NULL, NULL}
	};
	luaL_setfuncs(L, ops, 0);
}

void repl_register_nn_internals(lua_State *L)
{
	static const luaL_Reg c[] = {
		{"nn_nll_loss", c_nll_loss}, {"nn_layer_norm", c_layer_norm},
		{"nn_batch_norm", c_batch_norm}, {"nn_group_norm", c_group_norm},
		{"nn_loss", c_pointwise_loss}, {"nn_embedding", c_embedding},
		{"nn_conv", c_conv}, {"nn_max_pool2d", c_max_pool2d},
		{"nn_avg_pool2d", c_avg_pool2d},
		{"nn_adaptive_avg_pool2d", c_adaptive_avg_pool2d},
		{"div_scalar", c_div_scalar},
		{NULL, NULL}
	};
	luaL_setfuncs(L, c, 0);
}
