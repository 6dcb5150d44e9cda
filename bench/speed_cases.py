"""bench/speed_cases.py - the twin of bench/speed_cases.lua: the same cases,
timed the same way, in PyTorch (1.13 is the reference).  Run by
/usr/bin/python3 from bench/speed.lua:

    speed_cases.py --threads N

Same environment knobs as the Lua file (AGDB_BENCH_MIN_TIME,
AGDB_BENCH_CASES), same output lines (name, seconds or "n/a", checks,
note; tab separated; the checks column is left empty: the Lua file owns
the targets).  Names must match the Lua file's exactly; bench/speed.lua
flags a case that is in one file only.  Class targets are 0-based here and
1-based in agdb (the same classes).
"""
import math
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

MIN_TIME = float(os.environ.get("AGDB_BENCH_MIN_TIME") or 0.5)
WARM, SAMPLE = 0.1, 0.002
ONLY = [s for s in (os.environ.get("AGDB_BENCH_CASES") or "").split(",") if s]
# AGDB_BENCH_CPU=1: CPU time of the process instead of wall time (for
# 1-thread runs on a busy machine, where waiting for a CPU is not the op's)
CPU_TIME = bool(os.environ.get("AGDB_BENCH_CPU"))


def wanted(name):
    return not ONLY or any(s in name for s in ONLY)


def measure(f):
    """Median per-call seconds of f, the number of calls per sample, and
    the mean over all samples."""
    clock = time.process_time if CPU_TIME else time.perf_counter
    t0, n = clock(), 0
    while True:
        f()
        n += 1
        if n >= 2 and clock() - t0 >= WARM:
            break
    per = (clock() - t0) / n
    k = 1 if per >= SAMPLE else int(SAMPLE / per)
    samples, start = [], clock()
    while True:
        s = clock()
        for _ in range(k):
            f()
        samples.append((clock() - s) / k)
        if len(samples) >= 10000 or (len(samples) >= 5 and clock() - start >= MIN_TIME):
            break
    mean = sum(samples) / len(samples)
    samples.sort()
    m = len(samples)
    med = samples[m // 2] if m % 2 else (samples[m // 2 - 1] + samples[m // 2]) / 2
    return med, k, mean


CASES = []


def case(name, same_as=None):
    """Registers setup() under name; same_as reuses another case's figure
    (agdb's trace-off variants are the same computation for PyTorch)."""
    def register(setup):
        CASES.append((name, setup, same_as))
        return setup
    return register


def alias(name, of):
    CASES.append((name, None, of))


# ------------------------------------------------------------ per-op overhead

@case("1-el c = a + b")
def _():
    a, b = torch.randn(1), torch.randn(1)

    def f():
        c = a + b
    return f


alias("1-el c = a + b, trace off", "1-el c = a + b")


@case("(x*2+1):sum():backward() 1-el")
def _():
    x = torch.randn(1, requires_grad=True)

    def f():
        (x * 2 + 1).sum().backward()
    return f


# ------------------------------------------------------------ matrix products

def matmul_case(dt, dtname, n):
    @case("matmul %s %d" % (dtname, n))
    def _():
        a = torch.rand(n, n).to(dt)
        b = torch.rand(n, n).to(dt)

        def f():
            c = a.matmul(b)
        return f


matmul_case(torch.float32, "f32", 1024)
matmul_case(torch.float64, "f64", 1024)
matmul_case(torch.float64, "f64", 256)
matmul_case(torch.bfloat16, "bf16", 1024)
matmul_case(torch.float16, "f16", 1024)


# a linear layer's three products in bfloat16 (batch 64, 784 -> 256):
# forward x @ w.t(), input gradient g @ w, weight gradient g.t() @ x
def linear_products(label, f):
    @case("bf16 linear %s" % label)
    def _():
        x = torch.rand(64, 784).bfloat16()
        w = torch.rand(256, 784).bfloat16()
        g = torch.rand(64, 256).bfloat16()

        def run():
            y = f(x, w, g)
        return run


linear_products("x @ w:t() 64x784x256", lambda x, w, g: x.matmul(w.t()))
linear_products("g @ w 64x256x784", lambda x, w, g: g.matmul(w))
linear_products("g:t() @ x 256x64x784", lambda x, w, g: g.t().matmul(x))

# ------------------------------------------------------------ big elementwise

N = 10 * 1000 * 1000


def elementwise(label, dt, dtname, op):
    @case("%s %s 10M" % (label, dtname))
    def _():
        a, b, c = torch.randn(N).to(dt), torch.randn(N).to(dt), torch.randn(N).to(dt)

        def f():
            op(a, b, c)
        return f


def add(a, b, c):
    r = a + b


def mul(a, b, c):
    r = a * b


def fma(a, b, c):
    r = a * b + c


elementwise("a + b", torch.float32, "f32", add)
elementwise("a * b", torch.float32, "f32", mul)
elementwise("a * b + c", torch.float32, "f32", fma)
elementwise("a + b", torch.float16, "f16", add)
elementwise("a * b", torch.float16, "f16", mul)
elementwise("a + b", torch.bfloat16, "bf16", add)
elementwise("a * b", torch.bfloat16, "bf16", mul)
# 16-bit floats beyond a + b and a * b (issue 13): see speed_cases.lua
elementwise("a * b + c", torch.float16, "f16", fma)
elementwise("a * b + c", torch.bfloat16, "bf16", fma)
elementwise("exp", torch.bfloat16, "bf16", lambda a, b, c: a.exp())
elementwise("relu", torch.bfloat16, "bf16", lambda a, b, c: a.relu())
elementwise("gelu", torch.bfloat16, "bf16", lambda a, b, c: F.gelu(a))
elementwise("sigmoid", torch.bfloat16, "bf16", lambda a, b, c: a.sigmoid())
# (float16: PyTorch 1.13 refuses these; the table shows its message)
elementwise("exp", torch.float16, "f16", lambda a, b, c: a.exp())
elementwise("relu", torch.float16, "f16", lambda a, b, c: a.relu())
elementwise("gelu", torch.float16, "f16", lambda a, b, c: F.gelu(a))
elementwise("sigmoid", torch.float16, "f16", lambda a, b, c: a.sigmoid())
elementwise("x:float()", torch.float16, "f16", lambda a, b, c: a.float())
elementwise("x:float()", torch.bfloat16, "bf16", lambda a, b, c: a.float())
elementwise("x:half()", torch.float32, "f32", lambda a, b, c: a.half())
elementwise("x:bfloat16()", torch.float32, "f32", lambda a, b, c: a.bfloat16())



def pointwise(label, op, bwd=False):
    @case(label + " f32 10M")
    def _():
        a, b = torch.randn(N), torch.randn(N)

        def f():
            r = op(a, b)
        return f

    if not bwd:
        return

    @case(label + " f32 10M fwd+bwd")
    def _():
        a = torch.randn(N, requires_grad=True)
        b, g = torch.randn(N), torch.randn(N)

        def f():
            op(a, b).backward(g)
            a.grad = None
        return f


pointwise("leaky_relu", lambda a, b: F.leaky_relu(a, 0.2), True)
pointwise("gelu", lambda a, b: F.gelu(a), True)
pointwise("gelu tanh", lambda a, b: F.gelu(a, approximate="tanh"), True)
pointwise("tan", lambda a, b: a.tan())
pointwise("atan2", lambda a, b: torch.atan2(a, b))
pointwise("maximum", lambda a, b: torch.maximum(a, b))
pointwise("minimum", lambda a, b: torch.minimum(a, b))
pointwise("silu", lambda a, b: F.silu(a))
pointwise("elu", lambda a, b: F.elu(a))
pointwise("softplus", lambda a, b: F.softplus(a))
pointwise("sigmoid", lambda a, b: a.sigmoid())
pointwise("tanh", lambda a, b: a.tanh())
pointwise("exp", lambda a, b: a.exp())
pointwise("abs", lambda a, b: a.abs())
pointwise("clamp", lambda a, b: a.clamp(-0.5, 0.5))


# The smooth activations whose backward is one fused op (gelu's are
# above): forward and backward of 10M float32 elements, as pointwise's.
def activation_bwd(label, op):
    @case(label + " f32 10M fwd+bwd")
    def _():
        a = torch.randn(N, requires_grad=True)
        g = torch.randn(N)

        def f():
            op(a).backward(g)
            a.grad = None
        return f


activation_bwd("silu", F.silu)
activation_bwd("mish", F.mish)
activation_bwd("elu", F.elu)
activation_bwd("selu", F.selu)
activation_bwd("softplus", F.softplus)
activation_bwd("hardswish", F.hardswish)
activation_bwd("hardsigmoid", F.hardsigmoid)
activation_bwd("logsigmoid", F.logsigmoid)
activation_bwd("sigmoid", torch.sigmoid)
activation_bwd("tanh", torch.tanh)

# ------------------------------------------------------------ reductions and norms


@case("sum f32 1M")
def _():
    x = torch.randn(1000 * 1000)

    def f():
        s = x.sum()
    return f


ROWS, COLS = 4096, 1024


def reduction(name, op, scalar=False):
    @case(name + " 4096x1024 fwd")
    def _():
        x = torch.randn(ROWS, COLS)
        w, b = torch.ones(COLS), torch.zeros(COLS)

        def f():
            y = op(x, w, b)
        return f

    @case(name + " 4096x1024 fwd+bwd")
    def _():
        x = torch.randn(ROWS, COLS, requires_grad=True)
        w = torch.ones(COLS, requires_grad=True)
        b = torch.zeros(COLS, requires_grad=True)
        g = None if scalar else torch.randn(ROWS, COLS)

        def f():
            op(x, w, b).backward(g)
            x.grad = w.grad = b.grad = None
        return f


reduction("sum", lambda x, w, b: x.sum(), True)
reduction("mean", lambda x, w, b: x.mean(), True)
reduction("var", lambda x, w, b: x.var(), True)
reduction("softmax", lambda x, w, b: x.softmax(-1))
reduction("log_softmax", lambda x, w, b: x.log_softmax(-1))
reduction("layer_norm", lambda x, w, b: F.layer_norm(x, (COLS,), w, b))


@case("sum f64 1M")
def _():
    x = torch.randn(1000 * 1000, dtype=torch.float64)

    def f():
        s = x.sum()
    return f


def along(name, op):
    @case(name + " 4096x1024 fwd")
    def _():
        x = torch.randn(ROWS, COLS)

        def f():
            y = op(x)
        return f


along("sum(2)", lambda x: x.sum(1))
along("sum(1)", lambda x: x.sum(0))
along("var(2)", lambda x: x.var(1))
along("amax", lambda x: x.amax())
along("logsumexp(2)", lambda x: x.logsumexp(1))
along("cumsum(2)", lambda x: x.cumsum(1))
along("sort(2)", lambda x: x.sort(1))
# over the non-innermost dim (the strided reductions) and logsumexp
along("max(1)", lambda x: x.max(0))
along("argmax(1)", lambda x: x.argmax(0))
along("min(1)", lambda x: x.min(0))
along("var(1)", lambda x: x.var(0))
along("std(1)", lambda x: x.std(0))
along("amax(1)", lambda x: x.amax(0))
along("max(2)", lambda x: x.max(1))
along("logsumexp(1)", lambda x: x.logsumexp(0))


@case("logsumexp(2) 4096x1024 fwd+bwd")
def _():
    x = torch.randn(ROWS, COLS, requires_grad=True)
    g = torch.randn(ROWS)

    def f():
        x.logsumexp(1).backward(g)
        x.grad = None
    return f


along("sort(1)", lambda x: x.sort(0))

# ------------------------------------------------------------ convolution


@case("conv2d 3x3 64->64 16x64x32x32 fwd+bwd")
def _():
    x = torch.randn(16, 64, 32, 32, requires_grad=True)
    w = torch.randn(64, 64, 3, 3, requires_grad=True)
    b = torch.randn(64, requires_grad=True)
    g = torch.randn(16, 64, 32, 32)

    def f():
        F.conv2d(x, w, b, padding=1).backward(g)
        x.grad = w.grad = b.grad = None
    return f


@case("Fashion-MNIST CNN step (B64, Adam)")
def _():
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * 7 * 7, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x, y = torch.randn(64, 1, 28, 28), torch.randint(0, 10, (64,))

    def f():
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()
    return f


# ------------------------------------------------------------ training steps

def mlp_step(loss):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    x = torch.randn(64, 784)
    y = torch.randint(0, 10, (64,))
    onehot = F.one_hot(y, 10).float()

    def f():
        opt.zero_grad()
        out = model(x)
        l = F.cross_entropy(out, y) if loss == "ce" else F.mse_loss(out, onehot)
        l.backward()
        opt.step()
    return f


case("MLP 784-256-10 step (ce, SGD)")(lambda: mlp_step("ce"))
alias("MLP step (ce), trace off", "MLP 784-256-10 step (ce, SGD)")
case("MLP step (mse stand-in)")(lambda: mlp_step("mse"))
alias("MLP step (mse), trace off", "MLP step (mse stand-in)")
alias("MLP step (mse), trace+grad stats off", "MLP step (mse stand-in)")


def transformer_step(model, B, T, d):
    """One SGD step of a transformer on MSE against a random target."""
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    x, target = torch.randn(B, T, d), torch.randn(B, T, d)

    def f():
        opt.zero_grad()
        F.mse_loss(model(x), target).backward()
        opt.step()
    return f


@case("transformer 2x(d128 h4) T64 B8 step")
def _():
    d, heads, T, B, ff = 128, 4, 64, 8, 512
    dh = d // heads

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.q, self.k, self.v, self.o = (nn.Linear(d, d) for _ in range(4))
            self.ff1, self.ff2 = nn.Linear(d, ff), nn.Linear(ff, d)
            self.ln1_w, self.ln1_b = nn.Parameter(torch.ones(d)), nn.Parameter(torch.zeros(d))
            self.ln2_w, self.ln2_b = nn.Parameter(torch.ones(d)), nn.Parameter(torch.zeros(d))

        def forward(self, x):
            def split(t):
                return t.reshape(B, T, heads, dh).transpose(1, 2)
            q, k, v = split(self.q(x)), split(self.k(x)), split(self.v(x))
            att = (q.matmul(k.transpose(2, 3)) * (1 / math.sqrt(dh))).softmax(-1)
            o = att.matmul(v).transpose(1, 2).reshape(B, T, d)
            x = F.layer_norm(x + self.o(o), (d,), self.ln1_w, self.ln1_b)
            return F.layer_norm(x + self.ff2(F.relu(self.ff1(x))), (d,), self.ln2_w, self.ln2_b)

    torch.manual_seed(0)
    return transformer_step(nn.Sequential(Block(), Block()), B, T, d)


@case("nn.TransformerEncoder 2x(d128 h4) T64 B8 step")
def _():
    d, T, B = 128, 64, 8
    torch.manual_seed(0)
    layer = nn.TransformerEncoderLayer(d, 4, dim_feedforward=512, dropout=0.0, batch_first=True)
    return transformer_step(nn.TransformerEncoder(layer, 2, enable_nested_tensor=False), B, T, d)


# ------------------------------------------------------------ run

def main():
    threads = None
    if "--threads" in sys.argv:
        threads = int(sys.argv[sys.argv.index("--threads") + 1])
        torch.set_num_threads(threads)
    print("#threads\t%d" % torch.get_num_threads())
    print("#torch\t%s" % torch.__version__)
    sys.stdout.flush()
    done = {}
    for name, setup, same_as in CASES:
        if not wanted(name):
            continue
        if setup is None or same_as:
            line = done.get(same_as)
            if line is None:
                continue
            print("%s\t%s" % (name, line))
            sys.stdout.flush()
            continue
        try:
            f = setup()
            f()
        except Exception as e:  # noqa: BLE001 (the table shows it)
            msg = str(e).splitlines()[0] if str(e) else type(e).__name__
            line = "n/a\t\tPyTorch: %s" % msg
        else:
            s, k, mean = measure(f)
            line = "%.9g\t\t%d calls/sample, mean %.9g" % (s, k, mean)
        done[name] = line
        print("%s\t%s" % (name, line))
        sys.stdout.flush()


if __name__ == "__main__":
    main()
