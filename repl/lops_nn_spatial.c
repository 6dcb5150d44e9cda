/*
 * lops_nn_spatial.c - the spatial nn functions of core for Lua, as plain
 * positional entry points torch._C.nn_* that torch.nn.functional
 * (functional_spatial.lua) builds F.pad, F.interpolate, F.unfold, F.fold,
 * F.pixel_shuffle/unshuffle and F.conv_transpose1d/2d on after checking
 * their keywords.  Sizes arrive as Lua sequences in PyTorch's order.
 */
#include "ltorch.h"
#include "opargs.h"
#include "ag_spatial.h"

#include <string.h>

/* a sequence of at most max integers at idx into v; its length */
static int int_list(lua_State *L, int idx, int64_t *v, int max,
		    const char *fname)
{
	luaL_checktype(L, idx, LUA_TTABLE);
	int n = (int)luaL_len(L, idx);
	if (n > max)
		return luaL_error(L, "%s: at most %d sizes", fname, max);
	for (int i = 0; i < n; i++) {
		lua_geti(L, idx, i + 1);
		v[i] = repl_check_integer(L, -1, fname, "an integer");
		lua_pop(L, 1);
	}
	return n;
}

/* nn_pad(input, mode ("constant", "reflect", "replicate"), pad, value) */
static int c_pad(lua_State *L)
{
	static const char fname[] = "pad";
	ag_tensor *x = repl_check_tensor(L, 1, fname);
	const char *mode = luaL_checkstring(L, 2);
	int64_t pad[2 * AG_MAX_DIMS + 2];
	int n = int_list(L, 3, pad, 2 * AG_MAX_DIMS + 2, fname);
	double value = luaL_optnumber(L, 4, 0);
	int m = !strcmp(mode, "reflect") ? AG_PAD_REFLECT :
		!strcmp(mode, "replicate") ? AG_PAD_REPLICATE : AG_PAD_CONSTANT;

	repl_push_tensor(L, ag_pad(x, m, pad, n, value));
	return 1;
}

/* nn_upsample(input, mode, sizes, scales or nil, align_corners) */
static int c_upsample(lua_State *L)
{
	static const char fname[] = "interpolate";
	static const char *const modes[] = { "nearest", "nearest-exact",
		"linear", "bicubic", NULL };
	static const int maps[] = { AG_MAP_NEAREST, AG_MAP_NEAREST_EXACT,
		AG_MAP_LINEAR, AG_MAP_CUBIC };
	ag_tensor *x = repl_check_tensor(L, 1, fname);
	int mode = luaL_checkoption(L, 2, NULL, modes);
	int64_t size[3];
	double scale[3];
	int n = int_list(L, 3, size, 3, fname);
	bool has_scale = !lua_isnoneornil(L, 4);

	if (has_scale) {
		luaL_checktype(L, 4, LUA_TTABLE);
		for (int i = 0; i < n; i++) {
			lua_geti(L, 4, i + 1);
			scale[i] = lua_isnil(L, -1) ? 0 : luaL_checknumber(L, -1);
			lua_pop(L, 1);
		}
	}
	repl_push_tensor(L, ag_upsample(x, maps[mode], size,
					has_scale ? scale : NULL, n,
					lua_toboolean(L, 5)));
	return 1;
}

/* the kernel, dilation, padding, stride pairs from idx on */
static void fold_args(lua_State *L, int idx, int64_t v[4][2],
		      const char *fname)
{
	for (int i = 0; i < 8; i++)
		v[i / 2][i % 2] = repl_check_integer(L, idx + i, fname,
						     "an integer");
}

/* nn_im2col(input, kh, kw, dh, dw, ph, pw, sh, sw) */
static int c_im2col(lua_State *L)
{
	static const char fname[] = "unfold";
	ag_tensor *x = repl_check_tensor(L, 1, fname);
	int64_t v[4][2];

	fold_args(L, 2, v, fname);
	repl_push_tensor(L, ag_im2col(x, v[0], v[1], v[2], v[3]));
	return 1;
}

/* nn_col2im(input, oh, ow, kh, kw, dh, dw, ph, pw, sh, sw) */
static int c_col2im(lua_State *L)
{
	static const char fname[] = "fold";
	ag_tensor *x = repl_check_tensor(L, 1, fname);
	int64_t out[2], v[4][2];

	out[0] = repl_check_integer(L, 2, fname, "an integer");
	out[1] = repl_check_integer(L, 3, fname, "an integer");
	fold_args(L, 4, v, fname);
	repl_push_tensor(L, ag_col2im(x, out, v[0], v[1], v[2], v[3]));
	return 1;
}

/* nn_pixel_shuffle(input, factor, inverse) */
static int c_pixel_shuffle(lua_State *L)
{
	bool inverse = lua_toboolean(L, 3);
	const char *fname = inverse ? "pixel_unshuffle" : "pixel_shuffle";
	ag_tensor *x = repl_check_tensor(L, 1, fname);
	int64_t r = repl_check_integer(L, 2, fname, "an integer");

	repl_push_tensor(L, ag_pixel_shuffle(x, r, inverse));
	return 1;
}

/* nn_conv_transpose(input, weight, bias or nil, nsp, stride_h, stride_w,
 * pad_h, pad_w, out_pad_h, out_pad_w, dil_h, dil_w, groups): sizes made
 * 2-d by torch.nn.functional (height 1, 0, 0, 1 for a 1-d one) */
static int c_conv_transpose(lua_State *L)
{
	static const char fname[] = "conv_transpose";
	ag_tensor *x = repl_check_tensor(L, 1, fname);
	ag_tensor *w = repl_check_tensor(L, 2, fname);
	ag_tensor *b = lua_isnoneornil(L, 3) ? NULL :
		       repl_check_tensor(L, 3, fname);
	ag_conv_args a = { .nsp = (int)repl_check_integer(L, 4, fname,
							  "1 or 2"),
			   .transposed = true };
	int64_t *v[] = { &a.stride[0], &a.stride[1], &a.padding[0],
			 &a.padding[1], &a.output_padding[0],
			 &a.output_padding[1], &a.dilation[0], &a.dilation[1],
			 &a.groups };

	for (int i = 0; i < 9; i++)
		*v[i] = repl_check_integer(L, 5 + i, fname, "an integer");
	if (a.nsp != 1 && a.nsp != 2)
		return luaL_error(L, "nn_conv_transpose: 1 or 2 spatial dims");
	repl_push_tensor(L, ag_convolution(x, w, b, &a));
	return 1;
}

void repl_register_nn_spatial_internals(lua_State *L)
{
	static const luaL_Reg c[] = {
		{"nn_pad", c_pad}, {"nn_upsample", c_upsample},
		{"nn_im2col", c_im2col}, {"nn_col2im", c_col2im},
		{"nn_pixel_shuffle", c_pixel_shuffle},
		{"nn_conv_transpose", c_conv_transpose},
		{NULL, NULL}
	};
	luaL_setfuncs(L, c, 0);
}
