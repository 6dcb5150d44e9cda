-- agdb.memory - memory and aliasing: which tensors share a storage, and
-- where each of them lies in it.
--
-- agdb.memory(x): the storage behind x and every live tensor that views
-- it (names, offset, shape, strides, contiguous or not, version), drawn as
-- a strip of storage cells with each view's footprint; for a small x, the
-- element -> storage cell map.  agdb.memory(): every live storage, largest
-- first, with its bytes and its tensors, and the session's total.
-- agdb.strict_overlap(on) turns on core's element-by-element check of
-- writes PyTorch lets through undecided.
local torch = require "torch"
local core = require "agdb.core"
local A = require "agdb.answer"

local M = {}

local STRIP = 64	-- cells of the strip
local MAP_MAX = 64	-- elements of x drawn cell by cell
local LIST_MAX = 20	-- storages listed by agdb.memory()

-- Every storage cell a geometry touches (a set), for the strip.
local function footprint(info, cap)
	local set, n = {}, 1
	for d = 1, #info.shape do n = n * info.shape[d] end
	if n == 0 then return set, 0 end
	if n > cap then	-- too many to walk: its extent
		local lo, hi = info.offset, info.offset
		for d = 1, #info.shape do
			local span = (info.shape[d] - 1) * info.stride[d]
			if span < 0 then lo = lo + span else hi = hi + span end
		end
		return {lo = lo, hi = hi}, n
	end
	local idx = {}
	for d = 1, #info.shape do idx[d] = 0 end
	for _ = 1, n do
		local at = info.offset
		for d = 1, #info.shape do at = at + idx[d] * info.stride[d] end
		set[at] = true
		for d = #info.shape, 1, -1 do
			idx[d] = idx[d] + 1
			if idx[d] < info.shape[d] then break end
			idx[d] = 0
		end
	end
	return set, n
end

local function covers(set, lo, hi)
	if set.lo then return set.hi >= lo and set.lo <= hi end
	for c = lo, hi do if set[c] then return true end end
	return false
end

-- A row of the strip: one character per strip cell (each may stand for
-- several storage cells).
local function strip_row(set, ncells, per, ascii)
	local out = {}
	for k = 0, math.ceil(ncells / per) - 1 do
		local lo, hi = k * per, math.min((k + 1) * per, ncells) - 1
		out[#out + 1] = covers(set, lo, hi) and (ascii and "#" or "\u{2588}") or
			(ascii and "." or "\u{00B7}")
	end
	return table.concat(out)
end

-- agdb.memory([x])
function M.memory(x)
	if x == nil then return M.all() end
	local label
	x, label = A.value(x, "agdb.memory")
	if not torch.is_tensor(x) then
		error(("agdb.memory: expected a Tensor or nothing, got %s"):format(type(x)), 2)
	end
	local ascii = core.settings().ascii
	local names = core.names()
	local xi = core.tensor_info(x)
	local ncells = xi.storage_bytes // xi.element_size
	local views = {}
	for _, t in ipairs(core.tensors()) do
		local info = core.tensor_info(t)
		if info.storage == xi.storage and info.element_size == xi.element_size then
			info.name = names[info.id]
			views[#views + 1] = info
		end
	end
	-- named views first (x itself at the top), then by id
	table.sort(views, function(a, b)
		if (a.id == xi.id) ~= (b.id == xi.id) then return a.id == xi.id end
		if (a.name ~= nil) ~= (b.name ~= nil) then return a.name ~= nil end
		return a.id < b.id
	end)
	local xname = names[xi.id] or label or "x"
	local facts = {storage = xi.storage, bytes = xi.storage_bytes, cells = ncells,
		views = {}, dtype = xi.dtype}
	local lines = {("storage #%d behind %s: %d %s elements (%s), %d live tensor%s on it"):format(
		xi.storage, xname, ncells, xi.dtype, A.bytes(xi.storage_bytes), #views,
		#views == 1 and "" or "s")}
	local per = math.max(1, math.ceil(ncells / STRIP))
	local head = {}
	if per == 1 then
		for c = 0, ncells - 1 do head[#head + 1] = tostring(c % 10) end
		lines[#lines + 1] = "cell (mod 10)  " .. table.concat(head)
	else
		lines[#lines + 1] = ("one mark per %d cells, %d marks"):format(per,
			math.ceil(ncells / per))
	end
	local rows = {}
	for i, v in ipairs(views) do
		if i > 12 then
			lines[#lines + 1] = ("(and %d more tensors on it)"):format(#views - 12)
			break
		end
		local set, n = footprint(v, 100000)
		local nm = v.name or ("#" .. v.id .. (v.base and " (view)" or ""))
		rows[#rows + 1] = {nm, strip_row(set, ncells, per, ascii), A.shape(v.shape),
			"strides " .. A.tuple(v.stride), "offset " .. v.offset,
			v.contiguous and "contiguous" or "not contiguous", "version " .. v.version}
		facts.views[#facts.views + 1] = {name = v.name, id = v.id, offset = v.offset,
			shape = v.shape, stride = v.stride, contiguous = v.contiguous,
			version = v.version, elements = n}
	end
	-- the strip column starts where the header's cells do
	local cols = A.columns(rows)
	for _, l in ipairs(cols) do lines[#lines + 1] = l end
	if per == 1 then
		local w = 0
		for _, r in ipairs(rows) do w = math.max(w, utf8.len(r[1])) end
		lines[2] = (" "):rep(w + 2) .. table.concat(head)
	end
	-- the element -> cell map of x
	local nx = 1
	for d = 1, #xi.shape do nx = nx * xi.shape[d] end
	if nx > 0 and nx <= MAP_MAX then
		lines[#lines + 1] = ("%s element -> storage cell:"):format(xname)
		local map = {}
		local set = {}
		local idx = {}
		for d = 1, #xi.shape do idx[d] = 0 end
		local cells_used = {}
		for e = 1, nx do
			local at = xi.offset
			for d = 1, #xi.shape do at = at + idx[d] * xi.stride[d] end
			map[e] = at
			if set[at] then cells_used[at] = true end
			set[at] = true
			for d = #xi.shape, 1, -1 do
				idx[d] = idx[d] + 1
				if idx[d] < xi.shape[d] then break end
				idx[d] = 0
			end
		end
		facts.map = map
		local ncols = #xi.shape > 0 and xi.shape[#xi.shape] or 1
		local grid = {{""}}
		for c = 1, ncols do grid[1][#grid[1] + 1] = tostring(c) end
		for r = 0, nx // ncols - 1 do
			local row = {#xi.shape > 1 and ("row " .. (r + 1)) or ""}
			for c = 1, ncols do row[#row + 1] = tostring(map[r * ncols + c]) end
			grid[#grid + 1] = row
		end
		for _, l in ipairs(A.columns(grid)) do lines[#lines + 1] = "  " .. l end
		if next(cells_used) then
			lines[#lines + 1] = "  some cells hold more than one element (a stride-0 dim): "
				.. "writing into it is refused."
		end
	end
	return A.new(facts, lines)
end

-- agdb.memory(): every live storage, largest first.
function M.all()
	local names = core.names()
	local st = core.storages()
	local on = {}
	for _, t in ipairs(core.tensors()) do
		local info = core.tensor_info(t)
		local list = on[info.storage]
		if not list then list = {}; on[info.storage] = list end
		list[#list + 1] = {id = info.id, name = names[info.id], shape = info.shape,
			dtype = info.dtype}
	end
	table.sort(st, function(a, b)
		if a.nbytes ~= b.nbytes then return a.nbytes > b.nbytes end
		return a.id < b.id
	end)
	local facts = {storages = {}, total = st.total, count = #st}
	local lines = {("%d live storage%s, %s in all (largest first)"):format(#st,
		#st == 1 and "" or "s", A.bytes(st.total))}
	local rows = {}
	for i, s in ipairs(st) do
		local ts = on[s.id] or {}
		table.sort(ts, function(a, b)
			if (a.name ~= nil) ~= (b.name ~= nil) then return a.name ~= nil end
			return a.id < b.id
		end)
		local parts = {}
		for k, t in ipairs(ts) do
			if k > 4 then parts[#parts + 1] = ("+%d more"):format(#ts - 4) break end
			parts[#parts + 1] = (t.name or ("#" .. t.id)) .. " " .. A.shape(t.shape)
		end
		facts.storages[i] = {id = s.id, bytes = s.nbytes, tensors = ts}
		if i <= LIST_MAX then
			rows[#rows + 1] = {"#" .. s.id, A.bytes(s.nbytes), ts[1] and ts[1].dtype or "",
				#parts > 0 and table.concat(parts, ", ") or "(no tensor: held by the engine)"}
		end
	end
	for _, l in ipairs(A.columns(rows)) do lines[#lines + 1] = "  " .. l end
	if #st > LIST_MAX then
		lines[#lines + 1] = ("  ... and %d smaller storages"):format(#st - LIST_MAX)
	end
	lines[#lines + 1] = ("session total: %s in %d storage%s"):format(A.bytes(st.total), #st,
		#st == 1 and "" or "s")
	return A.new(facts, lines)
end

-- agdb.strict_overlap(on): "on"/"off" from the line form, or a boolean.
function M.strict_overlap(on)
	if on == nil or on == "" then
		local now = core.strict_overlap()
		return A.new({on = now}, "strict overlap is " .. (now and "on" or "off"))
	end
	if type(on) == "string" then
		local w = on:match("^%s*(%S+)")
		if w == "on" or w == "true" then on = true
		elseif w == "off" or w == "false" then on = false
		else error("agdb.strict_overlap: on or off, got '" .. on .. "'", 2) end
	end
	core.strict_overlap(on and true or false)
	return A.new({on = on and true or false}, on and "strict overlap is on: writes through "
		.. "layouts PyTorch does not check are checked element by element, and a write "
		.. "whose result depends on element order warns" or "strict overlap is off")
end

return M
