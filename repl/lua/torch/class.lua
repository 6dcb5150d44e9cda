-- torch.class - the `Base:extend("Name")` classes of the Lua library
-- (nn.Module, utils.data.Dataset, optim.Optimizer, lr schedulers), made the
-- way torch.autograd.Function:extend makes a function.
--
--   Net = nn.Module:extend("Net")
--   function Net:init(d) ... end       -- the constructor body
--   net = Net(784)                     -- Base.__new(Net, 784) builds it
--
-- A class is a table of methods whose metatable chains to its parent; an
-- instance's metatable is built once per class from the metamethods
-- (__index, __call, __len, __tostring, ...) found along the chain, because
-- Lua reads metamethods raw and does not inherit them.
local M = {}

local METAMETHODS = {"__index", "__newindex", "__call", "__len", "__tostring",
	"__pairs", "__eq", "__close", "__concat", "__unm", "__add"}

local class_meta = {}

local function class_name(cls) return rawget(cls, "__classname") end

function class_meta.__call(cls, ...)
	return cls.__new(cls, ...)
end

function class_meta.__tostring(cls)
	return "<class '" .. tostring(class_name(cls)) .. "'>"
end

-- A new class `name` deriving from parent.
function M.extend(parent, name)
	if type(name) ~= "string" or name == "" then
		error("extend: the class needs a name, e.g. :extend(\"Net\")", 3)
	end
	local cls = {__classname = name, super = parent}
	return setmetatable(cls, {__index = parent, __call = class_meta.__call,
		__tostring = class_meta.__tostring})
end

-- A root class (no parent).
function M.root(name)
	return setmetatable({__classname = name}, {__call = class_meta.__call,
		__tostring = class_meta.__tostring})
end

M.name = function(cls) return class_name(cls) end

-- The metatable of cls's instances: its metamethods, made by
-- make(cls, mt) for the ones the base class defines as functions of the
-- class (e.g. __index closing over cls), and the class's own otherwise.
function M.instance_meta(cls, make)
	local mt = rawget(cls, "__imt")
	if mt then return mt end
	mt = {__class = cls, __name = class_name(cls)}
	for _, k in ipairs(METAMETHODS) do
		local v = cls[k]
		if v ~= nil then mt[k] = v end
	end
	if mt.__index == nil then mt.__index = cls end
	if make then make(cls, mt) end
	rawset(cls, "__imt", mt)
	return mt
end

-- The class of an instance (nil for other values).
function M.of(obj)
	local mt = type(obj) == "table" and getmetatable(obj)
	return mt and rawget(mt, "__class") or nil
end

-- Whether obj is an instance of cls or of a class derived from it.
function M.isinstance(obj, cls)
	local c = M.of(obj)
	while c do
		if c == cls then return true end
		c = rawget(c, "super")
	end
	return false
end

return M
