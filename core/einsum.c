/*
 * einsum.c - products named by their indices: einsum, tensordot, kron and
 * outer, all built from views, mul and bmm (so BLAS does the work and the
 * backward comes from those ops).
 *
 * einsum follows the steps of PyTorch 1.13's: each operand takes the
 * diagonal of a label it repeats, gets a size-1 dim for every label it
 * lacks and is permuted into one global order (the output's labels first,
 * then the summed ones); operands are then multiplied in pairs, left to
 * right, each pair as one bmm over the dims it sums (a plain broadcast mul
 * when it sums none), and the summed dims, kept as size 1, are viewed away
 * at the end.
 */
#include "internal.h"
#include "record.h"
#include "shapeint.h"

#include <ctype.h>
#include <stdio.h>

/* --------------------------------------------------------------- outer */

ag_tensor *ag_outer(ag_tensor *a, ag_tensor *b)
{
	if (!a || !b) {
		ag_error(AG_ERR_VALUE, "outer(): expected two tensors");
		return NULL;
	}
	if (a->ndim != 1 || b->ndim != 1) {
		ag_error(AG_ERR_SHAPE, "outer: Expected 1-D argument %s, but got "
			 "%d-D", a->ndim != 1 ? "self" : "vec2",
			 a->ndim != 1 ? a->ndim : b->ndim);
		return NULL;
	}
	int64_t col[2] = { a->shape[0], 1 };
	ag_tensor *c = ag_reshape(a, col, 2);
	ag_tensor *r = c ? ag_mul(c, b) : NULL;
	ag_tensor_release(c);
	return r;
}

/* ---------------------------------------------------------- tensordot */

ag_tensor *ag_tensordot(ag_tensor *a, ag_tensor *b, const int *da,
			const int *db, int n)
{
	int pa[AG_MAX_DIMS], pb[AG_MAX_DIMS], wa[AG_MAX_DIMS], wb[AG_MAX_DIMS];
	bool ca[AG_MAX_DIMS] = { false }, cb[AG_MAX_DIMS] = { false };
	int64_t out[AG_MAX_DIMS], fa = 1, fb = 1, k = 1;
	int na = 0, nb = 0, no = 0;

	if (n > AG_MAX_DIMS) {
		ag_error(AG_ERR_VALUE, "tensordot: too many dims (%d)", n);
		return NULL;
	}
	for (int i = 0; i < n; i++) {
		if (ag_wrap_dim(da[i], a->ndim, &wa[i]) < 0 ||
		    ag_wrap_dim(db[i], b->ndim, &wb[i]) < 0)
			return NULL;
		if (a->shape[wa[i]] != b->shape[wb[i]]) {
			int s = ag_index_base();
			ag_error(AG_ERR_SHAPE, "contracted dimensions need to match, "
				 "but first has size %lld in dim %d and second has "
				 "size %lld in dim %d", (long long)a->shape[wa[i]],
				 da[i] < 0 ? da[i] : da[i] + s,
				 (long long)b->shape[wb[i]],
				 db[i] < 0 ? db[i] : db[i] + s);
			return NULL;
		}
		if (ca[wa[i]] || cb[wb[i]]) {
			ag_error(AG_ERR_VALUE, "tensordot: a dim appears twice in the "
				 "contracted dims");
			return NULL;
		}
		ca[wa[i]] = cb[wb[i]] = true;
		k *= a->shape[wa[i]];
	}
	/* a as [free..., contracted...], b as [contracted..., free...] */
	for (int i = 0; i < a->ndim; i++)
		if (!ca[i]) {
			pa[na++] = i;
			out[no++] = a->shape[i];
			fa *= a->shape[i];
		}
	for (int i = 0; i < n; i++) {
		pa[na++] = wa[i];
		pb[nb++] = wb[i];
	}
	for (int i = 0; i < b->ndim; i++)
		if (!cb[i]) {
			pb[nb++] = i;
			if (no == AG_MAX_DIMS) {
				ag_error(AG_ERR_VALUE, "tensors have at most %d "
					 "dimensions", AG_MAX_DIMS);
				return NULL;
			}
			out[no++] = b->shape[i];
			fb *= b->shape[i];
		}
	int64_t s1[2] = { fa, k }, s2[2] = { k, fb };
	ag_tensor *ta = ag_permute(a, pa, a->ndim);
	ag_tensor *tb = ta ? ag_permute(b, pb, b->ndim) : NULL;
	ag_tensor *ma = tb ? ag_reshape(ta, s1, 2) : NULL;
	ag_tensor *mb = ma ? ag_reshape(tb, s2, 2) : NULL;
	ag_tensor *m = mb ? ag_mm(ma, mb) : NULL;
	ag_tensor *r = m ? ag_reshape(m, out, no) : NULL;
	ag_tensor_release(ta);
	ag_tensor_release(tb);
	ag_tensor_release(ma);
	ag_tensor_release(mb);
	ag_tensor_release(m);
	return r;
}

/* ---------------------------------------------------------------- kron */

ag_tensor *ag_kron(ag_tensor *a, ag_tensor *b)
{
	int n = a->ndim > b->ndim ? a->ndim : b->ndim;
	int64_t as[AG_MAX_DIMS], bs[AG_MAX_DIMS], out[AG_MAX_DIMS];

	if (2 * n > AG_MAX_DIMS) {
		ag_error(AG_ERR_VALUE, "kron: agdb takes tensors of at most %d dims",
			 AG_MAX_DIMS / 2);
		return NULL;
	}
	/* a as [a0, 1, a1, 1, ...], b as [1, b0, 1, b1, ...]: their product
	 * is the result with each pair of dims merged */
	for (int i = 0; i < n; i++) {
		int ka = i - (n - a->ndim), kb = i - (n - b->ndim);
		int64_t x = ka >= 0 ? a->shape[ka] : 1, y = kb >= 0 ? b->shape[kb] : 1;
		as[2 * i] = x;
		as[2 * i + 1] = 1;
		bs[2 * i] = 1;
		bs[2 * i + 1] = y;
		out[i] = x * y;
	}
	ag_tensor *ra = ag_unsafe_view(a, as, 2 * n);
	ag_tensor *rb = ra ? ag_unsafe_view(b, bs, 2 * n) : NULL;
	ag_tensor *m = rb ? ag_mul(ra, rb) : NULL;
	ag_tensor *r = m ? ag_unsafe_view(m, out, n) : NULL;
	ag_tensor_release(ra);
	ag_tensor_release(rb);
	ag_tensor_release(m);
	return r;
}

/* -------------------------------------------------------------- einsum */

enum { NLETTERS = 52, MAX_LABELS = NLETTERS + AG_MAX_DIMS };

/* An operand's subscripts: label ids per dim (ellipsis dims get ids
 * NLETTERS + k, right-aligned over the widest ellipsis). */
typedef struct operand {
	int n;
	int label[AG_MAX_DIMS];
} operand;

static int letter_id(char c)
{
	return isupper((unsigned char)c) ? c - 'A' : c - 'a' + 26;
}

static char label_char(int id)
{
	return (char)(id < 26 ? 'A' + id : 'a' + id - 26);
}

static int parse_error(const char *what, int pos)
{
	return ag_error(AG_ERR_VALUE, "einsum(): %s at index %d in the equation "
			"string", what, pos);
}

/* Parses the subscripts of one operand, [s, e) of eq; ndim is the
 * operand's (the output's: -1), ell the widest ellipsis.  Ellipsis ids
 * are assigned in pass 2, once ell is known. */
static int parse_operand(const char *eq, int s, int e, int ndim, int ell,
			 int opnum, operand *o, int *ell_here)
{
	int letters = 0, dots = -1;

	o->n = 0;
	*ell_here = 0;
	for (int i = s; i < e; i++) {
		char c = eq[i];
		if (c == ' ')
			continue;
		if (c == '.') {
			if (dots >= 0 || i + 2 >= e || eq[i + 1] != '.' ||
			    eq[i + 2] != '.')
				return parse_error(dots >= 0 ? "found more than one "
						   "ellipsis" : "found '.' for "
						   "operand that is not part of any "
						   "ellipsis", i);
			dots = letters;
			i += 2;
			continue;
		}
		if (!isalpha((unsigned char)c))
			return ag_error(AG_ERR_VALUE, "einsum(): invalid subscript "
					"given at index %d in the equation string, "
					"subscripts must be in [a-zA-Z]", i);
		letters++;
	}
	if (ndim >= 0) {
		if (dots < 0 && letters != ndim)
			return ag_error(AG_ERR_SHAPE, "einsum(): the number of "
					"subscripts in the equation (%d) does not "
					"match the number of dimensions (%d) for "
					"operand %d and no ellipsis was given",
					letters, ndim, opnum);
		if (dots >= 0 && letters > ndim)
			return ag_error(AG_ERR_SHAPE, "einsum(): the number of "
					"subscripts in the equation (%d) is more "
					"than the number of dimensions (%d) for "
					"operand %d", letters, ndim, opnum);
		*ell_here = dots >= 0 ? ndim - letters : 0;
	} else {
		*ell_here = dots >= 0 ? ell : 0;
	}
	if (letters + *ell_here > AG_MAX_DIMS)
		return ag_error(AG_ERR_VALUE, "einsum(): at most %d dims",
				AG_MAX_DIMS);
	/* the ids, ellipsis dims right-aligned to the widest one */
	for (int i = s; i < e; i++) {
		char c = eq[i];
		if (c == ' ')
			continue;
		if (c == '.') {
			for (int j = 0; j < *ell_here; j++)
				o->label[o->n++] = NLETTERS + ell - *ell_here + j;
			i += 2;
			continue;
		}
		o->label[o->n++] = letter_id(c);
	}
	return 0;
}

typedef struct plan {
	int nops;
	operand in[AG_MAX_DIMS * 4];
	operand out;
	int ell;			/* widest ellipsis */
	int count[MAX_LABELS];		/* occurrences over the inputs */
	int pos[MAX_LABELS];		/* place in the global order, or -1 */
	int nglobal, nout;
	int64_t size[MAX_LABELS];	/* each label's size (> 1 wins) */
} plan;

static int parse(const char *eq, ag_tensor *const *ops, int n, plan *p)
{
	const char *arrow = strstr(eq, "->");
	int lhs_end = arrow ? (int)(arrow - eq) : (int)strlen(eq);
	int starts[AG_MAX_DIMS * 4 + 1], nterms = 0, ell_here;

	memset(p, 0, sizeof *p);
	starts[nterms++] = 0;
	for (int i = 0; i < lhs_end; i++)
		if (eq[i] == ',') {
			if (nterms > n)
				break;
			starts[nterms++] = i + 1;
		}
	if (nterms > n)
		return ag_error(AG_ERR_VALUE, "einsum(): fewer operands were "
				"provided than specified in the equation");
	if (nterms < n)
		return ag_error(AG_ERR_VALUE, "einsum(): more operands were provided "
				"than specified in the equation");
	p->nops = n;
	/* first the widest ellipsis, then the ids */
	for (int pass = 0; pass < 2; pass++)
		for (int k = 0; k < n; k++) {
			int e = k + 1 < n ? starts[k + 1] - 1 : lhs_end;
			if (parse_operand(eq, starts[k], e, ops[k]->ndim, p->ell, k,
					  &p->in[k], &ell_here) < 0)
				return -1;
			if (ell_here > p->ell)
				p->ell = ell_here;
		}
	for (int i = 0; i < MAX_LABELS; i++) {
		p->pos[i] = -1;
		p->size[i] = 1;
	}
	for (int k = 0; k < n; k++)
		for (int j = 0; j < p->in[k].n; j++) {
			int id = p->in[k].label[j];
			int64_t s = ops[k]->shape[j];
			p->count[id]++;
			if (s != 1 && p->size[id] != 1 && s != p->size[id]) {
				if (id >= NLETTERS)
					return ag_error(AG_ERR_SHAPE, "einsum(): operands "
							"do not broadcast with remapped "
							"shapes (original->remapped)");
				return ag_error(AG_ERR_SHAPE, "einsum(): subscript %c "
						"has size %lld for operand %d which "
						"does not broadcast with previously "
						"seen size %lld", label_char(id),
						(long long)s, k,
						(long long)p->size[id]);
			}
			if (s != 1)
				p->size[id] = s;
		}
	if (arrow) {
		if (parse_operand(eq, lhs_end + 2, (int)strlen(eq), -1, p->ell, -1,
				  &p->out, &ell_here) < 0)
			return -1;
		for (int j = 0; j < p->out.n; j++) {
			int id = p->out.label[j];
			if (id < NLETTERS && !p->count[id])
				return ag_error(AG_ERR_VALUE, "einsum(): output "
						"subscript %c does not appear in the "
						"equation for any input operand",
						label_char(id));
			if (p->pos[id] >= 0)
				return ag_error(AG_ERR_VALUE, "einsum(): output "
						"subscript %c appears more than once "
						"in the output", label_char(id));
			p->pos[id] = j;
		}
		for (int i = NLETTERS; i < NLETTERS + p->ell; i++)
			if (p->pos[i] < 0 && p->count[i])
				return ag_error(AG_ERR_VALUE, "einsum(): ellipsis "
						"dims must appear in the output");
	} else {
		/* implicit: the ellipsis dims, then the labels seen once, in
		 * alphabetical order (upper case first, as PyTorch's) */
		for (int i = NLETTERS; i < NLETTERS + p->ell; i++)
			p->out.label[p->out.n++] = i;
		for (int i = 0; i < NLETTERS; i++)
			if (p->count[i] == 1)
				p->out.label[p->out.n++] = i;
		for (int j = 0; j < p->out.n; j++)
			p->pos[p->out.label[j]] = j;
	}
	p->nout = p->out.n;
	p->nglobal = p->nout;
	for (int i = 0; i < MAX_LABELS; i++)
		if (p->count[i] && p->pos[i] < 0) {
			if (p->nglobal == AG_MAX_DIMS)
				return ag_error(AG_ERR_VALUE, "einsum(): at most %d "
						"distinct subscripts", AG_MAX_DIMS);
			p->pos[i] = p->nglobal++;
		}
	return 0;
}

/* Operand k with repeated labels reduced to their diagonals, a size-1 dim
 * for every missing label, permuted into the global order. */
static ag_tensor *align(const plan *p, int k, ag_tensor *t)
{
	operand o = p->in[k];
	ag_tensor *cur = t, *next;
	int perm[AG_MAX_DIMS];

	ag_tensor_retain(cur);
	for (int i = 0; i < o.n; i++)
		for (int j = i + 1; j < o.n; j++) {
			if (o.label[i] != o.label[j])
				continue;
			/* diagonal of dims (i, j) moves to the end */
			next = ag_diagonal(cur, 0, i, j);
			ag_tensor_release(cur);
			if (!(cur = next))
				return NULL;
			int id = o.label[i], m = 0;
			for (int q = 0; q < o.n; q++)
				if (q != i && q != j)
					o.label[m++] = o.label[q];
			o.label[m++] = id;
			o.n = m;
			i = -1;	/* start over: positions moved */
			break;
		}
	bool have[MAX_LABELS] = { false };
	for (int i = 0; i < o.n; i++)
		have[o.label[i]] = true;
	for (int id = 0; id < MAX_LABELS; id++) {
		if (p->pos[id] < 0 || have[id])
			continue;
		next = ag_unsqueeze(cur, cur->ndim);
		ag_tensor_release(cur);
		if (!(cur = next))
			return NULL;
		o.label[o.n++] = id;
	}
	for (int i = 0; i < o.n; i++)
		perm[p->pos[o.label[i]]] = i;
	next = ag_permute(cur, perm, o.n);
	ag_tensor_release(cur);
	return next;
}

/* sum over the dims in `sum` of both (global order, n dims each); a dim
 * summed in only one of them (size 1 in the other) is summed there
 * first.  The summed dims stay, as size 1. */
static ag_tensor *sumproduct(ag_tensor *a, ag_tensor *b, const bool *sum0,
			     int n)
{
	bool sum[AG_MAX_DIMS];
	int one[AG_MAX_DIMS], none = 0, ns = 0;
	ag_tensor *x = a, *y = b, *t;

	memcpy(sum, sum0, sizeof sum);
	ag_tensor_retain(x);
	ag_tensor_retain(y);
	for (int side = 0; side < 2; side++) {
		ag_tensor **u = side ? &y : &x, *v = side ? x : y;
		none = 0;
		for (int d = 0; d < n; d++)
			if (sum[d] && (*u)->shape[d] != 1 && v->shape[d] == 1)
				one[none++] = d;
		if (none) {
			t = ag_reduce_dims(AG_OP_SUM, *u, one, none, true);
			ag_tensor_release(*u);
			*u = t;
			if (!t)
				goto fail;
		}
	}
	for (int d = 0; d < n; d++)
		if (sum[d] && (x->shape[d] != 1 || y->shape[d] != 1))
			ns++;
	if (ns == 0) {
		t = ag_mul(x, y);
		ag_tensor_release(x);
		ag_tensor_release(y);
		return t;
	}
	/* batch (both), left-only, summed, right-only dims */
	int lro[AG_MAX_DIMS], lo[AG_MAX_DIMS], so[AG_MAX_DIMS], ro[AG_MAX_DIMS];
	int nlro = 0, nlo = 0, nso = 0, nro = 0;
	int64_t B = 1, L = 1, S = 1, R = 1;
	for (int d = 0; d < n; d++) {
		int64_t sx = x->shape[d], sy = y->shape[d];
		if (sum[d]) {
			so[nso++] = d;
			S *= sx;
		} else if (sx != 1 && sy == 1) {
			lo[nlo++] = d;
			L *= sx;
		} else if (sx == 1 && sy != 1) {
			ro[nro++] = d;
			R *= sy;
		} else {
			lro[nlro++] = d;
			B *= sx;
		}
	}
	int pa[AG_MAX_DIMS], pb[AG_MAX_DIMS], pr[AG_MAX_DIMS], m = 0;
	int64_t sa[3] = { B, L, S }, sb[3] = { B, S, R }, vs[AG_MAX_DIMS];
	for (int i = 0; i < nlro; i++) pa[m++] = lro[i];
	for (int i = 0; i < nlo; i++) pa[m++] = lo[i];
	for (int i = 0; i < nso; i++) pa[m++] = so[i];
	for (int i = 0; i < nro; i++) pa[m++] = ro[i];
	m = 0;
	for (int i = 0; i < nlro; i++) pb[m++] = lro[i];
	for (int i = 0; i < nso; i++) pb[m++] = so[i];
	for (int i = 0; i < nro; i++) pb[m++] = ro[i];
	for (int i = 0; i < nlo; i++) pb[m++] = lo[i];
	/* the product comes out as [lro, lo, ro] plus the summed dims as 1 */
	m = 0;
	for (int i = 0; i < nlro; i++) { pr[m] = lro[i]; vs[m++] = x->shape[lro[i]]; }
	for (int i = 0; i < nlo; i++) { pr[m] = lo[i]; vs[m++] = x->shape[lo[i]]; }
	for (int i = 0; i < nro; i++) { pr[m] = ro[i]; vs[m++] = y->shape[ro[i]]; }
	for (int i = 0; i < nso; i++) { pr[m] = so[i]; vs[m++] = 1; }
	int inv[AG_MAX_DIMS];
	for (int i = 0; i < n; i++)
		inv[pr[i]] = i;
	ag_tensor *xa = ag_permute(x, pa, n), *xb = NULL, *ya = NULL, *yb = NULL;
	ag_tensor *prod = NULL, *v = NULL, *r = NULL;
	if (xa && (xb = ag_reshape(xa, sa, 3)) && (ya = ag_permute(y, pb, n)) &&
	    (yb = ag_reshape(ya, sb, 3)) && (prod = ag_bmm(xb, yb)) &&
	    (v = ag_view(prod, vs, n)))
		r = ag_permute(v, inv, n);
	ag_tensor_release(xa);
	ag_tensor_release(xb);
	ag_tensor_release(ya);
	ag_tensor_release(yb);
	ag_tensor_release(prod);
	ag_tensor_release(v);
	ag_tensor_release(x);
	ag_tensor_release(y);
	return r;
fail:
	ag_tensor_release(x);
	ag_tensor_release(y);
	return NULL;
}

ag_tensor *ag_einsum(const char *equation, ag_tensor *const *ops, int n)
{
	plan *p;
	ag_tensor *acc = NULL;

	if (!equation || n <= 0 || n > AG_MAX_DIMS * 4) {
		ag_error(AG_ERR_VALUE, "einsum(): must provide at least one operand");
		return NULL;
	}
	for (int k = 0; k < n; k++)
		if (!ops[k]) {
			ag_error(AG_ERR_VALUE, "einsum(): operand %d is not a tensor", k);
			return NULL;
		}
	if (!(p = malloc(sizeof *p))) {
		ag_error(AG_ERR_NOMEM, "out of memory");
		return NULL;
	}
	if (parse(equation, ops, n, p) < 0)
		goto out;
	acc = align(p, 0, ops[0]);
	for (int k = 1; k < n && acc; k++) {
		ag_tensor *b = align(p, k, ops[k]);
		bool sum[AG_MAX_DIMS] = { false };
		/* summed now: not in the output, in no later operand */
		for (int id = 0; id < MAX_LABELS; id++) {
			int g = p->pos[id];
			if (g < p->nout)
				continue;
			bool later = false;
			for (int q = k + 1; q < n && !later; q++)
				for (int j = 0; j < p->in[q].n; j++)
					later |= p->in[q].label[j] == id;
			sum[g] = !later;
		}
		ag_tensor *r = b ? sumproduct(acc, b, sum, p->nglobal) : NULL;
		ag_tensor_release(b);
		ag_tensor_release(acc);
		acc = r;
	}
	if (!acc)
		goto out;
	/* one operand: its summed labels are summed here */
	if (n == 1 && p->nglobal > p->nout) {
		int dims[AG_MAX_DIMS], nd = 0;
		for (int g = p->nout; g < p->nglobal; g++)
			dims[nd++] = g;
		ag_tensor *r = ag_reduce_dims(AG_OP_SUM, acc, dims, nd, false);
		ag_tensor_release(acc);
		acc = r;
	} else if (p->nglobal > p->nout) {
		int64_t shape[AG_MAX_DIMS];
		for (int g = 0; g < p->nout; g++)
			shape[g] = acc->shape[g];
		ag_tensor *r = ag_view(acc, shape, p->nout);
		ag_tensor_release(acc);
		acc = r;
	}
out:
	free(p);
	return acc;
}
