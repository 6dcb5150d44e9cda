-- torch.nn.modules.container - Sequential, ModuleList, ModuleDict.
--
-- Their children are named "0", "1", ... as in PyTorch (so state-dict keys
-- are "0.weight"), while positions are 1-based as everywhere in agdb:
-- seq[1] is the child named "0".  Indexing past the end gives nil, so
-- ipairs(list) works; index 0 is an error that says agdb counts from 1.
local base = require "torch.nn.module"
local collections = require "torch.collections"

local Module, is_module = base.Module, base.is_module

-- The position i (1-based, negative from the end) among n children -> 0-based.
local function position(i, n, what)
	if math.type(i) ~= "integer" then
		base.raise(what .. " indices must be integers, got " .. base.typename(i))
	end
	if i == 0 then
		base.raise(what .. " index 0: agdb counts from 1 (the first module is [1], " ..
			"the last [-1])")
	end
	if i < 0 then i = n + i + 1 end
	return i - 1
end

local function child_list(self)
	local out = {}
	for _, k in ipairs(self._modules.keys) do out[#out + 1] = self._modules.vals[k] end
	return out
end

-- Re-registers the modules of list under the names "0", "1", ...
local function renumber(self, list)
	for _, k in ipairs(self._modules.keys) do self._modules.vals[k] = nil end
	self._modules.keys, self._modules.has = {}, {}
	for i, m in ipairs(list) do base.store_set(self._modules, tostring(i - 1), m) end
end

local function check_module(m, what)
	if not is_module(m) then
		base.raise(("%s is not a Module subclass"):format(base.typename(m)))
	end
end

local function getindex(self, i)
	local j = position(i, #self._modules.keys, self:_get_name())
	local k = self._modules.keys[j + 1]
	return k and self._modules.vals[k]
end

local function setindex(self, i, m)
	check_module(m)
	local j = position(i, #self._modules.keys, self:_get_name())
	local k = self._modules.keys[j + 1]
	if not k then base.raise(("index %d is out of range"):format(i)) end
	self._modules.vals[k] = m
end

local function len(self) return #self._modules.keys end

local function append(self, m)
	check_module(m)
	base.store_set(self._modules, tostring(#self._modules.keys), m)
	return self
end

-- ------------------------------------------------------------ Sequential

local Sequential = Module:extend("Sequential")
Sequential.__getindex, Sequential.__setindex, Sequential.__len =
	getindex, setindex, len
Sequential.append = append

-- nn.Sequential(m1, m2, ...) or nn.Sequential({{"name", m}, ...}) / an
-- OrderedDict of modules, for named children.
function Sequential:init(...)
	local first = ...
	if select("#", ...) == 1 and type(first) == "table" and not is_module(first) then
		if collections.is_ordered(first) then
			for k, m in pairs(first) do self:add_module(k, m) end
		else
			for _, kv in ipairs(first) do self:add_module(kv[1], kv[2]) end
		end
		return
	end
	for i = 1, select("#", ...) do
		local m = select(i, ...)
		check_module(m)
		self:add_module(tostring(i - 1), m)
	end
end

function Sequential:forward(input)
	for _, k in ipairs(self._modules.keys) do
		local m = self._modules.vals[k]
		if m then input = m(input) end
	end
	return input
end

-- ------------------------------------------------------------ ModuleList

local ModuleList = Module:extend("ModuleList")
ModuleList.__getindex, ModuleList.__setindex, ModuleList.__len =
	getindex, setindex, len
ModuleList.append = append

function ModuleList:init(modules)
	if modules ~= nil then self:extend(modules) end
end

function ModuleList:extend(modules)
	if type(modules) ~= "table" then
		base.raise("ModuleList.extend should be called with an iterable, but got " ..
			base.typename(modules))
	end
	for _, m in ipairs(modules) do append(self, m) end
	return self
end

-- insert(i, m): m becomes the i-th module (1-based).
function ModuleList:insert(i, m)
	check_module(m)
	local list = child_list(self)
	local n = #list
	local j = i < 0 and n + i + 1 or i
	if j < 1 then j = 1 end
	if j > n + 1 then j = n + 1 end
	table.insert(list, j, m)
	renumber(self, list)
end

function ModuleList:pop(i)
	local list = child_list(self)
	local j = position(i or -1, #list, "ModuleList") + 1
	local m = table.remove(list, j)
	renumber(self, list)
	return m
end

-- ------------------------------------------------------------ ModuleDict

local ModuleDict = Module:extend("ModuleDict")
ModuleDict.__len = len
ModuleDict.__pairs = function(self)
	local i = 0
	return function()
		i = i + 1
		local k = self._modules.keys[i]
		if k then return k, self._modules.vals[k] end
	end, self, nil
end

-- nn.ModuleDict({{"name", m}, ...}), an OrderedDict, or a plain table
-- (then in the order of its sorted keys: Lua tables have no order).
function ModuleDict:init(modules)
	if modules ~= nil then self:update(modules) end
end

function ModuleDict:update(modules)
	if type(modules) ~= "table" then
		base.raise("ModuleDict.update should be called with an iterable of " ..
			"key/value pairs, but got " .. base.typename(modules))
	end
	if is_module(modules) then
		for _, e in ipairs(modules:named_children()) do self:add_module(e[1], e[2]) end
	elseif #modules > 0 then
		for _, kv in ipairs(modules) do self:add_module(kv[1], kv[2]) end
	else
		for _, k in ipairs(collections.keys(modules)) do
			self:add_module(k, modules[k])
		end
	end
end

function ModuleDict:keys()
	return table.move(self._modules.keys, 1, #self._modules.keys, 1, {})
end

function ModuleDict:values() return child_list(self) end

function ModuleDict:items()
	local out = {}
	for _, k in ipairs(self._modules.keys) do out[#out + 1] = {k, self._modules.vals[k]} end
	return out
end

function ModuleDict:pop(key)
	local m = self._modules.vals[key]
	base.store_del(self._modules, key)
	return m
end

function ModuleDict:clear()
	self._modules.keys, self._modules.vals, self._modules.has = {}, {}, {}
end

function ModuleDict:contains(key) return self._modules.has[key] == true end

return {Sequential = Sequential, ModuleList = ModuleList, ModuleDict = ModuleDict}
