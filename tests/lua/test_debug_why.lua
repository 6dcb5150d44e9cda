-- test_debug_why.lua - agdb.why(x): every reason a .grad is nil or zero,
-- each with the lines it names.
local t = dofile(os.getenv("top_srcdir") .. "/tests/lua/tap.lua")

local function here() return debug.getinfo(2, "l").currentline end
local function has(s, text, name)
	return t.ok(s:find(text, 1, true), name .. " (" .. text:gsub("\n", "\\n") .. ")")
end
local function line_of(l) return ":" .. l .. ":" end
-- a line named in the text: ":12" followed by a non-digit
local function names_line(s, l) return s:find(":" .. l .. "%f[^%d]") ~= nil end

-- not_reached: before any backward in the session
a0 = torch.ones(3, {requires_grad = true})
local r = agdb.why(a0)
t.is(r.reason, "not_reached", "no backward yet: not_reached")
has(r.text, "backward() has not run in this session yet", "no backward yet: says so")
t.is(tostring(r), r.text, "tostring of an answer is its text")
t.is(agdb.why("a0").reason, "not_reached", "the :why line form evaluates its argument")

-- not_nil: the statistics
x = torch.ones(2, 2, {requires_grad = true})
local l_y = here() + 1
y = x * 2
loss = (y * 3):sum()
loss:backward()
r = agdb.why(x)
t.is(r.reason, "not_nil", "a gradient: not_nil")
has(r.text, "x.grad is not nil: here are its statistics", "not_nil: the heading")
has(r.text, "mean|g| 6.00e+00", "not_nil: mean |g|")
t.is(r.stats.numel, 4, "not_nil: the statistics as facts")

-- not_leaf: made by an op, with its line, and the remedy
r = agdb.why(y)
t.is(r.reason, "not_leaf", "an op's result: not_leaf")
t.ok(names_line(r.text, l_y), "not_leaf: names the line that made it")
has(r.text, "mul", "not_leaf: names the op")
has(r.text, "retain_grad()", "not_leaf: retain_grad() is the remedy")

-- requires_grad_false: a leaf made without it (its first use named) ...
local l_wmade = here() + 1
w = torch.ones(2, 2)
local l_w = here() + 1
loss2 = (w * x):sum()
loss2:backward()
r = agdb.why(w)
t.is(r.reason, "requires_grad_false", "a plain leaf: requires_grad_false")
has(r.text, "made by torch.ones at", "requires_grad_false: names the factory that made it")
t.ok(names_line(r.text, l_wmade), "requires_grad_false: and the line where it was made")
has(r.text, "without requires_grad=true", "requires_grad_false: says what it was made without")
t.ok(r.created and r.created:find(":" .. l_wmade .. "$"), "requires_grad_false: the line as a fact")
t.ok(names_line(r.text, l_w), "requires_grad_false: names its first use")
has(r.text, "w.requires_grad = true", "requires_grad_false: the remedy")
-- ... or made by an op from inputs that need no gradient
local l_v = here() + 1
v = w * 3
r = agdb.why(v)
t.is(r.reason, "requires_grad_false", "made from constants: requires_grad_false")
t.ok(names_line(r.text, l_v), "requires_grad_false: names the op's line")

-- no_grad: created under no_grad (the region's lines) ...
f = torch.ones(3, {requires_grad = true})
local l_ng1 = here() + 2
g = torch.no_grad(function()
	local tmp = f * 2
	return tmp + 1
end)
local l_ng2 = l_ng1 + 1
e = torch.ones(3, {requires_grad = true})
loss3 = (g * e):sum()
loss3:backward()
r = agdb.why(g)
t.is(r.reason, "no_grad", "made under no_grad: no_grad")
t.ok(names_line(r.text, l_ng1) and names_line(r.text, l_ng2), "no_grad: the region's first and last lines")
t.is(#r.lines, 2, "no_grad: two lines as facts")
-- ... or used under no_grad on the way to the root
r = agdb.why(f)
t.is(r.reason, "no_grad", "used under no_grad: no_grad")
has(r.text, "only through ops run under no_grad", "no_grad: the path is under no_grad")
has(r.text, "loss3", "no_grad: names the root")

-- detached: detach() on the path to the root (the line)
c = torch.ones(3, {requires_grad = true})
h = c * 2
local l_det = here() + 1
hd = h:detach()
loss4 = (hd * e):sum()
loss4:backward()
r = agdb.why(c)
t.is(r.reason, "detached", "a detach() on the path: detached")
t.ok(names_line(r.text, l_det), "detached: names the detach line")
has(r.text, "detach()", "detached: the remedy names detach()")
-- detach_() too
c2 = torch.ones(3, {requires_grad = true})
h2 = c2 * 2
local l_det2 = here() + 1
h2:detach_()
loss5 = (h2 * e):sum()
loss5:backward()
r = agdb.why(c2)
t.is(r.reason, "detached", "detach_() on the path: detached")
t.ok(names_line(r.text, l_det2), "detached: names the detach_ line")
-- a tensor made by detach() itself
r = agdb.why(hd)
t.is(r.reason, "detached", "made by detach(): detached")
t.ok(names_line(r.text, l_det), "made by detach(): its line")

-- not_on_path: used elsewhere; the root is named
p = torch.ones(3, {requires_grad = true})
local l_use = here() + 1
unrelated = p * 5
loss6 = (e * 2):sum()
loss6:backward()
r = agdb.why(p)
t.is(r.reason, "not_on_path", "not on the path to the root: not_on_path")
has(r.text, "loss6", "not_on_path: names the root")
t.ok(names_line(r.text, l_use), "not_on_path: names where it was used")

-- not_reached: made after the last backward
q = torch.ones(3, {requires_grad = true})
loss7 = (q * 2):sum()
r = agdb.why(q)
t.is(r.reason, "not_reached", "made after the last backward: not_reached")
has(r.text, "after the last backward", "not_reached: says so")

-- hook_zero: a hook that returned zeros
k = torch.ones(3, {requires_grad = true})
local handle = k:register_hook(function(grad) return grad * 0 end)
loss8 = (k * 4):sum()
loss8:backward()
r = agdb.why(k)
t.is(r.reason, "hook_zero", "a hook returned zeros: hook_zero")
has(r.text, "register_hook", "hook_zero: names the hook")
has(r.text, "mean|g| 4.00e+00", "hook_zero: the gradient before the hook")
t.near(r.before.mean_abs, 4, 1e-6, "hook_zero: the statistics before the hook as facts")
handle:remove()

-- underflow: all zeros in float16
u = torch.ones(4, {dtype = torch.float16, requires_grad = true})
loss9 = ((u * 1e-4) * 1e-4):sum()
loss9:backward()
r = agdb.why(u)
t.is(r.reason, "underflow", "zeros in float16: underflow")
has(r.text, "float16", "underflow: names the dtype")
has(r.text, "GradScaler", "underflow: loss scaling is the remedy")

-- zero: a gradient that is exactly zero (a dead relu), in float32
d = torch.tensor({-1., -2.}, {requires_grad = true})
local l_relu = here() + 1
loss10 = d:relu():sum()
loss10:backward()
r = agdb.why(d)
t.is(r.reason, "zero", "a dead relu: zero")
has(r.text, "exactly zero", "zero: says so")
t.ok(names_line(r.text, l_relu), "zero: names where it was used")

-- zero_grad() zeros that no pass reached: the path's reason
m1 = torch.ones(2, {requires_grad = true})
m1.grad = torch.zeros(2)
loss11 = (e * 3):sum()
loss11:backward()
r = agdb.why(m1)
t.is(r.reason, "not_on_path", "zeros no pass wrote: the reason of the path")
has(r.text, "the zeros are left from before", "zeros no pass wrote: says where they came from")

t.raises(function() agdb.why(42) end, "expected a Tensor", "why of a number is an error")
t.raises(function() agdb.why("no_such_name") end, "is nil", "why of an unknown name is an error")

t.done()
