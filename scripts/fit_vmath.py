#!/usr/bin/python3
"""Prints the polynomial coefficients of core/vmath_f32.h's float32 tanh,
erf and atan2 (the C initialisers pasted there), fitted here: near-minimax in the
relative error by Lawson's iteratively reweighted least squares on
Chebyshev nodes, against mpmath's values at 40 digits.  The largest
relative error of each polynomial (in exact arithmetic) is printed beside
it; the float32 error of the functions is checked by the tests.

Run:  /usr/bin/python3 scripts/fit_vmath.py     (needs numpy and mpmath)
"""
import re

import mpmath as mp
import numpy as np

mp.mp.dps = 40


def fit(f, lo, hi, deg, n=2000, rounds=40, weight=None):
    """Coefficients (lowest first) of a polynomial of degree deg in v over
    [lo, hi] near f(v) in relative error (times weight(v) when given), and
    that error on a fine grid."""
    k = np.arange(n)
    v = (lo + hi) / 2 + (hi - lo) / 2 * np.cos(np.pi * (k + 0.5) / n)
    y = np.array([float(f(mp.mpf(float(x)))) for x in v])
    a = np.vander(v, deg + 1, increasing=True)
    w = 1 / np.abs(y)
    if weight:
        w = w * np.array([float(weight(mp.mpf(float(x)))) for x in v])
    lw = np.ones_like(y)
    for _ in range(rounds):
        s = w * np.sqrt(lw)
        c = np.linalg.lstsq(a * s[:, None], y * s, rcond=None)[0]
        lw = lw * np.abs(a @ c - y) * w
        lw /= lw.sum()
    vv = np.linspace(lo, hi, 20001)
    yy = np.array([float(f(mp.mpf(float(x)))) for x in vv])
    ww = 1 / np.abs(yy)
    if weight:
        ww = ww * np.array([float(weight(mp.mpf(float(x)))) for x in vv])
    err = np.max(np.abs(np.vander(vv, deg + 1, increasing=True) @ c - yy) * ww)
    return c, err


def show(name, c, err, note):
    body = ", ".join(re.sub(r"\.?0*p", "p", float(np.float32(x)).hex()) + "f"
                     for x in c)
    print("/* %s (relative error %.2g) */" % (note, err))
    print("static const float %s[%d] = { %s };" % (name, len(c), body))


def tanh_p(z):	# tanh(x) = x + x z P(z), z = x^2
    if z == 0:
        return mp.mpf(-1) / 3
    s = mp.sqrt(z)
    return (mp.tanh(s) / s - 1) / z


def erf_q(z):	# erf(x) = x Q(z), z = x^2
    if z == 0:
        return 2 / mp.sqrt(mp.pi)
    s = mp.sqrt(z)
    return mp.erf(s) / s


c, e = fit(tanh_p, 0, 1.0, 7)
show("tanh_p", c, e, "tanh(x) = x + x z P(z), z = x^2, |x| < 1")
c, e = fit(erf_q, 0, 1.0, 6)
c[0] -= 1	# x + x (Q(z) - 1): the leading 1 is exact
show("erf_r", c, e, "erf(x) = x + x R(z), z = x^2, |x| < 1")
# H(a) = erfc(a) exp(a^2) over [1, 3.92] in a - 2.46, for erf's absolute
# error: H's error times exp(-a^2) (its relative error times erfc(a))
lo, hi = 1.0, 3.92
mid = (lo + hi) / 2
c, e = fit(lambda s: mp.erfc(s + mid) * mp.exp((s + mid) ** 2), lo - mid, hi - mid, 8,
           weight=lambda s: mp.erfc(s + mid))
show("erfc_h", c, e, "erfc(a) = exp(-a^2) H(a - 2.46), 1 <= a < 3.92; erf's absolute error")


def atan_p(s):	# atan(q) = q + q s P(s), s = q^2
    if s == 0:
        return mp.mpf(-1) / 3
    q = mp.sqrt(s)
    return (mp.atan(q) / q - 1) / s


# P's error relative to atan(q), for ag_vf_atan2 (0 <= q <= 1)
c, e = fit(atan_p, 0, 1.0, 8, n=3000, rounds=60,
           weight=lambda s: abs(atan_p(s)) * s * mp.sqrt(s) / mp.atan(mp.sqrt(s))
           if s > 0 else mp.mpf(0))
show("atan_p", c, e, "atan(q) = q + q s P(s), s = q^2, 0 <= q <= 1; atan's error")
