#!/usr/bin/python3
"""Prints the tables of core/vmath_f32.h's gelu (the C initialisers pasted
there): for a = |x| in [0, 6), as 16 polynomials of degree 5, one per
interval of width 3/8, each in d = a - (the interval's centre),
  ag_vf_gelu_tab:   erf(a / sqrt 2)                (the forward's), and
  ag_vf_gelu_dtab:  erf(a / sqrt 2) / 2 + a phi(a) (the derivative's:
                    gelu'(x) = 1/2 + sign(x) of it, phi the normal density),
fitted by least squares on Chebyshev nodes of a slightly wider interval
(an index rounded at a boundary may pick the neighbour), each coefficient
rounded to float in turn and the higher ones fitted again.  The largest
absolute error of each table (in exact arithmetic) is printed; the
float32 error of gelu and its gradient is checked by the tests.

Run:  /usr/bin/python3 scripts/fit_gelu.py     (needs numpy)
"""
import math

import numpy as np

N, W, DEG = 16, 0.375, 5


def erf2(a):
    return math.erf(a / math.sqrt(2))


def dgelu(a):
    return erf2(a) / 2 + a * math.exp(-a * a / 2) / math.sqrt(2 * math.pi)


def main():
    table("ag_vf_gelu_tab", erf2)
    table("ag_vf_gelu_dtab", dgelu)


def table(name, fn):
    cols = [[] for _ in range(DEG + 1)]
    worst = 0.0
    for k in range(N):
        lo, hi = k * W, (k + 1) * W
        c = (lo + hi) / 2
        h = W / 2 * 1.02
        n = 600
        v = c + h * np.cos(np.pi * (np.arange(n) + 0.5) / n)
        y = np.array([fn(x) for x in v])
        # each coefficient rounded to float in turn, the higher ones
        # fitted again around it
        a = np.vander(v - c, DEG + 1, increasing=True)
        co = np.zeros(DEG + 1)
        for j in range(DEG + 1):
            r = y - a[:, :j] @ co[:j]
            f = np.linalg.lstsq(a[:, j:], r, rcond=None)[0]
            co[j] = float(np.float32(f[0]))
        vv = np.linspace(c - h, c + h, 4001)
        yy = np.array([fn(x) for x in vv])
        err = np.max(np.abs(np.polynomial.polynomial.polyval(vv - c, co) - yy))
        worst = max(worst, err)
        for j in range(DEG + 1):
            cols[j].append(float(np.float32(co[j])))
    print("%s: largest error %.2e" % (name, worst))
    for j in range(DEG + 1):
        print("\t{ %s }," % ", ".join(hexf(x) for x in cols[j]))


def hexf(x):
    """x (a float32 value) as a C float literal in hex"""
    if x == 0:
        return "0.0f"
    m, e = math.frexp(abs(x))
    bits = int(round(m * 2 ** 24))
    h = "%06x" % (bits - 2 ** 23 << 1)
    return "%s0x1.%sp%+df" % ("-" if x < 0 else "", h.rstrip("0") or "0", e - 1)

if __name__ == "__main__":
    main()
