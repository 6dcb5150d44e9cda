-- torch.collections - OrderedDict: a plain Lua table of entries whose
-- `pairs` visits keys in insertion order, as Python's OrderedDict does.
-- State dicts (m:state_dict(), optimizer state) and torch.load results are
-- OrderedDicts, so their keys come out in PyTorch's order.
--
-- The entries are the table's own fields (sd["fc1.weight"]); the order
-- lives in the table's metatable, so no key is reserved.  Assigning a new
-- key appends it; assigning nil deletes it; assigning nil then the key again
-- moves it to the end, as in Python.
local M = {}

local function order_of(t)
	local mt = getmetatable(t)
	return mt and mt.__order
end

local function ordered_next(t, prev)
	local ord = order_of(t)
	local i = prev == nil and 0 or ord.pos[prev]
	if i == nil then return nil end
	local keys = ord.keys
	for j = i + 1, #keys do
		local k = keys[j]
		if k ~= false then
			local v = rawget(t, k)
			if v ~= nil then return k, v end
		end
	end
	return nil
end

local function add_key(t, k, v)
	local ord = order_of(t)
	if v == nil then return end
	local old = ord.pos[k]
	if old then ord.keys[old] = false end
	local n = #ord.keys + 1
	ord.keys[n] = k
	ord.pos[k] = n
	rawset(t, k, v)
end

local function repr(t)
	local parts = {}
	for k, v in ordered_next, t, nil do
		local key = type(k) == "string" and ("'" .. k .. "'") or tostring(k)
		parts[#parts + 1] = "(" .. key .. ", " .. tostring(v) .. ")"
	end
	return "OrderedDict([" .. table.concat(parts, ", ") .. "])"
end

local function count(t)
	local n = 0
	for _ in ordered_next, t, nil do n = n + 1 end
	return n
end

-- OrderedDict([pairs]): pairs is an optional sequence of {key, value}.
function M.OrderedDict(items)
	local t = setmetatable({}, {
		__order = {keys = {}, pos = {}},
		__newindex = add_key,
		__pairs = function(self) return ordered_next, self, nil end,
		__tostring = repr,
		__name = "OrderedDict",
	})
	for _, kv in ipairs(items or {}) do t[kv[1]] = kv[2] end
	return t
end

function M.is_ordered(t)
	return type(t) == "table" and order_of(t) ~= nil
end

-- The keys of t in order: insertion order for an OrderedDict, sorted for a
-- plain table (so results never depend on hashing).
function M.keys(t)
	local out = {}
	if M.is_ordered(t) then
		for k in ordered_next, t, nil do out[#out + 1] = k end
		return out
	end
	for k in pairs(t) do out[#out + 1] = k end
	table.sort(out, function(a, b)
		if type(a) == type(b) and (type(a) == "string" or type(a) == "number") then
			return a < b
		end
		return type(a) < type(b)
	end)
	return out
end

M.len = count

return M
