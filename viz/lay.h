/*
 * lay.h - the layout's internals, shared by the layout phases and the
 * renderers.
 *
 * Coordinates are kept on two axes: "main" runs along the edges (down in
 * top-to-bottom, right in left-to-right), "cross" runs along a layer.
 */
#ifndef VIZ_LAY_H
#define VIZ_LAY_H

#include "layout.h"
#include "canvas.h"
#include "vizint.h"

typedef struct lay_node {
	int model;		/* model node id; -1 for module boxes and dummies */
	int group;		/* module box: index into groups; else -1 */
	int vedge;		/* dummy: the visible edge it carries; else -1 */
	int layer, pos;		/* layer and position within it */
	int cs, ms;		/* size across / along the main axis */
	int c;			/* cross coordinate of the centre line */
	int m;			/* main coordinate of the near side */
	char **lines;		/* label, one line each */
	int nlines;
	char *title;		/* written into the top border */
	unsigned style;		/* VIZ_STYLE_* of the box */
	viz_border border;
	int nin, nout;		/* incoming pieces, outgoing nets */
	int insp;		/* spacing of incoming ports (room for labels) */
} lay_node;

typedef struct lay_edge {	/* an edge between visible nodes */
	int from, to;		/* original direction */
	int model;		/* model edge id */
	viz_edge_kind kind;
	bool reversed;		/* points against the layering (a cycle) */
	char *label;		/* text at the arrow head (may be NULL) */
	viz_grad_stats grad;
	int seg_first, seg_last;	/* its first and last piece (lay_edge_path) */
} lay_edge;

typedef struct lay_seg {	/* a piece of an edge from layer k to k+1 */
	int up, down;		/* nodes */
	int edge;
	int net;		/* routing net that carries it */
	int port;		/* cross coordinate of the port on `down` */
	int next;		/* the piece after it on its way down, or -1 */
	bool first, last;	/* leaves the edge's source / enters its target */
	bool shared;		/* carries several edges (a bundle's trunk) */
} lay_seg;

typedef struct lay_net {	/* the pieces leaving one port of one node */
	int up;			/* node */
	int chan;		/* channel: between layer chan and chan + 1 */
	int port;		/* cross coordinate on `up` */
	int track;		/* -1: a straight line */
	int lo, hi;		/* cross extent */
	viz_edge_kind kind;
	bool reversed;
	bool first;		/* starts at a real node (where ✂ goes) */
	int conn;		/* wrap: connector number (0: none) */
	int *segs, nsegs;	/* into lay->net_segs */
} lay_net;

typedef struct lay_group {
	char *scope;
	int first;		/* first member (model id) */
	int count;
	int vis;		/* its box among the visible nodes */
} lay_group;

/* Marks used by a drawing, for its legend. */
enum {
	LAY_MARK_LEAF = 1 << 0, LAY_MARK_PARAM = 1 << 1, LAY_MARK_PAUSED = 1 << 2,
	LAY_MARK_FAILING = 1 << 3, LAY_MARK_DETACHED = 1 << 4,
	LAY_MARK_NOGRAD = 1 << 5, LAY_MARK_NONDIFF = 1 << 6,
	LAY_MARK_MODULE = 1 << 7, LAY_MARK_CYCLE = 1 << 8,
	LAY_MARK_CONNECTOR = 1 << 9, LAY_MARK_SCOPE = 1 << 10,
	LAY_MARK_GRAD = 1 << 11, LAY_MARK_GLOG = 1 << 12,
	LAY_MARK_GNAN = 1 << 13, LAY_MARK_GINF = 1 << 14, LAY_MARK_GZERO = 1 << 15,
	LAY_MARK_GVANISH = 1 << 16, LAY_MARK_GEXPLODE = 1 << 17,
	LAY_MARK_SAVED = 1 << 18, LAY_MARK_CHECKPOINT = 1 << 19
};

struct viz_layout {
	viz_layout_options opt;
	lay_node *nodes;
	int nnodes, nvisible;	/* all / without dummies (visible come first) */
	lay_edge *edges;
	int nedges;
	lay_seg *segs;
	int nsegs;
	lay_net *nets;
	int nnets;
	int *net_segs;
	lay_group *groups;
	int ngroups;
	int nmodel;
	int *vis_of;		/* model node -> visible node */
	int nlayers;
	int **layer;		/* node ids per layer, in order */
	int *layer_len;
	int *layer_m;		/* main coordinate where each layer starts */
	int *layer_ext;		/* main extent of each layer */
	int *chan_tracks;	/* tracks in the channel after each layer */
	int *up_start, *up_seg;		/* pieces entering each node (CSR) */
	int *down_start, *down_seg;	/* pieces leaving each node */
	int *band;		/* wrap: band of each layer */
	int nbands;
	int conn_width;		/* wrap: cells a connector label takes */
	int width, height;
	int hidden, total, limit;	/* the graph's viz_graph_hidden() */
	long long crossings, crossings0;
	unsigned marks;		/* LAY_MARK_* used */
};

/* label.c */
unsigned lay_grad_style(const viz_grad_stats *g);
/* The gradient's size on a log scale as a bar (▁ .. ▇, or g1 .. g7). */
void lay_grad_bar(const viz_grad_stats *g, bool ascii, char *buf, size_t n);
/* The text by an edge's arrow head (label, the gradient's bar and log10,
 * or its problem's mark), and the marks it uses (for the legend). */
void lay_edge_text(const viz_layout *l, const lay_edge *e, char *buf, size_t n);
unsigned lay_edge_marks(const viz_layout *l, const lay_edge *e);
int lay_label_node(viz_layout *l, lay_node *n, const viz_graph *g);
/* rank.c: cycle removal, layering, dummy nodes, segments. */
int lay_rank(viz_layout *l);
/* The pieces edge e runs through, from its source down to its target:
 * calls fn for each in order. */
void lay_edge_path(const viz_layout *l, const lay_edge *e,
		   void (*fn)(const viz_layout *l, const lay_seg *s, void *ud),
		   void *ud);
/* The text by the arrow head of piece s ("" for a bundle's shared piece,
 * which stands for several edges). */
void lay_seg_text(const viz_layout *l, const lay_seg *s, char *buf, size_t n);
/* order.c */
int lay_adjacency(viz_layout *l);
void lay_sort_adjacency(viz_layout *l);	/* by position, after ordering */
int lay_order(viz_layout *l);
long long lay_count_crossings(const viz_layout *l);
/* place.c: cross coordinates (Brandes-Koepf). */
int lay_place(viz_layout *l);
/* route.c: ports, nets, tracks, main coordinates, wrapping. */
int lay_route(viz_layout *l);

/* draw.c: draw what falls into the canvas's window. */
void lay_draw(const viz_layout *l, viz_canvas *cv);

/* canvas.c: rows of a canvas window as text into dst (w * 4 + 1 bytes a
 * row); returns the bytes written. */
size_t viz_canvas_text_into(const viz_canvas *c, int x0, int y0, int w, int h,
			    bool ascii, char *dst);

/* Main/cross to x/y. */
static inline int lay_lo(const lay_node *n) { return (n->cs - 1) / 2; }
static inline int lay_hi(const lay_node *n) { return n->cs - 1 - (n->cs - 1) / 2; }

static inline int lay_x(const viz_layout *l, int m, int c)
{
	return l->opt.direction == VIZ_DIR_TB ? c : m;
}
static inline int lay_y(const viz_layout *l, int m, int c)
{
	return l->opt.direction == VIZ_DIR_TB ? m : c;
}

#endif
