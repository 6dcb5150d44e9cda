-- test_ag_findings.lua - regression tests for the autograd findings of
-- the hostile-input review (issue 15: 3, 4, 5, 6, 11, 12, 13, 15, 19, 20),
-- each followed by a check that the session still works.
local t = dofile(os.getenv("top_srcdir") .. "/tests/lua/tap.lua")
local torch = torch or require "torch"

local function works(name)
	local x = torch.ones(2, {requires_grad = true})
	;(x * 3):sum():backward()
	t.is(x.grad:tolist(), {3, 3}, name .. "; the session still works")
end

local function gc() collectgarbage(); collectgarbage(); collectgarbage() end

-- 3. a finalised object is inert and says so
do
	local x = torch.ones(2, {requires_grad = true})
	local gf = (x * 2).grad_fn
	getmetatable(gf).__gc(gf)
	t.raises(function() return gf:name() end,
		"attempt to use a grad_fn node that was finalized (its __gc metamethod was called)",
		"a node finalised by hand says so")
	local a = torch.ones(2)
	getmetatable(a).__gc(a)
	t.raises(function() return a + 1 end,
		"attempt to use a finalized tensor (its __gc metamethod was called)",
		"a tensor finalised by hand says so")
	t.is(tostring(a), "tensor(<finalized>)", "and prints as finalized")
	t.is(torch.ones(2):tolist(), {1, 1}, "later tensors are not closed")
	getmetatable(a).__gc(a)
	t.ok(true, "finalising twice is harmless")
	works("finding 3")
end

-- 4. the trace log keeps a custom Function's node name after the node dies
do
	local F = torch.autograd.Function:extend("NamedFn")
	function F.forward(ctx, a) return a * 2 end
	function F.backward(ctx, g) return g * 2 end
	torch.autograd.set_trace_enabled(true)
	torch.autograd.clear_trace()
	do
		local o = F.apply(torch.ones(2, {requires_grad = true}))
		o:sum():backward()
	end
	gc()
	local found
	for _, e in ipairs(torch.autograd.trace_log()) do
		if e.grad_fn == "NamedFnBackward" then found = e end
	end
	t.ok(found ~= nil, "the trace log names the freed Function's node")
	t.is(found and found.op, "NamedFnBackward", "as its op too")
	torch.autograd.set_trace_enabled(false)
	works("finding 4")
end

-- 5. a one-shot hook that removes itself while running
do
	local z = torch.ones(2, {requires_grad = true})
	local h
	h = z:register_hook(function(g) h:remove(); return g * 2 end)
	;(z * 1):sum():backward()
	t.is(z.grad:tolist(), {2, 2}, "the one-shot hook ran once")
	z.grad = nil
	;(z * 1):sum():backward()
	t.is(z.grad:tolist(), {1, 1}, "and is gone afterwards")
	local y = z * 1
	local hy
	hy = y:register_hook(function(g) hy:remove(); return g * 5 end)
	z.grad = nil
	y:sum():backward()
	t.is(z.grad:tolist(), {5, 5}, "on a non-leaf too")
	works("finding 5")
end

-- 6. leaks: a hook closure that refers to its own tensor; a Function that
-- saves its output, called forward-only; torch.tensor failing half-way
do
	gc()
	local n0 = torch._live_tensors()
	for _ = 1, 200 do
		local x = torch.ones(3, {requires_grad = true})
		x:register_hook(function(g) return g * x:sum() end)
	end
	gc()
	t.is(torch._live_tensors() - n0, 0, "hooks referring to their own tensor are freed")
	local S = torch.autograd.Function:extend("SaveOut")
	function S.forward(ctx, a) local r = a * 2; ctx:save_for_backward(r); return r end
	function S.backward(ctx, g) return g * 2 end
	gc()
	n0 = torch._live_tensors()
	for _ = 1, 200 do local _ = S.apply(torch.ones(3, {requires_grad = true})) end
	gc()
	t.is(torch._live_tensors() - n0, 0, "a Function saving its output frees it forward-only")
	gc()
	local c0, b0 = torch._live_tensors()
	for _ = 1, 50 do pcall(torch.tensor, {1, 2, {3}, "x"}) end
	gc()
	local c1, b1 = torch._live_tensors()
	t.ok(c1 <= c0 and b1 <= b0, "torch.tensor failing half-way frees its buffer")
	-- a hook on a non-leaf that refers to it, reachable only from the loss
	local w = torch.ones(2, {requires_grad = true})
	local loss
	do
		local mid = w * 2
		mid:register_hook(function(g) return g + mid:detach() end)
		loss = mid:sum()
	end
	gc()
	loss:backward()
	t.is(w.grad:tolist(), {6, 6}, "a dropped non-leaf's hook still runs from the loss")
	works("finding 6")
end

-- 11. an error from a Function class's __index during backward; modes
do
	local G = torch.autograd.Function:extend("BadIdx")
	function G.forward(ctx, a) return a * 2 end
	local out = G.apply(torch.ones(2, {requires_grad = true}))
	setmetatable(G, {__index = function(_, k) error("boom in __index " .. k) end})
	t.raises(function() out:sum():backward() end, "boom in __index backward",
		"an error from the class's __index is a clean Lua error")
	t.is(torch.is_grad_enabled(), true, "grad mode is on again after it")
	torch.no_grad(function()
		do local _ = torch.enable_grad() end
		gc()
		t.is(torch.is_grad_enabled(), true,
			"the collector freeing an unclosed guard changes nothing")
	end)
	t.is(torch.is_grad_enabled(), true, "no_grad(fn) put the mode back")
	works("finding 11")
end

-- 12. a hook may not change the gradient's size or dtype
do
	local a = torch.ones(3, {requires_grad = true})
	a:register_hook(function() return torch.ones(5, 5) end)
	t.raises(function() (a * 1):sum():backward() end,
		"hook 'hook' has changed the size of value", "a hook changing the size")
	t.is(a.grad, nil, "the leaf got no gradient")
	local b = torch.ones(3, {requires_grad = true})
	b:register_hook(function() return torch.ones(3, {dtype = torch.int64}) end)
	t.raises(function() (b * 1):sum():backward() end,
		"hook 'hook' has changed the type of value (was torch.FloatTensor got torch.LongTensor)",
		"a hook changing the dtype")
	local c = torch.ones(3, {requires_grad = true})
	local y = c * 1
	y:register_hook(function() return torch.ones(2) end)
	t.raises(function() y:sum():backward() end,
		"hook 'hook' has changed the size of value", "on a non-leaf too")
	works("finding 12")
end

-- 13. gradcheck fails when the Jacobians hold NaN
do
	local X = torch.ones(2, {dtype = torch.float64, requires_grad = true})
	local f = function(u) return u * 2 end
	t.raises(function() torch.autograd.gradcheck(f, {X}, {eps = 0}) end,
		"Jacobian mismatch for output 0 with respect to input 0", "eps = 0 fails")
	t.raises(function() torch.autograd.gradcheck(f, {X}, {eps = 0 / 0}) end,
		"Jacobian mismatch", "eps = nan fails")
	t.is(torch.autograd.gradcheck(function(u) return u * (0 / 0) end, {X},
		{raise_exception = false}), false, "NaN outputs fail")
	t.is(torch.autograd.gradcheck(f, {X}), true, "a right gradient still passes")
	works("finding 13")
end

-- 15. what a custom backward returns, and errors that are not strings
do
	local H = torch.autograd.Function:extend("XFn")
	function H.forward(ctx, a) return a * 2 end
	function H.backward() return "str" end
	t.raises(function() H.apply(torch.ones(2, {requires_grad = true})):sum():backward() end,
		"expected Variable or None (got string)", "a backward returning a string")
	function H.backward() error({code = 1}) end
	t.raises(function() H.apply(torch.ones(2, {requires_grad = true})):sum():backward() end,
		"(error object is a table value)", "a backward raising a table")
	function H.backward() error(setmetatable({}, {__tostring = function() return "custom err" end})) end
	t.raises(function() H.apply(torch.ones(2, {requires_grad = true})):sum():backward() end,
		"custom err", "an error object with __tostring")
	function H.backward(ctx, g) return g, g end
	t.raises(function() H.apply(torch.ones(2, {requires_grad = true})):sum():backward() end,
		"function XFnBackward returned an incorrect number of gradients (expected 1, got 2)",
		"extra gradients")
	local q = torch.ones(2, {requires_grad = true})
	q:register_hook(function() error({1}) end)
	t.raises(function() (q * 1):sum():backward() end,
		"(error object is a table value)", "a hook raising a table")
	works("finding 15")
end

-- 19. w.data is a detached alias with its own version counter
do
	local w = torch.ones(2, {requires_grad = true})
	;(w * w):sum():backward()
	t.lives(function() w.data:sub_(0.1 * w.grad) end, "w.data:sub_(lr * w.grad) works")
	t.near(w:tolist(), {0.8, 0.8}, 1e-6, "and updates w")
	t.is(w._version, 0, "without bumping w's version")
	t.is(w.data.requires_grad, false, "w.data does not require grad")
	t.is(w.data.grad_fn, nil, "and has no history")
	local y = w * w
	w.data:mul_(2)
	t.lives(function() y:sum():backward() end,
		"a write through .data is invisible to the saved-tensor check")
	works("finding 19")
end

-- 20. ops in a coroutine are attributed to their own line
do
	torch.autograd.set_trace_enabled(true)
	torch.autograd.clear_trace()
	local line
	local co = coroutine.create(function()
		local p = torch.ones(2, {requires_grad = true})
		line = debug.getinfo(1, "l").currentline + 1
		local r = p * 3
		coroutine.yield(r)
	end)
	coroutine.resume(co)
	local log = torch.autograd.trace_log()
	local last = log[#log]
	t.is(last.op, "mul", "the coroutine's op is logged")
	t.ok(last.where:match(":(%d+)$") == tostring(line),
		"at the coroutine's line, not the resume's (" .. tostring(last.where) .. ")")
	local w = coroutine.wrap(function()
		line = debug.getinfo(1, "l").currentline + 1
		local q = torch.ones(2) + 1
		coroutine.yield(q)
	end)
	w()
	log = torch.autograd.trace_log()
	t.ok(log[#log].where:match(":(%d+)$") == tostring(line),
		"through coroutine.wrap too")
	torch.autograd.set_trace_enabled(false)
	works("finding 20")
end

-- 20 (anomaly): the traceback of a node made in a coroutine names the
-- coroutine's line (run in a child agdb, whose stderr carries the warning)
do
	local script = os.tmpname()
	local f = assert(io.open(script, "w"))
	f:write([[
torch.autograd.set_detect_anomaly(true)
local co = coroutine.wrap(function()
	local p = torch.ones(2, {requires_grad = true})
	local r = p:sqrt() * 0
	coroutine.yield((r / 0):sum())
end)
local s = co()
print(pcall(function() s:backward() end))
]])
	f:close()
	local out = io.popen("./agdb " .. script .. " 2>&1"):read("a")
	os.remove(script)
	t.ok(out:find("Warning: Error detected in", 1, true) ~= nil,
		"anomaly mode warns with the forward traceback")
	t.ok(out:find(":4: in function <", 1, true) ~= nil,
		"naming the coroutine's line, not the resume's")
	t.ok(out:find("returned nan values", 1, true) ~= nil, "and the error follows")
end

t.done()
