-- agdb.answer - what the debugger's answers share: the answer object (a
-- table of facts whose `text` is what it prints; tostring gives the text,
-- so an answer typed at the prompt prints itself), the value of a
-- :command's argument, names of tensors, numbers and shapes as text, and
-- the trace log read as "who made this tensor, who used it, where".
local torch = require "torch"
local core = require "agdb.core"

local M = {}

local Answer = {__name = "agdb.answer"}
Answer.__index = Answer
function Answer.__tostring(a) return a.text end

-- An answer from its facts and its lines of text.
function M.new(facts, lines)
	facts.text = type(lines) == "table" and table.concat(lines, "\n") or lines
	return setmetatable(facts, Answer)
end

function M.is_answer(v) return getmetatable(v) == Answer end

-- The value a :command names: a string is an expression, evaluated in the
-- globals (":why x.grad_fn" or agdb.why("x")); anything else is itself.
-- Returns the value and, for a plain name, the name.
function M.value(v, fname)
	if type(v) ~= "string" then return v end
	local expr = v:match("^%s*(.-)%s*$")
	local chunk, err = load("return " .. expr, "=(" .. fname .. ")", "t")
	if not chunk then error(fname .. ": " .. err, 3) end
	local ok, val = pcall(chunk)
	if not ok then error(fname .. ": " .. tostring(val), 3) end
	if val == nil then
		error(("%s: '%s' is nil (a typo?)"):format(fname, expr), 3)
	end
	return val, expr
end

-- ------------------------------------------------------------- text

function M.num(v)
	if v == nil then return "?" end
	if v ~= v then return "nan" end
	if v == math.huge then return "inf" end
	if v == -math.huge then return "-inf" end
	return ("%.2e"):format(v)
end

function M.shape(s)
	local parts = {}
	for i = 1, #s do parts[i] = tostring(s[i]) end
	return "[" .. table.concat(parts, ", ") .. "]"
end

function M.tuple(s)
	local parts = {}
	for i = 1, #s do parts[i] = tostring(s[i]) end
	return "(" .. table.concat(parts, ", ") .. (#s == 1 and ",)" or ")")
end

-- "[2, 2] float32  mean|g| 2.50e-01  max|g| 2.50e-01" (NaN/Inf counted)
function M.stats(st)
	if not st then return "none" end
	local s = ("%s %s  mean|g| %s  max|g| %s"):format(M.shape(st.shape), st.dtype,
		M.num(st.mean_abs), M.num(st.max_abs))
	if st.nan > 0 or st.inf > 0 then
		s = s .. ("  (%d NaN, %d Inf)"):format(st.nan, st.inf)
	elseif st.numel > 0 and st.zero == st.numel then
		s = s .. "  (all zero)"
	end
	return s
end

-- Bytes as people read them.
function M.bytes(n)
	if n < 1024 then return ("%d B"):format(n) end
	if n < 1024 * 1024 then return ("%.1f KiB"):format(n / 1024) end
	if n < 1024 ^ 3 then return ("%.1f MiB"):format(n / 1024 ^ 2) end
	return ("%.2f GiB"):format(n / 1024 ^ 3)
end

-- Columns padded to the widest entry (UTF-8 aware), joined by two spaces.
function M.columns(rows)
	local width = {}
	for _, r in ipairs(rows) do
		for i, c in ipairs(r) do
			local w = utf8.len(c) or #c
			if not width[i] or w > width[i] then width[i] = w end
		end
	end
	local out = {}
	for k, r in ipairs(rows) do
		local parts = {}
		for i, c in ipairs(r) do
			local pad = i < #r and (" "):rep(width[i] - (utf8.len(c) or #c)) or ""
			parts[i] = c .. pad
		end
		out[k] = (table.concat(parts, "  "):gsub("%s+$", ""))
	end
	return out
end

-- ------------------------------------------------------------- names

-- A tensor's name: its global variable, else a description.
function M.name_of(t, names)
	names = names or core.names()
	local id = t:_id()
	return names[id], id
end

function M.describe(t, names)
	local n = M.name_of(t, names)
	if n then return n end
	return ("a tensor %s"):format(M.shape(t.shape))
end

-- ------------------------------------------------------------- the trace

-- The trace log, indexed: by seq, the events that made each tensor id (in
-- order), the events that used it.
function M.trace()
	local log = torch.autograd.trace_log()
	local T = {events = log, by_seq = {}, made = {}, used = {}}
	for _, ev in ipairs(log) do
		T.by_seq[ev.seq] = ev
		if not ev.failed then
			for _, id in ipairs(ev.outputs) do
				local m = T.made[id]
				if not m then m = {}; T.made[id] = m end
				m[#m + 1] = ev
			end
		end
		for _, id in ipairs(ev.inputs) do
			if id ~= 0 then
				local u = T.used[id]
				if not u then u = {}; T.used[id] = u end
				u[#u + 1] = ev
			end
		end
	end
	return T
end

-- The newest event that made tensor id before event seq `before` (nil: any).
function M.maker(T, id, before)
	local m = T.made[id]
	if not m then return nil end
	for i = #m, 1, -1 do
		if not before or m[i].seq < before then return m[i] end
	end
end

-- "mul at in[3]:1" (the op's name, then where it ran when known).
function M.event_text(ev)
	if not ev then return "?" end
	local op = ev.op
	if ev.grad_fn and op == ev.grad_fn and op:find("Backward$") then
		op = op:gsub("Backward$", "") .. ".apply"	-- a custom Function
	end
	if ev.inplace and op:sub(-1) ~= "_" and ev.kind ~= "cut" then op = op .. "_" end
	if ev.where and ev.where ~= "" then return op .. " at " .. ev.where end
	return op
end

-- "from f.lua:2 to f.lua:4", or "at f.lua:2" for a region of one line.
function M.region_text(first, last)
	if first == last then return "at " .. tostring(first) end
	return ("from %s to %s"):format(first, last)
end

-- The run of no_grad events around ev: its first and last lines.
function M.no_grad_region(T, ev)
	local list, at = T.events, nil
	for i, e in ipairs(list) do if e == ev then at = i break end end
	if not at then return ev.where, ev.where end
	local first, last = at, at
	while first > 1 and not list[first - 1].grad_mode do first = first - 1 end
	while last < #list and not list[last + 1].grad_mode do last = last + 1 end
	return list[first].where, list[last].where
end

-- The node's name with its variable: "MulBackward0 (z)".
function M.node_text(node, names, varof)
	local label = node:name()
	local v = varof and varof[node]
	if v then label = label .. " (" .. v .. ")" end
	return label
end

-- node -> the global naming the tensor it made (output 1), for labels.
function M.vars_of_nodes()
	local map = {}
	local names = core.names()
	for k, v in pairs(_G) do
		if type(k) == "string" and torch.is_tensor(v) and v.grad_fn then
			local cur = map[v.grad_fn]
			if not cur or #k < #cur or (#k == #cur and k < cur) then map[v.grad_fn] = k end
		end
		if type(k) == "string" and torch.is_tensor(v) and v.is_leaf then
			local info = core.tensor_info(v)
			if info.accumulator then
				local cur = map[info.accumulator]
				if not cur or #k < #cur then map[info.accumulator] = k end
			end
		end
	end
	return map, names
end

-- "made by mul at in[3]:1" for a node, from its trace event.
function M.node_where(T, node)
	local info = core.node_info(node)
	local ev = T.by_seq[info.trace_seq]
	return ev, info
end

return M
