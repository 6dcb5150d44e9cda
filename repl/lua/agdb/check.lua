-- agdb.check - gradcheck of one node's backward formula, at the inputs it
-- saved: the node's op is run again on float64 copies of those inputs, its
-- backward gives the Jacobian one output element at a time, central
-- differences give it numerically, and the worst element is reported.
-- What it is for: a custom torch.autograd.Function whose backward is wrong.
--
-- A node can be checked when its op can be run again from what the trace
-- log kept: a custom Function, or a built-in op without arguments of its
-- own (dims and bounds are not logged).
local torch = require "torch"
local core = require "agdb.core"
local A = require "agdb.answer"

local M = {}

local EPS, ATOL, RTOL = 1e-6, 1e-5, 1e-3
local MAX_WORK = 40000	-- Jacobian entries compared

-- The node to check: given, the paused one, or the one that failed last.
local function node_of(arg)
	if arg == nil or arg == "" then
		local stop = core.stop()
		if stop and stop.node then return stop.node end
		local err = core.last_error()
		if err and err.node then return err.node end
		error("agdb.check: which node? (:check EXPR names a tensor or a grad_fn; with "
			.. "nothing, the paused or failed node)", 3)
	end
	local v = A.value(arg, "agdb.check")
	if torch.is_tensor(v) then
		if not v.grad_fn then
			error("agdb.check: the tensor has no grad_fn: nothing to check", 3)
		end
		return v.grad_fn
	end
	if type(v) == "userdata" and v.name then return v end
	error("agdb.check: expected a node or a tensor with a grad_fn, got " .. type(v), 3)
end

-- The live tensor with this id.
local function live(id)
	for _, t in ipairs(core.tensors()) do
		if t:_id() == id then return t end
	end
end

-- The forward function and its arguments, from the node's trace event.
local function forward_of(node, info, ev)
	local args = {}
	for j, id in ipairs(ev.inputs) do
		if ev.numbers[j] then
			args[j] = ev.numbers[j]
		else
			local t
			for slot, s in ipairs(info.saved) do
				if not s.is_output and s.index == j - 1 and s.defined then
					t = core.node_saved(node, slot)	-- nil once modified or freed
				end
			end
			t = t or live(id)
			if not t then
				error(("agdb.check: input %d of %s is gone (freed) and was not saved"):format(
					j, node:name()), 4)
			end
			args[j] = t
		end
	end
	local _, cls = core.function_ctx(node)
	if cls then
		return function(...) return cls.apply(...) end, args
	end
	local has_args, op = core.op_args(node)
	if has_args or type(torch[op]) ~= "function" then
		error(("agdb.check: %s cannot be run again: its op (%s) takes arguments the trace "
			.. "log does not keep"):format(node:name(), op), 4)
	end
	return torch[op], args
end

local function numel(t) return t:numel() end

-- agdb.check([node])
function M.check(arg)
	local node = node_of(arg)
	local info = core.node_info(node)
	if info.variable then
		error("agdb.check: AccumulateGrad only adds into .grad: there is no formula to check", 2)
	end
	local T = A.trace()
	local ev = T.by_seq[info.trace_seq]
	if not ev then
		error(("agdb.check: the op that made %s is no longer in the trace log"):format(
			node:name()), 2)
	end
	local fwd, args = forward_of(node, info, ev)
	local was_tracing = torch.autograd.is_trace_enabled()
	torch.autograd.set_trace_enabled(false)	-- the check's ops are not the user's
	local ok, res = pcall(function()
		local x = {}
		local inputs = {}
		for j, a in ipairs(args) do
			if torch.is_tensor(a) and a.dtype.is_floating_point ~= false and
				tostring(a.dtype):find("float") then
				x[j] = a:detach():double():clone():requires_grad_()
				inputs[#inputs + 1] = j
			else
				x[j] = a
			end
		end
		local out = torch.enable_grad(function() return fwd(table.unpack(x, 1, #args)) end)
		if not torch.is_tensor(out) then error("the forward did not return a tensor") end
		local work = 0
		for _, j in ipairs(inputs) do work = work + numel(x[j]) * numel(out) end
		if work > MAX_WORK then
			error(("too big to check (%d Jacobian entries; at most %d): check a smaller "
				.. "example of the same op"):format(work, MAX_WORK))
		end
		local m = numel(out)
		local flat_out = out:detach():reshape(-1)
		-- the Jacobian from the backward, row by row
		local ins = {}
		for k, j in ipairs(inputs) do ins[k] = x[j] end
		local analytic = {}
		for r = 1, m do
			local go = torch.zeros(m, {dtype = torch.float64})
			go[r] = 1
			local gs = torch.autograd.grad({out}, ins, {grad_outputs = {go:view(out.shape)},
				retain_graph = true, allow_unused = true})
			analytic[r] = {}
			for k = 1, #ins do
				analytic[r][k] = gs[k] and gs[k]:reshape(-1):tolist() or false
			end
		end
		-- and from central differences
		local worst, per = nil, {}
		for k, j in ipairs(inputs) do
			local xs = x[j]:detach():clone()
			local flat = xs:view(-1)
			per[k] = {input = j, max_error = 0, shape = x[j].shape}
			for e = 1, numel(xs) do
				local v = flat[e]:item()
				local function at(val)
					flat[e] = val
					local call = {}
					for i = 1, #args do call[i] = x[i] end
					call[j] = xs
					return torch.no_grad(function()
						return fwd(table.unpack(call, 1, #args)):detach():double():reshape(-1):tolist()
					end)
				end
				local plus, minus = at(v + EPS), at(v - EPS)
				flat[e] = v
				for r = 1, m do
					local n = (plus[r] - minus[r]) / (2 * EPS)
					local a = analytic[r][k] and analytic[r][k][e] or 0
					local err = math.abs(a - n)
					local scaled = err / (ATOL + RTOL * math.abs(n))
					if err > per[k].max_error then per[k].max_error = err end
					if not worst or scaled > worst.scaled then
						worst = {scaled = scaled, input = j, element = e, output = r,
							analytic = a, numeric = n, error = err, shape = x[j].shape}
					end
				end
			end
		end
		return {worst = worst, per = per, out_shape = out.shape, m = m}
	end)
	torch.autograd.set_trace_enabled(was_tracing)
	if not ok then error("agdb.check: " .. tostring(res), 2) end
	local made = A.event_text(ev)
	local w = res.worst
	local good = not w or w.scaled <= 1
	local facts = {node = node, name = node:name(), ok = good, worst = w, inputs = res.per}
	local lines = {("check of %s (made by %s): %s"):format(node:name(), made,
		good and "the backward agrees with finite differences" or
		"the backward formula is WRONG")}
	lines[#lines + 1] = ("  at the inputs it saved, in float64, against central differences "
		.. "(eps %g; an element fails past %g + %g * |numeric|)"):format(EPS, ATOL, RTOL)
	if w then
		local function index(shape, e)
			local idx, r = {}, e - 1
			for d = #shape, 1, -1 do idx[d] = r % shape[d] + 1; r = r // shape[d] end
			return "(" .. table.concat(idx, ", ") .. ")"
		end
		w.element_index = index(w.shape, w.element)
		w.output_index = index(res.out_shape, w.output)
		lines[#lines + 1] = ("  worst element: input %d at %s, output at %s: the backward "
			.. "gives %.6f, finite differences %.6f (error %s)"):format(w.input,
			#w.shape > 0 and w.element_index or "()", #res.out_shape > 0 and w.output_index
			or "()", w.analytic, w.numeric, A.num(w.error))
	end
	local parts = {}
	for _, p in ipairs(res.per) do
		parts[#parts + 1] = ("input %d %s: max error %s"):format(p.input, A.shape(p.shape),
			A.num(p.max_error))
	end
	if #parts > 0 then lines[#lines + 1] = "  " .. table.concat(parts, "; ") end
	return A.new(facts, lines)
end

return M
