/*
 * order.c - the order of nodes within layers: crossing reduction.
 *
 * A depth-first initial order, then sweeps down and up that sort each
 * layer by the median position of the neighbours in the layer before
 * (nodes without such neighbours keep their places), each followed by
 * transposition of adjacent nodes while that removes crossings.  The best
 * order seen wins.  Crossings are counted with a Fenwick tree, O(E log V)
 * per pair of layers.
 */
#include "lay.h"
#include "ag.h"

#include <string.h>

static int *csr(viz_layout *l, bool up, int **start_out)
{
	int n = l->nnodes;
	int *start = calloc((size_t)n + 1, sizeof(int));
	int *list = malloc(sizeof(int) * (size_t)(l->nsegs ? l->nsegs : 1));
	int *fill = malloc(sizeof(int) * (size_t)(n ? n : 1));
	if (!start || !list || !fill) {
		free(start); free(list); free(fill);
		return NULL;
	}
	for (int i = 0; i < l->nsegs; i++)
		start[(up ? l->segs[i].down : l->segs[i].up) + 1]++;
	for (int i = 0; i < n; i++)
		start[i + 1] += start[i];
	memcpy(fill, start, sizeof(int) * (size_t)n);
	for (int i = 0; i < l->nsegs; i++)
		list[fill[up ? l->segs[i].down : l->segs[i].up]++] = i;
	free(fill);
	*start_out = start;
	return list;
}

int lay_adjacency(viz_layout *l)
{
	l->up_seg = csr(l, true, &l->up_start);
	l->down_seg = csr(l, false, &l->down_start);
	if (!l->up_seg || !l->down_seg)
		return ag_error(AG_ERR_NOMEM, "out of memory laying out the graph");
	return 0;
}

static const viz_layout *sort_l;
static bool sort_up;

static int by_neighbour_pos(const void *a, const void *b)
{
	const lay_seg *sa = &sort_l->segs[*(const int *)a];
	const lay_seg *sb = &sort_l->segs[*(const int *)b];
	int pa = sort_l->nodes[sort_up ? sa->up : sa->down].pos;
	int pb = sort_l->nodes[sort_up ? sb->up : sb->down].pos;
	if (pa != pb)
		return pa < pb ? -1 : 1;
	return *(const int *)a - *(const int *)b;
}

void lay_sort_adjacency(viz_layout *l)
{
	sort_l = l;
	for (int v = 0; v < l->nnodes; v++) {
		int n;
		sort_up = true;
		if ((n = l->up_start[v + 1] - l->up_start[v]) > 1)
			qsort(l->up_seg + l->up_start[v], (size_t)n, sizeof(int), by_neighbour_pos);
		sort_up = false;
		if ((n = l->down_start[v + 1] - l->down_start[v]) > 1)
			qsort(l->down_seg + l->down_start[v], (size_t)n, sizeof(int), by_neighbour_pos);
	}
}

/* ------------------------------------------------------------ counting */

typedef struct scratch {
	int *a, *b;		/* pieces / keys, size nsegs */
	int *tree;		/* Fenwick tree over positions */
	double *key;
	int *tmp;		/* nodes, size max layer */
	int maxlen;
} scratch;

static const viz_layout *cmp_l;

static int by_up_then_down(const void *x, const void *y)
{
	const lay_seg *a = &cmp_l->segs[*(const int *)x], *b = &cmp_l->segs[*(const int *)y];
	int d = cmp_l->nodes[a->up].pos - cmp_l->nodes[b->up].pos;
	if (d)
		return d;
	return cmp_l->nodes[a->down].pos - cmp_l->nodes[b->down].pos;
}

/* Crossings between layer k and k + 1. */
static long long count_pair(const viz_layout *l, int k, scratch *s)
{
	int n = 0;
	for (int i = 0; i < l->layer_len[k]; i++) {
		int v = l->layer[k][i];
		for (int j = l->down_start[v]; j < l->down_start[v + 1]; j++)
			s->a[n++] = l->down_seg[j];
	}
	if (n < 2)
		return 0;
	cmp_l = l;
	qsort(s->a, (size_t)n, sizeof(int), by_up_then_down);
	int len = l->layer_len[k + 1];
	memset(s->tree, 0, sizeof(int) * (size_t)(len + 1));
	long long cross = 0;
	/* Count earlier pieces whose lower end lies to the right. */
	for (int i = 0; i < n; i++) {
		int p = l->nodes[l->segs[s->a[i]].down].pos + 1;
		int le = 0;
		for (int q = p; q > 0; q -= q & -q)
			le += s->tree[q];
		cross += i - le;
		for (int q = p; q <= len; q += q & -q)
			s->tree[q]++;
	}
	return cross;
}

static long long count_all(const viz_layout *l, scratch *s)
{
	long long c = 0;
	for (int k = 0; k + 1 < l->nlayers; k++)
		c += count_pair(l, k, s);
	return c;
}

/* ------------------------------------------------------------- sweeps */

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

static const double *key_of;

static int by_key(const void *x, const void *y)
{
	int a = *(const int *)x, b = *(const int *)y;
	if (key_of[a] != key_of[b])
		return key_of[a] < key_of[b] ? -1 : 1;
	return a - b;
}

/* Sort layer k by the median of its neighbours on the `up` side. */
static void median_layer(viz_layout *l, int k, bool up, scratch *s)
{
	int len = l->layer_len[k];
	int *L = l->layer[k];
	int nmov = 0;
	int *start = up ? l->up_start : l->down_start;
	int *list = up ? l->up_seg : l->down_seg;
	bool *fixed = (bool *)s->b;	/* enough room: nsegs >= ... see alloc */
	for (int i = 0; i < len; i++) {
		int v = L[i];
		int d = start[v + 1] - start[v];
		fixed[i] = d == 0;
		if (!d)
			continue;
		int *pos = s->a;
		for (int j = 0; j < d; j++) {
			const lay_seg *sg = &l->segs[list[start[v] + j]];
			pos[j] = l->nodes[up ? sg->up : sg->down].pos;
		}
		if (d > 16) {
			qsort(pos, (size_t)d, sizeof(int), cmp_int);
		} else {
			for (int a = 1; a < d; a++)	/* small: insertion sort */
				for (int b = a; b > 0 && pos[b - 1] > pos[b]; b--) {
					int t = pos[b]; pos[b] = pos[b - 1]; pos[b - 1] = t;
				}
		}
		double med = d % 2 ? pos[d / 2] : (pos[d / 2 - 1] + pos[d / 2]) / 2.0;
		s->key[v] = med;
		s->tmp[nmov++] = v;
	}
	key_of = s->key;
	qsort(s->tmp, (size_t)nmov, sizeof(int), by_key);
	int m = 0;
	int *out = s->tmp + nmov;
	for (int i = 0; i < len; i++)
		out[i] = fixed[i] ? L[i] : s->tmp[m++];
	for (int i = 0; i < len; i++) {
		L[i] = out[i];
		l->nodes[L[i]].pos = i;
	}
}

/* Crossings among the pieces of u and v (u left of v) on one side. */
static long long pair_cross(const viz_layout *l, int u, int v, bool up)
{
	int *start = up ? l->up_start : l->down_start;
	int *list = up ? l->up_seg : l->down_seg;
	long long c = 0;
	for (int i = start[u]; i < start[u + 1]; i++) {
		const lay_seg *a = &l->segs[list[i]];
		int pa = l->nodes[up ? a->up : a->down].pos;
		for (int j = start[v]; j < start[v + 1]; j++) {
			const lay_seg *b = &l->segs[list[j]];
			if (pa > l->nodes[up ? b->up : b->down].pos)
				c++;
		}
	}
	return c;
}

static void transpose(viz_layout *l, int max_passes)
{
	for (int pass = 0; pass < max_passes && !ag_interrupt_pending(); pass++) {
		bool improved = false;
		for (int k = 0; k < l->nlayers; k++) {
			int *L = l->layer[k];
			for (int i = 0; i + 1 < l->layer_len[k]; i++) {
				int u = L[i], v = L[i + 1];
				long long now = pair_cross(l, u, v, true) + pair_cross(l, u, v, false);
				long long swapped = pair_cross(l, v, u, true) + pair_cross(l, v, u, false);
				if (swapped < now) {
					L[i] = v;
					L[i + 1] = u;
					l->nodes[v].pos = i;
					l->nodes[u].pos = i + 1;
					improved = true;
				}
			}
		}
		if (!improved)
			break;
	}
}

/* Depth-first order from the sources: connected pieces stay together. */
static int initial_order(viz_layout *l)
{
	int n = l->nnodes;
	int *stack = malloc(sizeof(int) * (size_t)(n ? n : 1));
	int *next = malloc(sizeof(int) * (size_t)(n ? n : 1));
	bool *seen = calloc((size_t)n + 1, 1);
	if (!stack || !next || !seen) {
		free(stack); free(next); free(seen);
		return ag_error(AG_ERR_NOMEM, "out of memory laying out the graph");
	}
	for (int k = 0; k < l->nlayers; k++)
		l->layer_len[k] = 0;
	for (int pass = 0; pass < 2; pass++)
		for (int s0 = 0; s0 < n; s0++) {
			/* sources first, then whatever is left */
			if (seen[s0] || (pass == 0 && l->up_start[s0 + 1] != l->up_start[s0]))
				continue;
			int sp = 0;
			stack[sp++] = s0;
			seen[s0] = true;
			next[s0] = l->down_start[s0];
			lay_node *nd = &l->nodes[s0];
			nd->pos = l->layer_len[nd->layer];
			l->layer[nd->layer][l->layer_len[nd->layer]++] = s0;
			while (sp) {
				int u = stack[sp - 1];
				if (next[u] == l->down_start[u + 1]) {
					sp--;
					continue;
				}
				int v = l->segs[l->down_seg[next[u]++]].down;
				if (seen[v])
					continue;
				seen[v] = true;
				nd = &l->nodes[v];
				nd->pos = l->layer_len[nd->layer];
				l->layer[nd->layer][l->layer_len[nd->layer]++] = v;
				next[v] = l->down_start[v];
				stack[sp++] = v;
			}
		}
	free(stack);
	free(next);
	free(seen);
	return 0;
}

long long lay_count_crossings(const viz_layout *l)
{
	scratch s = { 0 };
	int maxlen = 1;
	for (int k = 0; k < l->nlayers; k++)
		if (l->layer_len[k] > maxlen)
			maxlen = l->layer_len[k];
	s.a = malloc(sizeof(int) * (size_t)(l->nsegs + 1));
	s.tree = malloc(sizeof(int) * (size_t)(maxlen + 2));
	long long c = -1;
	if (s.a && s.tree)
		c = count_all(l, &s);
	free(s.a);
	free(s.tree);
	return c;
}

int lay_order(viz_layout *l)
{
	int n = l->nnodes;
	int *sizes = calloc((size_t)l->nlayers + 1, sizeof(int));
	l->layer = calloc((size_t)l->nlayers + 1, sizeof(int *));
	l->layer_len = calloc((size_t)l->nlayers + 1, sizeof(int));
	if (!sizes || !l->layer || !l->layer_len) {
		free(sizes);
		return ag_error(AG_ERR_NOMEM, "out of memory laying out the graph");
	}
	for (int i = 0; i < n; i++)
		sizes[l->nodes[i].layer]++;
	int maxlen = 1;
	for (int k = 0; k < l->nlayers; k++) {
		if (sizes[k] > maxlen)
			maxlen = sizes[k];
		if (!(l->layer[k] = malloc(sizeof(int) * (size_t)(sizes[k] ? sizes[k] : 1)))) {
			free(sizes);
			return ag_error(AG_ERR_NOMEM, "out of memory laying out the graph");
		}
	}
	free(sizes);
	if (initial_order(l) < 0)
		return -1;

	int maxdeg = 1;
	for (int v = 0; v < n; v++) {
		int d = l->up_start[v + 1] - l->up_start[v];
		if (d > maxdeg) maxdeg = d;
		d = l->down_start[v + 1] - l->down_start[v];
		if (d > maxdeg) maxdeg = d;
	}
	scratch s = { 0 };
	size_t big = (size_t)(l->nsegs > maxdeg ? l->nsegs : maxdeg) + (size_t)maxlen + 1;
	s.a = malloc(sizeof(int) * big);
	s.b = malloc(sizeof(int) * big);
	s.tree = malloc(sizeof(int) * ((size_t)maxlen + 2));
	s.key = malloc(sizeof(double) * ((size_t)n + 1));
	s.tmp = malloc(sizeof(int) * (2 * (size_t)maxlen + 2));
	int *best = malloc(sizeof(int) * ((size_t)n + 1));
	if (!s.a || !s.b || !s.tree || !s.key || !s.tmp || !best) {
		free(s.a); free(s.b); free(s.tree); free(s.key); free(s.tmp); free(best);
		return ag_error(AG_ERR_NOMEM, "out of memory laying out the graph");
	}
	long long cur = count_all(l, &s);
	l->crossings0 = cur;
	long long best_c = cur;
	for (int v = 0; v < n; v++)
		best[v] = l->nodes[v].pos;

	int iters = l->opt.sweeps > 0 ? l->opt.sweeps
		  : n <= 2000 ? 12 : n <= 20000 ? 6 : 3;
	int tpasses = n <= 20000 ? 8 : 2;
	int status = 0;
	for (int it = 0; it < iters && best_c > 0; it++) {
		if ((status = ag_check_interrupt()) < 0)
			break;
		for (int k = 1; k < l->nlayers; k++)
			median_layer(l, k, true, &s);
		transpose(l, tpasses);
		for (int k = l->nlayers - 2; k >= 0; k--)
			median_layer(l, k, false, &s);
		transpose(l, tpasses);
		if ((status = ag_check_interrupt()) < 0)
			break;
		cur = count_all(l, &s);
		if (cur < best_c) {
			best_c = cur;
			for (int v = 0; v < n; v++)
				best[v] = l->nodes[v].pos;
		}
	}
	for (int v = 0; v < n; v++) {
		l->nodes[v].pos = best[v];
		l->layer[l->nodes[v].layer][best[v]] = v;
	}
	l->crossings = best_c;
	free(s.a); free(s.b); free(s.tree); free(s.key); free(s.tmp); free(best);
	return status;
}
