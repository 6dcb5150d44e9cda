/*
 * ltorch.h - the `torch` Lua module: the binding of core/ag.h.
 *
 * luaopen_torch is all the REPL needs.  The rest is shared by the module's
 * own files (ltorch.c: module table, factories, dtypes, Size; ltensor.c: the
 * tensor userdata, fields and methods; lops.c: ops; lindex.c: x[spec];
 * largs.c: argument checking and the 1-based <-> 0-based conversions).
 *
 * Lua is 1-based: dims and index values are converted at this boundary and
 * nowhere else, so core stays 0-based like PyTorch.
 */
#ifndef REPL_LTORCH_H
#define REPL_LTORCH_H

#include <lua.h>
#include <lauxlib.h>

#include "ag.h"

int luaopen_torch(lua_State *L);

#define REPL_TENSOR_MT "torch.Tensor"
#define REPL_DTYPE_MT "torch.dtype"
#define REPL_SIZE_MT "torch.Size"

/* ------------------------------------------------------------ ltensor.c */

/* Pushes t as a Lua value, taking over the reference (the same userdata
 * when t already has one, so `==` is identity).  t == NULL raises core's
 * error instead. */
void repl_push_tensor(lua_State *L, ag_tensor *t);
/* The tensor at idx, or NULL when the value is not a tensor. */
ag_tensor *repl_to_tensor(lua_State *L, int idx);
/* The tensor at idx or an argument error naming fname. */
ag_tensor *repl_check_tensor(lua_State *L, int idx, const char *fname);
/* Raises core's pending error as a Lua error. */
int repl_core_error(lua_State *L);
void repl_open_tensor(lua_State *L);
/* Adds the non-op tensor functions to the table at the top of the stack;
 * methods adds the method-only ones too (x:float, x:view, ...). */
void repl_register_tensor_funcs(lua_State *L, bool methods);
/* t.name / t.name = v for string keys (called from __index/__newindex). */
int repl_tensor_getfield(lua_State *L);
int repl_tensor_setfield(lua_State *L);

/* ------------------------------------------------------------ ltorch.c */

void repl_push_dtype(lua_State *L, ag_dtype dt);
/* dtype object, or a name such as "float64"/"torch.float64": 0 / -1. */
int repl_to_dtype(lua_State *L, int idx, ag_dtype *out);
void repl_push_size(lua_State *L, const int64_t *shape, int ndim);
/* Counts a storage allocation; runs the collector when due. */
void repl_gc_pace(lua_State *L);
const ag_print_options *repl_print_options(void);

/* ------------------------------------------------------------ lautograd.c */

struct ag_node;
/* Pushes a grad_fn node as a Lua value (nil for NULL). */
void repl_push_node(lua_State *L, struct ag_node *n);
/* Adds torch.no_grad & co. and torch.autograd to the torch table on top. */
void repl_open_autograd(lua_State *L);
/* Adds backward, register_hook to the method table on top. */
void repl_register_autograd_methods(lua_State *L);

/* ------------------------------------------------------------ llib.c */

/* Adds torch._C (what the Lua library needs from C) and the lazily loaded
 * Lua parts (torch.nn, torch.optim, ...) to the torch table on top. */
void repl_open_lib(lua_State *L);
/* lidx.c: adds read_idx to the table on top (torch._C). */
void repl_register_files(lua_State *L);
/* lsafetensors.c: adds safetensors_save/load to torch._C (torch on top). */
void repl_register_serialization(lua_State *L);

/* ------------------------------------------------------------ lops.c */

/* Fills a table (at the top of the stack) with the op functions; with
 * methods true the method spelling (x:add), else torch.add. */
void repl_register_ops(lua_State *L, bool methods);
/* Sets __add __sub __mul __div __pow __unm in the metatable at the top. */
void repl_register_arith(lua_State *L);

/* ------------------------------------------------------------ lindex.c */

int repl_tensor_index(lua_State *L);	/* __index */
int repl_tensor_newindex(lua_State *L);	/* __newindex */

/* ------------------------------------------------------------ largs.c */

/* "fname: argument N must be WHAT, got TYPE" */
int repl_arg_error(lua_State *L, const char *fname, int arg, const char *what);
const char *repl_type_name(lua_State *L, int idx);

/* Index of a trailing keyword table among args [first, top], or 0.  A
 * keyword table has a string key and no [1] (sizes/dims are sequences). */
int repl_kwargs(lua_State *L, int first);
/* Raises an error for a key of kw not in the NULL-terminated list. */
void repl_check_keys(lua_State *L, int kw, const char *fname,
		     const char *const *allowed);
/* Keyword getters: kw == 0 means none given; return def when absent. */
bool repl_kw_bool(lua_State *L, int kw, const char *key, bool def,
		  const char *fname);
bool repl_kw_dtype(lua_State *L, int kw, const char *key, ag_dtype *out,
		   const char *fname);	/* true when given */
/* Pushes kw[key] (nil when kw == 0). */
int repl_kw_get(lua_State *L, int kw, const char *key);

/* Sizes as numbers (args first..last) or one table/Size at first. */
int repl_check_sizes(lua_State *L, int first, int last, const char *fname,
		     int64_t *shape);	/* returns ndim */
/* A sequence of integers at idx (a table or a Size). */
int repl_check_int_list(lua_State *L, int idx, const char *fname,
			const char *what, int64_t *out, int max);

lua_Integer repl_check_integer(lua_State *L, int idx, const char *fname,
			       const char *what);
double repl_check_number(lua_State *L, int idx, const char *fname);

/* A Lua dim d (1-based, negative from the end) for a tensor of ndim dims
 * (extra: 1 where a new dim may be inserted, as unsqueeze/stack) -> 0-based,
 * or a Lua error in Lua terms. */
int repl_check_dim(lua_State *L, int idx, int ndim, int extra,
		   const char *fname);
int repl_wrap_dim(lua_State *L, lua_Integer d, int ndim, int extra);
/* A Lua index i (1-based, negative from the end) into a dim of `size`
 * -> 0-based; index 0 and out-of-range indices raise Lua-terms errors. */
int64_t repl_wrap_index(lua_State *L, lua_Integer i, int64_t size, int dim);

/* A tensor or a number at idx as a new core reference (numbers become
 * wrapped numbers so they count less in type promotion). */
ag_tensor *repl_check_operand(lua_State *L, int idx, const char *fname);

#endif
