-- gradcheck.lua - torch.autograd.gradcheck and gradgradcheck, written in
-- Lua on top of the autograd API: compare the Jacobian that backward
-- computes with one from central differences, in float64; with
-- check_forward_ad=true, also the one forward-mode AD computes (a column
-- per input element, from a one-hot tangent).
--
-- Loaded once when the torch module opens (repl/lautograd.c), with the
-- torch table as its argument; it adds the two functions to
-- torch.autograd.  Shipped with the program (AGDB_LUA_FILES).
local torch = ...
local autograd = torch.autograd
local function tensors_of(inputs)
  if torch.is_tensor(inputs) then return {inputs} end
  return inputs
end
local function outputs_of(fn, inputs)
  local r = table.pack(fn(table.unpack(inputs, 1, inputs.n or #inputs)))
  local outs = {}
  for i = 1, r.n do
    if torch.is_tensor(r[i]) then outs[#outs + 1] = r[i]
    elseif type(r[i]) == 'table' then
      -- a sequence of tensors (split, unbind) counts as its tensors, as
      -- PyTorch takes a returned list as a tuple
      for _, v in ipairs(r[i]) do if torch.is_tensor(v) then outs[#outs + 1] = v end end
    end
  end
  return outs
end
local function flat(t) return t:detach():reshape(-1) end
-- numerical Jacobian of output o w.r.t. input x: (numel x) x (numel o)
local function numerical(fn, inputs, xi, oi, eps)
  local x = inputs[xi]
  -- perturbed through x.data, whose version counter is its own: x's
  -- _version is left as it was (PyTorch perturbs x.data too)
  local xf = x.data:view(-1)
  local n = x:numel()
  local cols
  for k = 1, n do
    local orig = xf[k]:item()
    -- perturb without recording; evaluate normally (fn may need grad mode)
    torch.no_grad(function() xf[k] = orig + eps end)
    local plus = flat(outputs_of(fn, inputs)[oi]):double():clone()
    torch.no_grad(function() xf[k] = orig - eps end)
    local minus = flat(outputs_of(fn, inputs)[oi]):double():clone()
    torch.no_grad(function() xf[k] = orig end)
    local d = (plus - minus) / (2 * eps)
    cols = cols or torch.zeros(n, d:numel(), {dtype = torch.float64})
    if d:numel() > 0 then cols[k] = d end
  end
  return cols or torch.zeros(0, 0, {dtype = torch.float64})
end
local function analytical(fn, inputs, xi, oi, create)
  local x = inputs[xi]
  local out = outputs_of(fn, inputs)[oi]
  local m = out:numel()
  local J = torch.zeros(x:numel(), m, {dtype = torch.float64})
  if not out.requires_grad then return J end
  for j = 1, m do
    local g = torch.zeros_like(out)
    g:view(-1)[j] = 1
    local gx = autograd.grad({out}, {x}, {grad_outputs = {g}, retain_graph = true,
                             allow_unused = true})[1]
    if gx then J[{{}, j}] = flat(gx):double() end
  end
  return J
end
-- the same Jacobian from forward-mode AD: row k is the output's tangent
-- when input xi's element k has tangent 1 (PyTorch's
-- _get_analytical_jacobian_forward_ad); the inputs are detached first
local function forward_ad(fn, inputs, xi, oi)
  local fwAD = autograd.forward_ad
  local x = inputs[xi]
  local n = x:numel()
  local J
  fwAD.dual_level(function()
    local args = {n = inputs.n or #inputs}
    for i = 1, args.n do
      local v = inputs[i]
      if torch.is_tensor(v) then
        args[i] = v:detach()
        if v.requires_grad then args[i]:requires_grad_(true) end
      else
        args[i] = v
      end
    end
    local base = args[xi]
    for k = 1, n do
      local tan = torch.zeros_like(base)
      tan:view(-1)[k] = 1
      args[xi] = fwAD.make_dual(base, tan)
      local out = outputs_of(fn, args)[oi]
      J = J or torch.zeros(n, out:numel(), {dtype = torch.float64})
      local _, t = fwAD.unpack_dual(out)
      if t and out:numel() > 0 then J[k] = flat(t):double() end
    end
  end)
  return J or torch.zeros(0, 0, {dtype = torch.float64})
end
local function check(fn, inputs, opts, what)
  opts = opts or {}
  local fwd = opts.check_forward_ad == true
  local bwd = opts.check_backward_ad ~= false
  if not (fwd or bwd) then
    error("Expected at least one of check_forward_ad or check_backward_ad to be True", 2)
  end
  local eps = opts.eps or 1e-6
  local atol = opts.atol or 1e-5
  local rtol = opts.rtol or 1e-3
  local raise = opts.raise_exception ~= false
  inputs = tensors_of(inputs)
  local outs = outputs_of(fn, inputs)
  -- no output is differentiable: the function must not depend on the
  -- inputs either (PyTorch's _check_no_differentiable_outputs)
  local any_diff = false
  for _, o in ipairs(outs) do any_diff = any_diff or o.requires_grad end
  if not any_diff then
    for oi = 1, #outs do
      for xi = 1, #inputs do
        local x = inputs[xi]
        if torch.is_tensor(x) and x.requires_grad then
          local N = numerical(fn, inputs, xi, oi, eps)
          if N:ne(0):sum():item() > 0 then
            if raise then error('Numerical gradient for function expected to be zero', 2) end
            return false
          end
        end
      end
    end
    return true
  end
  for oi = 1, #outs do
    for xi = 1, #inputs do
      local x = inputs[xi]
      if torch.is_tensor(x) and x.requires_grad then
        if x.dtype ~= torch.float64 then
          io.stderr:write(string.format('Warning: Input #%d requires gradient and is not a double precision floating point. This check will likely fail if all the inputs are not of double precision floating point.\n', xi - 1))
        end
        local N = numerical(fn, inputs, xi, oi, eps)
        local modes = {}
        if bwd then modes[#modes + 1] = {analytical, ''} end
        if fwd then modes[#modes + 1] = {forward_ad, 'computed with forward mode '} end
        for _, m in ipairs(modes) do
          local A = m[1](fn, inputs, xi, oi)
          local diff = (A - N):abs()
          local tol = N:abs() * rtol + atol
          -- NaN anywhere (eps = 0 or nan, NaN outputs) is a mismatch, as
          -- allclose without equal_nan says
          if diff:gt(tol):sum():item() > 0 or diff:ne(diff):sum():item() > 0 then
            local msg = string.format('%s %smismatch for output %d with respect to input %d,\nnumerical:%s\nanalytical:%s\n',
              what, m[2], oi - 1, xi - 1, tostring(N), tostring(A))
            if raise then error(msg, 2) end
            return false
          end
        end
      end
    end
  end
  return true
end
function autograd.gradcheck(fn, inputs, opts)
  return check(fn, inputs, opts, 'Jacobian')
end
function autograd.gradgradcheck(fn, inputs, grad_outputs, opts)
  if opts == nil and type(grad_outputs) == 'table' and not torch.is_tensor(grad_outputs)
     and grad_outputs[1] == nil then opts, grad_outputs = grad_outputs, nil end
  -- forward over reverse (check_fwd_over_rev) and reverse over reverse
  -- (check_rev_over_rev, the default) are gradcheck's two modes on the
  -- first derivative
  local o = opts or {}
  local fwd, rev = o.check_fwd_over_rev == true, o.check_rev_over_rev ~= false
  if not (fwd or rev) then
    error("Expected at least one of check_fwd_over_rev or check_rev_over_rev to be True", 2)
  end
  local copts = {}
  for k, v in pairs(o) do copts[k] = v end
  copts.check_fwd_over_rev, copts.check_rev_over_rev = nil, nil
  copts.check_forward_ad, copts.check_backward_ad = fwd, rev
  opts = copts
  inputs = tensors_of(inputs)
  -- only the outputs that require grad take part (PyTorch's
  -- _differentiable_outputs): max(dim)'s indices, sort's, ... do not
  local function diff_outputs(os)
    local r = {}
    for _, o in ipairs(os) do if o.requires_grad then r[#r + 1] = o end end
    return r
  end
  local outs = diff_outputs(outputs_of(fn, inputs))
  local gos = {}
  if grad_outputs then gos = tensors_of(grad_outputs)
  else
    for i, o in ipairs(outs) do
      gos[i] = torch.randn(o.shape, {dtype = o.dtype}):requires_grad_(true)
    end
  end
  local ni = #inputs
  local diff_idx = {}
  for i = 1, ni do if torch.is_tensor(inputs[i]) and inputs[i].requires_grad then diff_idx[#diff_idx + 1] = i end end
  local function first_grads(...)
    local args = {...}
    local xs = {}
    for i = 1, ni do xs[i] = args[i] end
    local os = diff_outputs(outputs_of(fn, xs))
    local req = {}
    for _, i in ipairs(diff_idx) do req[#req + 1] = xs[i] end
    local g = {}
    for i = 1, #os do g[i] = args[ni + i] end
    local gs = autograd.grad(os, req, {grad_outputs = g, create_graph = true, allow_unused = true})
    local r = {}
    for i = 1, #req do r[i] = gs[i] or torch.zeros_like(req[i]) end
    return table.unpack(r)
  end
  local all = {}
  for i = 1, ni do all[i] = inputs[i] end
  for i, g in ipairs(gos) do all[ni + i] = g end
  return check(first_grads, all, opts, 'Jacobian')
end
