/*
 * ops.c - the op table, expanded from ops.def.
 */
#include "internal.h"
#include "opargs.h"

static const ag_opinfo op_table[AG_OP_COUNT] = {
#define OP(id, name_, backward, ...) [AG_OP_##id] = { .name = name_, __VA_ARGS__ },
#include "ops.def"
#undef OP
};

/* The number of lines in ops.def, written out: a new op fails here until
 * its author has read the recipe at the top of ops.def (kernel case,
 * backward function, test) and raised the count. */
_Static_assert(AG_OP_COUNT == 302, "ops.def changed: see its recipe, then "
	       "update this count");

const ag_opinfo *ag_op_info(ag_op op)
{
	return (unsigned)op < AG_OP_COUNT ? &op_table[op] : NULL;
}

const char *ag_op_name(ag_op op)
{
	return (unsigned)op < AG_OP_COUNT ? op_table[op].name : "?";
}
