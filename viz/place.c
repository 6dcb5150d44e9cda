/*
 * place.c - positions along the layers: Brandes and Koepf's method.
 *
 * Four alignments (towards upper or lower neighbours, from the left or
 * the right) each line nodes up in vertical blocks with their median
 * neighbour, avoiding conflicts with the inner segments of long edges;
 * blocks are then packed as tightly as the node sizes allow (a longest
 * path in the graph of blocks, then each block pulled towards its right
 * neighbours).  The result is the average of the two median candidates of
 * the four, so long edges run straight and chains line up.
 */
#include "lay.h"
#include "ag.h"

#include <limits.h>
#include <string.h>

static int lo_ext(const lay_node *n) { return (n->cs - 1) / 2; }
static int hi_ext(const lay_node *n) { return n->cs - 1 - (n->cs - 1) / 2; }

static bool is_dummy(const lay_node *n)
{
	return n->vedge >= 0;
}

/* Distance between the centres of left neighbour p and q. */
static int sep(const viz_layout *l, const lay_node *p, const lay_node *q)
{
	bool dummy = is_dummy(p) || is_dummy(q);
	int gap = dummy ? 1 : l->opt.direction == VIZ_DIR_TB ? 2 : 1;
	return hi_ext(p) + 1 + gap + lo_ext(q);
}

/* Room on the borders for the ports of all edges. */
static void widen_for_ports(viz_layout *l)
{
	int sp = l->opt.direction == VIZ_DIR_TB ? 2 : 1;
	for (int v = 0; v < l->nvisible; v++) {
		lay_node *n = &l->nodes[v];
		n->nin = l->up_start[v + 1] - l->up_start[v];
		unsigned kinds = 0;
		for (int j = l->down_start[v]; j < l->down_start[v + 1]; j++) {
			const lay_seg *s = &l->segs[l->down_seg[j]];
			const lay_edge *e = &l->edges[s->edge];
			kinds |= 1u << (e->kind * 2 + e->reversed);
		}
		n->nout = __builtin_popcount(kinds);
		n->insp = sp;
		for (int j = l->up_start[v]; j < l->up_start[v + 1] && n->nin > 1; j++) {
			char buf[96];
			lay_seg_text(l, &l->segs[l->up_seg[j]], buf, sizeof buf);
			int w = *buf ? (l->opt.direction == VIZ_DIR_TB ? viz_text_width(buf) + 3 : 2) : 0;
			if (w > n->insp)
				n->insp = w;
		}
		int need_in = n->nin > 1 ? n->insp * (n->nin - 1) + 3 : 3;
		int need_out = n->nout > 1 ? sp * (n->nout - 1) + 3 : 3;
		int need = need_in > need_out ? need_in : need_out;
		if (n->cs < need)
			n->cs = need;
	}
}

/* Type 1 conflicts: a non-inner piece crossing an inner piece (between two
 * dummies) is never used for alignment, so long edges stay straight. */
static void mark_conflicts(const viz_layout *l, bool *marked)
{
	for (int k = 0; k + 1 < l->nlayers; k++) {
		int *L1 = l->layer[k + 1];
		int n1 = l->layer_len[k + 1];
		int k0 = 0, lpos = 0;
		for (int l1 = 0; l1 < n1; l1++) {
			int v = L1[l1];
			int inner_up = -1;
			if (is_dummy(&l->nodes[v]))
				for (int j = l->up_start[v]; j < l->up_start[v + 1]; j++) {
					int u = l->segs[l->up_seg[j]].up;
					if (is_dummy(&l->nodes[u]))
						inner_up = u;
				}
			if (l1 == n1 - 1 || inner_up >= 0) {
				int k1 = l->layer_len[k] - 1;
				if (inner_up >= 0)
					k1 = l->nodes[inner_up].pos;
				for (; lpos <= l1; lpos++) {
					int w = L1[lpos];
					for (int j = l->up_start[w]; j < l->up_start[w + 1]; j++) {
						int sg = l->up_seg[j];
						int u = l->segs[sg].up;
						int p = l->nodes[u].pos;
						bool inner = is_dummy(&l->nodes[u]) && is_dummy(&l->nodes[w]);
						if ((p < k0 || p > k1) && !inner)
							marked[sg] = true;
					}
				}
				k0 = k1;
			}
		}
	}
}

/* A bundle's trunk (rank.c) must run straight: a piece that branches off
 * a trunk dummy, or joins one, never takes the trunk's alignment. */
static void mark_branches(const viz_layout *l, bool *marked)
{
	for (int v = l->nvisible; v < l->nnodes; v++) {
		bool down = false, up = false;
		for (int j = l->down_start[v]; j < l->down_start[v + 1]; j++)
			down = down || is_dummy(&l->nodes[l->segs[l->down_seg[j]].down]);
		for (int j = l->up_start[v]; j < l->up_start[v + 1]; j++)
			up = up || is_dummy(&l->nodes[l->segs[l->up_seg[j]].up]);
		for (int j = l->down_start[v]; down && j < l->down_start[v + 1]; j++)
			if (!is_dummy(&l->nodes[l->segs[l->down_seg[j]].down]))
				marked[l->down_seg[j]] = true;
		for (int j = l->up_start[v]; up && j < l->up_start[v + 1]; j++)
			if (!is_dummy(&l->nodes[l->segs[l->up_seg[j]].up]))
				marked[l->up_seg[j]] = true;
	}
}

typedef struct bk {
	int *root, *align;
	int *x;			/* per node, after compaction */
	int *bstart, *bnext, *bw;	/* block graph (CSR by root) */
	int *indeg, *queue, *bx;
} bk;

static void align_blocks(const viz_layout *l, const bool *marked, bool down,
			 bool left, int *root, int *align)
{
	for (int v = 0; v < l->nnodes; v++)
		root[v] = align[v] = v;
	for (int kk = 1; kk < l->nlayers; kk++) {
		int k = down ? kk : l->nlayers - 1 - kk;
		int len = l->layer_len[k];
		int r = left ? -1 : INT_MAX;
		for (int ii = 0; ii < len; ii++) {
			int v = l->layer[k][left ? ii : len - 1 - ii];
			int *start = down ? l->up_start : l->down_start;
			int *list = down ? l->up_seg : l->down_seg;
			int d = start[v + 1] - start[v];
			if (!d)
				continue;
			int meds[2] = { (d - 1) / 2, d / 2 };
			if (!left) {
				meds[0] = d / 2;
				meds[1] = (d - 1) / 2;
			}
			for (int mi = 0; mi < (meds[0] == meds[1] ? 1 : 2); mi++) {
				if (align[v] != v)
					break;
				int sg = list[start[v] + meds[mi]];
				int u = down ? l->segs[sg].up : l->segs[sg].down;
				int pu = l->nodes[u].pos;
				if (!marked[sg] && (left ? r < pu : r > pu)) {
					align[u] = v;
					root[v] = root[u];
					align[v] = root[v];
					r = pu;
				}
			}
		}
	}
}

/* Pack blocks: x of each root is a longest path in the block graph, then
 * blocks slide right towards their successors to close gaps. */
static int compact(const viz_layout *l, bool left, const int *root, int *x)
{
	int n = l->nnodes;
	int nedges = 0;
	for (int k = 0; k < l->nlayers; k++)
		nedges += l->layer_len[k] > 0 ? l->layer_len[k] - 1 : 0;
	int *start = calloc((size_t)n + 2, sizeof(int));
	int *to = malloc(sizeof(int) * (size_t)(nedges + 1));
	int *w = malloc(sizeof(int) * (size_t)(nedges + 1));
	int *indeg = calloc((size_t)n + 1, sizeof(int));
	int *order = malloc(sizeof(int) * (size_t)(n + 1));
	int *bx = calloc((size_t)n + 1, sizeof(int));
	if (!start || !to || !w || !indeg || !order || !bx) {
		free(start); free(to); free(w); free(indeg); free(order); free(bx);
		return ag_error(AG_ERR_NOMEM, "out of memory placing the graph");
	}
	/* Edge a -> b: in packing order (left to right, or mirrored). */
	for (int k = 0; k < l->nlayers; k++)
		for (int i = 0; i + 1 < l->layer_len[k]; i++) {
			int p = l->layer[k][i], q = l->layer[k][i + 1];
			int a = left ? root[p] : root[q];
			start[a + 1]++;
		}
	for (int i = 0; i < n; i++)
		start[i + 1] += start[i];
	int *fill = order;	/* a cursor, until the topological sort needs it */
	memcpy(fill, start, sizeof(int) * (size_t)n);
	for (int k = 0; k < l->nlayers; k++)
		for (int i = 0; i + 1 < l->layer_len[k]; i++) {
			int p = l->layer[k][i], q = l->layer[k][i + 1];
			int a = left ? root[p] : root[q], b = left ? root[q] : root[p];
			to[fill[a]] = b;
			w[fill[a]++] = sep(l, &l->nodes[p], &l->nodes[q]);
			indeg[b]++;
		}
	int head = 0, tail = 0;
	for (int v = 0; v < n; v++)
		if (root[v] == v && !indeg[v])
			order[tail++] = v;
	while (head < tail) {
		int a = order[head++];
		for (int j = start[a]; j < start[a + 1]; j++) {
			int b = to[j];
			if (bx[b] < bx[a] + w[j])
				bx[b] = bx[a] + w[j];
			if (--indeg[b] == 0)
				order[tail++] = b;
		}
	}
	for (int i = tail - 1; i >= 0; i--) {
		int a = order[i];
		if (start[a] == start[a + 1])
			continue;
		int lim = INT_MAX;
		for (int j = start[a]; j < start[a + 1]; j++)
			if (bx[to[j]] - w[j] < lim)
				lim = bx[to[j]] - w[j];
		if (lim > bx[a])
			bx[a] = lim;
	}
	for (int v = 0; v < n; v++)
		x[v] = left ? bx[root[v]] : -bx[root[v]];
	free(start); free(to); free(w); free(indeg); free(order); free(bx);
	return 0;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

int lay_place(viz_layout *l)
{
	int n = l->nnodes;
	widen_for_ports(l);
	lay_sort_adjacency(l);
	if (n == 0)
		return 0;
	bool *marked = calloc((size_t)l->nsegs + 1, 1);
	int *root = malloc(sizeof(int) * (size_t)(n + 1));
	int *align = malloc(sizeof(int) * (size_t)(n + 1));
	int *xs[4] = { 0 };
	for (int i = 0; i < 4; i++)
		xs[i] = malloc(sizeof(int) * (size_t)(n + 1));
	if (!marked || !root || !align || !xs[0] || !xs[1] || !xs[2] || !xs[3]) {
		free(marked); free(root); free(align);
		for (int i = 0; i < 4; i++) free(xs[i]);
		return ag_error(AG_ERR_NOMEM, "out of memory placing the graph");
	}
	mark_conflicts(l, marked);
	mark_branches(l, marked);
	int lo[4], hi[4];
	for (int d = 0; d < 4; d++) {
		bool down = d < 2, left = d % 2 == 0;
		align_blocks(l, marked, down, left, root, align);
		if (compact(l, left, root, xs[d]) < 0)
			goto fail;
		lo[d] = INT_MAX;
		hi[d] = INT_MIN;
		for (int v = 0; v < n; v++) {
			const lay_node *nd = &l->nodes[v];
			if (xs[d][v] - lo_ext(nd) < lo[d]) lo[d] = xs[d][v] - lo_ext(nd);
			if (xs[d][v] + hi_ext(nd) > hi[d]) hi[d] = xs[d][v] + hi_ext(nd);
		}
	}
	int best = 0;
	for (int d = 1; d < 4; d++)
		if ((long long)hi[d] - lo[d] < (long long)hi[best] - lo[best])
			best = d;
	for (int d = 0; d < 4; d++) {
		int shift = d % 2 == 0 ? lo[best] - lo[d] : hi[best] - hi[d];
		for (int v = 0; v < n; v++)
			xs[d][v] += shift;
	}
	/* A variant far wider than the narrowest one has drifted (a staircase
	 * of blocks); only variants close to the narrowest take part. */
	bool use[4];
	for (int d = 0; d < 4; d++) {
		long long wd = (long long)hi[d] - lo[d], wb = (long long)hi[best] - lo[best];
		use[d] = wd * 2 <= wb * 3;
	}
	for (int v = 0; v < n; v++) {
		int c[4], k = 0;
		for (int d = 0; d < 4; d++)
			if (use[d])
				c[k++] = xs[d][v];
		qsort(c, (size_t)k, sizeof(int), cmp_int);
		int s = k == 4 ? c[1] + c[2] : k == 3 ? 2 * c[1] : k == 2 ? c[0] + c[1] : 2 * c[0];
		l->nodes[v].c = s >= 0 ? s / 2 : -((-s + 1) / 2);
	}
	/* The average may bring neighbours too close: push them apart. */
	int minc = INT_MAX;
	for (int k = 0; k < l->nlayers; k++) {
		int *L = l->layer[k];
		for (int i = 1; i < l->layer_len[k]; i++) {
			lay_node *p = &l->nodes[L[i - 1]], *q = &l->nodes[L[i]];
			int need = p->c + sep(l, p, q);
			if (q->c < need)
				q->c = need;
		}
	}
	for (int v = 0; v < n; v++)
		if (l->nodes[v].c - lo_ext(&l->nodes[v]) < minc)
			minc = l->nodes[v].c - lo_ext(&l->nodes[v]);
	for (int v = 0; v < n; v++)
		l->nodes[v].c -= minc;
	free(marked); free(root); free(align);
	for (int i = 0; i < 4; i++) free(xs[i]);
	return 0;
fail:
	free(marked); free(root); free(align);
	for (int i = 0; i < 4; i++) free(xs[i]);
	return -1;
}
