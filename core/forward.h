/*
 * forward.h - forward-mode AD (PyTorch's torch.autograd.forward_ad): dual
 * tensors, a primal with a tangent at the open dual level, whose tangents
 * every op propagates as it records (grad_forward.c).
 *
 * As in PyTorch 1.13 there is one level at a time (0): entering a second
 * one is refused.  Leaving it drops every tangent.  A view's tangent is the
 * same view of its base's tangent, so writing a dual in place through a
 * view updates its base's tangent too.
 */
#ifndef AG_FORWARD_H
#define AG_FORWARD_H

#include "ag.h"

/* Opens the dual level: its number (0), or -1 with PyTorch's text when one
 * is open already. */
int ag_fw_enter_level(void);
/* Closes `level` (the open one when < 0): 0, or -1 with PyTorch's text. */
int ag_fw_exit_level(int level);
/* The open level, or -1. */
int ag_fw_current_level(void);

/* make_dual: a view of primal whose tangent is `tangent` (laid out like
 * primal: copied when its strides differ), or NULL with PyTorch's text. */
ag_tensor *ag_make_dual(ag_tensor *primal, ag_tensor *tangent, int level);
/* The tangent of t at level (new reference), or NULL (no error) when it
 * has none. */
ag_tensor *ag_fw_grad(ag_tensor *t, int level);
/* unpack_dual's primal: a view of t that has no tangent. */
ag_tensor *ag_fw_primal(ag_tensor *t);

/* ---- for the recording path (record.c) */
struct ag_call;
/* Gives the outputs of call c their tangents when an input has one: 0, or
 * -1 with the error set (PyTorch's "not implemented for forward AD"). */
int ag_fw_record(const struct ag_call *c);
/* A saved output unpacked as an alias of t shares t's tangent (PyTorch's
 * SavedVariable keeps the forward gradient): forward over reverse. */
void ag_fw_share_tangent(ag_tensor *alias, ag_tensor *t);
/* A custom Function called on a dual: -1 with PyTorch's text. */
int ag_fw_function_error(void);
/* Is a dual level open and does one of these tensors have a tangent? */
bool ag_fw_any_tangent(ag_tensor *const *in, int nin);
/* Has the op a tangent formula (or no differentiable output at all)?
 * For tests: false for the ops that raise the not-implemented error. */
bool ag_fw_has_formula(int op);
bool ag_fw_is_differentiable(int op);
/* The op's id in ops.def ("ROUND_DECIMALS"), for tests; NULL out of range. */
const char *ag_fw_op_id(int op);

#endif
