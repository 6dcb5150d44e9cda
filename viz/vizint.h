/*
 * vizint.h - what viz's files share and nobody else sees.
 */
#ifndef VIZ_INT_H
#define VIZ_INT_H

#include "graph.h"

#include <stdarg.h>
#include <stdlib.h>

typedef struct viz_node {
	viz_node_info info;	/* strings owned by the graph */
} viz_node;

typedef struct viz_edge {
	int from, to;
	viz_edge_info info;	/* label owned by the graph */
} viz_edge;

struct viz_graph {
	viz_node *nodes;
	int nnodes, cap_nodes;
	viz_edge *edges;
	int nedges, cap_edges;
	char **collapsed;	/* collapsed scope paths */
	int ncollapsed, cap_collapsed;
	int hidden, total, limit;	/* left out when too big (prune.c) */
};

/* A growable string (never NULL after sb_init; on allocation failure the
 * oom flag is set and further appends are ignored). */
typedef struct viz_sbuf {
	char *s;
	size_t len, cap;
	bool oom;
} viz_sbuf;

void sb_init(viz_sbuf *b);
void sb_free(viz_sbuf *b);
void sb_putc(viz_sbuf *b, char c);
void sb_puts(viz_sbuf *b, const char *s);
void sb_putn(viz_sbuf *b, const char *s, size_t n);
void sb_printf(viz_sbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void sb_utf8(viz_sbuf *b, uint32_t cp);
/* Hands the string to the caller (NULL + ag_error after an allocation
 * failure). */
char *sb_take(viz_sbuf *b);

/* UTF-8 helpers: decode one code point (advancing *s), display width of a
 * code point (0, 1 or 2 cells) and of a string. */
uint32_t viz_utf8_next(const char **s);
int viz_cp_width(uint32_t cp);
int viz_text_width(const char *s);

char *viz_strdup(const char *s);	/* NULL stays NULL */
void *viz_grow(void *p, int *cap, int need, size_t elsize);

/* prune.c: which of n nodes to keep (at most max_keep) when a graph is
 * cut down: every `must` node (may be NULL) and the sources and sinks of
 * the edges from[i] -> to[i], then the nodes nearest to either end.  A
 * `minor` node (may be NULL: a number operand) is not an end: it comes
 * right after the first node it feeds.  0, or
 * -1 + ag_error (out of memory, interrupted). */
int viz_prune_choose(int n, int nedges, const int *from, const int *to,
		     const bool *must, const bool *minor, int max_keep, bool *keep);

/* Is node scope `s` inside `scope` (equal, or scope + "." prefix)? */
bool viz_scope_within(const char *s, const char *scope);
/* The outermost collapsed scope containing s, or NULL. */
const char *viz_collapsed_scope(const viz_graph *g, const char *s);

#endif
