-- test_ag_saved_hooks.lua - torch.autograd.graph.saved_tensors_hooks and
-- save_on_cpu, torch.utils.checkpoint.checkpoint, and the RNG state they
-- rely on.  Expected values are PyTorch 1.13's for the same sessions.
local t = dofile(os.getenv("top_srcdir") .. "/tests/lua/tap.lua")
local torch = torch or require "torch"
local graph = torch.autograd.graph

-- pack and unpack: x * x saves x twice; unpack doubles what it gets back
do
	local x = torch.tensor({1.0, 2.0, 3.0}, {requires_grad = true})
	local packed = 0
	local y
	do
		local g <close> = graph.saved_tensors_hooks(
			function(s) packed = packed + 1; return s * 1 end,
			function(s) return s * 2 end)
		y = x * x
	end
	t.is(packed, 2, "pack ran for each saved tensor (PyTorch: 2)")
	y:sum():backward()
	t.is(x.grad:tolist(), {4, 8, 12}, "backward used the unpacked tensors (PyTorch: [4, 8, 12])")
	local z = x * x
	x.grad = nil
	z:sum():backward()
	t.is(x.grad:tolist(), {2, 4, 6}, "closed: the hooks no longer apply")
end

-- pack may return any Lua value; unpack turns it back
do
	local x = torch.tensor({1.0, 2.0}, {requires_grad = true})
	local store = {}
	local y = graph.saved_tensors_hooks(
		function(s) store[#store + 1] = s; return #store end,
		function(k) return store[k] end,
		function() return x:exp() end)
	t.is(#store, 1, "function form: exp's result packed once")
	t.near(y.grad_fn._saved_result:tolist(), {math.exp(1), math.exp(2)}, 1e-6,
		"_saved_result goes through unpack")
	y:sum():backward()
	t.near(x.grad:tolist(), {math.exp(1), math.exp(2)}, 1e-6, "unpacked from a key")
end

-- the version check does not apply to hooked tensors (PyTorch: [4, 6, 8])
do
	local x = torch.tensor({1.0, 2.0, 3.0}, {requires_grad = true})
	local b, y
	do
		local g <close> = graph.saved_tensors_hooks(function(s) return s end, function(s) return s end)
		b = x * 1
		y = b * b
	end
	b:add_(1)
	y:sum():backward()
	t.is(x.grad:tolist(), {4, 6, 8}, "hooked saved tensors see the in-place change")
end

-- nesting: the inner guard wins while open, the outer comes back
do
	local x = torch.tensor({1.0}, {requires_grad = true})
	local log = {}
	local outer <close> = graph.saved_tensors_hooks(
		function(s) log[#log + 1] = "outer"; return s end, function(s) return s end)
	do
		local inner <close> = graph.saved_tensors_hooks(
			function(s) log[#log + 1] = "inner"; return s end, function(s) return s end)
		local _ = x:exp()
	end
	local _ = x:exp()
	t.is(log, {"inner", "outer"}, "guards nest")
end

-- errors
do
	local x = torch.tensor({1.0, 2.0}, {requires_grad = true})
	local y = graph.saved_tensors_hooks(function(s) return s end, function() return 3 end,
		function() return x * x end)
	t.raises(function() y:sum():backward() end,
		"Output of saved tensor unpack_hook expected to be a Tensor but got result of type number",
		"unpack must give a tensor")
	t.raises(function()
		graph.saved_tensors_hooks(function(s) s:add_(1); return s end, function(s) return s end,
			function() return x:exp() end)
	end, "A saved tensor pack hook is modifying its input in place. Tensors provided as " ..
		"input to pack hook can not be modified by in-place operations as this can lead " ..
		"to unexpected side-effects.", "pack may not modify its input")
	t.raises(function() graph.saved_tensors_hooks(function(s) error("pack says no") end,
		function(s) return s end, function() return x:exp() end) end,
		"pack says no", "an error in pack reaches the caller")
	t.raises(function() graph.saved_tensors_hooks(1, function() end) end,
		"torch.autograd.graph.saved_tensors_hooks", "pack must be a function")
	t.is((x * 3):sum().requires_grad, true, "the session still records after the errors")
	local z = x:exp()
	z:sum():backward()
	t.near(x.grad:tolist(), {math.exp(1), math.exp(2)}, 1e-6,
		"no hooks left set by the failures")
end

-- save_on_cpu: tensors here are on the CPU already
do
	local x = torch.tensor({1.0, 2.0, 3.0}, {requires_grad = true})
	local y
	do
		local g <close> = graph.save_on_cpu()
		y = x:exp()
	end
	y:sum():backward()
	t.near(x.grad:tolist(), {math.exp(1), math.exp(2), math.exp(3)}, 1e-6,
		"save_on_cpu: backward works")
	x.grad = nil
	y = graph.save_on_cpu({pin_memory = false}, function() return x * x end)
	y:sum():backward()
	t.is(x.grad:tolist(), {2, 4, 6}, "with options and a function")
end

-- the RNG state
do
	local s = torch.get_rng_state()
	local a = torch.rand(3)
	torch.set_rng_state(s)
	local b = torch.rand(3)
	t.is(a:tolist(), b:tolist(), "set_rng_state(get_rng_state()) repeats the draws")
	t.raises(function() torch.set_rng_state(torch.zeros(3, {dtype = torch.uint8})) end,
		"but found the input RNG state size to be 3", "a state of the wrong size")
end

-- checkpoint: the same values and gradients as without, dropout-like
-- randomness drawn the same way in the recomputation
do
	local cp = torch.utils.checkpoint.checkpoint
	torch.manual_seed(0)
	local x = torch.randn(4, {requires_grad = true})
	local w = torch.randn(4, {requires_grad = true})
	local calls = 0
	local function block(a) calls = calls + 1; return (a * w):tanh() * torch.rand(4) end
	torch.manual_seed(5)
	local y1 = block(x)
	y1:sum():backward()
	local gx, gw = x.grad:tolist(), w.grad:tolist()
	x.grad, w.grad = nil, nil
	torch.manual_seed(5)
	calls = 0
	local y2 = cp(block, x)
	t.is(y2:tolist(), y1:tolist(), "checkpoint gives the same values")
	t.is(y2.grad_fn:name(), "CheckpointFunctionBackward", "as one node")
	t.is(y2.grad_fn.next_functions[1][1], nil, "whose inner ops are not recorded")
	t.is(calls, 1, "forward ran the block once")
	local after = torch.rand(1):item()
	torch.manual_seed(5)
	local _ = torch.rand(4)
	local expected_next = torch.rand(1):item()
	t.is(after, expected_next, "the generator moved on as after one block")
	torch.manual_seed(5)
	local _ = torch.rand(4)
	y2:sum():backward()
	t.is(calls, 2, "backward recomputed it")
	t.is(x.grad:tolist(), gx, "x's gradient as without checkpoint")
	t.is(w.grad:tolist(), gw, "and w's (captured by the block)")
	t.is(torch.rand(1):item(), expected_next,
		"the recomputation left the generator where backward found it")
	x.grad = nil
	local y3 = cp(function(a, k) return a * k end, x, 3, {preserve_rng_state = false})
	y3:sum():backward()
	t.is(x.grad:tolist(), {3, 3, 3, 3}, "non-tensor arguments and options")
	t.raises(function() cp(function(a) return a:detach() * 1 end, x):sum():backward() end,
		"none of output has requires_grad=True, this checkpoint() is not necessary",
		"an output without grad in the recomputation")
	t.raises(function() cp(function(a) return a end, x, {use_reentrant = false}) end,
		"use_reentrant=false", "the non-reentrant variant is refused clearly")
end

-- disable_saved_tensors_hooks: PyTorch raises the given message
do
	local x = torch.tensor({1.0}, {requires_grad = true})
	do
		local d <close> = graph.disable_saved_tensors_hooks("no hooks here")
		t.raises(function() graph.saved_tensors_hooks(function(s) return s end,
			function(s) return s end) end, "no hooks here",
			"hooks are refused while disabled")
		t.raises(function() graph.save_on_cpu() end, "no hooks here", "save_on_cpu too")
		t.lives(function() x:exp():sum():backward() end, "autograd itself still works")
	end
	t.lives(function()
		local g <close> = graph.saved_tensors_hooks(function(s) return s end,
			function(s) return s end)
	end, "closed: allowed again")
	t.raises(function()
		local g <close> = graph.saved_tensors_hooks(function(s) return s end,
			function(s) return s end)
		local d <close> = graph.disable_saved_tensors_hooks("no hooks here")
	end, "no hooks here", "disabling while hooks are set raises the message")
	t.is(graph.disable_saved_tensors_hooks("m", function() return 7 end), 7,
		"the function form returns fn's results")
	t.lives(function() graph.save_on_cpu(function() end) end, "and re-enables after it")
end

-- the grad modes under torch.autograd too
t.ok(torch.autograd.no_grad == torch.no_grad and
	torch.autograd.inference_mode == torch.inference_mode and
	torch.autograd.enable_grad == torch.enable_grad and
	torch.autograd.set_grad_enabled == torch.set_grad_enabled,
	"torch.autograd.no_grad & co. are torch's")

t.done()
