-- test_ag_forward_ops.lua - forward-mode AD against reverse mode, for every
-- op with a tangent formula: the op table (core/grad_forward.c's FW_TABLE)
-- lists them, each must have a recipe below (a new op with a formula fails
-- here until it gets one), and each recipe's forward-AD tangent must equal
-- torch.autograd.functional.jvp (the double-vjp trick over reverse mode)
-- on random float64 inputs and tangents.
local t = dofile(os.getenv("top_srcdir") .. "/tests/lua/tap.lua")
local torch = torch or require "torch"
local fwAD = torch.autograd.forward_ad
local F = torch.nn.functional
local AF = torch.autograd.functional
local D = {dtype = torch.float64}

torch.manual_seed(14)

-- input makers: float64, away from the kinks and edges of each domain
local function any(...) return torch.randn({...}, D) end
local function pos(...) return torch.rand({...}, D) + 0.5 end
local function unit(...) return torch.rand({...}, D) * 1.6 - 0.8 end
local function above1(...) return torch.rand({...}, D) + 1.5 end
local function prob(...) return torch.rand({...}, D) * 0.8 + 0.1 end
-- away from 0 (relu, abs, sign, ... have a kink there)
local function nz(...)
  local x = torch.randn({...}, D)
  return x + x:sign() * 0.2
end

-- recipe: {inputs (list of makers called with sizes), fn[, reference fn for jvp]}
local function u(maker, fn) return {{function() return maker(3, 4) end}, fn} end
local function b(ma, mb, fn)
  return {{function() return ma(3, 4) end, function() return mb(4) end}, fn}
end
local function unary(name, maker) return u(maker or any, function(a) return torch[name](a) end) end

local R = {}
for _, n in ipairs({"neg", "exp", "sin", "cos", "tanh", "sigmoid", "atan", "sinh",
    "cosh", "erf", "asinh", "exp2", "expm1", "erfc", "frac"}) do
  R[n:upper()] = unary(n)
end
for _, n in ipairs({"log", "sqrt", "rsqrt", "log1p", "log2", "log10", "reciprocal"}) do
  R[n:upper()] = unary(n, pos)
end
for _, n in ipairs({"asin", "acos", "atanh", "erfinv"}) do R[n:upper()] = unary(n, unit) end
for _, n in ipairs({"abs", "relu", "sign", "floor", "ceil", "round", "trunc"}) do
  R[n:upper()] = unary(n, nz)
end
R.TAN = unary("tan", unit)
R.ACOSH = unary("acosh", above1)
R.ROUND_DECIMALS = u(nz, function(a) return torch.round(a, {decimals = 1}) end)
R.LOGIT = u(prob, function(a) return torch.logit(a) end)
R.NAN_TO_NUM = u(any, function(a) return torch.nan_to_num(a) end)
R.SILU = u(any, F.silu)
R.MISH = u(any, F.mish)
-- (its reference jvp through a formula of the same slope, the float 1/6:
-- the double-vjp trick cannot go through hardsigmoid_backward, which has
-- no derivative in PyTorch)
R.HARDSIGMOID = u(unit, F.hardsigmoid)
R.HARDSIGMOID[3] = function(a) return (a * 0x1.555556p-3 + 0.5):clamp(0, 1) end
R.HARDSWISH = u(unit, F.hardswish)
R.LOGSIGMOID = u(any, F.logsigmoid)
R.LEAKY_RELU = u(nz, function(a) return F.leaky_relu(a, 0.1) end)
R.ELU = u(nz, F.elu)
R.CELU = u(nz, function(a) return F.celu(a, 0.7) end)
R.GELU = u(any, F.gelu)
R.SOFTPLUS = u(any, F.softplus)
R.HARDTANH = u(unit, F.hardtanh)
R.THRESHOLD = u(nz, function(a) return F.threshold(a, 0.0, 2.0) end)
for _, n in ipairs({"add", "sub", "mul", "atan2", "minimum", "maximum", "logaddexp",
    "logaddexp2", "hypot"}) do
  R[n:upper()] = b(nz, nz, function(x, y) return torch[n](x, y) end)
end
R.DIV = b(any, pos, torch.div)
R.POW = b(pos, any, torch.pow)
R.FMOD = b(any, pos, torch.fmod)
R.REMAINDER = b(any, pos, torch.remainder)
R.CLAMP_MIN = b(any, any, torch.clamp_min)
R.CLAMP_MAX = b(any, any, torch.clamp_max)
R.XLOGY = b(any, pos, torch.xlogy)
R.LERP = {{function() return any(3, 4) end, function() return any(4) end,
  function() return prob(3, 1) end}, torch.lerp}
R.ADDCMUL = {{function() return any(3, 4) end, function() return any(4) end,
  function() return any(3, 4) end}, function(s, x, y) return torch.addcmul(s, x, y, {value = 0.5}) end}
R.ADDCDIV = {{function() return any(3, 4) end, function() return any(4) end,
  function() return pos(3, 4) end}, function(s, x, y) return torch.addcdiv(s, x, y, {value = 2}) end}
R.CLAMP_TENSOR = {{function() return any(3, 4) end, function() return any(4) - 0.3 end,
  function() return any(3, 4) + 0.3 end}, torch.clamp}
R.CLAMP = u(any, function(a) return torch.clamp(a, -0.5, 0.5) end)
R.WHERE = b(any, any, function(x, y) return torch.where(x:gt(0), x, y) end)

-- reductions
R.SUM = u(any, function(a) return a:sum(2) end)
R.MEAN = u(any, function(a) return a:mean(1, {keepdim = true}) end)
R.MAX = u(any, function(a) return a:max() end)
R.MIN = u(any, function(a) return a:min() end)
R.PROD = u(nz, function(a) return a:prod(2) end)
R.NANSUM = u(any, function(a) return a:nansum() end)
R.AMAX = u(any, function(a) return a:amax(2) end)
R.AMIN = u(any, function(a) return a:amin({1, 2}) end)
R.VAR = u(any, function(a) return a:var(2) end)
R.STD = u(any, function(a) return a:std(1, {correction = 0}) end)
R.VAR_MEAN = u(any, function(a) return {torch.var_mean(a, 2)} end)
R.STD_MEAN = u(any, function(a) return {torch.std_mean(a, 1)} end)
R.LOGSUMEXP = u(any, function(a) return a:logsumexp(2) end)
R.NORM = u(nz, function(a) return a:norm(3, 2) end)
R.LINALG_VECTOR_NORM = u(nz, function(a) return torch.linalg.vector_norm(a) end)
R.SGN = u(nz, function(a) return torch.sgn(a) end)
R.HARDSHRINK = u(nz, function(a) return F.hardshrink(a, 0.1) end)
R.SOFTSHRINK = u(nz, function(a) return F.softshrink(a, 0.1) end)
-- the piecewise backward ops, reached as PyTorch reaches them: the
-- gradient of the activation, taken with create_graph (forward over reverse)
local function grad_of(act)
  return function(g, a)
    if not a.requires_grad then a:requires_grad_(true) end	-- the dual side
    local y = act(a)
    return torch.autograd.grad({y}, {a}, {grad_outputs = {g}, create_graph = true})[1]
  end
end
local function gb(act)
  return {{function() return any(3, 4) end, function() return nz(3, 4) end}, grad_of(act)}
end
R.THRESHOLD_BACKWARD = gb(F.relu)
R.LEAKY_RELU_BACKWARD = gb(function(a) return F.leaky_relu(a, 0.1) end)
R.HARDTANH_BACKWARD = gb(function(a) return F.hardtanh(a * 0.5) end)
R.HARDSHRINK_BACKWARD = gb(function(a) return F.hardshrink(a, 0.1) end)
R.SOFTSHRINK_BACKWARD = gb(function(a) return F.softshrink(a, 0.1) end)
-- the fused backward ops of the smooth activations (fusedbw)
R.GELU_BACKWARD = gb(function(a) return F.gelu(a, {approximate = "tanh"}) end)
R.ELU_BACKWARD = gb(function(a) return F.celu(a, 0.7) end)
R.SOFTPLUS_BACKWARD = gb(function(a) return F.softplus(a, 2, 1.5) end)
R.HARDSWISH_BACKWARD = gb(F.hardswish)
R.LOG_SIGMOID_BACKWARD = gb(F.logsigmoid)
R.SIGMOID_BACKWARD = gb(torch.sigmoid)
R.TANH_BACKWARD = gb(torch.tanh)
R.CUMSUM = u(any, function(a) return a:cumsum(2) end)
R.MEDIAN = u(any, function(a) return a:median() end)
R.NANMEDIAN = u(any, function(a) return a:nanmedian() end)
-- values picked along a dim (the indices have no tangent)
local function first(fn) return function(a) return (fn(a)) end end
R.MAX_DIM = u(any, first(function(a) return a:max(2) end))
R.MIN_DIM = u(any, first(function(a) return a:min(1, {keepdim = true}) end))
R.CUMMAX = u(any, first(function(a) return a:cummax(2) end))
R.CUMMIN = u(any, first(function(a) return a:cummin(1) end))
R.SORT = u(any, first(function(a) return a:sort(2, {descending = true}) end))
R.TOPK = u(any, first(function(a) return a:topk(2, 1) end))
R.KTHVALUE = u(any, first(function(a) return a:kthvalue(2, 2) end))
R.MEDIAN_DIM = u(any, first(function(a) return a:median(2) end))
R.NANMEDIAN_DIM = u(any, first(function(a) return a:nanmedian(1, {keepdim = true}) end))
R.MODE = {{function() return torch.tensor({{1, 2, 2, 3}, {4, 4, 1, 1}, {0, 5, 5, 5}}, D) end},
  first(function(a) return a:mode(2) end)}
R.SOFTMAX = u(any, function(a) return a:softmax(2) end)
R.LOG_SOFTMAX = u(any, function(a) return a:log_softmax(1) end)

-- views
R.VIEW = u(any, function(a) return a:view(2, 6) end)
R.RESHAPE = u(any, function(a) return a:t():reshape(12) end)
R.UNSAFE_VIEW = u(any, function(a) return a:t():reshape(2, 6) end)
R.TRANSPOSE = u(any, function(a) return a:transpose(1, 2) end)
R.T = u(any, function(a) return a:t() end)
R.PERMUTE = {{function() return any(2, 3, 4) end}, function(a) return a:permute(3, 1, 2) end}
R.EXPAND = {{function() return any(3, 1) end}, function(a) return a:expand(3, 4) end}
R.SLICE = u(any, function(a) return a[{{}, {2, 3}}] end)
R.SELECT = u(any, function(a) return a[2] end)
R.UNSQUEEZE = u(any, function(a) return a:unsqueeze(2) end)
R.SQUEEZE = {{function() return any(3, 1, 4) end}, function(a) return a:squeeze() end}
R.SQUEEZE_DIM = {{function() return any(3, 1, 4) end}, function(a) return a:squeeze(2) end}
R.AS_STRIDED = u(any, function(a) return torch.as_strided(a, {2, 2}, {1, 2}, 1) end)
R.ALIAS = u(any, function(a) return torch.alias_copy and a or a:view_as(a) end)
R.SPLIT = u(any, function(a) return a:split(2, 2) end)
R.SPLIT_WITH_SIZES = u(any, function(a) return a:split({1, 3}, 2) end)
R.UNBIND = u(any, function(a) return a:unbind(1) end)
R.DIAGONAL = u(any, function(a) return a:diagonal() end)
R.UNFOLD = u(any, function(a) return a:unfold(2, 2, 1) end)

-- the spatial nn ops (linear maps, nn_spatial.c)
local function img(...) local sz = {...}; return {{function() return any(table.unpack(sz)) end}} end
local function sp(sz, fn) local r = img(table.unpack(sz)); r[2] = fn; return r end
R.CONSTANT_PAD_ND = sp({2, 3, 4}, function(a) return F.pad(a, {1, -1, 2, 0}, {value = 3}) end)
R.REFLECTION_PAD1D = sp({2, 2, 4}, function(a) return F.pad(a, {2, 1}, "reflect") end)
R.REFLECTION_PAD2D = sp({1, 2, 3, 4}, function(a) return F.pad(a, {1, 2, 2, 0}, "reflect") end)
R.REFLECTION_PAD3D = sp({1, 1, 2, 3, 3}, function(a) return F.pad(a, {1, 0, 2, 1, 1, 1}, "reflect") end)
R.REPLICATION_PAD1D = sp({2, 2, 4}, function(a) return F.pad(a, {2, 1}, "replicate") end)
R.REPLICATION_PAD2D = sp({1, 2, 3, 4}, function(a) return F.pad(a, {1, 2, 2, 0}, "replicate") end)
R.REPLICATION_PAD3D = sp({1, 1, 2, 3, 3}, function(a) return F.pad(a, {1, 0, 2, 1, 1, 1}, "replicate") end)
R.UPSAMPLE_NEAREST1D = sp({1, 2, 3}, function(a) return F.interpolate(a, 7) end)
R.UPSAMPLE_NEAREST2D = sp({1, 2, 3, 3}, function(a) return F.interpolate(a, {scale_factor = 1.7}) end)
R.UPSAMPLE_NEAREST3D = sp({1, 1, 2, 2, 3}, function(a) return F.interpolate(a, {3, 3, 4}) end)
R.UPSAMPLE_NEAREST_EXACT1D = sp({1, 2, 3}, function(a) return F.interpolate(a, {size = 5, mode = "nearest-exact"}) end)
R.UPSAMPLE_NEAREST_EXACT2D = sp({1, 2, 3, 3},
  function(a) return F.interpolate(a, {size = {5, 2}, mode = "nearest-exact"}) end)
R.UPSAMPLE_NEAREST_EXACT3D = sp({1, 1, 2, 2, 3},
  function(a) return F.interpolate(a, {scale_factor = 1.5, mode = "nearest-exact"}) end)
R.UPSAMPLE_LINEAR1D = sp({1, 2, 3}, function(a) return F.interpolate(a, {size = 7, mode = "linear"}) end)
R.UPSAMPLE_BILINEAR2D = sp({1, 2, 3, 3}, function(a) return F.interpolate(a, {size = {5, 4}, mode = "bilinear"}) end)
R.UPSAMPLE_BICUBIC2D = sp({1, 1, 3, 3}, function(a) return F.interpolate(a, {size = {4, 5}, mode = "bicubic"}) end)
R.UPSAMPLE_TRILINEAR3D = sp({1, 1, 2, 2, 2},
  function(a) return F.interpolate(a, {size = {3, 3, 2}, mode = "trilinear"}) end)
R.IM2COL = sp({1, 2, 3, 4}, function(a) return F.unfold(a, 2, {padding = 1, stride = 2}) end)
R.COL2IM = sp({1, 8, 6}, function(a) return F.fold(a, {3, 4}, 2, {padding = 1, stride = 2}) end)
R.PIXEL_SHUFFLE = sp({1, 8, 2, 2}, function(a) return F.pixel_shuffle(a, 2) end)
R.PIXEL_UNSHUFFLE = sp({1, 2, 4, 2}, function(a) return F.pixel_unshuffle(a, 2) end)

-- copies and joins
R.CLONE = u(any, function(a) return a:clone() end)
R.TO = u(any, function(a) return a:to(torch.float32):to(torch.float64) end)
R.COPY_ = b(any, any, function(x, y) local c = x * 1; c:copy_(y); return c end)
R.FILL_ = b(any, any, function(x, y) local c = x * y; c[2]:fill_(2); return c end)
R.ZERO_ = b(any, any, function(x, y) local c = x * y; c[{{}, 1}]:zero_(); return c end)
R.CAT = b(any, any, function(x, y) return torch.cat({x, y:view(1, 4)}, 1) end)
R.STACK = b(any, any, function(x, y) return torch.stack({x[1], y}, 2) end)

-- products
local function m(r, c) return function() return any(r, c) end end
R.MM = {{m(3, 4), m(4, 2)}, torch.mm}
R.BMM = {{function() return any(2, 3, 4) end, function() return any(2, 4, 2) end}, torch.bmm}
R.DOT = {{function() return any(4) end, function() return any(4) end}, torch.dot}
R.VDOT = {{function() return any(4) end, function() return any(4) end}, torch.vdot}
R.MV = {{m(3, 4), function() return any(4) end}, torch.mv}
R.ADDMM = {{m(3, 2), m(3, 4), m(4, 2)},
  function(s, x, y) return torch.addmm(s, x, y, {beta = 0.5, alpha = 2}) end}
R.ADDMV = {{function() return any(3) end, m(3, 4), function() return any(4) end},
  function(s, x, y) return torch.addmv(s, x, y, {beta = 2, alpha = 0.5}) end}
R.ADDR = {{m(3, 4), function() return any(3) end, function() return any(4) end},
  function(s, x, y) return torch.addr(s, x, y) end}
R.ADDBMM = {{m(3, 2), function() return any(2, 3, 4) end, function() return any(2, 4, 2) end},
  function(s, x, y) return torch.addbmm(s, x, y) end}
R.BADDBMM = {{function() return any(2, 3, 2) end, function() return any(2, 3, 4) end,
  function() return any(2, 4, 2) end}, function(s, x, y) return torch.baddbmm(s, x, y, {alpha = 3}) end}

-- composites the brief names: checked the same way
local extra = {
  matmul = {{m(3, 4), function() return any(2, 4, 2) end}, torch.matmul},
  linear = {{m(3, 4), m(2, 4), function() return any(2) end}, F.linear},
  narrow = u(any, function(a) return a:narrow(2, 2, 2) end),
  chunk = u(any, function(a) return a:chunk(2, 2) end),
  mlp = {{m(5, 4), m(3, 4), function() return any(3) end},
    function(x, w, bb) return F.log_softmax(torch.tanh(F.linear(x, w, bb)), 2):sum() end},
}

local function list(v)
  if torch.is_tensor(v) then return {v} end
  return v
end

-- forward AD's tangents of fn at xs along vs
local function forward(fn, xs, vs)
  return fwAD.dual_level(function()
    local ds = {}
    for i, x in ipairs(xs) do ds[i] = fwAD.make_dual(x, vs[i]) end
    local outs = list(fn(table.unpack(ds)))
    local r = {}
    for i, o in ipairs(outs) do
      local _, tan = fwAD.unpack_dual(o)
      r[i] = tan
    end
    return r, #outs
  end)
end

local function check(name, recipe)
  local xs, vs = {}, {}
  for i, mk in ipairs(recipe[1]) do
    xs[i] = mk()
    vs[i] = torch.randn(xs[i].shape, D)
  end
  local fn = recipe[2]
  local okf, tans, n = pcall(forward, fn, xs, vs)
  if not okf then
    t.ok(false, name .. ": forward AD raised " .. tostring(tans))
    return
  end
  local ref_fn = recipe[3] or fn	-- a formula of the same jvp, where needed
  local _, want = AF.jvp(function(...) return ref_fn(...) end, #xs == 1 and xs[1] or xs,
    #vs == 1 and vs[1] or vs)
  want = list(want)
  local good = n == #want
  local worst = 0
  for i = 1, #want do
    local g = tans[i]
    if g == nil then
      -- no tangent: the jvp must be zero there
      g = torch.zeros_like(want[i])
    end
    local d = (g - want[i]):abs():max():item()
    local s = want[i]:abs():max():item()
    worst = math.max(worst, d / math.max(1, s))
  end
  t.ok(good and worst < 1e-9, string.format("%s: forward AD tangent = reverse-mode jvp (rel err %.1e)",
    name, worst))
end

local formulas, unsupported = fwAD._formula_ops()
local ids = {}
for id in pairs(formulas) do ids[#ids + 1] = id end
table.sort(ids)
t.ok(#ids >= 100, "the op table gives " .. #ids .. " ops a tangent formula")
for _, id in ipairs(ids) do
  local r = R[id]
  if not r then
    t.ok(false, id .. " (" .. formulas[id] .. ") has a tangent formula but no recipe in this test")
  else
    check(id .. " (" .. formulas[id] .. ")", r)
  end
end
for _, id in ipairs({"matmul", "linear", "narrow", "chunk", "mlp"}) do check(id, extra[id]) end

-- every recipe names an op of the table (no stale ones)
for id in pairs(R) do
  if not formulas[id] then t.ok(false, "recipe " .. id .. " is not an op with a formula") end
end
t.ok(next(unsupported) ~= nil, "some ops have no formula: they raise PyTorch's error")

t.done()
