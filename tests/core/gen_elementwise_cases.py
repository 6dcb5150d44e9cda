#!/usr/bin/python3
"""Prints the torch 1.13 fixture tables pasted into tests/core/test_promote.c
(rt_cases, pt_cases) and tests/core/test_elementwise_cases.h (bin_cases,
un_cases).  Needs torch; the tests do not.  Where 1.13 has no float16 or
bfloat16 kernel but a float32 one, a case holds the float32 op's result on
the same inputs rounded to the 16-bit dtype, marked "via float32".

    /usr/bin/python3 tests/core/gen_elementwise_cases.py promote
    /usr/bin/python3 tests/core/gen_elementwise_cases.py cases \
        > tests/core/test_elementwise_cases.h
"""
import itertools
import math
import sys

import torch


def promote():
    D = [('AG_FLOAT32',torch.float32),('AG_FLOAT64',torch.float64),('AG_FLOAT16',torch.float16),('AG_BFLOAT16',torch.bfloat16),('AG_INT64',torch.int64),('AG_BOOL',torch.bool),
         ('AG_UINT8',torch.uint8),('AG_INT8',torch.int8),('AG_INT16',torch.int16),('AG_INT32',torch.int32)]
    name = {t:n for n,t in D}
    print("/* generated with torch %s: {a dtype, a kind, b dtype, b kind, result} */" % torch.__version__)
    print("static const struct rt_case rt_cases[] = {")
    def mk(dt, kind):
        if kind == 'DIM': return torch.ones(2, dtype=dt)
        if kind == 'ZERO': return torch.ones((), dtype=dt)
    def wrapped(dt):
        return {torch.int64: 1, torch.float64: 1.5, torch.bool: True}[dt]
    rows=[]
    for (an,at),(bn,bt) in itertools.product(D,D):
        for ak,bk in [('DIM','DIM'),('DIM','ZERO'),('ZERO','DIM'),('ZERO','ZERO')]:
            r = torch.result_type(mk(at,ak), mk(bt,bk))
            rows.append((an,ak,bn,bk,name[r]))
    for an,at in D:
        for bn,bt in [('AG_INT64',torch.int64),('AG_FLOAT64',torch.float64),('AG_BOOL',torch.bool)]:
            for ak in ['DIM','ZERO']:
                r = torch.result_type(mk(at,ak), wrapped(bt))
                rows.append((an,ak,bn,'WRAPPED',name[r]))
                r = torch.result_type(wrapped(bt), mk(at,ak))
                rows.append((bn,'WRAPPED',an,ak,name[r]))
    for r in rows:
        print("\t{ %s, %s, %s, %s, %s }," % r)
    print("};")
    print("static const struct { ag_dtype a, b, r; } pt_cases[] = {")
    for (an,at),(bn,bt) in itertools.product(D,D):
        print("\t{ %s, %s, %s }," % (an, bn, name[torch.promote_types(at,bt)]))
    print("};")


D10 = [('AG_FLOAT32', torch.float32), ('AG_FLOAT64', torch.float64), ('AG_FLOAT16', torch.float16),
       ('AG_BFLOAT16', torch.bfloat16), ('AG_INT64', torch.int64), ('AG_BOOL', torch.bool),
       ('AG_UINT8', torch.uint8), ('AG_INT8', torch.int8), ('AG_INT16', torch.int16), ('AG_INT32', torch.int32)]
NAME = {t: n for n, t in D10}


def cnum(v):
    if math.isnan(v): return 'NAN'
    if math.isinf(v): return 'INFINITY' if v > 0 else '-INFINITY'
    if v == 0 and math.copysign(1, v) < 0: return '-0.0'
    return repr(float(v))


def cstr(msg):
    return '"%s"' % msg.replace('\\', '\\\\').replace('"', '\\"')


def vals(V, dt):
    k = 'b' if dt == torch.bool else 'f' if dt.is_floating_point else 'i'
    return torch.tensor(V[k], dtype=torch.float64 if dt == torch.float64 else None).to(dt)


HALVES = {"'Half'": torch.float16, "'BFloat16'": torch.bfloat16}


def via_float32(op, xs, msg):
    """Where 1.13 has no kernel for a 16-bit float and float32 has one,
    agdb serves it (issue 13, as PyTorch 2's CPU kernels do): the float32
    op on the same inputs, rounded to that dtype; None otherwise."""
    dt = next((d for k, d in HALVES.items() if msg.endswith(k)), None)
    if dt is None or 'not implemented for' not in msg:
        return None
    try:
        r = op(*[x.float() if x.dtype == dt else x for x in xs])
    except RuntimeError:
        return None
    return r.to(dt) if r.dtype == torch.float32 else r


def row(prefix, op, xs):
    """One table row: the result's dtype and values, or the error (a row
    served through float32, see via_float32, says so)."""
    via = ''
    try:
        r = op(*xs)
    except (RuntimeError, ZeroDivisionError) as e:
        msg = str(e) or type(e).__name__
        r = via_float32(op, xs, msg)
        if r is None:
            code = 'AG_ERR_VALUE' if 'ZeroDivisionError' in msg else 'AG_ERR_DTYPE'
            return '\t{ %s, 0, AG_BOOL, { 0 }, %s, %s },' % (prefix, code, cstr(msg))
        via = ' /* via float32 */'
    return '\t{ %s, 1, %s, { %s }, AG_OK, NULL },%s' % (
        prefix, NAME[r.dtype], ', '.join(cnum(v) for v in r.double().tolist()), via)


def binary():
    OPS = [('ADD', torch.add), ('SUB', torch.sub), ('MUL', torch.mul), ('DIV', torch.div), ('POW', torch.pow),
           ('EQ', torch.eq), ('NE', torch.ne), ('LT', torch.lt), ('LE', torch.le), ('GT', torch.gt), ('GE', torch.ge),
           ('HYPOT', torch.hypot), ('ATAN2', torch.atan2), ('FMOD', torch.fmod), ('REMAINDER', torch.remainder),
           ('MINIMUM', torch.minimum), ('MAXIMUM', torch.maximum), ('CLAMP_MIN', torch.clamp_min),
           ('CLAMP_MAX', torch.clamp_max), ('XLOGY', torch.xlogy), ('LOGICAL_AND', torch.logical_and),
           ('LOGICAL_OR', torch.logical_or), ('LOGICAL_XOR', torch.logical_xor),
           ('BITWISE_AND', torch.bitwise_and), ('BITWISE_OR', torch.bitwise_or),
           ('BITWISE_XOR', torch.bitwise_xor), ('LOGADDEXP', torch.logaddexp),
           ('LOGADDEXP2', torch.logaddexp2)]
    AV = {'f': [-2.5, -1, 0, 1, 2, 3.25], 'i': [-2, -1, 0, 1, 2, 3], 'b': [1, 0, 1, 0, 1, 1]}
    BV = {'f': [1.5, 2, -1, 0.5, 3, -2], 'i': [3, 2, -1, 1, 0, -2], 'b': [1, 1, 0, 0, 1, 0]}
    print("/* generated with torch %s from A = {-2.5, -1, 0, 1, 2, 3.25} (ints"
          " {-2, -1, 0, 1, 2, 3}, bools {1, 0, 1, 0, 1, 1}) and B = {1.5, 2, -1,"
          " 0.5, 3, -2} ({3, 2, -1, 1, 0, -2}, {1, 1, 0, 0, 1, 0}), the integers"
          " converted to uint8 and the others as torch converts them:"
          " {op, a, b, ok, result dtype, values, error code, error} */" % torch.__version__)
    print("static const struct bin_case bin_cases[] = {")
    for (on, op), (an, at), (bn, bt) in itertools.product(OPS, D10, D10):
        a, b = vals(AV, at), vals(BV, bt)
        print(row('AG_OP_%s, %s, %s' % (on, an, bn), op, (a, b)))
    print("};")


def unary():
    OPS = ['neg', 'abs', 'exp', 'log', 'sqrt', 'sin', 'cos', 'tanh', 'sigmoid', 'relu',
           'log1p', 'expm1', 'rsqrt', 'tan', 'asin', 'acos', 'atan', 'sinh', 'cosh', 'erf', 'erfinv',
           'reciprocal', 'sign', 'floor', 'ceil', 'round', 'trunc', 'frac', 'isnan', 'isinf',
           'isfinite', 'isposinf', 'isneginf', 'logical_not', 'bitwise_not',
           'asinh', 'acosh', 'atanh', 'log2', 'log10', 'exp2', 'erfc',
           ('silu', torch.nn.functional.silu), ('mish', torch.nn.functional.mish),
           ('hardsigmoid', torch.nn.functional.hardsigmoid), ('hardswish', torch.nn.functional.hardswish),
           ('logsigmoid', torch.nn.functional.logsigmoid)]
    V = {'f': [-2.5, -1, -0.0, 0, 0.3, 1, 2, 7.25], 'i': [-3, -1, 0, 0, 1, 1, 2, 7], 'b': [1, 0, 1, 0, 1, 1, 0, 1]}
    print("/* generated with torch %s from {-2.5, -1, -0.0, 0, 0.3, 1, 2, 7.25} (ints"
          " {-3, -1, 0, 0, 1, 1, 2, 7}, bools {1, 0, 1, 0, 1, 1, 0, 1}), converted"
          " as torch converts them: {op, a, ok, result dtype, values, error code,"
          " error} */" % torch.__version__)
    print("static const struct un_case un_cases[] = {")
    for o, (an, at) in itertools.product(OPS, D10):
        name, op = (o, getattr(torch, o)) if isinstance(o, str) else o
        a = vals(V, at)
        print(row('AG_OP_%s, %s' % (name.upper(), an), op, (a,)))
    print("};")


def cases():
    print("/* test_elementwise_cases.h - made by tests/core/gen_elementwise_cases.py")
    print(" * cases; do not edit. */")
    binary()
    print()
    unary()


if __name__ == '__main__':
    {'promote': promote, 'cases': cases}[sys.argv[1]]()
