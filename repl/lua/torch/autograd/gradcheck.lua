-- gradcheck.lua - torch.autograd.gradcheck and gradgradcheck, written in
-- Lua on top of the autograd API: compare the Jacobian that backward
-- computes with one from central differences, in float64.
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
  for i = 1, r.n do if torch.is_tensor(r[i]) then outs[#outs + 1] = r[i] end end
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
local function check(fn, inputs, opts, what)
  opts = opts or {}
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
        local A = analytical(fn, inputs, xi, oi)
        local diff = (A - N):abs()
        local tol = N:abs() * rtol + atol
        -- NaN anywhere (eps = 0 or nan, NaN outputs) is a mismatch, as
        -- allclose without equal_nan says
        if diff:gt(tol):sum():item() > 0 or diff:ne(diff):sum():item() > 0 then
          local msg = string.format('%s mismatch for output %d with respect to input %d,\nnumerical:%s\nanalytical:%s\n',
            what, oi - 1, xi - 1, tostring(N), tostring(A))
          if raise then error(msg, 2) end
          return false
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
  inputs = tensors_of(inputs)
  local outs = outputs_of(fn, inputs)
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
    local os = outputs_of(fn, xs)
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
