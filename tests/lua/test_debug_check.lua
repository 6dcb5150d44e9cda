-- test_debug_check.lua - agdb.check(node): gradcheck of one node's
-- backward at the inputs it saved; a deliberately wrong custom backward is
-- caught, with its worst element.
local t = dofile(os.getenv("top_srcdir") .. "/tests/lua/tap.lua")

local function has(s, text, name)
	return t.ok(s:find(text, 1, true), name .. " (" .. text:gsub("\n", "\\n") .. ")")
end

-- d(a*b)/da is b, not 2b: the custom backward below is wrong for a
local BadMul = torch.autograd.Function:extend("BadMul")
function BadMul.forward(ctx, a, b) ctx:save_for_backward(a, b); return a * b end
function BadMul.backward(ctx, g)
	local a, b = table.unpack(ctx.saved_tensors)
	return g * b * 2, g * a
end
x = torch.tensor({{1., 2.}, {3., 4.}}, {requires_grad = true})
w = torch.tensor({{0.5, -1.}, {2., 0.25}}, {requires_grad = true})
y = BadMul.apply(x, w)
local r = agdb.check(y)
t.is(r.ok, false, "a wrong backward: not ok")
has(r.text, "BadMulBackward", "names the node")
has(r.text, "the backward formula is WRONG", "says it is wrong")
t.is(r.worst.input, 1, "the worst element is in input 1 (a)")
t.near(r.worst.analytic, 2 * r.worst.numeric, 1e-6, "where the backward gives twice the true value")
t.near(r.worst.error, 2.0, 1e-6, "the worst error is at w = 2 (4 vs 2)")
t.is(r.worst.element_index, "(2, 1)", "at element (2, 1)")
t.near(r.inputs[2].max_error, 0, 1e-6, "input 2's formula is right")
has(r.text, "worst element: input 1 at (2, 1), output at (2, 1)", "the worst element in the text")

-- a right one passes
local GoodMul = torch.autograd.Function:extend("GoodMul")
function GoodMul.forward(ctx, a, b) ctx:save_for_backward(a, b); return a * b end
function GoodMul.backward(ctx, g)
	local a, b = table.unpack(ctx.saved_tensors)
	return g * b, g * a
end
r = agdb.check(GoodMul.apply(x, w))
t.is(r.ok, true, "a right backward: ok")
has(r.text, "the backward agrees with finite differences", "says so")

-- built-in ops, by a tensor, a node or the line form
z = x * w
t.is(agdb.check(z).ok, true, "MulBackward0 agrees")
t.is(agdb.check(z.grad_fn).ok, true, "a node works as well")
s = x:sin()
t.is(agdb.check("s").ok, true, ":check s (the line form)")
mm = x:mm(w)
t.is(agdb.check(mm).ok, true, "MmBackward0 agrees")

-- the paused node, when no node is named
out = (BadMul.apply(x, w)):sum()
agdb.bstep(out)
agdb.step()
r = agdb.check()
t.is(r.name, "BadMulBackward", ":check alone checks the paused node")
agdb.abort()

t.raises(function() agdb.check(x) end, "has no grad_fn", "a leaf has nothing to check")
t.raises(function() agdb.check(x:sum(1)) end, "takes arguments the trace log does not keep",
	"an op with arguments cannot be run again")
t.raises(function() agdb.check(torch.ones(100, 100, {requires_grad = true}) * 2) end,
	"too big to check", "too big")
t.done()
