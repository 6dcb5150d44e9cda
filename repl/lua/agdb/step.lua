-- agdb.step - "what does backward actually do, step by step?"
--
-- The pass itself is held by core (ldebug_step.c); this writes what each
-- stop shows: the node that ran last with the gradients in and out of it
-- (their statistics), the node that runs next with the gradients waiting
-- for it and the tensors it saved (and their versions), and the nodes
-- still pending, in the engine's order.  Also the breakpoint commands and
-- agdb.set.
local torch = require "torch"
local core = require "agdb.core"
local A = require "agdb.answer"

local M = {}

local HINT = "  :step [N] runs nodes, :continue to the next breakpoint, :finish to the end, "
	.. ":abort drops the pass"

local function saved_lines(info, lines, prefix)
	local out = {}
	for i, s in ipairs(info.saved) do
		if s.defined then
			local name = s.is_output and "result" or (s.index == 0 and "self") or
				(s.index == 1 and "other") or (s.index and s.index >= 0 and
				("input " .. (s.index + 1))) or ("[" .. i .. "]")
			local text
			if s.released then
				text = ("%s: freed by backward"):format(name)
			else
				text = ("%s: %s %s, version %d"):format(name, A.shape(s.shape), s.dtype,
					s.current_version)
				if s.current_version ~= s.saved_version then
					text = text .. (" -- MODIFIED: saved at version %d; backward will "
						.. "fail here (:explain after it does)"):format(s.saved_version)
				else
					text = text .. " (as saved)"
				end
			end
			out[#out + 1] = text
		end
	end
	if #out == 0 then
		lines[#lines + 1] = prefix .. "nothing"
		return
	end
	for i, t in ipairs(out) do
		lines[#lines + 1] = (i == 1 and prefix or (" "):rep(#prefix)) .. t
	end
end

local function grads_lines(label, list, lines)
	for i, g in ipairs(list) do
		lines[#lines + 1] = ("  %-10s[%d] %s"):format(i == 1 and label or "", i,
			g and A.stats(g) or "none (no gradient: it runs with zeros)")
	end
end

-- The text of a stop, from the facts core pushed.
function M.report(f)
	local T = A.trace()
	local varof = A.vars_of_nodes()
	local lines = {f.reason}
	local facts = {reason = f.reason, finished = f.finished, steps = f.steps,
		breakpoint = f.breakpoint}
	if f.ran then
		local ev = A.node_where(T, f.ran.node)
		facts.ran = f.ran
		lines[#lines + 1] = ("ran %s%s"):format(A.node_text(f.ran.node, nil, varof),
			ev and (", made by " .. A.event_text(ev)) or "")
		grads_lines("grads in", f.ran.grads_in, lines)
		if f.ran.grads_out then
			local info = core.node_info(f.ran.node)
			for i, g in ipairs(f.ran.grads_out) do
				local to = info.next[i] and info.next[i].node
				local dest = to and A.node_text(to, nil, varof) or "nothing (no gradient needed)"
				lines[#lines + 1] = ("  %-10s[%d] %s -> %s"):format(i == 1 and "grads out" or "",
					i, g and A.stats(g) or "none", dest)
			end
		end
	end
	if f.node then
		local ev, info = A.node_where(T, f.node)
		facts.node = f.node
		facts.name = f.node:name()
		facts.saved = info.saved
		facts.grads = f.grads
		lines[#lines + 1] = ("paused before %s%s · step %d, %d node%s pending"):format(
			A.node_text(f.node, nil, varof), ev and (", made by " .. A.event_text(ev)) or "",
			f.steps, #f.pending, #f.pending == 1 and "" or "s")
		grads_lines("grads in", f.grads, lines)
		saved_lines(info, lines, "  saved     ")
		local names = {}
		for i, n in ipairs(f.pending) do
			names[i] = A.node_text(n, nil, varof)
			if i >= 12 and #f.pending > 13 then
				names[#names + 1] = ("... %d more"):format(#f.pending - 12)
				break
			end
		end
		facts.pending = {}
		for i, n in ipairs(f.pending) do facts.pending[i] = n:name() end
		lines[#lines + 1] = "  pending   " .. table.concat(names, ", ")
		lines[#lines + 1] = HINT
	elseif f.finished then
		lines[#lines + 1] = ("%d node%s ran; the leaves' .grad are filled"):format(f.steps,
			f.steps == 1 and "" or "s")
	end
	return A.new(facts, lines)
end

function M.aborted(f)
	return A.new({reason = "aborted", steps = f.steps, finished = false},
		("backward aborted after %d node%s: the leaves' .grad are as they were before it, and "
		.. "the graph keeps its saved tensors (a later backward() works)"):format(f.steps,
		f.steps == 1 and "" or "s"))
end

-- agdb.bstep(t, [gradient], [{retain_graph, create_graph}])
function M.bstep(t, grad, opts)
	t = A.value(t, "agdb.bstep")
	if not torch.is_tensor(t) then
		error("agdb.bstep: expected a Tensor (the result to run backward from)", 2)
	end
	if type(grad) == "table" and not torch.is_tensor(grad) then grad, opts = nil, grad end
	opts = opts or {}
	return core.bstep(t, grad, opts.retain_graph, opts.create_graph)
end

function M.step(n)
	if type(n) == "string" then
		n = n:match("^%s*(.-)%s*$")
		n = n ~= "" and math.tointeger(tonumber(n)) or nil
		if n == nil then error("agdb.step: the number of nodes to run, e.g. :step 3", 2) end
	end
	return core.step(n)
end

function M.continue() return core.continue() end
function M.finish() return core.finish() end
function M.abort() return core.abort() end

local function bp_text(b)
	local what = ({
		op = "before %s runs", nan = "when a node returns a NaN", inf = "when a node returns an Inf",
		grad = "when a node returns a gradient with max|g| > %s",
		var = "when the gradient reaches %s", watch = "when %s is modified in place",
	})[b.kind]
	return ("%s %d: %s (hit %d time%s)"):format(b.kind == "watch" and "watchpoint" or "breakpoint",
		b.id, what:format(b.kind == "grad" and A.num(b.limit) or b.spec), b.hits,
		b.hits == 1 and "" or "s")
end

-- agdb.break_on(spec)
function M.break_on(spec)
	if type(spec) ~= "string" then
		error("agdb.break_on: a string: an op (MulBackward0), nan, inf, grad>1e3 or a "
			.. "tensor's name", 2)
	end
	local b = core.break_on(spec:match("^%s*(.-)%s*$"))
	return A.new(b, bp_text(b) .. "; a backward() stops there (:continue goes on)")
end

function M.watch(name)
	if type(name) ~= "string" then error("agdb.watch: the name of a global tensor", 2) end
	local b = core.watch(name:match("^%s*(.-)%s*$"))
	return A.new(b, bp_text(b) .. " (version " .. b.version .. " now)")
end

function M.info(what)
	local list = core.breakpoints()
	local lines = {}
	if #list == 0 then
		lines[1] = "no breakpoints or watchpoints (:break OPNAME|nan|inf|grad>X|VAR, :watch VAR)"
	end
	for _, b in ipairs(list) do lines[#lines + 1] = bp_text(b) end
	return A.new({breakpoints = list}, lines)
end

function M.delete(n)
	if type(n) == "string" then
		n = n:match("^%s*(.-)%s*$")
		n = n ~= "" and (math.tointeger(tonumber(n)) or error("agdb.delete: a number, "
			.. "got '" .. n .. "'", 2)) or nil
	end
	local k = core.delete(n)
	return A.new({deleted = n or k}, n and ("deleted %d"):format(n) or
		("deleted all (%d)"):format(k))
end

-- agdb.set{vanish=1e-8, explode=1e4, track_updates=true}; the line form
-- gives words "vanish=1e-8".
function M.set(...)
	local t = ...
	if type(t) ~= "table" then
		t = {}
		for _, w in ipairs({...}) do
			local k, v = tostring(w):match("^([%w_]+)=(.+)$")
			if not k then error("agdb.set: NAME=VALUE, got '" .. tostring(w) .. "'", 2) end
			if v == "true" or v == "false" then t[k] = v == "true"
			else t[k] = tonumber(v) or error("agdb.set: " .. k .. " needs a number, got '" .. v .. "'", 2) end
		end
	end
	for k, v in pairs(t) do
		if k ~= "vanish" and k ~= "explode" and k ~= "track_updates" then
			error("agdb.set: unknown setting '" .. tostring(k) .. "' (vanish, explode, track_updates)", 2)
		end
		if (k == "vanish" or k == "explode") and (type(v) ~= "number" or v < 0) then
			error("agdb.set: " .. k .. " must be a number >= 0", 2)
		end
	end
	if t.track_updates then require("agdb.gradflow").track(true) end
	local s = core.settings(t)
	return A.new(s, ("vanish below %g, explode above %g (max |g|); update ratios %s"):format(
		s.vanish, s.explode, s.track_updates and "tracked" or "not tracked"))
end

return M
