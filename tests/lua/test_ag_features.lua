-- test_ag_features.lua - parts of PyTorch 1.13's autograd beyond the
-- basics: backward(inputs=), inference_mode, views and grad mode
-- (CreationMeta), node introspection (_saved_*, metadata), retain_graph's
-- default, autograd.grad's keywords, requires_grad_ and .grad/.data
-- assignment.  Values and texts are PyTorch 1.13's for the same session.
local t = dofile(os.getenv("top_srcdir") .. "/tests/lua/tap.lua")
local torch = torch or require "torch"

-- backward(gradient, {inputs=...}): accumulate into those only
do
	local x = torch.ones(2, {requires_grad = true})
	local y = torch.ones(2, {requires_grad = true})
	;(x * y * 3):sum():backward({inputs = {x}})
	t.is(x.grad:tolist(), {3, 3}, "inputs={x}: x.grad filled")
	t.is(y.grad, nil, "y.grad left alone")
	;(x * y * 3):sum():backward({inputs = x})
	t.is(x.grad:tolist(), {6, 6}, "inputs=x (one tensor) accumulates")
	local m = x * 2
	;(m * m):sum():backward({inputs = {m}})
	t.is(m.grad:tolist(), {4, 4}, "a non-leaf input retains its grad (PyTorch: [4, 4])")
	t.is(x.grad:tolist(), {6, 6}, "and nothing flows past it")
	t.raises(function() (x * 2):sum():backward({inputs = {}}) end,
		"'inputs' argument to backward() cannot be empty.", "empty inputs")
	local z = torch.ones(2, {requires_grad = true})
	torch.autograd.backward({(z * 5):sum()}, {inputs = {z}})
	t.is(z.grad:tolist(), {5, 5}, "torch.autograd.backward takes inputs= too")
end

-- inference_mode
do
	local a
	torch.inference_mode(function()
		a = torch.ones(2)
		t.is(torch.is_inference_mode_enabled(), true, "inference_mode(fn): enabled inside")
		t.is(torch.is_grad_enabled(), false, "and grad mode off")
	end)
	t.is(torch.is_inference_mode_enabled(), false, "off again after fn")
	t.is(torch.is_grad_enabled(), true, "grad mode back on")
	t.is(a:is_inference(), true, "a tensor made inside is an inference tensor")
	t.is(torch.ones(2):is_inference(), false, "one made outside is not")
	t.raises(function() a:add_(1) end,
		"Inplace update to inference tensor outside InferenceMode is not allowed." ..
		"You can make a clone to get a normal tensor before doing inplace update." ..
		"See https://github.com/pytorch/rfcs/pull/17 for more details.",
		"in-place on an inference tensor outside")
	local w = torch.ones(2, {requires_grad = true})
	t.raises(function() (a * w):sum():backward() end,
		"Inference tensors cannot be saved for backward. To work around you can " ..
		"make a clone to get a normal tensor and use it in autograd.",
		"an inference tensor saved for backward")
	t.raises(function() a:requires_grad_() end,
		"Setting requires_grad=True on inference tensor outside InferenceMode is not allowed.",
		"requires_grad on an inference tensor")
	t.is((a:clone() * w):sum().requires_grad, true, "its clone is a normal tensor")
	do
		local g <close> = torch.inference_mode()
		local b = w * 2
		t.is(b.requires_grad, false, "<close> form: no history inside")
		t.is(b.grad_fn, nil, "no grad_fn")
	end
	t.is(torch.is_inference_mode_enabled(), false, "closed: off")
	t.is(torch.is_grad_enabled(), true, "closed: grad on")
	torch.inference_mode(false, function()
		t.is(torch.is_inference_mode_enabled(), false, "inference_mode(false, fn) is off inside")
	end)
	t.raises(function() torch.inference_mode(3) end, "torch.inference_mode",
		"a bad argument is refused")
end

-- views and grad mode: a view made under no_grad may not be written in
-- place with grad mode on
do
	local base = torch.ones(4, {requires_grad = true}):clone()
	local v
	torch.no_grad(function() v = base[{{1, 2}}] end)
	t.raises(function() v:mul_(2) end,
		"A view was created in no_grad mode and is being modified inplace with " ..
		"grad mode enabled. Given that this use case is ambiguous and " ..
		"error-prone, it is forbidden. You can clarify your code by moving both " ..
		"the view and the inplace either both inside the no_grad block (if you " ..
		"don't want the inplace to be tracked) or both outside (if you want the " ..
		"inplace to be tracked).", "no_grad view written in place")
	t.lives(function() torch.no_grad(function() v:mul_(2) end) end,
		"both under no_grad is allowed")
	-- a view of a detach()ed base: allowed (PyTorch 1.13: no error)
	local d = torch.ones(4, {requires_grad = true}):detach()
	local dv = d[{{1, 2}}]
	local r = torch.ones(2, {requires_grad = true})
	t.lives(function() dv:mul_(r) end, "a view of a detached base may be written")
	t.is(dv.grad_fn and dv.grad_fn:name(), "AsStridedBackward0",
		"and gets its base's new history")
	-- a view of a leaf requiring grad
	local l = torch.ones(3, {requires_grad = true})
	t.raises(function() l[{{1, 2}}]:mul_(2) end,
		"a view of a leaf Variable that requires grad is being used in an in-place operation.",
		"view of a leaf")
end

-- nodes: _saved_* attributes by PyTorch's names, dims 1-based
do
	local X = torch.randn(2, 3, {requires_grad = true})
	local Y = torch.randn(3, 2, {requires_grad = true})
	local mm = X:mm(Y)
	t.is(mm.grad_fn:saved_attributes(), {"_saved_self", "_saved_mat2"},
		"mm saves self and mat2")
	t.is(mm.grad_fn._saved_self.shape, torch.Size({2, 3}), "_saved_self is X")
	t.is(mm.grad_fn._saved_mat2.shape, torch.Size({3, 2}), "_saved_mat2 is Y")
	local e = X:exp()
	t.is(e.grad_fn:saved_attributes(), {"_saved_result"}, "exp saves its result")
	t.is((e.grad_fn._saved_result - e):abs():max():item(), 0, "which equals the output")
	local S = X:sum(2)
	t.is(S.grad_fn._saved_dim, {2}, "sum's _saved_dim (1-based)")
	t.is(S.grad_fn._saved_keepdim, false, "_saved_keepdim")
	t.is(S.grad_fn._saved_self_sym_sizes, {2, 3}, "_saved_self_sym_sizes")
	local mx = X:max(2)
	t.is(mx.grad_fn._saved_dim, 2, "max(dim)'s _saved_dim")
	t.ok(mx.grad_fn._saved_indices ~= nil, "and _saved_indices")
	local T = X:transpose(1, 2)
	t.is({T.grad_fn._saved_dim0, T.grad_fn._saved_dim1}, {1, 2}, "transpose's dims")
	local pw = X:pow(2)
	t.is(pw.grad_fn._saved_exponent, 2, "pow's _saved_exponent")
	t.is(pw.grad_fn._saved_nonexistent, nil, "an unknown _saved_ name is nil")
	mm.grad_fn.metadata.tag = "first"
	t.is(mm.grad_fn.metadata.tag, "first", "node.metadata is a table kept with the node")
	t.is(X:mm(Y).grad_fn.metadata.tag, nil, "one per node")
	mm:sum():backward()
	t.raises(function() return mm.grad_fn._saved_self end,
		"Trying to backward through the graph a second time (or directly access " ..
		"saved tensors after they have already been freed).",
		"saved tensors are gone after backward")
end

-- retain_graph defaults to create_graph
do
	local q = torch.ones(2, {requires_grad = true})
	local r = (q * q):sum()
	r:backward({create_graph = true})
	t.lives(function() r:backward() end, "after create_graph the graph is retained")
	t.is(q.grad:tolist(), {4, 4}, "and the second pass accumulates")
end

-- autograd.grad's keywords
do
	local X = torch.ones(2, {requires_grad = true})
	t.raises(function() torch.autograd.grad({X:sum()}, {X}, {is_grads_batched = true}) end,
		"is_grads_batched=true needs vmap", "is_grads_batched=true is refused clearly")
	local g = torch.autograd.grad({(X * 3):sum()}, {X}, {is_grads_batched = false})[1]
	t.is(g:tolist(), {3, 3}, "is_grads_batched=false is the plain grad")
	local g2 = torch.autograd.grad({(X * 3):sum()}, {X}, {only_inputs = true})[1]
	t.is(g2:tolist(), {3, 3}, "only_inputs is accepted (deprecated, ignored)")
	local y = X * 2
	local gy = torch.autograd.grad({y}, {X}, {grad_outputs = {torch.tensor({1.0, 10.0})}})[1]
	t.is(gy:tolist(), {2, 20}, "a non-scalar output with grad_outputs")
end

-- requires_grad_ on non-leaves; .grad and .data assignment
do
	local w = torch.ones(2, {requires_grad = true})
	t.raises(function() (w * 2):requires_grad_(false) end,
		"you can only change requires_grad flags of leaf variables. If you want to " ..
		"use a computed variable in a subgraph that doesn't require " ..
		"differentiation use var_no_grad = var.detach().",
		"requires_grad_(false) on a non-leaf")
	t.lives(function() (w * 2):requires_grad_(true) end, "requires_grad_(true) on one is fine")
	t.raises(function() w.grad = torch.ones(3) end,
		"assigned grad has data of a different size", ".grad of another size")
	t.raises(function() w.grad = torch.ones(2, {dtype = torch.float64}) end,
		"assigned grad has data of a different type", ".grad of another dtype")
	t.raises(function() w.grad = 3 end,
		"assigned grad expected to be a Tensor or None but got grad of type number",
		".grad of a number")
	local k = torch.ones(2, {requires_grad = true})
	k.data = torch.zeros(3)
	t.is(k:tolist(), {0, 0, 0}, "x.data = t takes t's values and shape")
	t.is(k.requires_grad, true, "and keeps requires_grad")
	t.raises(function() k.data = torch.zeros(3, {dtype = torch.int64}) end,
		"data set to a tensor that requires gradients must be floating point or complex dtype",
		"x.data = an integer tensor")
	t.raises(function() k.data = 3 end, "Variable data has to be a tensor, but got number",
		"x.data = a number")
end

-- hooks on a tensor later modified in place stay with the node of their
-- first registration, as PyTorch 1.13's hook dict (both saw [3, 6, 9])
do
	local x = torch.ones(3, {requires_grad = true})
	local y = x * 2
	local seen = {}
	y:register_hook(function(g) seen[#seen + 1] = g:tolist() end)
	y:mul_(3)
	y:register_hook(function(g) seen[#seen + 1] = g:tolist() end)
	;(y * torch.tensor({1.0, 2.0, 3.0})):sum():backward()
	t.is(seen, {{3, 6, 9}, {3, 6, 9}}, "both hooks see the gradient of the first version")
	t.is(x.grad:tolist(), {6, 12, 18}, "and x's gradient is right")
end

t.done()
