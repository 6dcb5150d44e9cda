-- test_autocast.lua - torch.autocast: the dtype every op on PyTorch 1.13's
-- CPU autocast lists gives, for four mixes of input dtypes, against
-- PyTorch (fixtures/autocast_ref.lua, made by gen_autocast.py); the
-- region's forms, nesting, enabled = false, the cast cache, the trace
-- log's notes; float16 regions (an agdb extension).
local t = dofile(os.getenv("top_srcdir") .. "/tests/lua/tap.lua")
local torch = torch or require "torch"
local agdb = agdb or require "agdb"
local F = torch.nn.functional
local ref = dofile(os.getenv("top_srcdir") .. "/tests/lua/fixtures/autocast_ref.lua")

local function inputs(specs, mix, low)
	torch.manual_seed(1)
	local a = {}
	for k, s in ipairs(specs) do
		local kind, shape = s[1], s[2]
		local v
		if kind == "l" then
			v = torch.randint(1, s[3] + 1, shape)
		elseif kind == "i" then
			v = torch.arange(s[3], 0, -1):narrow(1, 1, shape[1])
		else
			v = kind == "p" and torch.rand(shape) * 0.8 + 0.1 or torch.randn(shape)
			if mix == "f64" then v = v:double()
			elseif mix == "low" or (mix == "mix" and k > 1) then v = v:to(low) end
		end
		a[k] = v
	end
	return a
end

local function run(case, mix, low)
	local call = assert(load("local torch, F, a = ...; return " .. case.call, case.name, "t"))
	local a = inputs(case.inputs, mix, low)
	local ok, r = pcall(function()
		return torch.autocast({device_type = "cpu", dtype = low}, function()
			local r = call(torch, F, a)
			return r
		end)
	end)
	if not ok then return "error", r end
	return tostring(r.dtype):gsub("^torch%.", ""), nil
end

-- divergences that are not autocast's (the op does the same outside it)
local KNOWN = {}

local names = {}
for _, case in ipairs(ref) do
	local base = case.name:match("^[^.]+")
	names[base] = true
	local policy = torch._C.autocast_policy(base)
	t.is(policy ~= nil, case.listed, case.name .. ": on a 1.13 CPU list as in PyTorch")
	for _, mix in ipairs({"f32", "low", "mix", "f64"}) do
		local got, err = run(case, mix, torch.bfloat16)
		local what = ("%s, %s inputs, bfloat16 autocast: dtype as PyTorch's"):format(case.name, mix)
		if KNOWN[case.name .. "/" .. mix] then
			t.todo(got == case.out[mix], what, KNOWN[case.name .. "/" .. mix])
		else
			t.is(got, case.out[mix], what .. (err and (" (" .. tostring(err) .. ")") or ""))
		end
		-- float16 regions: the same lists with float16 for bfloat16
		if case.listed then
			local want = case.out[mix]:gsub("bfloat16", "float16")
			got, err = run(case, mix, torch.float16)
			t.is(got, want, ("%s, %s inputs, float16 autocast%s"):format(
				case.name, mix, err and (" (" .. tostring(err) .. ")") or ""))
		end
	end
end

-- an op's policy is its ops.def line's column: no function of the list of
-- composed ones may also be an op there (an op added to ops.def that is on
-- a 1.13 list takes the column, and leaves this list)
local ops = torch._C.autocast_op_names()
local clash = {}
for name in pairs(torch._C.autocast_composites()) do
	if ops[name] ~= nil then clash[#clash + 1] = name end
end
table.sort(clash)
t.is(table.concat(clash, ", "), "", "no composed function is also an op of ops.def")
-- every op of ops.def on a list in the fixture has the column set
for _, case in ipairs(ref) do
	local base = case.name:match("^[^.]+")
	if case.listed and ops[base] ~= nil then
		t.ok(ops[base], base .. ": its ops.def line has the autocast column")
	end
end

-- the region's forms
local a, b = torch.randn(2, 3), torch.randn(3, 2)
t.is(torch.is_autocast_cpu_enabled(), false, "autocast is off by default")
t.is(torch.get_autocast_cpu_dtype(), torch.bfloat16, "its dtype is bfloat16 by default")
do
	local ac <close> = torch.autocast({device_type = "cpu", dtype = torch.bfloat16})
	t.is(torch.is_autocast_cpu_enabled(), true, "<close> form: on inside")
	t.is(torch.mm(a, b).dtype, torch.bfloat16, "mm runs in bfloat16")
	t.is(a:mm(b).dtype, torch.bfloat16, "and as a method")
	do
		local off <close> = torch.autocast({device_type = "cpu", enabled = false})
		t.is(torch.is_autocast_cpu_enabled(), false, "enabled=false inside: off")
		t.is(torch.mm(a, b).dtype, torch.float32, "mm keeps float32 there")
	end
	t.is(torch.is_autocast_cpu_enabled(), true, "on again after the inner region")
	local inner = torch.autocast({device_type = "cpu", dtype = torch.float16}, function()
		t.is(torch.get_autocast_cpu_dtype(), torch.float16, "nested float16 region")
		return torch.mm(a, b)
	end)
	t.is(inner.dtype, torch.float16, "the function form returns fn's results")
	t.is(torch.get_autocast_cpu_dtype(), torch.bfloat16, "the outer dtype is back")
end
t.is(torch.is_autocast_cpu_enabled(), false, "off after the region")
t.is(torch.mm(a, b).dtype, torch.float32, "mm is float32 again")

t.raises(function()
	torch.autocast({device_type = "cpu"}, function() error("boom") end)
end, "boom", "an error in fn passes through")
t.is(torch.is_autocast_cpu_enabled(), false, "and the region is left")
t.raises(function() torch.autocast({dtype = torch.bfloat16}) end,
	"missing 1 required positional argument: 'device_type'", "device_type is required")
t.raises(function() torch.autocast({device_type = "tpu"}) end,
	"User specified autocast device_type must be 'cuda' or 'cpu'", "PyTorch's device text")
t.raises(function() torch.autocast({device_type = "cpu", dtyp = torch.float16}) end,
	"unexpected keyword argument 'dtyp'", "a misspelt option")
t.raises(function() torch.set_autocast_cpu_dtype(torch.float64) end,
	"Currently, AutocastCPU only support Bfloat16 as the autocast_cpu_dtype", "set_autocast_cpu_dtype")
do
	local ac <close> = torch.autocast({device_type = "cpu", dtype = torch.float64})
	t.is(torch.is_autocast_cpu_enabled(), false, "an unsupported dtype disables the region (a warning)")
end
local lin = torch.nn.Linear(3, 2)
t.is(torch.autocast({device_type = "cpu"}, lin, a).dtype, torch.bfloat16,
	"a module is called like a function, with the arguments after it")
t.raises(function() torch.autocast({device_type = "cpu"}, 42) end,
	"argument 2 must be a function or nothing", "a value that cannot be called")
t.is(torch.cpu.amp.autocast({}, function() return torch.mm(a, b).dtype end), torch.bfloat16,
	"torch.cpu.amp.autocast")
t.is(torch.amp.autocast({device_type = "cpu"}, function() return torch.is_autocast_cpu_enabled() end),
	true, "torch.amp.autocast")

-- gradients: a float32 leaf gets a float32 gradient through the cast; the
-- cast of a leaf is made once per region (cache_enabled)
local w = torch.randn(3, 4, {requires_grad = true})
local x = torch.randn(2, 3)
local y1, y2
torch.autocast({device_type = "cpu"}, function()
	y1 = x:mm(w)
	y2 = x:mm(w)
end)
t.is(y1.grad_fn.next_functions[2][1], y2.grad_fn.next_functions[2][1],
	"the weight's cast is shared by both products (the cache)")
t.is(y1.grad_fn.next_functions[2][1]:name(), "ToCopyBackward0", "a ToCopyBackward0 node")
;(y1:float():sum() + y2:float():sum()):backward()
t.is(w.grad.dtype, torch.float32, "the leaf's gradient is float32")
torch.autocast({device_type = "cpu", cache_enabled = false}, function()
	y1 = x:mm(w)
	y2 = x:mm(w)
end)
t.ok(y1.grad_fn.next_functions[2][1] ~= y2.grad_fn.next_functions[2][1],
	"cache_enabled=false: cast per use")

-- float16 products are computed in float32 on float16-rounded values and
-- rounded on store: the result is x:half():float() @ w:half():float()
-- rounded to float16
local p = torch.autocast({device_type = "cpu", dtype = torch.float16}, function() return x:mm(w) end)
local q = (x:half():float():mm(w:detach():half():float())):half()
t.is(p:float():tolist(), q:float():tolist(), "float16 mm: float32 compute on rounded inputs, rounded result")
local g = torch.randn(2, 4)
local wg = torch.randn(3, 4, {requires_grad = true})
torch.autocast({device_type = "cpu", dtype = torch.float16}, function()
	return x:mm(wg)
end):float():backward(g)
local want = x:half():float():t():mm(g:half():float()):half():float()
t.is(wg.grad:tolist(), want:tolist(), "its gradient is rounded to float16 where a float16 kernel stores it")

-- backward is not cast: the products inside it keep their dtypes
local w2 = torch.randn(3, 4, {requires_grad = true})
local out
torch.autocast({device_type = "cpu"}, function()
	out = x:mm(w2):sum()
	out:backward()
end)
t.is(w2.grad.dtype, torch.float32, "backward inside a region")

-- the trace log notes each cast, and the forward view shows it
torch.autograd.clear_trace()
torch.autocast({device_type = "cpu"}, function() return x:mm(w) end)
local notes = {}
for _, ev in ipairs(torch.autograd.trace_log()) do
	if ev.note then notes[#notes + 1] = ev.note end
end
t.ok(#notes >= 2, "two casts logged")
t.is(notes[1], "autocast: float32 -> bfloat16 for mm", "the note says what, from, to, for which op")
XC, WC = x, w
local fwd = tostring(agdb.graph(torch.autocast({device_type = "cpu"}, function() return XC:mm(WC) end),
	{view = "forward"}))
t.ok(fwd:find("autocast: float32 -> bfloat16 for mm", 1, true), "the forward view shows the cast")
XC, WC = nil, nil
torch.autograd.clear_trace()
torch.autocast({device_type = "cpu", dtype = torch.float16}, function() return F.linear(x, w:t()) end)
notes = {}
for _, ev in ipairs(torch.autograd.trace_log()) do
	if ev.note then notes[#notes + 1] = ev.note end
end
t.is(notes[#notes], "autocast: float32 -> float16 for linear",
	"float16: linear's inputs cast to float16, which it runs in")

t.done()
