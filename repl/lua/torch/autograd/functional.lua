-- functional.lua - torch.autograd.functional: vjp, jvp, jacobian, hessian,
-- vhp and hvp, written in Lua on torch.autograd.grad with PyTorch 1.13's
-- semantics and error texts (its 0-based numbers inside messages).
--
-- Inputs are a tensor or a list of tensors; results follow the same shape
-- (a tensor for a tensor, a list for a list; jacobian and hessian nest a
-- list per output, then per input).  Keyword options come as a trailing
-- table: {create_graph=, strict=, vectorize=, strategy=}.  jvp and hvp use
-- the double-backward trick (a vjp of a vjp), as PyTorch does; vectorize
-- needs vmap, which agdb does not have, so it is refused with a clear error.
--
-- Loaded once when the torch module opens (repl/lautograd.c), with the
-- torch table as its argument.
local torch = ...
local autograd = torch.autograd
local F = {}

local function is_tensor(v) return torch.is_tensor(v) end

-- Errors of this module are raised as {msg} and re-raised by the public
-- function at the caller's line; errors of the user's function pass as
-- they are.
local function fail(msg) error({msg = msg}) end

local function public(fn)
  return function(...)
    local r = table.pack(pcall(fn, ...))
    if r[1] then return table.unpack(r, 2, r.n) end
    local e = r[2]
    if type(e) == "table" and type(e.msg) == "string" and getmetatable(e) == nil then
      error(e.msg, 2)
    end
    error(e, 0)
  end
end

-- A trailing table of keywords: a table that is neither a tensor nor a
-- list (no [1]) but has at least one key.
local function is_kwargs(v)
  return type(v) == "table" and not is_tensor(v) and v[1] == nil and next(v) ~= nil
end

local function check_keys(kw, fname, allowed)
  for k in pairs(kw) do
    if not allowed[k] then
      fail(string.format("%s() got an unexpected keyword argument '%s'", fname, tostring(k)))
    end
  end
end

-- PyTorch's _as_tuple: (is_list, list of tensors)
local function as_list(v, arg_name, fn_name)
  if is_tensor(v) then return false, {v} end
  if type(v) == "table" then
    local n = #v
    for i = 1, n do
      if not is_tensor(v[i]) then
        fail(string.format("The %s given to %s must be either a Tensor or a tuple of Tensors " ..
          "but the value at index %d has type %s.", arg_name, fn_name, i - 1, type(v[i])))
      end
    end
    local r = {}
    for i = 1, n do r[i] = v[i] end
    return true, r
  end
  fail(string.format("The %s given to %s must be either a Tensor or a tuple of Tensors " ..
    "but the given %s has type %s.", arg_name, fn_name, arg_name, type(v)))
end

-- Fresh tensors of the inputs, so the function's own captures of them are
-- told apart: with create_graph a differentiable alias, else a detached one.
local function grad_preprocess(inputs, create_graph, need_graph)
  local r = {}
  for i, x in ipairs(inputs) do
    if create_graph and x.requires_grad then
      r[i] = x:view_as(x)
    else
      r[i] = x:detach():requires_grad_(need_graph)
    end
  end
  return r
end

local function grad_postprocess(list, create_graph)
  local r = {}
  for i, x in ipairs(list) do
    if is_tensor(x) then
      r[i] = create_graph and x or x:detach()
    else
      r[i] = grad_postprocess(x, create_graph)
    end
  end
  return r
end

local function unpack_as(list, is_list)
  if is_list then return list end
  return list[1]
end

local function validate_v(v, other, is_other_list)
  if #other ~= #v then
    if is_other_list then
      fail(string.format("v is a tuple of invalid length: should be %d but got %d.", #other, #v))
    end
    fail("The given v should contain a single Tensor.")
  end
  for i = 1, #v do
    if v[i].shape ~= other[i].shape then
      fail(string.format("%sv has invalid size: should be %s but got %s.",
        is_other_list and string.format("Entry %d in ", i - 1) or "",
        tostring(other[i].shape), tostring(v[i].shape)))
    end
  end
end

local v_none_text = {
  outputs = "The vector v can only be None if the user-provided function returns " ..
    "a single Tensor with a single element.",
  inputs = "The vector v can only be None if the input to the user-provided function " ..
    "is a single Tensor with a single element.",
}

-- v as a list, checked against the tensors it multiplies (`side`: the
-- function's "outputs" for vjp, its "inputs" for jvp, hvp and vhp); nil
-- only when those are one 1-element tensor.
local function prepare_v(v, other, is_other_list, create_graph, fname, side)
  if v == nil then
    if #other ~= 1 or other[1]:numel() ~= 1 then fail(v_none_text[side]) end
    return nil
  end
  local _
  _, v = as_list(v, "v", fname)
  v = grad_preprocess(v, create_graph, false)
  validate_v(v, other, is_other_list)
  return v
end

local function check_requires_grad(list, kind, strict)
  if not strict then return end
  for i = 1, #list do
    local x = list[i]
    if x == false or x == nil then
      fail(string.format("The output of the user-provided function is independent of input %d." ..
        " This is not allowed in strict mode.", i - 1))
    end
    if not x.requires_grad then
      if kind == "hessian" then
        fail(string.format("The hessian of the user-provided function with respect to input %d" ..
          " is independent of the input. This is not allowed in strict mode." ..
          " You should ensure that your function is thrice differentiable and that" ..
          " the hessian depends on the inputs.", i - 1))
      elseif kind == "jacobian" then
        fail(string.format("While computing the hessian, found that the jacobian of the user-provided" ..
          " function with respect to input %d is independent of the input. This is not" ..
          " allowed in strict mode. You should ensure that your function is twice" ..
          " differentiable and that the jacobian depends on the inputs (this would be" ..
          " violated by a linear function for example).", i - 1))
      elseif kind == "grad_inputs" then
        fail(string.format("The gradient with respect to input %d is independent of the inputs of the" ..
          " user-provided function. This is not allowed in strict mode.", i - 1))
      else
        fail(string.format("Output %d of the user-provided function does not require gradients." ..
          " The outputs must be computed in a differentiable manner from the input" ..
          " when running in strict mode.", i - 1))
      end
    end
  end
end

-- autograd.grad over the outputs that require grad; a list with false
-- where an input got no gradient (nil would end the list).
local function grad_of(outputs, inputs, grad_outputs, create_graph, retain_graph)
  local outs, gos = {}, {}
  for i = 1, #outputs do
    local o = outputs[i]
    if o and o.requires_grad then
      outs[#outs + 1] = o
      gos[#outs] = grad_outputs and grad_outputs[i] or torch.ones_like(o)
    end
  end
  local r = {}
  if #outs == 0 then
    for i = 1, #inputs do r[i] = false end
    return r
  end
  local opts = {grad_outputs = gos, allow_unused = true, create_graph = create_graph}
  if retain_graph ~= nil then opts.retain_graph = retain_graph end
  local g = autograd.grad(outs, inputs, opts)
  for i = 1, #inputs do r[i] = g[i] or false end
  return r
end

local fill_messages = {
  back = "The output of the user-provided function is independent of " ..
    "input %d. This is not allowed in strict mode.",
  back_trick = "The gradient with respect to the input is independent of entry %d" ..
    " in the grad_outputs when using the double backward trick to compute" ..
    " forward mode gradients. This is not allowed in strict mode.",
  double_back = "The jacobian of the user-provided function is independent of " ..
    "input %d. This is not allowed in strict mode.",
  double_back_trick = "The hessian of the user-provided function is independent of " ..
    "entry %d in the grad_jacobian. This is not allowed in strict " ..
    "mode as it prevents from using the double backward trick to " ..
    "replace forward mode AD.",
}

-- Missing gradients become zeros like refs[i], or strict errors.
local function fill_in_zeros(grads, refs, strict, create_graph, stage)
  local r = {}
  for i = 1, #grads do
    local g = grads[i]
    if not g then
      if strict then fail(string.format(fill_messages[stage], i - 1)) end
      g = torch.zeros_like(refs[i])
    elseif strict and create_graph and not g.requires_grad then
      if stage:find("double", 1, true) then
        fail(string.format("The hessian of the user-provided function is independent of " ..
          "input %d. This is not allowed in strict mode when create_graph=True.", i - 1))
      end
      fail(string.format("The jacobian of the user-provided function is independent of " ..
        "input %d. This is not allowed in strict mode when create_graph=True.", i - 1))
    end
    r[i] = g
  end
  return r
end

local function call(func, inputs)
  return func(table.unpack(inputs, 1, #inputs))
end

-- (func, inputs, [v], [kw]) with v optional
local function args_v(v, kw, fname)
  if kw == nil and is_kwargs(v) then v, kw = nil, v end
  kw = kw or {}
  check_keys(kw, fname, {create_graph = true, strict = true})
  return v, kw.create_graph == true, kw.strict == true
end

local function with_grad(on, fn)
  return torch.set_grad_enabled(on, fn)
end

function F.vjp(func, inputs, v, kw)
  local create_graph, strict
  v, create_graph, strict = args_v(v, kw, "vjp")
  local is_in_list, is_out_list, outputs
  with_grad(true, function()
    is_in_list, inputs = as_list(inputs, "inputs", "vjp")
    inputs = grad_preprocess(inputs, create_graph, true)
    is_out_list, outputs = as_list(call(func, inputs), "outputs of the user-provided function", "vjp")
    check_requires_grad(outputs, "outputs", strict)
    v = prepare_v(v, outputs, is_out_list, create_graph, "vjp", "outputs")
  end)
  local res
  with_grad(create_graph or torch.is_grad_enabled(), function()
    res = fill_in_zeros(grad_of(outputs, inputs, v, create_graph), inputs, strict,
      create_graph, "back")
  end)
  return unpack_as(grad_postprocess(outputs, create_graph), is_out_list),
    unpack_as(grad_postprocess(res, create_graph), is_in_list)
end

function F.jvp(func, inputs, v, kw)
  local create_graph, strict
  v, create_graph, strict = args_v(v, kw, "jvp")
  local is_in_list, is_out_list, outputs, grad_outputs, grad_inputs
  with_grad(true, function()
    is_in_list, inputs = as_list(inputs, "inputs", "jvp")
    inputs = grad_preprocess(inputs, create_graph, true)
    v = prepare_v(v, inputs, is_in_list, create_graph, "jvp", "inputs")
    is_out_list, outputs = as_list(call(func, inputs), "outputs of the user-provided function", "jvp")
    check_requires_grad(outputs, "outputs", strict)
    -- the double-backward trick: u -> J^T u is linear in u, so its vjp
    -- with v is J v whatever u is (zeros keep inf and nan out)
    grad_outputs = {}
    for i, o in ipairs(outputs) do
      grad_outputs[i] = torch.zeros_like(o):requires_grad_(true)
    end
    grad_inputs = grad_of(outputs, inputs, grad_outputs, true)
    check_requires_grad(grad_inputs, "grad_inputs", strict)
  end)
  local res
  with_grad(create_graph or torch.is_grad_enabled(), function()
    local vs = v or {torch.ones_like(inputs[1])}
    res = fill_in_zeros(grad_of(grad_inputs, grad_outputs, vs, create_graph), outputs,
      strict, create_graph, "back_trick")
  end)
  return unpack_as(grad_postprocess(outputs, create_graph), is_out_list),
    unpack_as(grad_postprocess(res, create_graph), is_out_list)
end

-- jacobian(func, inputs, {create_graph, strict, vectorize, strategy})
local function jacobian_of(func, inputs, create_graph, strict)
  local is_in_list, is_out_list, outputs
  local jac = {}
  with_grad(true, function()
    is_in_list, inputs = as_list(inputs, "inputs", "jacobian")
    inputs = grad_preprocess(inputs, create_graph, true)
    is_out_list, outputs = as_list(call(func, inputs), "outputs of the user-provided function",
      "jacobian")
    check_requires_grad(outputs, "outputs", strict)
    for i, out in ipairs(outputs) do
      local rows = {}
      for j = 1, #inputs do rows[j] = {} end
      local flat = out:reshape(-1)
      for k = 1, out:numel() do
        local vj = grad_of({flat[k]}, inputs, nil, create_graph, true)
        for j, g in ipairs(vj) do
          if g then
            if strict and create_graph and not g.requires_grad then
              fail(string.format("The jacobian of the user-provided function is " ..
                "independent of input %d. This is not allowed in " ..
                "strict mode when create_graph=True.", i - 1))
            end
            rows[j][k] = g
          else
            if strict then
              fail(string.format("Output %d of the user-provided function is " ..
                "independent of input %d. This is not allowed in " ..
                "strict mode.", i - 1, j - 1))
            end
            rows[j][k] = torch.zeros_like(inputs[j])
          end
        end
      end
      local per_input = {}
      for j, x in ipairs(inputs) do
        local shape = {}
        for _, s in ipairs(out:size()) do shape[#shape + 1] = s end
        for _, s in ipairs(x:size()) do shape[#shape + 1] = s end
        if #rows[j] == 0 then
          per_input[j] = torch.zeros(shape, {dtype = x.dtype})
        else
          per_input[j] = torch.stack(rows[j], 1):view(shape)
        end
      end
      jac[i] = per_input
    end
  end)
  jac = grad_postprocess(jac, create_graph)
  for i = 1, #jac do jac[i] = unpack_as(jac[i], is_in_list) end
  return unpack_as(jac, is_out_list)
end

local function jacobian_kw(kw, fname)
  kw = kw or {}
  check_keys(kw, fname, {create_graph = true, strict = true, vectorize = true,
    strategy = true, outer_jacobian_strategy = true})
  local strategy = kw.strategy or kw.outer_jacobian_strategy or "reverse-mode"
  if strategy ~= "reverse-mode" and strategy ~= "forward-mode" then
    fail('Expected strategy to be either "forward-mode" or "reverse-mode".')
  end
  if strategy == "forward-mode" then
    -- PyTorch 1.13 computes it with forward AD only under vmap
    if kw.create_graph then
      fail('torch.autograd.functional.jacobian: `create_graph=True` and ' ..
        '`strategy="forward-mode"` are not supported together (yet). Please either set ' ..
        '`create_graph=False` or `strategy="reverse-mode"`.')
    end
    if kw.strict then
      fail('torch.autograd.functional.jacobian: `strict=True` and `strategy="forward-mode"` ' ..
        'are not supported together (yet). Please either set `strict=False` or ' ..
        '`strategy="reverse-mode"`.')
    end
    if not kw.vectorize then
      fail('Computing Jacobian using forward-AD or forward-over-reverse Hessian is' ..
        'only implemented for `vectorize=True`.')
    end
  end
  if kw.vectorize then
    if kw.strict then
      fail('torch.autograd.functional.jacobian: `strict=True` and `vectorized=True` ' ..
        'are not supported together. Please either set `strict=False` or ' ..
        '`vectorize=False`.')
    end
    fail(fname .. ': vectorize=true needs vmap, which agdb does not have; use ' ..
      'vectorize=false (the default)')
  end
  return kw.create_graph == true, kw.strict == true
end

function F.jacobian(func, inputs, kw)
  local create_graph, strict = jacobian_kw(kw, "jacobian")
  return jacobian_of(func, inputs, create_graph, strict)
end

function F.hessian(func, inputs, kw)
  local create_graph, strict = jacobian_kw(kw, "hessian")
  local is_in_list = as_list(inputs, "inputs", "hessian")
  local function single(...)
    local out = func(...)
    local is_out_list, list = as_list(out, "outputs of the user-provided function", "hessian")
    check_requires_grad(list, "outputs", strict)
    if is_out_list then
      fail("The function given to hessian should return a single Tensor")
    end
    if out:numel() ~= 1 then
      fail("The Tensor returned by the function given to hessian should contain a single element")
    end
    return out:reshape({})
  end
  local function jac_func(...)
    local jac = jacobian_of(single, is_in_list and {...} or (...), true, false)
    check_requires_grad(is_in_list and jac or {jac}, "jacobian", strict)
    return jac
  end
  return jacobian_of(jac_func, inputs, create_graph, strict)
end

local function hess_prologue(func, inputs, v, create_graph, strict, fname)
  local is_in_list, outputs, is_out_list
  is_in_list, inputs = as_list(inputs, "inputs", fname)
  inputs = grad_preprocess(inputs, create_graph, true)
  v = prepare_v(v, inputs, is_in_list, create_graph, fname, "inputs")
  local out = call(func, inputs)
  is_out_list, outputs = as_list(out, "outputs of the user-provided function", fname)
  check_requires_grad(outputs, "outputs", strict)
  if is_out_list then
    fail("The function given to " .. fname .. " should return a single Tensor")
  end
  if outputs[1]:numel() ~= 1 then
    fail("The Tensor returned by the function given to " .. fname ..
      " should contain a single element")
  end
  local jac = grad_of(outputs, inputs, nil, true)
  check_requires_grad(jac, "jacobian", strict)
  return is_in_list, inputs, v or {torch.ones_like(inputs[1])}, outputs, jac
end

function F.vhp(func, inputs, v, kw)
  local create_graph, strict
  v, create_graph, strict = args_v(v, kw, "vhp")
  local is_in_list, outputs, jac, vs
  with_grad(true, function()
    is_in_list, inputs, vs, outputs, jac = hess_prologue(func, inputs, v, create_graph,
      strict, "vhp")
  end)
  local res
  with_grad(create_graph or torch.is_grad_enabled(), function()
    res = fill_in_zeros(grad_of(jac, inputs, vs, create_graph), inputs, strict,
      create_graph, "double_back")
  end)
  return grad_postprocess(outputs, create_graph)[1],
    unpack_as(grad_postprocess(res, create_graph), is_in_list)
end

function F.hvp(func, inputs, v, kw)
  local create_graph, strict
  v, create_graph, strict = args_v(v, kw, "hvp")
  local is_in_list, outputs, jac, vs, grad_jac, double_back
  with_grad(true, function()
    is_in_list, inputs, vs, outputs, jac = hess_prologue(func, inputs, v, create_graph,
      strict, "hvp")
    grad_jac = {}
    for i, x in ipairs(inputs) do grad_jac[i] = torch.zeros_like(x):requires_grad_(true) end
    double_back = grad_of(jac, inputs, grad_jac, true)
    check_requires_grad(jac, "hessian", strict)
  end)
  local res
  with_grad(create_graph or torch.is_grad_enabled(), function()
    res = fill_in_zeros(grad_of(double_back, grad_jac, vs, create_graph), inputs, strict,
      create_graph, "double_back_trick")
  end)
  return grad_postprocess(outputs, create_graph)[1],
    unpack_as(grad_postprocess(res, create_graph), is_in_list)
end

for name, fn in pairs(F) do F[name] = public(fn) end
autograd.functional = F
