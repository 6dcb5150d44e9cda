-- test_box_identity.lua - a core tensor has one Lua value while it has
-- one: `==` is identity across pushes of the same tensor (views' _base,
-- .grad, x:contiguous()), also after collections that free and reuse the
-- places where boxes are found, after __close, and after __gc by hand.
local t = dofile(os.getenv("top_srcdir") .. "/tests/lua/tap.lua")
local torch = torch or require "torch"

local x = torch.ones(3)
t.ok(x:contiguous() == x, "x:contiguous() is x")
t.ok(x + 0 ~= x, "a fresh result is a value of its own")

-- many boxes made and collected in between: the survivors stay found
local keep, views = {}, {}
for i = 1, 200 do
	keep[i] = torch.full({2}, i)
	views[i] = keep[i]:view(2)
end
for _ = 1, 30000 do local c = x + x end
collectgarbage()
for _ = 1, 30000 do local c = x * 2 end
local same, values = true, true
for i = 1, 200 do
	if views[i]._base ~= keep[i] then same = false end
	if views[i]._base:tolist()[1] ~= i then values = false end
end
t.ok(same, "each view's _base is its base, after boxes were freed and made")
t.ok(values, "and holds its own values")

-- a leaf's .grad read twice, with collections between
local w = torch.ones(2, {requires_grad = true})
;(w * 3):sum():backward()
local g = w.grad
for _ = 1, 20000 do local c = w + 1 end
collectgarbage()
t.ok(w.grad == g, ".grad is the same value across collections")
g = nil
collectgarbage()
t.is(w.grad:tolist(), {3, 3}, ".grad boxed again once its old value is gone")
t.ok(w.grad == w.grad, "and the new value is found again")

-- __close drops the box: the tensor, still held by a view, gets a new one
local v = torch.ones(2)
local vv = v:view(2)
do local b <close> = vv._base end
t.ok(tostring(v):find("closed", 1, true) ~= nil, "the closed box says so")
local b2 = vv._base
t.is(b2:tolist(), {1, 1}, "the view's base comes back in a fresh box")
t.ok(vv._base == b2, "which is found again")

-- __gc called by hand leaves an inert box; the tensor gets a new one
local u = torch.zeros(2)
local uv = u:view(2)
getmetatable(u).__gc(u)
t.ok(tostring(u):find("finalized", 1, true) ~= nil, "a box finalized by hand is inert")
t.ok(uv._base ~= u, "its tensor gets another box")
t.ok(uv._base == uv._base, "found again after that")
for _ = 1, 20000 do local c = uv + 1 end
collectgarbage()
t.is(uv._base:tolist(), {0, 0}, "which survives collections")

t.done()
