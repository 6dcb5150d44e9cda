-- torch.utils.checkpoint - checkpoint(fn, ...): run fn without keeping its
-- graph, and run it again in backward to get the gradients (PyTorch 1.13's
-- reentrant checkpoint).  The region is one node of the graph,
-- CheckpointFunctionBackward.  The random generator's state is saved
-- before the forward and put back for the recomputation, so dropout and
-- friends draw the same numbers twice; the generator is then left as the
-- backward found it.
--
--   y = torch.utils.checkpoint.checkpoint(block, x)
--   y = torch.utils.checkpoint.checkpoint(block, x, {preserve_rng_state=false})
local torch = require "torch"

local M = {}

local CheckpointFunction = torch.autograd.Function:extend("CheckpointFunction")

function CheckpointFunction.forward(ctx, run_function, preserve_rng_state, ...)
  local args = table.pack(...)
  ctx.run_function = run_function
  ctx.preserve_rng_state = preserve_rng_state
  ctx.nargs = args.n
  if preserve_rng_state then ctx.rng_state = torch.get_rng_state() end
  -- tensors go through save_for_backward (so in-place changes to them are
  -- caught); the rest is kept as it is
  local tensors, others, where = {}, {}, {}
  for i = 1, args.n do
    if torch.is_tensor(args[i]) then
      tensors[#tensors + 1] = args[i]
      where[i] = #tensors
    else
      others[i] = args[i]
    end
  end
  ctx.others, ctx.where = others, where
  ctx:save_for_backward(table.unpack(tensors))
  return torch.no_grad(function() return run_function(table.unpack(args, 1, args.n)) end)
end

function CheckpointFunction.backward(ctx, ...)
  local grads = table.pack(...)
  local saved = ctx.saved_tensors
  local inputs = {}
  for i = 1, ctx.nargs do
    local k = ctx.where[i]
    if k then
      local x = saved[k]
      inputs[i] = x:detach():requires_grad_(x.requires_grad)
    else
      inputs[i] = ctx.others[i]
    end
  end
  local outputs
  local function recompute()
    outputs = table.pack(torch.enable_grad(function()
      return ctx.run_function(table.unpack(inputs, 1, ctx.nargs))
    end))
  end
  if ctx.preserve_rng_state then
    local now = torch.get_rng_state()
    torch.set_rng_state(ctx.rng_state)
    local ok, err = pcall(recompute)
    torch.set_rng_state(now)
    if not ok then error(err, 0) end
  else
    recompute()
  end
  local outs, gs = {}, {}
  for i = 1, outputs.n do
    local o = outputs[i]
    if torch.is_tensor(o) and o.requires_grad and grads[i] then
      outs[#outs + 1] = o
      gs[#outs] = grads[i]
    end
  end
  if #outs == 0 then
    error("none of output has requires_grad=True, this checkpoint() is not necessary", 0)
  end
  torch.autograd.backward(outs, {grad_tensors = gs})
  local r = {n = ctx.nargs + 2}
  for i = 1, ctx.nargs do
    if torch.is_tensor(inputs[i]) then r[i + 2] = inputs[i].grad end
  end
  return table.unpack(r, 1, r.n)
end

local warned_no_grad = false

-- checkpoint(fn, ..., [{use_reentrant=true, preserve_rng_state=true}]):
-- the last argument is taken as options only when it is a table of those
-- keywords and nothing else.
function M.checkpoint(fn, ...)
  local args = table.pack(...)
  local opts = args.n > 0 and args[args.n]
  if type(opts) == "table" and not torch.is_tensor(opts) and next(opts) ~= nil then
    local only_options = true
    for k in pairs(opts) do
      if k ~= "use_reentrant" and k ~= "preserve_rng_state" then only_options = false end
    end
    if only_options then args.n = args.n - 1 else opts = nil end
  else
    opts = nil
  end
  opts = opts or {}
  if type(fn) ~= "function" and not (getmetatable(fn) or {}).__call then
    error("torch.utils.checkpoint.checkpoint: argument 1 must be a function, got " ..
      type(fn), 2)
  end
  if opts.use_reentrant == false then
    error("torch.utils.checkpoint.checkpoint: use_reentrant=false needs saved-tensor " ..
      "hooks that recompute; agdb has the reentrant variant (use_reentrant=true, the " ..
      "default)", 2)
  end
  local any = false
  for i = 1, args.n do
    if torch.is_tensor(args[i]) and args[i].requires_grad then any = true end
  end
  if not any and torch.is_grad_enabled() and not warned_no_grad then
    warned_no_grad = true
    io.stderr:write("UserWarning: None of the inputs have requires_grad=True. " ..
      "Gradients will be None\n")
  end
  return CheckpointFunction.apply(fn, opts.preserve_rng_state ~= false,
    table.unpack(args, 1, args.n))
end

return M
