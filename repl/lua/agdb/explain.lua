-- agdb.explain - the last error raised in the session, explained.
--
-- PyTorch's text comes first, verbatim; then, for the errors people search
-- for most, what it means here: a write into an expanded (or otherwise
-- self-overlapping) tensor with the stride-0 dims marked, the elements
-- that collide on each storage cell and the line that made the view; a
-- partial overlap with the two ranges of storage; a saved tensor modified
-- in place with the node that saved it, the in-place op that changed it,
-- both lines and the versions; a NaN caught by anomaly mode with the
-- node's inputs and where it was made; shapes that do not broadcast,
-- lined up.  Other errors get their message and their line.
local torch = require "torch"
local core = require "agdb.core"
local A = require "agdb.answer"

local M = {}

local GRID_MAX = 400	-- elements drawn cell by cell

-- Element e (0-based, row-major) of shape as a 1-based index "(2, 1)".
local function index_of(shape, e)
	local idx = {}
	for d = #shape, 1, -1 do
		idx[d] = e % shape[d] + 1
		e = e // shape[d]
	end
	return "(" .. table.concat(idx, ", ") .. ")"
end

-- The storage cell of every element (row-major), for a geometry.
local function cells(shape, stride, offset)
	local out, n = {}, 1
	for d = 1, #shape do n = n * shape[d] end
	local idx = {}
	for d = 1, #shape do idx[d] = 0 end
	for e = 1, n do
		local at = offset
		for d = 1, #shape do at = at + idx[d] * stride[d] end
		out[e] = at
		for d = #shape, 1, -1 do
			idx[d] = idx[d] + 1
			if idx[d] < shape[d] then break end
			idx[d] = 0
		end
	end
	return out, n
end

-- The element -> storage cell grid: rows are the last dim's runs.
local function grid(shape, map, lines)
	local ncols = #shape > 0 and shape[#shape] or 1
	local rows = {}
	local head = {""}
	for c = 1, ncols do head[#head + 1] = tostring(c) end
	rows[1] = head
	for r = 0, #map // ncols - 1 do
		local label = #shape > 1 and index_of({table.unpack(shape, 1, #shape - 1)}, r)
			:gsub("%)$", ", :)") or "(:)"
		local row = {label}
		for c = 1, ncols do row[#row + 1] = tostring(map[r * ncols + c]) end
		rows[#rows + 1] = row
	end
	for _, l in ipairs(A.columns(rows)) do lines[#lines + 1] = "    " .. l end
end

-- The op that made tensor id and, through views, the expand behind it.
local function view_chain(T, id, before)
	local chain = {}
	local ev = A.maker(T, id, before)
	while ev and #chain < 8 do
		chain[#chain + 1] = ev
		if ev.op == "expand" or ev.op == "as_strided" or ev.kind ~= "view" then break end
		ev = A.maker(T, ev.inputs[1], ev.seq)
	end
	return chain
end

local function write_line(err, T)
	local ev = err.failed_seq and T.by_seq[err.failed_seq]
	if ev then return A.event_text(ev), ev end
	return err.where and ("at " .. err.where) or "?"
end

local function internal_overlap(err, T, names, lines, facts)
	local f = err.facts.a
	local name = names[f.id] or "the written-to tensor"
	facts.tensor_name = name
	local write, wev = write_line(err, T)
	facts.write = wev
	lines[#lines + 1] = ("the write: %s, into %s"):format(write, name)
	lines[#lines + 1] = ("%s: shape %s, strides %s, offset %d, on storage #%d (%d %s "
		.. "elements)"):format(name, A.shape(f.shape), A.tuple(f.stride), f.offset,
		f.storage, f.storage_numel, f.dtype)
	local zero = {}
	for d = 1, #f.shape do
		local mark = ""
		if f.stride[d] == 0 and f.shape[d] > 1 then
			zero[#zero + 1] = d
			mark = ("   <- stride 0: its %d positions are one memory location"):format(f.shape[d])
		end
		lines[#lines + 1] = ("  dim %d: size %d, stride %d%s"):format(d, f.shape[d], f.stride[d], mark)
	end
	facts.stride0_dims = zero
	local map, n = cells(f.shape, f.stride, f.offset)
	local by_cell, order = {}, {}
	for e = 1, n do
		local c = map[e]
		if not by_cell[c] then by_cell[c] = {}; order[#order + 1] = c end
		table.insert(by_cell[c], e - 1)
	end
	table.sort(order)
	facts.cells = {}
	for _, c in ipairs(order) do
		local els = {}
		for i, e in ipairs(by_cell[c]) do els[i] = index_of(f.shape, e) end
		facts.cells[c] = els
	end
	lines[#lines + 1] = ("%d elements on %d storage cells: more than one element is written "
		.. "to the same place, so the result would depend on the order of the writes."):format(
		n, #order)
	if n <= GRID_MAX and #f.shape <= 3 then
		lines[#lines + 1] = "element -> storage cell:"
		grid(f.shape, map, lines)
	end
	local shown = 0
	for _, c in ipairs(order) do
		local els = facts.cells[c]
		if #els > 1 and shown < 4 then
			local list = table.concat(els, " ", 1, math.min(#els, 6))
			if #els > 6 then list = list .. (" and %d more"):format(#els - 6) end
			lines[#lines + 1] = ("  cell %d is elements %s"):format(c, list)
			shown = shown + 1
		end
	end
	local chain = view_chain(T, f.id, wev and wev.seq)
	local made = chain[#chain]
	facts.made_by = made
	local base = "the tensor it was expanded from"
	if made then
		local src = made.inputs[1]
		local src_made = A.maker(T, src, made.seq)
		base = names[src] or (src_made and ("the tensor made by " .. A.event_text(src_made)))
			or base
		facts.base_name = names[src]
		local via = ""
		if #chain > 1 then
			local steps = {}
			for i = 1, #chain - 1 do steps[i] = A.event_text(chain[i]) end
			via = " (then " .. table.concat(steps, ", ") .. ")"
		end
		lines[#lines + 1] = ("%s was made by %s%s, from %s %s."):format(name,
			A.event_text(made), via, base, made.op == "expand" and "(an expanded view: "
			.. "no copy, the repeated positions share memory)" or "")
	end
	lines[#lines + 1] = "two fixes:"
	lines[#lines + 1] = ("  1. clone the expanded tensor before writing: %s = %s:clone() "
		.. "gives each element its own cell, and the write changes only the copy. "
		.. "Gradients: clone passes them through unchanged, the expand sums them back "
		.. "over the repeated dim%s into %s, and the elements you overwrite send no "
		.. "gradient back."):format(name, name, #zero == 1 and (" " .. zero[1]) or "s",
		base)
	lines[#lines + 1] = ("  2. write before expanding: make the change in %s itself, then "
		.. "expand. Every repeated position then shows the new value, as one memory "
		.. "location. Gradients: the write is recorded on %s (an in-place op on it, or "
		.. "CopySlices for an indexed write), and the expand's backward still sums "
		.. "the repeated positions into it."):format(base, base)
	facts.fixes = {"clone", "write_before_expand"}
end

-- "cells 4..11" of a dense-enough geometry: its lowest and highest cell.
local function extent(f)
	local lo, hi = f.offset, f.offset
	for d = 1, #f.shape do
		if f.shape[d] == 0 then return nil end
		local span = (f.shape[d] - 1) * f.stride[d]
		if span < 0 then lo = lo + span else hi = hi + span end
	end
	return lo, hi
end

local function partial_overlap(err, T, names, lines, facts)
	local out, inp = err.facts.a, err.facts.b
	local oname = names[out.id] or "the output (written-to tensor)"
	local iname = names[inp.id] or "the input"
	local write, wev = write_line(err, T)
	facts.write = wev
	local olo, ohi = extent(out)
	local ilo, ihi = extent(inp)
	facts.output_range = {olo, ohi}
	facts.input_range = {ilo, ihi}
	lines[#lines + 1] = ("the write: %s"):format(write)
	lines[#lines + 1] = ("both are on storage #%d (%d %s elements):"):format(out.storage,
		out.storage_numel, out.dtype)
	lines[#lines + 1] = ("  written: %s %s, storage cells %d..%d"):format(oname,
		A.shape(out.shape), olo, ohi)
	lines[#lines + 1] = ("  read:    %s %s, storage cells %d..%d"):format(iname,
		A.shape(inp.shape), ilo, ihi)
	local lo, hi = math.max(olo, ilo), math.min(ohi, ihi)
	facts.shared_range = {lo, hi}
	lines[#lines + 1] = ("  cells %d..%d are in both, at different positions: the op would "
		.. "read values it has already overwritten."):format(lo, hi)
	local strip = {}
	local n = out.storage_numel
	if n <= 80 then
		local a, b = {}, {}
		for c = 0, n - 1 do
			a[#a + 1] = (c >= olo and c <= ohi) and "w" or "."
			b[#b + 1] = (c >= ilo and c <= ihi) and "r" or "."
		end
		strip[1] = "  written " .. table.concat(a)
		strip[2] = "  read    " .. table.concat(b)
		for _, l in ipairs(strip) do lines[#lines + 1] = l end
	end
	lines[#lines + 1] = ("fix: clone what is read first (%s:clone()), so it has its own "
		.. "storage; gradients flow through clone unchanged."):format(names[inp.id] or "input")
end

local function saved_modified(err, T, names, lines, facts)
	local node = err.node
	if not node then return end
	local info = core.node_info(node)
	local made = T.by_seq[info.trace_seq]
	facts.node = node
	facts.node_made = made
	local slot
	for i, s in ipairs(info.saved) do
		if s.defined and s.current_version and s.current_version ~= s.saved_version then
			slot = s
			facts.saved_index = i
			break
		end
	end
	lines[#lines + 1] = ("the node that needed it: %s, made by %s."):format(node:name(),
		made and A.event_text(made) or "an op")
	if not slot then
		lines[#lines + 1] = "(the saved tensor is no longer there to look at)"
		return
	end
	facts.saved_version, facts.current_version = slot.saved_version, slot.current_version
	local tname = names[slot.tensor_id]
	if not tname then	-- an output is saved as an alias: find it by its storage
		for _, t in ipairs(core.tensors()) do
			local n = names[t:_id()]
			if n and core.tensor_info(t).storage == slot.storage and
				(not tname or #n < #tname) then
				tname = n
			end
		end
	end
	facts.saved_name = tname
	local what = slot.is_output and "its own result" or
		(slot.index == 0 and "its input self" or slot.index == 1 and "its input other" or
		 "an input")
	lines[#lines + 1] = ("it saved %s%s %s at version %d; that tensor is now at version %d."):format(
		what, tname and (" (" .. tname .. ")") or "", A.shape(slot.shape), slot.saved_version,
		slot.current_version)
	local bumps = {}
	for _, ev in ipairs(T.events) do
		if ev.inplace and not ev.failed and ev.storage == slot.storage and
			ev.version > slot.saved_version and ev.version <= slot.current_version then
			bumps[#bumps + 1] = ev
		end
	end
	facts.inplace = bumps
	if #bumps > 0 then
		local parts = {}
		for i, ev in ipairs(bumps) do
			parts[i] = ("%s (version %d -> %d)"):format(A.event_text(ev), ev.version - 1, ev.version)
		end
		lines[#lines + 1] = "the in-place write that changed it: " .. table.concat(parts, "; ") .. "."
	else
		lines[#lines + 1] = "the in-place write that changed it is no longer in the trace log."
	end
	lines[#lines + 1] = ("fix: use the out-of-place op (y = y * 2 instead of y:mul_(2)), or "
		.. "write into a copy (y2 = y:clone()) so %s keeps the values it saved, or make "
		.. "the change after backward()."):format(node:name())
end

local function anomaly_nan(err, T, names, lines, facts)
	local node = err.node
	if not node then return end
	local info = core.node_info(node)
	local made = T.by_seq[info.trace_seq]
	facts.node = node
	lines[#lines + 1] = ("the node: %s, made by %s; backward stopped there."):format(node:name(),
		made and A.event_text(made) or "an op")
	lines[#lines + 1] = "the gradients that came in:"
	for i, o in ipairs(info.outputs) do
		lines[#lines + 1] = ("  [%d] %s"):format(i, o.grad and A.stats(o.grad) or "none")
	end
	facts.inputs = info.outputs
	local saved = {}
	for i, s in ipairs(info.saved) do
		local t = s.defined and core.node_saved(node, i)
		if t then
			local st = core.stats(t)
			local name = s.is_output and "result" or (s.index == 0 and "self") or
				(s.index == 1 and "other") or ("[" .. i .. "]")
			saved[#saved + 1] = ("  %s %s: %d zero, %d NaN, %d Inf, max|x| %s"):format(name,
				A.shape(st.shape), st.zero, st.nan, st.inf, A.num(st.max_abs))
		end
	end
	if #saved > 0 then
		lines[#lines + 1] = "the forward values it saved (its formula reads them):"
		for _, l in ipairs(saved) do lines[#lines + 1] = l end
	end
	if err.traceback then
		facts.traceback = err.traceback
		lines[#lines + 1] = "where it was made (anomaly mode's forward traceback):"
		for l in err.traceback:gmatch("[^\n]+") do lines[#lines + 1] = "  " .. l end
	end
	lines[#lines + 1] = "a NaN in a gradient usually comes from log or sqrt of zero or a "
		.. "negative number, 0/0, or inf - inf in the forward values the node saved."
end

local function broadcast(err, lines, facts)
	local a, b, dim = err.facts.a.shape, err.facts.b.shape, err.facts.dim
	local n = math.max(#a, #b)
	local function cells_of(s)
		local out = {}
		for i = 1, n do
			local k = i - (n - #s)
			out[i] = k >= 1 and tostring(s[k]) or ""
		end
		return out
	end
	local ca, cb = cells_of(a), cells_of(b)
	local w = {}
	for i = 1, n do w[i] = math.max(#ca[i], #cb[i], #tostring(i)) end
	local function row(label, c, mark)
		local parts = {}
		for i = 1, n do
			local s = c[i]
			if mark then s = i == dim and ("^"):rep(math.max(#ca[i], #cb[i])) or "" end
			parts[i] = (" "):rep(w[i] - #s) .. s
		end
		return label .. table.concat(parts, "  ")
	end
	lines[#lines + 1] = "the two shapes, lined up from the right (how broadcasting reads them):"
	lines[#lines + 1] = row("  a: ", ca)
	lines[#lines + 1] = row("  b: ", cb)
	lines[#lines + 1] = row("     ", ca, true)
	local sa = dim - (n - #a) >= 1 and a[dim - (n - #a)] or 1
	local sb = dim - (n - #b) >= 1 and b[dim - (n - #b)] or 1
	lines[#lines + 1] = ("dim %d (counting from 1, after lining up): %d and %d; sizes must be "
		.. "equal, or one of them 1."):format(dim, sa, sb)
	facts.shapes = {a, b}
	facts.dim = dim
end

-- agdb.explain(): the last error, explained.
function M.explain()
	local err = core.last_error()
	if not err then
		return A.new({reason = "none"}, "no error has been raised in this session yet")
	end
	local T = A.trace()
	local names = core.names()
	local facts = {message = err.message, where = err.where, kind = err.kind}
	local msg = err.message:match("^[^\n]*")
	local lines = {"error: " .. msg}
	if err.where then lines[#lines + 1] = "  at " .. err.where end
	local f = err.facts
	if f and f.kind == "internal_overlap" then
		facts.reason = "internal_overlap"
		internal_overlap(err, T, names, lines, facts)
	elseif f and f.kind == "partial_overlap" then
		facts.reason = "partial_overlap"
		partial_overlap(err, T, names, lines, facts)
	elseif err.kind == "backward" and msg:find("modified by an inplace operation", 1, true) then
		facts.reason = "saved_modified"
		saved_modified(err, T, names, lines, facts)
	elseif err.kind == "backward" and msg:find("returned nan values", 1, true) then
		facts.reason = "nan"
		anomaly_nan(err, T, names, lines, facts)
	elseif f and f.kind == "broadcast" then
		facts.reason = "broadcast"
		broadcast(err, lines, facts)
	else
		facts.reason = "other"
		if err.node then
			lines[#lines + 1] = ("  in backward, at %s"):format(err.node:name())
		end
	end
	return A.new(facts, lines)
end

return M
