/*
 * ltorch.h - the `torch` Lua module: the binding of core/ag.h.
 *
 * luaopen_torch is all the REPL needs.  The rest is shared by the module's
 * own files (ltorch.c: module table, factories, dtypes, Size; ltensor.c: the
 * tensor userdata, fields and methods; lops.c: ops; lindex.c: x[spec];
 * largs.c: argument checking and the 1-based <-> 0-based conversions;
 * lautograd.c and its parts: autograd).
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
/* The same without raising for a closed or finalized one (NULL then). */
ag_tensor *repl_test_tensor(lua_State *L, int idx);
/* Pushes the userdata of core tensor t, or nil when it has none now. */
void repl_find_tensor_box(lua_State *L, void *t);
/* A tensor box's user values: 1 the attributes a user stored on it, 2 its
 * Lua-side state (the functions of its hooks, by id). */
#define REPL_TENSOR_UV_STATE 2
/* The tensor at idx or an argument error naming fname. */
ag_tensor *repl_check_tensor(lua_State *L, int idx, const char *fname);
/* Raises core's pending error as a Lua error. */
int repl_core_error(lua_State *L);

/* What the agdb program's debugger (repl/debugger.h) hooks into; NULL in
 * torch.so, where the binding runs alone:
 *  - a core error about to be raised (its facts are still there);
 *  - running a backward pass (x:backward, torch.autograd.backward): with
 *    can_stop a breakpoint may keep the pass and raise the stop; 0 done,
 *    -1 failed with core's error set;
 *  - a backward pass that failed, before its engine is freed;
 *  - the width of the terminal on fd when it is not a terminal (the viewer
 *    has one of its own), or 0. */
extern void (*repl_core_error_hook)(lua_State *L, const char *msg);
struct ag_engine;
extern int (*repl_backward_runner)(lua_State *L, struct ag_engine *e,
				   ag_tensor *const *roots, int nroots, bool can_stop);
extern void (*repl_backward_failed_hook)(lua_State *L, struct ag_engine *e);
extern int (*repl_terminal_width_hook)(int fd);
/* lfunction.c: a custom Function node's ctx table and class (2 values),
 * or nothing (0) for other nodes. */
int repl_push_function_ctx(lua_State *L, struct ag_node *n);
void repl_open_tensor(lua_State *L);
/* Adds the non-op tensor functions to the table at the top of the stack;
 * methods adds the method-only ones too (x:float, x:view, ...). */
void repl_register_tensor_funcs(lua_State *L, bool methods);
/* Pushes the weak table (registry[key]) that maps a core object to its
 * userdata, made on first use: one Lua value per object, so `==` is
 * identity. */
void repl_push_weak_cache(lua_State *L, const void *key);
/* t.name / t.name = v for string keys (called from __index/__newindex). */
int repl_tensor_getfield(lua_State *L);
int repl_tensor_setfield(lua_State *L);

/* ------------------------------------------------------------ ltorch.c */

void repl_push_dtype(lua_State *L, ag_dtype dt);
/* dtype object, or a name such as "float64"/"torch.float64": 0 / -1. */
int repl_to_dtype(lua_State *L, int idx, ag_dtype *out);
void repl_push_size(lua_State *L, const int64_t *shape, int ndim);
/* linfo.c: adds torch.finfo and torch.iinfo to the table on top. */
void repl_register_dtype_info(lua_State *L);
/* Counts a storage allocation; runs the collector when due. */
void repl_gc_pace(lua_State *L);
const ag_print_options *repl_print_options(void);

/* ------------------------------------------------------------ lautograd.c */

/* The autograd half of the module: lautograd.c opens it from its parts
 * (below).  Adds torch.no_grad & co. and torch.autograd to the torch table
 * on top. */
void repl_open_autograd(lua_State *L);
/* Adds backward, register_hook, _id to the method table on top. */
void repl_register_autograd_methods(lua_State *L);

/* ------------------------------------------------------------ llib.c */

/* Adds torch._C (what the Lua library needs from C) and the lazily loaded
 * Lua parts (torch.nn, torch.optim, ...) to the torch table on top. */
void repl_open_lib(lua_State *L);
/* Autocast (lautocast.c): wraps the functions of the table at idx that are
 * on an autocast list; torch's state functions; torch._C's helpers. */
void repl_autocast_wrap(lua_State *L, int idx);
void repl_register_autocast(lua_State *L);
void repl_register_autocast_c(lua_State *L);
/* lidx.c: adds read_idx to the table on top (torch._C). */
void repl_register_files(lua_State *L);
/* lidx.c: path opened for reading, or a Lua error "WHO: ..." when it
 * cannot be opened or is no regular file (a FIFO fails at once instead of
 * blocking until a writer comes).  The fd is blocking and close-on-exec. */
int repl_open_regular(lua_State *L, const char *path, const char *who);
/* lsafetensors.c: adds safetensors_save/load to torch._C (torch on top). */
void repl_register_serialization(lua_State *L);

#define REPL_NODE_MT "torch.Node"
#define REPL_HANDLE_MT "torch.RemovableHandle"
#define REPL_GRADMODE_MT "torch.GradMode"
#define REPL_CTX_MT "torch.FunctionCtx"

/* lnode.c: pushes a grad_fn node as a Lua value (nil for NULL); finds a
 * node's userdata (nil when it has none now). */
struct ag_node;
void repl_push_node(lua_State *L, struct ag_node *n);
struct ag_node *repl_check_node(lua_State *L, int idx);
struct ag_node *repl_test_node(lua_State *L, int idx);	/* NULL if not */
void repl_find_node_box(lua_State *L, void *n);
void repl_open_nodes(lua_State *L);

/* lhooks.c: the main thread; the thread running Lua now (the coroutine
 * that main resumed, and so on down), where callbacks run and where ops
 * are attributed; fn(L) called with ctx as its light userdata argument in
 * protected mode, its Lua error (any value) becoming core's error state
 * (so it unwinds the engine and is raised again where backward was
 * called): 0 or -1. */
lua_State *repl_main_thread(lua_State *L);
lua_State *repl_running_thread(lua_State *main);
int repl_call_protected(lua_State *L, lua_CFunction fn, void *ctx);
void repl_open_hooks(lua_State *L);	/* after repl_open_nodes */
/* After a backward pass: hooks removed while it ran lose their functions
 * now (they ran to the end of that pass, as in PyTorch 1.13). */
void repl_hooks_pass_done(lua_State *L);
/* lsaved.c: torch.autograd.graph's saved-tensor hooks, set into the table
 * at the top of the stack. */
void repl_open_saved_hooks(lua_State *L);
extern const luaL_Reg repl_hook_methods[];

/* lkeep.c: boxes whose Lua-side state core may still call are kept while
 * core holds what the state serves.  guarded: the core objects the box at
 * idx serves (its own first, the one it holds a reference to), at most
 * max; release: drop the box's reference (and forget the box in weak
 * caches); kept: a finaliser kept it (re-enter it in its weak cache). */
typedef struct repl_keep_obj { void *obj; bool is_node; } repl_keep_obj;
typedef struct repl_keep_kind {
	int (*guarded)(lua_State *L, int idx, repl_keep_obj *out, int max);
	void (*release)(lua_State *L, void *box);
	void (*kept)(lua_State *L, int idx);
} repl_keep_kind;
void repl_open_keep(lua_State *L);
/* From a box's __gc: true when kept (its reference must stay). */
bool repl_keep_on_gc(lua_State *L, int idx, const repl_keep_kind *k);
/* A box handed out again: finalisable again, no longer kept. */
void repl_keep_revive(lua_State *L, int idx);

/* lbackward.c, lmodes.c, ltrace.c, lfunction.c */
extern const luaL_Reg repl_backward_methods[], repl_backward_funcs[];
void repl_open_modes(lua_State *L);
extern const luaL_Reg repl_mode_funcs[], repl_anomaly_funcs[];
void repl_open_trace(lua_State *L);
/* The thread of a binding while it runs core (NULL: none said): the trace
 * log takes it as the thread running Lua now instead of looking for it.
 * Set it only around core calls that raise no Lua error, and put the old
 * value back after them. */
extern lua_State *repl_op_thread;
extern const luaL_Reg repl_trace_funcs[], repl_trace_methods[];
void repl_open_functions(lua_State *L);
extern const luaL_Reg repl_function_funcs[];
/* lforward.c: torch.autograd.forward_ad's C half */
extern const luaL_Reg repl_forward_funcs[];

/* ------------------------------------------------------------ lops.c */

/* Fills a table (at the top of the stack) with the op functions; with
 * methods true the method spelling (x:add), else torch.add. */
void repl_register_ops(lua_State *L, bool methods);
/* lops_shape.c, lops_linalg.c: the ops of issue 11's shape/indexing and
 * linear algebra families, added the same way; torch.where(cond)'s
 * nonzero(as_tuple); one_hot into torch._C (for torch.nn.functional). */
void repl_register_shape_ops(lua_State *L, bool methods);
void repl_register_linalg_ops(lua_State *L, bool methods);
int repl_nonzero_tuple(lua_State *L, ag_tensor *t);
void repl_register_shape_c(lua_State *L);

/* Sets __add __sub __mul __div __pow __unm __mod and the bitwise
 * metamethods in the metatable at the top. */
void repl_register_arith(lua_State *L);
/* int64 0-based indices + 1, as a new tensor (Lua index values count from
 * 1), taking over idx; never in place: autograd keeps core's indices. */
ag_tensor *repl_one_based(ag_tensor *idx);
/* Dims from argument idx (a number or a table) or the `dim` keyword, for
 * a tensor t, 0-based; returns the count, or -1 when none was given. */
int repl_reduce_dims(lua_State *L, int idx, int kw, ag_tensor *t,
		     const char *fname, int *dims);

/* ------------------------------------------------------------ lops_reduce.c */

/* The reductions, scans and sorting ops (prod, var, norm, cumsum, sort,
 * topk, unique, ...), as repl_register_ops adds the others. */
void repl_register_reduce_ops(lua_State *L, bool methods);

/* lops_pointwise.c: the pointwise ops the table cannot bind by itself
 * (clamp, where, lerp, addcmul, leaky_relu, ...) into the table on top. */
void repl_register_pointwise_ops(lua_State *L, bool methods);
/* A number by position idx (unless idx is the keyword table kw) or by
 * keyword key; def when neither is given. */
double repl_number_arg(lua_State *L, int idx, int kw, const char *key,
		       double def, const char *fname);

/* ------------------------------------------------------------ lops_random.c */

/* torch.Generator, the seed functions and torch.bernoulli & co. into the
 * torch table on top; the fills (uniform_ ...) into a method table. */
void repl_open_random(lua_State *L);
void repl_register_random_methods(lua_State *L);
/* The generator at idx (NULL if not one); the `generator` keyword of kw
 * (NULL when absent, an error when not a generator). */
ag_generator *repl_to_generator(lua_State *L, int idx);
ag_generator *repl_kw_generator(lua_State *L, int kw, const char *fname);

/* ------------------------------------------------------------ lops_nn.c */

/* softmax, log_softmax into the torch or method table on top; the
 * torch._C.nn_* entry points of torch.nn.functional into the table on top. */
void repl_register_nn_ops(lua_State *L);
void repl_register_nn_internals(lua_State *L);
/* lops_nn_spatial.c: torch._C.nn_pad, nn_upsample, nn_im2col, ... */
void repl_register_nn_spatial_internals(lua_State *L);

/* lops_more.c: hardshrink, prelu, rrelu, torch._C.softshrink and glu,
 * and PyTorch's aliases of bound ops (torch.arcsin, x:greater,
 * torch.special.expit, ...), into the torch table on top and the method
 * table; last, when everything else is bound. */
void repl_open_more(lua_State *L);

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

/* The tensors of the list at idx, in a scratch array owned by a userdata
 * pushed on the stack (the list keeps the tensors alive); *n gets the
 * count.  With REPL_LIST_ONE a single tensor is a list of one, with
 * REPL_LIST_NIL nil is an empty list, with REPL_LIST_HOLES nil and false
 * entries are NULL.  Errors say "fname: NAME must be WHAT, ..." (name
 * NULL: "argument <idx>"). */
enum { REPL_LIST_ONE = 1, REPL_LIST_NIL = 2, REPL_LIST_HOLES = 4 };
ag_tensor **repl_check_tensor_list(lua_State *L, int idx, const char *fname,
				   const char *name, const char *what,
				   unsigned flags, int *n);

/* A 1-based index argument (an int64 tensor or a table of integers) as a
 * new 0-based int64 tensor; index 0 raises agdb's message; a tensor of
 * another dtype comes back as is, for core to name its dtype. */
ag_tensor *repl_index_arg(lua_State *L, int idx, const char *fname);

/* A tensor or a number at idx as a new core reference (numbers become
 * wrapped numbers so they count less in type promotion). */
ag_tensor *repl_check_operand(lua_State *L, int idx, const char *fname);
/* The check of repl_check_operand alone: run it on every operand before
 * making the first reference, so a later argument error cannot leak one. */
void repl_check_operand_type(lua_State *L, int idx, const char *fname);

#endif
