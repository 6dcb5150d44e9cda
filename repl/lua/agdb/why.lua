-- agdb.why - "why is my gradient nil (or zero)?", answered from the graph,
-- the trace log and what the last backward pass left behind, with the
-- file:line of every event the answer names.
--
-- The reasons (answer.reason): not_leaf, requires_grad_false, no_grad,
-- detached, not_on_path, not_reached, hook_zero, underflow, zero, not_nil.
local torch = require "torch"
local core = require "agdb.core"
local A = require "agdb.answer"

local M = {}

local LOW_PRECISION = {float16 = true, bfloat16 = true}

-- Walks the trace log back from the last pass's roots: does x's id come
-- up, and on what terms?  Returns "clean", or "cut" with the detach event,
-- or "no_grad" with the event run under no_grad, or nil (not reached).
local function path_to_roots(T, pass, xid)
	local queue, seen, head = {}, {}, 1
	local best
	for _, r in ipairs(pass.roots) do
		queue[#queue + 1] = {id = r, before = pass.trace_seq + 1}
	end
	while head <= #queue do
		local it = queue[head]
		head = head + 1
		if it.id == xid then
			if not it.cut and not it.ng then return "clean" end
			best = best or it
		end
		local ev = A.maker(T, it.id, it.before)
		if ev then
			local cut, ng = it.cut, it.ng
			if ev.kind == "cut" then cut = cut or ev end
			if not ev.grad_mode then ng = ng or ev end
			for j, id in ipairs(ev.inputs) do
				if id ~= 0 and not ev.numbers[j] then
					local key = id .. ":" .. ev.seq .. ":" .. (cut and 1 or 0) .. (ng and 1 or 0)
					if not seen[key] then
						seen[key] = true
						queue[#queue + 1] = {id = id, before = ev.seq, cut = cut, ng = ng}
					end
				end
			end
		end
	end
	if best then
		if best.cut then return "cut", best.cut end
		return "no_grad", best.ng
	end
end

-- What the last pass started from: "loss (made by mean at in[4]:1)".
local function root_text(T, pass, names)
	local parts = {}
	for _, id in ipairs(pass.roots) do
		local ev = A.maker(T, id, pass.trace_seq + 1)
		local n = names[id]
		local s = n or ("a tensor #" .. id)
		if ev then s = s .. ", made by " .. A.event_text(ev) end
		parts[#parts + 1] = s
	end
	return table.concat(parts, ", ")
end

-- Where x went: its uses, a line each.
local function uses_text(T, xid)
	local u = T.used[xid]
	if not u or #u == 0 then return nil end
	local parts = {}
	for i = 1, math.min(#u, 4) do parts[i] = A.event_text(u[i]) end
	if #u > 4 then parts[#parts + 1] = ("and %d more"):format(#u - 4) end
	return table.concat(parts, ", ")
end

-- The reason x (a tensor that requires grad) got nothing from the last
-- pass, from the path between it and the pass's roots.
local function not_reached(x, info, T, pass, names, name, facts, lines)
	if pass.number == 0 then
		facts.reason = "not_reached"
		lines[#lines + 1] = ("  backward() has not run in this session yet: %s.grad is "
			.. "filled when a backward pass reaches %s."):format(name, name)
		return
	end
	if info.id > pass.newest_tensor then
		facts.reason = "not_reached"
		local ev = A.maker(T, info.id)
		lines[#lines + 1] = ("  %s was made%s after the last backward (which ran from %s); "
			.. "no backward has run since, so nothing reached it."):format(name,
			ev and (" by " .. A.event_text(ev)) or "", root_text(T, pass, names))
		facts.lines = {ev and ev.where}
		lines[#lines + 1] = "  remedy: run backward() on a result that uses " .. name .. "."
		return
	end
	if pass.grad_only then
		facts.reason = "not_reached"
		lines[#lines + 1] = ("  the last pass was torch.autograd.grad (from %s), which "
			.. "returns gradients instead of writing .grad."):format(root_text(T, pass, names))
		lines[#lines + 1] = "  remedy: take the gradient it returned, or call backward() to fill .grad."
		return
	end
	local how, ev = path_to_roots(T, pass, info.id)
	facts.root = root_text(T, pass, names)
	if how == "cut" then
		facts.reason = "detached"
		facts.event = ev
		facts.lines = {ev.where}
		lines[#lines + 1] = ("  the path from %s to the last backward's root (%s) is cut "
			.. "by %s: no gradient flows back through a detached tensor."):format(name,
			facts.root, A.event_text(ev))
		lines[#lines + 1] = ("  remedy: use the tensor itself where you wrote %s (detach() "
			.. "is for values you do not want gradients through)."):format(
			ev.inplace and "detach_()" or "detach()")
		return
	end
	if how == "no_grad" then
		facts.reason = "no_grad"
		facts.event = ev
		local first, last = A.no_grad_region(T, ev)
		facts.lines = {first, last}
		lines[#lines + 1] = ("  %s reaches the last backward's root (%s) only through ops run "
			.. "under no_grad: %s, in the no_grad region %s. Those ops record "
			.. "no history, so no gradient flows back."):format(name, facts.root,
			A.event_text(ev), A.region_text(first, last))
		lines[#lines + 1] = "  remedy: compute what needs a gradient outside torch.no_grad()."
		return
	end
	if how == "clean" then
		if not pass.ok then
			facts.reason = "not_reached"
			lines[#lines + 1] = ("  the last backward (from %s) failed before it reached %s "
				.. "(:explain shows the error)."):format(facts.root, name)
		else
			facts.reason = "not_reached"
			lines[#lines + 1] = ("  the last backward (from %s) reached %s, but its .grad was "
				.. "cleared since (x.grad = nil, or zero_grad({set_to_none=true}))."):format(
				facts.root, name)
		end
		return
	end
	facts.reason = "not_on_path"
	local uses = uses_text(T, info.id)
	facts.lines = {}
	for _, e in ipairs(T.used[info.id] or {}) do facts.lines[#facts.lines + 1] = e.where end
	lines[#lines + 1] = ("  %s is not on any path to the root of the last backward (%s): "
		.. "nothing that backward started from was computed from %s."):format(name,
		facts.root, name)
	if uses then
		lines[#lines + 1] = ("  %s was used by %s, but not on the way to that root."):format(name, uses)
	else
		lines[#lines + 1] = ("  %s has not been used by any op since it was made."):format(name)
	end
	lines[#lines + 1] = ("  remedy: call backward() on a result computed from %s."):format(name)
end

-- x.grad is there but all zeros: hooks, underflow, nothing reached it, or
-- a gradient that really is zero.
local function all_zero(x, info, st, T, pass, names, name, facts, lines)
	local before, after = core.hook_effect(x)
	if before and before.numel > 0 and (before.zero < before.numel or before.nan > 0) and
		after.numel > 0 and after.zero == after.numel then
		facts.reason = "hook_zero"
		facts.before, facts.after = before, after
		local acc = info.accumulator
		local ev
		for _, e in ipairs(T.used[info.id] or {}) do ev = ev or e end
		lines[#lines + 1] = ("  a hook on %s (%s:register_hook) returned zeros: the gradient "
			.. "arriving at %s had mean|g| %s, max|g| %s; after the hook it is all zero."):format(
			name, name, name, A.num(before.mean_abs), A.num(before.max_abs))
		if ev then
			facts.lines = {ev.where}
			lines[#lines + 1] = ("  the gradient came back through %s."):format(A.event_text(ev))
		end
		lines[#lines + 1] = ("  %s has %d hook%s; remedy: make the hook return nil (keep the "
			.. "gradient) or a tensor that is not zero, or remove it (handle:remove())."):format(
			name, info.hooks, info.hooks == 1 and "" or "s")
		return
	end
	if pass.number > 0 and not core.reached(x) and not pass.grad_only then
		lines[#lines + 1] = ("  the zeros are left from before (zero_grad(), or an earlier "
			.. "pass): the last backward did not reach %s."):format(name)
		not_reached(x, info, T, pass, names, name, facts, lines)
		return
	end
	if LOW_PRECISION[info.dtype] then
		facts.reason = "underflow"
		lines[#lines + 1] = ("  the gradient underflowed: %s is %s, whose smallest value "
			.. "above zero is %s, and every element of the gradient that reached it was "
			.. "smaller, so it rounded to zero."):format(name, info.dtype,
			A.num(info.dtype == "float16" and 2 ^ -24 or 2 ^ -133))
		local ev
		for _, e in ipairs(T.used[info.id] or {}) do ev = ev or e end
		if ev then
			facts.lines = {ev.where}
			lines[#lines + 1] = ("  it came back through %s, computed in %s."):format(
				A.event_text(ev), info.dtype)
		end
		lines[#lines + 1] = "  remedy: scale the loss (torch.amp.GradScaler), or compute in "
			.. "float32 (x:float())."
		return
	end
	facts.reason = "zero"
	local parts = {}
	for _, e in ipairs(T.used[info.id] or {}) do parts[#parts + 1] = A.event_text(e) end
	lines[#lines + 1] = ("  the gradient that reached %s is exactly zero: every path back "
		.. "multiplies it by zero (a dead relu, a mask, an op whose result was overwritten)."):format(name)
	if #parts > 0 then
		facts.lines = {}
		for _, e in ipairs(T.used[info.id] or {}) do facts.lines[#facts.lines + 1] = e.where end
		lines[#lines + 1] = ("  %s was used by %s."):format(name, table.concat(parts, ", "))
	end
end

-- agdb.why(x): the reason x.grad is nil or zero (or its statistics).
function M.why(x)
	local name
	x, name = A.value(x, "agdb.why")
	if not torch.is_tensor(x) then
		error(("agdb.why: expected a Tensor, got %s"):format(type(x)), 2)
	end
	local names = core.names()
	name = names[x:_id()] or name or "the tensor"
	local info = core.tensor_info(x)
	local T = A.trace()
	local pass = core.last_pass()
	local facts = {tensor = x, name = name}
	local lines = {}
	local g = info.grad
	if g then
		local st = core.stats(g)
		facts.stats = st
		if st.numel > 0 and (st.zero < st.numel or st.nan > 0) then
			facts.reason = "not_nil"
			lines[1] = ("%s.grad is not nil: here are its statistics"):format(name)
			lines[2] = "  " .. A.stats(st)
			lines[3] = ("  %d of %d elements are zero, %d NaN, %d Inf"):format(st.zero,
				st.numel, st.nan, st.inf)
			return A.new(facts, lines)
		end
		lines[1] = ("why is %s.grad zero?"):format(name)
		all_zero(x, info, st, T, pass, names, name, facts, lines)
		return A.new(facts, lines)
	end
	lines[1] = ("why is %s.grad nil?"):format(name)
	if not info.is_leaf and not info.retains_grad then
		facts.reason = "not_leaf"
		local ev = info.grad_fn and T.by_seq[core.node_info(info.grad_fn).trace_seq]
		facts.lines = {ev and ev.where}
		lines[#lines + 1] = ("  %s is not a leaf: it was made by %s%s, and backward() fills "
			.. ".grad only for leaves (tensors made with requires_grad=true)."):format(name,
			ev and A.event_text(ev) or "an op", info.grad_fn and
			(" (" .. info.grad_fn:name() .. ")") or "")
		lines[#lines + 1] = ("  remedy: call %s:retain_grad() before backward() to keep its "
			.. "gradient."):format(name)
		return A.new(facts, lines)
	end
	if not info.requires_grad then
		local ev = A.maker(T, info.id)
		facts.event = ev
		if ev and ev.kind == "cut" then
			facts.reason = "detached"
			facts.lines = {ev.where}
			lines[#lines + 1] = ("  %s was made by %s: a detached tensor has no history and "
				.. "requires no grad."):format(name, A.event_text(ev))
			lines[#lines + 1] = "  remedy: use the tensor it was detached from."
		elseif ev and not ev.grad_mode then
			facts.reason = "no_grad"
			local first, last = A.no_grad_region(T, ev)
			facts.lines = {first, last}
			lines[#lines + 1] = ("  %s was made under no_grad, by %s (the no_grad region is "
				.. "%s): ops there record no history, so it requires no grad."):format(
				name, A.event_text(ev), A.region_text(first, last))
			lines[#lines + 1] = "  remedy: compute it outside torch.no_grad()."
		elseif ev then
			facts.reason = "requires_grad_false"
			facts.lines = {ev.where}
			lines[#lines + 1] = ("  %s does not require grad: it was made by %s from tensors "
				.. "that do not require grad."):format(name, A.event_text(ev))
			lines[#lines + 1] = "  remedy: set requires_grad=true on the leaves it is computed from."
		else
			facts.reason = "requires_grad_false"
			local first = (T.used[info.id] or {})[1]
			local how, at = core.created(x)
			facts.created = at
			facts.lines = {at, first and first.where}
			lines[#lines + 1] = ("  %s does not require grad: it is a leaf made %swithout "
				.. "requires_grad=true%s."):format(name,
				how and ("by %s at %s "):format(how, at) or "",
				first and (", first used by " .. A.event_text(first)) or "")
			lines[#lines + 1] = ("  remedy: %s.requires_grad = true (or %s:requires_grad_()) "
				.. "before using it, or make it with {requires_grad=true}."):format(name, name)
		end
		return A.new(facts, lines)
	end
	not_reached(x, info, T, pass, names, name, facts, lines)
	return A.new(facts, lines)
end

return M
