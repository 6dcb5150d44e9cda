/*
 * route.c - edges between layers: ports, nets, tracks; main coordinates;
 * wrapping a left-to-right drawing into bands.
 *
 * All pieces leaving one node with the same kind share a port and a
 * "net": a stub out of the box, one horizontal run on a track of the
 * channel between the layers, and a drop into each target port.  Every
 * incoming piece gets its own port.  Tracks are given out by the left-edge
 * algorithm: runs on one track never overlap, and a net whose stub stands
 * in the column of another net's drop goes on a higher track, so lines of
 * different nets only ever cross, never merge.
 */
#include "lay.h"
#include "ag.h"

#include <limits.h>
#include <string.h>

static bool is_dummy(const lay_node *n) { return n->vedge >= 0; }

static int net_key(const viz_layout *l, const lay_seg *s)
{
	const lay_edge *e = &l->edges[s->edge];
	return e->kind * 2 + (e->reversed ? 1 : 0);
}

/* Port k of n evenly spread (spacing sp) around the centre. */
static int port_at(const lay_node *n, int k, int count, int sp)
{
	if (count <= 1 || n->cs < 3)
		return n->c;
	int span = sp * (count - 1) + 1;
	int start = n->c - lay_lo(n) + 1 + (n->cs - 2 - span) / 2;
	return start + sp * k;
}

static const viz_layout *cmp_l;

static int by_source_port(const void *a, const void *b)
{
	const lay_seg *x = &cmp_l->segs[*(const int *)a], *y = &cmp_l->segs[*(const int *)b];
	int px = cmp_l->nets[x->net].port, py = cmp_l->nets[y->net].port;
	if (px != py)
		return px < py ? -1 : 1;
	return *(const int *)a - *(const int *)b;
}

static int make_nets(viz_layout *l)
{
	int sp = l->opt.direction == VIZ_DIR_TB ? 2 : 1;
	/* at most one net per (node, key) */
	l->nets = calloc((size_t)l->nsegs + 1, sizeof *l->nets);
	l->net_segs = malloc(sizeof(int) * (size_t)(l->nsegs + 1));
	if (!l->nets || !l->net_segs)
		return ag_error(AG_ERR_NOMEM, "out of memory routing the graph");
	l->nnets = 0;
	int used = 0;
	for (int v = 0; v < l->nnodes; v++) {
		lay_node *n = &l->nodes[v];
		int first_net = l->nnets;
		/* pieces are sorted by target position: nets in order of first
		 * target, so ports and targets run the same way */
		for (int j = l->down_start[v]; j < l->down_start[v + 1]; j++) {
			lay_seg *s = &l->segs[l->down_seg[j]];
			int key = net_key(l, s), found = -1;
			for (int q = first_net; q < l->nnets; q++)
				if ((int)l->nets[q].kind * 2 + (l->nets[q].reversed ? 1 : 0) == key)
					found = q;
			if (found < 0) {
				found = l->nnets++;
				lay_net *nt = &l->nets[found];
				const lay_edge *e = &l->edges[s->edge];
				*nt = (lay_net){
					.up = v, .chan = n->layer, .track = -1,
					.kind = e->kind, .reversed = e->reversed,
					.first = !is_dummy(n), .segs = l->net_segs + used, .nsegs = 0
				};
				/* reserve room for every piece of this key */
				for (int q = j; q < l->down_start[v + 1]; q++)
					if (net_key(l, &l->segs[l->down_seg[q]]) == key)
						used++;
			}
			lay_net *nt = &l->nets[found];
			nt->segs[nt->nsegs++] = l->down_seg[j];
			s->net = found;
		}
		int k = l->nnets - first_net;
		for (int q = 0; q < k; q++)
			l->nets[first_net + q].port = port_at(n, q, k, sp);
	}
	/* incoming ports, ordered like the ports they come from */
	int maxin = 0;
	for (int v = 0; v < l->nnodes; v++)
		if (l->up_start[v + 1] - l->up_start[v] > maxin)
			maxin = l->up_start[v + 1] - l->up_start[v];
	int *tmp = malloc(sizeof(int) * (size_t)(maxin + 1));
	if (!tmp)
		return ag_error(AG_ERR_NOMEM, "out of memory routing the graph");
	cmp_l = l;
	for (int v = 0; v < l->nnodes; v++) {
		int d = l->up_start[v + 1] - l->up_start[v];
		memcpy(tmp, l->up_seg + l->up_start[v], sizeof(int) * (size_t)d);
		qsort(tmp, (size_t)d, sizeof(int), by_source_port);
		for (int q = 0; q < d; q++)
			l->segs[tmp[q]].port = port_at(&l->nodes[v], q, d,
						       l->nodes[v].insp ? l->nodes[v].insp : sp);
	}
	free(tmp);
	for (int i = 0; i < l->nnets; i++) {
		lay_net *nt = &l->nets[i];
		nt->lo = nt->hi = nt->port;
		for (int q = 0; q < nt->nsegs; q++) {
			const lay_seg *s = &l->segs[nt->segs[q]];
			if (s->port < nt->lo) nt->lo = s->port;
			if (s->port > nt->hi) nt->hi = s->port;
		}
	}
	return 0;
}

static int by_lo(const void *a, const void *b)
{
	const lay_net *x = &cmp_l->nets[*(const int *)a], *y = &cmp_l->nets[*(const int *)b];
	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return *(const int *)a - *(const int *)b;
}

/* Left-edge track assignment in one channel with "stub above drop"
 * constraints; a cycle of constraints is broken by placing a net anyway. */
static int assign_tracks(viz_layout *l, int chan, const int *nets, int n,
			 int *stub_at, int *pred, int *sorted)
{
	int m = 0;
	for (int i = 0; i < n; i++) {
		lay_net *nt = &l->nets[nets[i]];
		bool straight = nt->nsegs == 1 && l->segs[nt->segs[0]].port == nt->port;
		nt->track = -1;
		if (!straight) {
			sorted[m++] = nets[i];
			nt->track = INT_MAX;	/* unplaced */
		}
		stub_at[nt->port] = nets[i];
	}
	/* pred[b] = number of nets that must go above b */
	for (int i = 0; i < m; i++)
		pred[i] = 0;
	cmp_l = l;
	qsort(sorted, (size_t)m, sizeof(int), by_lo);
	for (int i = 0; i < m; i++) {
		lay_net *b = &l->nets[sorted[i]];
		for (int q = 0; q < b->nsegs; q++) {
			int a = stub_at[l->segs[b->segs[q]].port];
			if (a >= 0 && a != sorted[i] && l->nets[a].track == INT_MAX)
				pred[i]++;
		}
	}
	int placed = 0, track = 0;
	while (placed < m) {
		int last_hi = INT_MIN, got = 0;
		int first_unplaced = -1;
		for (int i = 0; i < m; i++) {
			lay_net *b = &l->nets[sorted[i]];
			if (b->track != INT_MAX)
				continue;
			if (first_unplaced < 0)
				first_unplaced = i;
			if (pred[i] > 0 || b->lo <= last_hi + 1)
				continue;
			b->track = track;
			last_hi = b->hi;
			got++;
		}
		if (!got) {
			/* a cycle of constraints: break it */
			l->nets[sorted[first_unplaced]].track = track;
			got = 1;
		}
		placed += got;
		/* release the nets below the ones placed on this track */
		for (int i = 0; i < m; i++) {
			lay_net *b = &l->nets[sorted[i]];
			if (b->track != INT_MAX)
				continue;
			for (int q = 0; q < b->nsegs; q++) {
				int a = stub_at[l->segs[b->segs[q]].port];
				if (a >= 0 && a != sorted[i] && l->nets[a].track == track)
					pred[i]--;
			}
		}
		track++;
	}
	for (int i = 0; i < n; i++)
		stub_at[l->nets[nets[i]].port] = -1;
	l->chan_tracks[chan] = track;
	return 0;
}

static int route_channels(viz_layout *l)
{
	int width = 1;
	for (int v = 0; v < l->nnodes; v++)
		if (l->nodes[v].c + lay_hi(&l->nodes[v]) + 1 > width)
			width = l->nodes[v].c + lay_hi(&l->nodes[v]) + 1;
	int *stub_at = malloc(sizeof(int) * (size_t)(width + 1));
	int *pred = malloc(sizeof(int) * (size_t)(l->nnets + 1));
	int *sorted = malloc(sizeof(int) * (size_t)(l->nnets + 1));
	int *bychan = malloc(sizeof(int) * (size_t)(l->nnets + 1));
	int *cstart = calloc((size_t)l->nlayers + 2, sizeof(int));
	if (!stub_at || !pred || !sorted || !bychan || !cstart) {
		free(stub_at); free(pred); free(sorted); free(bychan); free(cstart);
		return ag_error(AG_ERR_NOMEM, "out of memory routing the graph");
	}
	for (int i = 0; i <= width; i++)
		stub_at[i] = -1;
	for (int i = 0; i < l->nnets; i++)
		cstart[l->nets[i].chan + 1]++;
	for (int k = 0; k < l->nlayers; k++)
		cstart[k + 1] += cstart[k];
	int *fill = pred;	/* free until the tracks are assigned */
	memcpy(fill, cstart, sizeof(int) * (size_t)l->nlayers);
	for (int i = 0; i < l->nnets; i++)
		bychan[fill[l->nets[i].chan]++] = i;
	for (int k = 0; k < l->nlayers; k++) {
		l->chan_tracks[k] = 0;
		assign_tracks(l, k, bychan + cstart[k], cstart[k + 1] - cstart[k],
			      stub_at, pred, sorted);
	}
	free(stub_at); free(pred); free(sorted); free(bychan); free(cstart);
	return 0;
}

/* Height of the channel after layer k: a stub row (where ✂ marks go),
 * the tracks, and the row of arrow heads. */
static int chan_height(const viz_layout *l, int k)
{
	return k + 1 < l->nlayers ? 2 + l->chan_tracks[k] : 0;
}

static void main_coords(viz_layout *l)
{
	int m = 0;
	for (int k = 0; k < l->nlayers; k++) {
		int ext = 0;
		for (int i = 0; i < l->layer_len[k]; i++)
			if (l->nodes[l->layer[k][i]].ms > ext)
				ext = l->nodes[l->layer[k][i]].ms;
		l->layer_ext[k] = ext;
		l->layer_m[k] = m;
		l->band[k] = 0;
		m += ext + chan_height(l, k);
	}
	l->nbands = l->nlayers ? 1 : 0;
}

static int digits(int n)
{
	int d = 1;
	while (n >= 10) {
		n /= 10;
		d++;
	}
	return d;
}

/* Left to right and too wide: cut between layers into bands stacked top
 * to bottom; edges across a cut end in numbered connectors "(3)". */
static void wrap_bands(viz_layout *l)
{
	int cw = digits(l->nnets ? l->nnets : 1) + 2;
	l->conn_width = cw;
	int entry = cw + 2, exit_ = cw + 1;
	int band = 0, k = 0;
	while (k < l->nlayers) {
		int a = k;
		int m = a > 0 ? entry : 0;
		/* take layers while the band still fits (at least one) */
		do {
			l->layer_m[k] = m;
			l->band[k] = band;
			m += l->layer_ext[k] + chan_height(l, k);
			k++;
		} while (k < l->nlayers &&
			 l->layer_m[k - 1] + l->layer_ext[k - 1] + chan_height(l, k - 1) +
			 l->layer_ext[k] + (k + 1 < l->nlayers ? exit_ : 0) <= l->opt.max_width);
		band++;
	}
	l->nbands = band;
	/* stack the bands: each gets its own cross range */
	int off = 0;
	for (int b = 0; b < band; b++) {
		int lo = INT_MAX, hi = INT_MIN;
		for (int k2 = 0; k2 < l->nlayers; k2++) {
			if (l->band[k2] != b)
				continue;
			for (int i = 0; i < l->layer_len[k2]; i++) {
				const lay_node *n = &l->nodes[l->layer[k2][i]];
				if (n->c - lay_lo(n) < lo) lo = n->c - lay_lo(n);
				if (n->c + lay_hi(n) > hi) hi = n->c + lay_hi(n);
			}
		}
		if (lo == INT_MAX)
			continue;
		int shift = off - lo;
		for (int v = 0; v < l->nnodes; v++)
			if (l->band[l->nodes[v].layer] == b)
				l->nodes[v].c += shift;
		for (int i = 0; i < l->nnets; i++)
			if (l->band[l->nets[i].chan] == b) {
				l->nets[i].port += shift;
				l->nets[i].lo += shift;
				l->nets[i].hi += shift;
			}
		for (int s = 0; s < l->nsegs; s++)
			if (l->band[l->nodes[l->segs[s].down].layer] == b)
				l->segs[s].port += shift;
		off += hi - lo + 2;	/* one blank line between bands */
	}
	int conn = 0;
	for (int i = 0; i < l->nnets; i++) {
		lay_net *nt = &l->nets[i];
		if (nt->chan + 1 < l->nlayers && l->band[nt->chan] != l->band[nt->chan + 1]) {
			nt->conn = ++conn;
			l->marks |= LAY_MARK_CONNECTOR;
		}
	}
}

int lay_route(viz_layout *l)
{
	int nl = l->nlayers ? l->nlayers : 1;
	l->layer_m = calloc((size_t)nl, sizeof(int));
	l->layer_ext = calloc((size_t)nl, sizeof(int));
	l->chan_tracks = calloc((size_t)nl, sizeof(int));
	l->band = calloc((size_t)nl, sizeof(int));
	if (!l->layer_m || !l->layer_ext || !l->chan_tracks || !l->band)
		return ag_error(AG_ERR_NOMEM, "out of memory routing the graph");
	if (make_nets(l) < 0 || route_channels(l) < 0)
		return -1;
	main_coords(l);
	if (l->opt.fit == VIZ_FIT_WRAP && l->opt.direction == VIZ_DIR_LR &&
	    l->opt.max_width > 0 && l->nlayers > 1) {
		int total = l->layer_m[l->nlayers - 1] + l->layer_ext[l->nlayers - 1];
		if (total > l->opt.max_width)
			wrap_bands(l);
	}
	for (int v = 0; v < l->nnodes; v++)
		l->nodes[v].m = l->layer_m[l->nodes[v].layer];
	int cmax = 0, mmax = 0;
	for (int v = 0; v < l->nnodes; v++) {
		const lay_node *n = &l->nodes[v];
		if (n->c + lay_hi(n) + 1 > cmax)
			cmax = n->c + lay_hi(n) + 1;
	}
	for (int k = 0; k < l->nlayers; k++) {
		int end = l->layer_m[k] + l->layer_ext[k];
		if (k + 1 < l->nlayers && l->band[k] != l->band[k + 1])
			end += 1 + l->conn_width;
		if (end > mmax)
			mmax = end;
	}
	l->width = l->opt.direction == VIZ_DIR_TB ? cmax : mmax;
	l->height = l->opt.direction == VIZ_DIR_TB ? mmax : cmax;
	return 0;
}
