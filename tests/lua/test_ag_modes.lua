-- test_ag_modes.lua - detach, detach_, no_grad/enable_grad/set_grad_enabled
-- as functions and as <close> values, nesting.
local t = dofile(os.getenv("top_srcdir") .. "/tests/lua/tap.lua")
local torch = torch or require "torch"

local x = torch.ones(3, {requires_grad = true})
local y = x * 2
local d = y:detach()
t.ok(not d.requires_grad and d.grad_fn == nil and d.is_leaf, "detach cuts history")
d[1] = 5
t.is(y:tolist(), {5, 2, 2}, "detach shares storage")
t.is(y._version, 1, "and the version counter")

local e = x * 3
e:detach_()
t.ok(not e.requires_grad and e.grad_fn == nil, "detach_ cuts in place")
t.raises(function() local v = (x * 1)[{{1, 2}}]; v:detach_() end,
	"Can't detach views in-place. Use detach() instead.", "detach_ of a view")

t.ok(torch.is_grad_enabled(), "grad mode is on by default")
local z = torch.no_grad(function() return x * 2 end)
t.ok(not z.requires_grad, "ops in torch.no_grad(fn) record nothing")
t.ok(torch.is_grad_enabled(), "and the mode is restored after fn")
do
	local g <close> = torch.no_grad()
	t.ok(not torch.is_grad_enabled(), "a <close> no_grad turns grad off")
	local w = x * 2
	t.ok(not w.requires_grad, "so nothing records")
	do
		local e2 <close> = torch.enable_grad()
		t.ok(torch.is_grad_enabled(), "enable_grad nests inside no_grad")
		t.ok((x * 2).requires_grad, "and records")
	end
	t.ok(not torch.is_grad_enabled(), "leaving enable_grad restores no_grad")
end
t.ok(torch.is_grad_enabled(), "leaving no_grad restores grad mode")

pcall(torch.no_grad, function() error("boom") end)
t.ok(torch.is_grad_enabled(), "an error inside no_grad(fn) restores the mode")

do
	local s <close> = torch.set_grad_enabled(false)
	t.ok(not torch.is_grad_enabled(), "set_grad_enabled(false) as <close>")
end
t.ok(torch.is_grad_enabled(), "restored")
t.is(torch.set_grad_enabled(false, function() return torch.is_grad_enabled() end), false,
	"set_grad_enabled(b, fn)")

-- in-place on a leaf is fine under no_grad (an optimizer step)
local wgt = torch.ones(2, {requires_grad = true})
torch.no_grad(function() wgt:sub_(torch.tensor({0.5, 0.5})) end)
t.is(wgt:tolist(), {0.5, 0.5}, "in-place update of a leaf under no_grad")
t.ok(wgt.is_leaf and wgt.requires_grad, "it stays a leaf")
t.done()
