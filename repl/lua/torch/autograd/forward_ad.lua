-- forward_ad.lua - torch.autograd.forward_ad: forward-mode AD with dual
-- tensors, PyTorch 1.13's API and texts.
--
--   local fwAD = torch.autograd.forward_ad
--   do
--     local lvl <close> = fwAD.dual_level()
--     local d = fwAD.make_dual(x, v)        -- x with tangent v
--     local p, t = fwAD.unpack_dual(d:sin()) -- sin(x), cos(x) * v
--   end                                      -- every tangent dropped here
--
-- dual_level(fn, ...) runs fn(...) inside a level instead.  As in PyTorch
-- 1.13 one level is open at a time.  The tangents are propagated by core
-- (core/grad_forward.c) as ops run; this file checks arguments as
-- PyTorch's forward_ad.py does and opens the level.
--
-- Loaded once when the torch module opens (repl/lautograd.c), with the
-- torch table and the C functions (repl/lforward.c) as arguments.
local torch, C = ...
local M = {}

local function kwargs(v, fname, allowed)
  if v == nil then return {} end
  if type(v) ~= "table" or torch.is_tensor(v) then
    error(string.format("%s(): expected a table of keyword arguments", fname), 3)
  end
  for k in pairs(v) do
    if not allowed[k] then
      error(string.format("%s() got an unexpected keyword argument '%s'", fname, tostring(k)), 3)
    end
  end
  return v
end

function M.enter_dual_level()
  return C._enter_dual_level()
end

function M.exit_dual_level(opts)
  local kw = kwargs(opts, "exit_dual_level", {level = true})
  C._exit_dual_level(kw.level)
end

local guard_mt = {
  __name = "torch.autograd.forward_ad.dual_level",
  __close = function(self)
    if self.open then
      self.open = false
      C._exit_dual_level(self.level)
    end
  end,
  __tostring = function(self) return "dual_level(" .. tostring(self.level) .. ")" end,
}
guard_mt.__index = {
  close = guard_mt.__close,
}

-- dual_level(): a <close> guard that opens a level now and closes it when
-- the variable goes out of scope; dual_level(fn, ...): fn(...) inside one.
function M.dual_level(fn, ...)
  if fn ~= nil and type(fn) ~= "function" then
    error("dual_level(): expected a function or nothing, got " .. type(fn), 2)
  end
  local lvl = C._enter_dual_level()
  if fn == nil then
    return setmetatable({level = lvl, open = true}, guard_mt)
  end
  local r = table.pack(pcall(fn, ...))
  C._exit_dual_level(lvl)
  if not r[1] then error(r[2], 0) end
  return table.unpack(r, 2, r.n)
end

local function float_or_complex(t)
  return t:is_floating_point()
end

-- make_dual(tensor, tangent, {level=}): a view of tensor whose tangent
-- (forward gradient) is `tangent`.
function M.make_dual(tensor, tangent, opts)
  local kw = kwargs(opts, "make_dual", {level = true})
  local level = kw.level
  if level == nil then level = C._current_level() end
  if level < 0 then
    error("Trying to create a dual Tensor for forward AD but no level exists, " ..
      "make sure to enter_dual_level() first.", 2)
  end
  if not torch.is_tensor(tensor) then
    error("make_dual(): argument 'tensor' (position 1) must be Tensor, not " .. type(tensor), 2)
  end
  if not torch.is_tensor(tangent) then
    error("make_dual(): argument 'tangent' (position 2) must be Tensor, not " .. type(tangent), 2)
  end
  if not float_or_complex(tensor) then
    error("Expected primal to be floating point or complex, but got: " .. tostring(tensor.dtype), 2)
  end
  if not float_or_complex(tangent) then
    error("Expected tangent to be floating point or complex, but got: " .. tostring(tangent.dtype), 2)
  end
  local ok, r = pcall(C._make_dual, tensor, tangent, level)
  if not ok then error((tostring(r):gsub("^[^:\n]*:%d+: ", "")), 2) end
  return r
end

-- unpack_dual(tensor, {level=}): its primal and its tangent (nil when it
-- has none), as two values.
function M.unpack_dual(tensor, opts)
  local kw = kwargs(opts, "unpack_dual", {level = true})
  if not torch.is_tensor(tensor) then
    error("_unpack_dual(): argument 'dual' (position 1) must be Tensor, not " .. type(tensor), 2)
  end
  local level = kw.level
  if level == nil then level = C._current_level() end
  if level < 0 then return tensor, nil end
  return C._unpack_dual(tensor, level)
end

-- for tests: the ops with a tangent formula, and those without
M._formula_ops = C._formula_ops

torch.autograd.forward_ad = M
