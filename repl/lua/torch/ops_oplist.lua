-- ops_oplist.lua - ops users expect next to issue 11's list, written with
-- agdb's own ops: torch.combinations and unique_consecutive
-- (torch., method and in-place forms).  Required once by torch.nn.functional (at start-up).
local torch = require "torch"
local methods = torch.Tensor.__methods	-- (torch.Tensor is the metatable)

local function shape_text(x)
	local s = {}
	for i = 1, x:dim() do s[i] = tostring(x:size(i)) end
	return "[" .. table.concat(s, ", ") .. "]"
end

local function int64(list) return torch.tensor(list, {dtype = torch.int64}) end
local function empty_int64() return torch.zeros(0, {dtype = torch.int64}) end

-- torch.combinations(input, r=2, {with_replacement=false}): the r-element
-- combinations of a 1-d tensor in itertools' order, one per row, stacked
-- from index_select's of input (StackBackward0 as PyTorch).
function torch.combinations(input, r, opts)
	if type(r) == "table" then r, opts = nil, r end
	opts = opts or {}
	r = r or opts.r or 2
	local with_rep = opts.with_replacement == true
	if not torch.is_tensor(input) then
		error("combinations(): argument 'input' (position 1) must be Tensor", 2)
	end
	if input:dim() ~= 1 then
		error("Expect a 1D vector, but got shape " .. shape_text(input), 2)
	end
	if math.type(r) ~= "integer" then
		error("combinations(): argument 'r' (position 2) must be int", 2)
	end
	if r < 0 then error("Expect a non-negative number, but got " .. r, 2) end
	if r == 0 then return torch.empty(0, {dtype = input.dtype}) end
	local n = input:size(1)
	-- how many rows: C(n, r), or C(n + r - 1, r) with replacement
	local top, rows = with_rep and n + r - 1 or n, 1
	if r > top then
		rows = 0
	else
		for k = 1, math.min(r, top - r) do rows = rows * (top - k + 1) / k end
	end
	if rows * r > 2 ^ 31 then
		error(("combinations(): %.0f combinations of %d elements are too many"):format(rows, r), 2)
	end
	if rows == 0 and r > 64 then return torch.empty(0, r, {dtype = input.dtype}) end
	local cols = {}
	for k = 1, r do cols[k] = {} end
	local pick = {}
	local function walk(k, from)
		if k > r then
			for j = 1, r do cols[j][#cols[j] + 1] = pick[j] end
			return
		end
		for i = from, n do
			pick[k] = i
			walk(k + 1, with_rep and i or i + 1)
		end
	end
	walk(1, 1)
	local parts = {}
	for k = 1, r do
		local idx = #cols[k] > 0 and int64(cols[k]) or empty_int64()
		parts[k] = input:index_select(1, idx)
	end
	return torch.stack(parts, 2)
end

-- unique_consecutive(input, {return_inverse, return_counts, dim}): one
-- element (or slice along dim) of each run of equal ones; the inverse
-- (1-based, shaped like input, or like dim) and the runs' lengths when
-- asked.  Like unique, no history.
local function unique_consecutive(input, opts)
	if not torch.is_tensor(input) then
		error("unique_consecutive(): argument 'input' (position 1) must be Tensor", 2)
	end
	opts = opts or {}
	local inv, cnt, dim = opts.return_inverse == true, opts.return_counts == true, opts.dim
	local x = input:detach()
	local rows, n, take
	if dim == nil then
		rows = x:reshape(-1)
		n = rows:numel()
	else
		local d = dim < 0 and dim + math.max(x:dim(), 1) + 1 or dim
		x:size(d)	-- the usual dim error when out of range
		dim = d
		n = x:size(d)
		rows = n > 0 and x:movedim(d, 1):reshape(n, -1) or nil
	end
	local values, inverse, counts
	if n == 0 then
		values = dim == nil and rows or x
		inverse = empty_int64()
		counts = empty_int64()
		if dim == nil then inverse = torch.zeros(x.shape, {dtype = torch.int64}) end
	else
		local starts = torch.ones(n, {dtype = torch.bool})
		if n > 1 then
			local ne = rows:narrow(1, 2, n - 1):ne(rows:narrow(1, 1, n - 1))
			if ne:dim() > 1 then ne = ne:any(2) end
			starts[{{2, n}}] = ne
		end
		local first = starts:nonzero():reshape(-1)
		if dim == nil then
			values = rows:index_select(1, first)
			inverse = starts:cumsum(1):reshape(x.shape)
		else
			values = x:index_select(dim, first)
			inverse = starts:cumsum(1)
		end
		if cnt then
			local ends = torch.cat({first, int64({n + 1})})
			counts = ends:narrow(1, 2, first:numel()) - first
		end
	end
	if inv and cnt then return values, inverse, counts end
	if inv then return values, inverse end
	if cnt then return values, counts end
	return values
end

torch.unique_consecutive = unique_consecutive
methods.unique_consecutive = unique_consecutive

return torch
