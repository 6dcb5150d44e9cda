-- test_shape_ref.lua - the shape, indexing and linear algebra ops of issue
-- 11 against PyTorch 1.13: every case of fixtures/gen_shape_fixtures.py
-- (which holds each case twice, in Python and in Lua) is run here on the
-- same inputs, and its outputs (values, shape, dtype, node name, the nodes
-- below for some), its gradients, gradcheck and gradgradcheck are checked;
-- and each bad call of its error list fails with PyTorch's message.
local t = dofile(os.getenv("top_srcdir") .. "/tests/lua/tap.lua")
local torch = torch or require "torch"
local ref = dofile(os.getenv("top_srcdir") .. "/tests/lua/fixtures/shape_ref.lua")

local dtypes = {
	f64 = torch.float64, f32 = torch.float32, f16 = torch.float16,
	bf16 = torch.bfloat16, i64 = torch.int64, bool = torch.bool,
}
local tolerance = { float64 = 1e-12, float32 = 1e-6, float16 = 2e-3, bfloat16 = 1e-2 }

local function chain(fn)
	if not fn then return "None" end
	local kids = {}
	for _, e in ipairs(fn.next_functions) do
		if e[1] and e[1]:name() ~= "AccumulateGrad" then kids[#kids + 1] = chain(e[1]) end
	end
	return fn:name() .. (#kids > 0 and "(" .. table.concat(kids, ", ") .. ")" or "")
end

local function make(input)
	local x = torch.tensor(input.values, { dtype = dtypes[input.kind] })
	if input.kind == "f64" then x.requires_grad = true end
	return x
end

local function outputs_of(fn, inputs)
	local r = table.pack(fn(table.unpack(inputs)))
	if r.n == 1 and not torch.is_tensor(r[1]) then return r[1] end
	return r
end

local function shape_of(x)
	local s = {}
	for i = 1, x:dim() do s[i] = x:size(i) end
	return s
end

local function as_list(x)
	return x:dim() == 0 and x:item() or x:tolist()
end

for _, case in ipairs(ref) do
	local name = case.name
	local fn = assert(load("return " .. case.lua, "=" .. name))()
	local inputs = {}
	for i, input in ipairs(case.inputs) do inputs[i] = make(input) end
	local ok, outs = pcall(outputs_of, fn, inputs)
	if not t.ok(ok, name .. ": runs") then
		t.diag(outs)
		goto next
	end
	t.is(#outs, #case.outputs, name .. ": as many outputs as PyTorch")
	for k, want in ipairs(case.outputs) do
		local got = outs[k]
		if not got then break end
		local dt = tostring(got.dtype):gsub("torch%.", "")
		local tag = #case.outputs > 1 and (" [" .. k .. "]") or ""
		t.is(dt, want.dtype, name .. tag .. ": dtype")
		t.is(shape_of(got), want.shape, name .. tag .. ": shape")
		if tolerance[dt] then
			t.near(as_list(got), want.values, tolerance[dt], name .. tag .. ": values")
		else
			t.is(as_list(got), want.values, name .. tag .. ": values")
		end
		if (want.grad_fn == "AmaxBackward0" or want.grad_fn == "AminBackward0")
			and not torch.amax then
			-- matrix_norm's last reduction is amax/amin, which the
			-- reductions' branch brings
			t.diag(name .. tag .. ": node not checked, no torch.amax yet")
		else
			t.is(got.grad_fn and got.grad_fn:name(), want.grad_fn, name .. tag .. ": node")
		end
		if want.chain then
			t.is(chain(got.grad_fn), want.chain, name .. tag .. ": the nodes below")
		end
	end
	if case.grads then
		local total, wrt = nil, {}
		for k, w in ipairs(case.weights) do
			if w ~= nil and outs[k].requires_grad then
				local term = (outs[k] * torch.tensor(w, { dtype = torch.float64 })):sum()
				total = total and total + term or term
			end
		end
		for _, x in ipairs(inputs) do
			if x.requires_grad then wrt[#wrt + 1] = x end
		end
		local grads = torch.autograd.grad({ total }, wrt, { allow_unused = true })
		for i, g in ipairs(case.grads) do
			t.near(grads[i] and as_list(grads[i]), g, 1e-12,
				name .. ": gradient of input " .. i)
		end
		local unpacked = function(...)
			local r = outputs_of(fn, { ... })
			return table.unpack(r)
		end
		local quiet = { raise_exception = false }
		t.ok(torch.autograd.gradcheck(unpacked, inputs, quiet), name .. ": gradcheck")
		t.ok(torch.autograd.gradgradcheck(unpacked, inputs, quiet),
			name .. ": gradgradcheck")
	end
	::next::
end

-- bad arguments: PyTorch's message (dims and indices counted from 1), and
-- the session goes on
for _, case in ipairs(ref.errors) do
	local fn = assert(load("return " .. case.lua, "=" .. case.name))()
	local inputs = {}
	for i, input in ipairs(case.inputs) do inputs[i] = make(input) end
	local ok, err = pcall(fn, table.unpack(inputs))
	t.ok(not ok and tostring(err):find(case.error, 1, true) ~= nil,
		case.name .. ": " .. case.error)
	if ok or not tostring(err):find(case.error, 1, true) then
		t.diag("got: " .. tostring(err))
	end
end
t.done()
