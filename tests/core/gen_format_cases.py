#!/usr/bin/python3
"""Writes tests/core/test_format_cases.h: tensors and the repr PyTorch 1.13
gives them, for test_format.c.  Needs torch; the tests do not.

    /usr/bin/python3 tests/core/gen_format_cases.py > tests/core/test_format_cases.h

Small tensors carry their values; big (summarised) ones are rebuilt in C
from a seed, because agdb's generator gives torch's numbers.
"""
import math
import random
import sys

import torch

DT = {torch.float32: 'AG_FLOAT32', torch.float64: 'AG_FLOAT64',
      torch.float16: 'AG_FLOAT16', torch.bfloat16: 'AG_BFLOAT16',
      torch.int64: 'AG_INT64', torch.bool: 'AG_BOOL'}
rng = random.Random(20261129)
out = []


def cstr(s):
    return '"' + s.replace('\\', '\\\\').replace('"', '\\"').replace('\n', '\\n') + '"'


def fval(v, dtype):
    if math.isnan(v):
        return 'NAN'
    if math.isinf(v):
        return 'INFINITY' if v > 0 else '-INFINITY'
    # 9 digits give a float32 (or narrower) value back exactly
    s = '%.17g' % v if dtype == torch.float64 else '%.9g' % v
    return s if any(c in s for c in '.en') else s + '.0'


def ival(v):
    return '(-9223372036854775807LL - 1)' if v == -2**63 else '%dLL' % v


def emit(t, expect, suffix=None, gen=None, transpose=False, opts=None):
    """gen: None (values listed), ('randn', seed, scale),
    ('randint', seed, lo, hi) or ('arange', 0, mul, add)."""
    shape = list(t.shape)
    vals = 'NULL'
    ivals = 'NULL'
    if gen is None:
        flat = t.reshape(-1).tolist()
        if t.dtype.is_floating_point:
            vals = '(const double[]){' + ', '.join(fval(v, t.dtype) for v in flat) + '}' if flat else 'NULL'
        else:
            ivals = '(const long long[]){' + ', '.join(ival(int(v)) for v in flat) + '}' if flat else 'NULL'
    g = gen or ('none', 0, 0, 0)
    g = tuple(g) + (0,) * (4 - len(g))
    o = opts or (4, 1000, 3, 80)
    out.append('\t{ %s, %d, { %s }, %s, %s, "%s", %d, %r, %r, %s, %d, { %d, %d, %d, %d },\n\t  %s, %s },' % (
        DT[t.dtype], len(shape), ', '.join(str(s) for s in shape) or '0',
        vals, ivals, g[0], g[1], float(g[2]), float(g[3]),
        'true' if transpose else 'false', 0, o[0], o[1], o[2], o[3],
        cstr(suffix) if suffix else 'NULL', cstr(expect)))


def case(t, transpose=False, suffix=None):
    shown = t.transpose(0, -1) if transpose else t
    emit(t, repr(shown), transpose=transpose)
    if suffix == 'grad' and shown.dtype.is_floating_point:
        r = repr(shown.detach().clone().requires_grad_(True))
        emit(t, r, suffix='requires_grad=True', transpose=transpose)
        x = shown.detach().clone().requires_grad_(True)
        emit(t, repr(x * 1), suffix=', grad_fn=<MulBackward0>',
             transpose=transpose)


def random_values(n, kind):
    vals = []
    for _ in range(n):
        if kind == 'int':
            vals.append(float(rng.randint(-999, 999)))
        elif kind == 'bigint':
            vals.append(float(rng.randint(-10**9, 10**9)))
        elif kind == 'small':
            vals.append(rng.uniform(-1, 1) * 1e-5)
        elif kind == 'wide':
            vals.append(rng.choice([-1, 1]) * 10 ** rng.uniform(-6, 9))
        elif kind == 'unit':
            vals.append(rng.uniform(-1, 1))
        elif kind == 'ten':
            vals.append(rng.uniform(-100, 100))
        else:
            vals.append(rng.gauss(0, 3))
    return vals


def sprinkle(vals):
    for _ in range(rng.randint(0, 2)):
        if vals:
            vals[rng.randrange(len(vals))] = rng.choice(
                [float('nan'), float('inf'), -float('inf'), 0.0, -0.0])
    return vals


def random_shape(maxnumel=60):
    nd = rng.randint(1, 4)
    while True:
        shape = [rng.randint(1, 6) for _ in range(nd)]
        if math.prod(shape) <= maxnumel:
            return shape


# ------------------------------------------------------------ fixed cases
fixed = [
    torch.tensor([1., 2.]), torch.tensor([[1., 2.], [3., 4.]]),
    torch.tensor(3.), torch.tensor(0.1), torch.tensor(-2.5),
    torch.tensor(float('nan')), torch.tensor(float('inf')), torch.tensor(0.),
    torch.tensor(1e10), torch.tensor(1e-5), torch.tensor(123456789.),
    torch.tensor([1, 2]), torch.tensor([True, False]), torch.tensor(True),
    torch.tensor(7), torch.tensor(-7), torch.tensor([], dtype=torch.float32),
    torch.zeros(0, 3), torch.zeros(2, 0, 3, dtype=torch.int64),
    torch.zeros(0, dtype=torch.int64), torch.zeros(0, dtype=torch.bool),
    torch.zeros(0, dtype=torch.float64), torch.zeros(3, 0, dtype=torch.float16),
    torch.tensor([1e10, 1.]), torch.tensor([1., 1000.]), torch.tensor([1., 1001.]),
    torch.tensor([0.5, 1e-4]), torch.tensor([0.5, 0.99e-4]), torch.tensor([1e8, 1.]),
    torch.tensor([1.5e8, 2.]), torch.tensor([float('nan'), 1.]),
    torch.tensor([float('nan'), 1.5]), torch.tensor([float('inf'), -float('inf'), 2.]),
    torch.tensor([float('nan'), float('inf')]), torch.tensor([0., -0.]),
    torch.tensor([-0., 1.5]), torch.tensor([1e-10, 1e10, float('nan')]),
    torch.tensor([123456.789, 0.001]), torch.tensor([2.**60, -3.]),
    torch.tensor([1., 2.], dtype=torch.float64), torch.tensor([1.5, 2.25], dtype=torch.float16),
    torch.tensor([1.5, 2.25], dtype=torch.bfloat16), torch.tensor(1.5, dtype=torch.float64),
    torch.tensor([2**62, -5, 0]), torch.tensor([-9223372036854775808, 9223372036854775807]),
    torch.arange(100.), torch.arange(30.) * 1.5, torch.arange(40).reshape(2, 4, 5),
    torch.arange(24.).reshape(2, 3, 4), torch.arange(48.).reshape(2, 2, 3, 4) / 7,
    torch.arange(6.).reshape(1, 1, 6), torch.zeros(1, 1, 1, 1),
    torch.tensor([[True], [False]]), torch.tensor([[1e-3, 1.], [2., 3.]]),
    torch.arange(20.) * 1e5, torch.arange(20.) - 10.5,
    torch.tensor([0.1] * 30, dtype=torch.float64),
]
for t in fixed:
    case(t, suffix='grad')

# big ranges, rebuilt in C as arange(n) * mul + add
for shape, dtype, mul, add in (([1001], torch.float32, 1., 0.),
                               ([1001], torch.int64, 1, 0),
                               ([40, 50], torch.float32, 1., 0.),
                               ([10, 10, 12], torch.float32, 0.5, -3.),
                               ([3, 400], torch.float64, 1e-3, 0.),
                               ([2000], torch.int64, 7, -5000)):
    t = (torch.arange(math.prod(shape), dtype=dtype) * mul + add).reshape(shape)
    emit(t, repr(t), gen=('arange', 0, mul, add))

# a few layouts that are not contiguous
for shape in ([2, 3], [3, 4, 2], [2, 1, 5]):
    t = torch.arange(float(math.prod(shape))).reshape(shape) / 3
    case(t, transpose=True)

# print options
t = torch.arange(12.).reshape(3, 4) / 3
for o in ((2, 1000, 3, 80), (8, 1000, 3, 80), (4, 5, 1, 80), (4, 1000, 3, 30),
          (0, 1000, 3, 80)):
    torch.set_printoptions(precision=o[0], threshold=o[1], edgeitems=o[2],
                           linewidth=o[3])
    emit(t, repr(t), opts=o)
torch.set_printoptions(profile='default')

# ----------------------------------------------------------- random cases
kinds = ['int', 'bigint', 'small', 'wide', 'unit', 'ten', 'gauss']
for i in range(200):
    kind = rng.choice(kinds)
    shape = random_shape(40)
    n = math.prod(shape)
    dtype = rng.choice([torch.float32] * 4 + [torch.float64, torch.float16,
                                               torch.bfloat16, torch.int64,
                                               torch.bool])
    if dtype == torch.int64:
        t = torch.tensor([rng.randint(-10**rng.randint(1, 12), 10**rng.randint(1, 12))
                          for _ in range(n)]).reshape(shape)
    elif dtype == torch.bool:
        t = torch.tensor([rng.random() < 0.5 for _ in range(n)]).reshape(shape)
    else:
        vals = random_values(n, kind)
        if rng.random() < 0.3:
            vals = sprinkle(vals)
        if dtype == torch.float16:
            vals = [max(min(v, 6e4), -6e4) if math.isfinite(v) else v for v in vals]
        t = torch.tensor(vals, dtype=dtype).reshape(shape)
    case(t, transpose=(t.dim() > 1 and rng.random() < 0.2),
         suffix='grad' if rng.random() < 0.25 else None)

# summarised tensors, rebuilt from a seed
for i in range(40):
    nd = rng.randint(1, 4) if i < 8 else rng.randint(1, 3)  # 4-d ones are long
    while nd > 1:
        shape = [rng.randint(1, 40) for _ in range(nd)]
        if 1000 < math.prod(shape) <= 40000:
            break
    if nd == 1:
        shape = [rng.randint(1001, 5000)]
    seed = rng.randint(0, 10**6)
    dtype = rng.choice([torch.float32, torch.float32, torch.float64,
                        torch.float16, torch.int64, torch.bool])
    torch.manual_seed(seed)
    if dtype == torch.int64:
        lo, hi = -10**rng.randint(1, 9), 10**rng.randint(1, 9)
        t = torch.randint(lo, hi, shape)
        emit(t, repr(t), gen=('randint', seed, lo, hi))
    elif dtype == torch.bool:
        t = torch.randint(0, 2, shape, dtype=torch.bool)
        emit(t, repr(t), gen=('randint', seed, 0, 2))
    else:
        scale = rng.choice([1.0, 1e-5, 1e5, 1000.0, 0.01])
        t = torch.randn(shape, dtype=dtype) * scale
        emit(t, repr(t), gen=('randn', seed, scale))

print('/* Generated by gen_format_cases.py from PyTorch %s: do not edit. */' % torch.__version__)
print('static const struct format_case format_cases[] = {')
print('\n'.join(out))
print('};')
