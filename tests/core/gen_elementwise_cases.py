#!/usr/bin/python3
"""Prints the torch 1.13 fixture tables pasted into tests/core/test_promote.c
(rt_cases, pt_cases) and tests/core/test_elementwise.c (bin_cases,
un_cases).  Needs torch; the tests do not.

    /usr/bin/python3 tests/core/gen_elementwise_cases.py promote
    /usr/bin/python3 tests/core/gen_elementwise_cases.py binary
    /usr/bin/python3 tests/core/gen_elementwise_cases.py unary
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


def binary():
    D = [('AG_FLOAT32',torch.float32),('AG_FLOAT64',torch.float64),('AG_FLOAT16',torch.float16),('AG_BFLOAT16',torch.bfloat16),('AG_INT64',torch.int64),('AG_BOOL',torch.bool)]
    name = {t:n for n,t in D}
    OPS = [('AG_ADD',torch.add),('AG_SUB',torch.sub),('AG_MUL',torch.mul),('AG_DIV',torch.div),('AG_POW',torch.pow),
           ('AG_EQ',torch.eq),('AG_NE',torch.ne),('AG_LT',torch.lt),('AG_LE',torch.le),('AG_GT',torch.gt),('AG_GE',torch.ge)]
    AV = {'f':[-2.5,-1,0,1,2,3.25], 'i':[-2,-1,0,1,2,3], 'b':[1,0,1,0,1,1]}
    BV = {'f':[1.5,2,-1,0.5,3,-2], 'i':[3,2,-1,1,0,-2], 'b':[1,1,0,0,1,0]}
    MSG_SUB_BOOL="Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead."
    MSG_SUB_2BOOL="Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or `logical_xor()` operator instead."
    MSG_POW_BOOL="\"pow\" not implemented for 'Bool'"
    def vals(V, dt):
        k = 'b' if dt == torch.bool else 'i' if dt == torch.int64 else 'f'
        return torch.tensor(V[k], dtype=torch.float64 if dt == torch.float64 else None).to(dt)
    def c(v):
        if math.isnan(v): return 'NAN'
        if math.isinf(v): return 'INFINITY' if v > 0 else '-INFINITY'
        return repr(float(v))
    print("/* generated with torch %s from A = {-2.5, -1, 0, 1, 2, 3.25} (ints"
          " {-2, -1, 0, 1, 2, 3}, bools {1, 0, 1, 0, 1, 1}) and B = {1.5, 2, -1,"
          " 0.5, 3, -2} ({3, 2, -1, 1, 0, -2}, {1, 1, 0, 0, 1, 0}); float16/bfloat16"
          " ops torch 1.13 lacks on CPU are computed in float32 and rounded */" % torch.__version__)
    print("static const struct bin_case bin_cases[] = {")
    for (on,op),(an,at),(bn,bt) in itertools.product(OPS,D,D):
        a, b = vals(AV,at), vals(BV,bt)
        try:
            r = op(a,b); err = None
        except RuntimeError as e:
            msg = str(e)
            if "not implemented for 'Half'" in msg or "not implemented for 'BFloat16'" in msg:
                ct = torch.result_type(a,b)
                r = op(a.float(), b.float())
                if r.dtype != torch.bool: r = r.to(ct)
                err = None
            else:
                err = msg; r = None
        if err:
            m = {MSG_SUB_BOOL:'MSG_SUB_BOOL', MSG_SUB_2BOOL:'MSG_SUB_2BOOL', MSG_POW_BOOL:'MSG_POW_BOOL'}[err]
            print('\t{ %s, %s, %s, 0, AG_BOOL, { 0 }, %s },' % (on, an, bn, m))
        else:
            print('\t{ %s, %s, %s, 1, %s, { %s }, NULL },' % (on, an, bn, name[r.dtype], ', '.join(c(v) for v in r.double().tolist())))
    print("};")


def unary():
    D = [('AG_FLOAT32',torch.float32),('AG_FLOAT64',torch.float64),('AG_FLOAT16',torch.float16),('AG_BFLOAT16',torch.bfloat16),('AG_INT64',torch.int64),('AG_BOOL',torch.bool)]
    name = {t:n for n,t in D}
    OPS = [('AG_NEG',torch.neg),('AG_ABS',torch.abs),('AG_EXP',torch.exp),('AG_LOG',torch.log),('AG_SQRT',torch.sqrt),('AG_SIN',torch.sin),('AG_COS',torch.cos),('AG_TANH',torch.tanh),('AG_SIGMOID',torch.sigmoid),('AG_RELU',torch.relu)]
    V = {'f':[-2.5,-1,-0.0,0,0.3,1,2,7.25], 'i':[-3,-1,0,0,1,1,2,7], 'b':[1,0,1,0,1,1,0,1]}
    def vals(dt):
        k = 'b' if dt == torch.bool else 'i' if dt == torch.int64 else 'f'
        return torch.tensor(V[k], dtype=torch.float64 if dt == torch.float64 else None).to(dt)
    def c(v):
        if math.isnan(v): return 'NAN'
        if math.isinf(v): return 'INFINITY' if v > 0 else '-INFINITY'
        if v == 0 and math.copysign(1, v) < 0: return '-0.0'
        return repr(float(v))
    print("/* generated with torch %s from {-2.5, -1, -0.0, 0, 0.3, 1, 2, 7.25} (ints"
          " {-3, -1, 0, 0, 1, 1, 2, 7}, bools {1, 0, 1, 0, 1, 1, 0, 1}); float16/bfloat16"
          " ops torch 1.13 lacks on CPU are computed in float32 and rounded */" % torch.__version__)
    print("static const struct un_case un_cases[] = {")
    for (on,op),(an,at) in itertools.product(OPS,D):
        a = vals(at)
        try:
            r = op(a); err = None
        except RuntimeError as e:
            msg = str(e)
            if "not implemented for 'Half'" in msg or "not implemented for 'BFloat16'" in msg:
                r = op(a.float()).to(at); err = None
            else:
                err = msg
        if err:
            print('\t{ %s, %s, 0, AG_BOOL, { 0 }, "%s" },' % (on, an, err.replace('"','\\"')))
        else:
            print('\t{ %s, %s, 1, %s, { %s }, NULL },' % (on, an, name[r.dtype], ', '.join(c(v) for v in r.double().tolist())))
    print("};")


if __name__ == '__main__':
    {'promote': promote, 'binary': binary, 'unary': unary}[sys.argv[1]]()
