-- test_ag_saved_msg.lua - the "modified by an inplace operation" error
-- names the grad_fn PyTorch 1.13's SavedVariable::unpack names, in each
-- case: a saved input (its grad_fn now), a saved output (the node that
-- saved it), a view (its regenerated AsStridedBackward0), an output
-- written in place through a view (the view's grad_fn when saved), and a
-- base written through a view (torch::autograd::CopySlices).  The texts
-- were produced by PyTorch 1.13 on the same sessions.
local t = dofile(os.getenv("top_srcdir") .. "/tests/lua/tap.lua")
local torch = torch or require "torch"

local head = "one of the variables needed for gradient computation has been " ..
	"modified by an inplace operation: "
local hint = " Hint: enable anomaly detection to find the operation that " ..
	"failed to compute its gradient, with " ..
	"torch.autograd.set_detect_anomaly(True)."

local function leaf(n)
	local v = {}
	for i = 1, n do v[i] = i * 1.0 end
	return torch.tensor(v, {requires_grad = true})
end

local function check(fn, middle, name)
	t.raises(fn, head .. middle .. hint, name)
end

-- the issue's session: a saved input is named by its grad_fn now
check(function()
	local a = leaf(3)
	local b = a * 1
	local c = b * b
	b:add_(1)
	c:sum():backward()
end, "[torch.FloatTensor [3]], which is output 0 of AddBackward0, is at " ..
	"version 1; expected version 0 instead.",
	"saved input: named by the grad_fn it has now (AddBackward0)")

-- a saved output: the node that saved it, even after a later in-place op
check(function()
	local b = leaf(3):exp()
	b:mul_(2)
	b:sum():backward()
end, "[torch.FloatTensor [3]], which is output 0 of ExpBackward0, is at " ..
	"version 1; expected version 0 instead.",
	"saved output: named by the node that saved it (ExpBackward0)")
check(function()
	local e = (leaf(3) * 1):exp()
	e:add_(1)
	e:sum():backward()
end, "[torch.FloatTensor [3]], which is output 0 of ExpBackward0, is at " ..
	"version 1; expected version 0 instead.",
	"saved output of a non-leaf's op, modified by add_")

-- a view saved as an input: its history regenerated from the base
check(function()
	local b = leaf(4) * 1
	local v = b[{{2, 3}}]
	local c = v * v
	b:add_(1)
	c:sum():backward()
end, "[torch.FloatTensor [2]], which is output 0 of AsStridedBackward0, is " ..
	"at version 1; expected version 0 instead.",
	"saved view, its base modified: AsStridedBackward0")
check(function()
	local b = leaf(4) * 1
	local v = b[{{2, 3}}]
	local c = v * v
	v:add_(1)
	c:sum():backward()
end, "[torch.FloatTensor [2]], which is output 0 of AsStridedBackward0, is " ..
	"at version 1; expected version 0 instead.",
	"saved view, modified itself: AsStridedBackward0")

-- an output written in place through a view
check(function()
	local b = leaf(4) * 1
	local v = b[{{2, 3}}]
	v:exp_()
	v:add_(1)
	b:sum():backward()
end, "[torch.FloatTensor [2]], which is output 0 of ExpBackward0, is at " ..
	"version 2; expected version 1 instead.",
	"in-place on a view, modified again: the grad_fn it was saved with")
check(function()
	local b = leaf(4) * 1
	local v = b[{{2, 3}}]
	v:exp_()
	b:add_(1)
	b:sum():backward()
end, "[torch.FloatTensor [2]], which is output 0 of AsStridedBackward0, is " ..
	"at version 2; expected version 1 instead.",
	"in-place on a view, its base modified next: AsStridedBackward0")

-- a saved input written through a view of it: CopySlices, by its C++ name
check(function()
	local b = leaf(4) * 1
	local c = b * b
	b[{{2, 3}}]:mul_(2)
	c:sum():backward()
end, "[torch.FloatTensor [4]], which is output 0 of " ..
	"torch::autograd::CopySlices, is at version 1; expected version 0 instead.",
	"saved input written through a view: torch::autograd::CopySlices")

-- grad_fn:name() keeps the short name agdb's graph shows
do
	local b = leaf(4) * 1
	b[{{2, 3}}]:mul_(2)
	t.is(b.grad_fn:name(), "CopySlices", "the node's own name stays CopySlices")
end

t.done()
