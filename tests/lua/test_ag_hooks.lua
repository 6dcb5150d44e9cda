-- test_ag_hooks.lua - tensor hooks, node hooks and pre-hooks, handles,
-- errors inside hooks.
local t = dofile(os.getenv("top_srcdir") .. "/tests/lua/tap.lua")
local torch = torch or require "torch"

local x = torch.tensor({1.0, 2.0}, {requires_grad = true})
local seen
local h = x:register_hook(function(g) seen = g:tolist(); return g * 10 end)
local y = (x * 3):sum()
y:backward()
t.is(seen, {3, 3}, "a leaf hook sees the gradient")
t.is(x.grad:tolist(), {30, 30}, "its returned tensor replaces the gradient")
h:remove()
x.grad = nil
;(x * 3):sum():backward()
t.is(x.grad:tolist(), {3, 3}, "a removed hook no longer runs")

-- a hook on a non-leaf, returning nothing
x.grad = nil
local m = x * 2
local got
m:register_hook(function(g) got = g:tolist() end)
;(m * m):sum():backward()
t.is(got, {4, 8}, "a non-leaf hook sees dL/dm = 2m")
t.is(x.grad:tolist(), {8, 16}, "returning nothing keeps the gradient")

-- node hooks
x.grad = nil
local n = x * 5
local pre, post_in, post_out
local hp = n.grad_fn:register_prehook(function(gout) pre = gout[1]:tolist() end)
local hh = n.grad_fn:register_hook(function(gin, gout)
	post_in, post_out = gin[1]:tolist(), gout[1]:tolist()
	return {gin[1] * 0 + 1}
end)
n:sum():backward()
t.is(pre, {1, 1}, "pre-hook sees the node's incoming gradients")
t.is(post_in, {5, 5}, "hook sees grad_inputs")
t.is(post_out, {1, 1}, "and grad_outputs")
t.is(x.grad:tolist(), {1, 1}, "the hook's table replaces grad_inputs")
hp:remove(); hh:remove()

-- an error in a hook becomes a Lua error and the engine stays usable
x.grad = nil
local k = x * 2
local bad = k:register_hook(function() error("hook exploded") end)
local s = k:sum()
t.raises(function() s:backward(nil, {retain_graph = true}) end, "hook exploded",
	"the hook's error propagates")
bad:remove()
s:backward()
t.is(x.grad:tolist(), {2, 2}, "the next backward works")
t.raises(function() torch.ones(2):register_hook(function() end) end,
	"cannot register a hook on a tensor that doesn't require gradient",
	"hooks need requires_grad")
t.done()
