-- torch.nn.modules.activation - ReLU, Tanh, Sigmoid, Tanhshrink, Softmax,
-- LogSoftmax, Softmin.  (The activations with parameters of their own,
-- LeakyReLU, GELU, ..., come with the pointwise ops: modules/pointwise.lua.)
local base = require "torch.nn.module"
local F = require "torch.nn.functional"

local Module = base.Module

local ReLU = Module:extend("ReLU")

-- nn.ReLU() or nn.ReLU(true) / nn.ReLU({inplace=true})
function ReLU:init(inplace) self.inplace = F._opt(inplace, "inplace", false) end
function ReLU:forward(input) return F.relu(input, self.inplace) end
function ReLU:extra_repr() return self.inplace and "inplace=True" or "" end

local Tanh = Module:extend("Tanh")
function Tanh:forward(input) return F.tanh(input) end

local Sigmoid = Module:extend("Sigmoid")
function Sigmoid:forward(input) return F.sigmoid(input) end

-- nn.Softmax(dim), nn.LogSoftmax(dim), nn.Softmin(dim): dim 1-based (or
-- {dim=}); PyTorch's implicit dim is deprecated there and refused here.
local function softmax_class(name, fn)
	local cls = Module:extend(name)
	function cls:init(dim)
		if type(dim) == "table" then dim = dim.dim end
		self.dim = dim
	end
	function cls:forward(input) return fn(input, self.dim) end
	function cls:extra_repr() return "dim=" .. tostring(self.dim) end
	return cls
end

local Tanhshrink = Module:extend("Tanhshrink")
function Tanhshrink:forward(input) return F.tanhshrink(input) end

local classes = {ReLU = ReLU, Tanh = Tanh, Sigmoid = Sigmoid, Tanhshrink = Tanhshrink,
	Softmax = softmax_class("Softmax", F.softmax),
	LogSoftmax = softmax_class("LogSoftmax", F.log_softmax),
	Softmin = softmax_class("Softmin", F.softmin)}
-- ---- ops-more (issue 11): Hardshrink Softshrink RReLU GLU PReLU
do
	local torch = require "torch"
	local Parameter = base.Parameter

	-- Python's str() of a number: 0.5, 1.0 for a float, 1 for an integer
	local function pystr(v)
		if math.type(v) == "float" and v == math.floor(v) and math.abs(v) < 1e16 then
			return ("%.1f"):format(v)
		end
		for digits = 15, 17 do	-- the shortest text that reads back as v
			local s = ("%." .. digits .. "g"):format(v)
			if tonumber(s) == v then return s end
		end
		return tostring(v)
	end
	-- The arguments by position, else from a trailing keyword table.
	local function args(spec, ...)
		local n, a = select("#", ...), {...}
		local kw = {}
		if n > 0 and type(a[n]) == "table" and not torch.is_tensor(a[n]) then
			kw, n = a[n], n - 1
		end
		local o = {}
		for i, p in ipairs(spec) do
			local v = i <= n and a[i] or nil
			if v == nil then v = kw[p[1]] end
			if v == nil then v = p[2] end
			o[p[1]] = v
		end
		return o
	end

	local function shrink(name, f)
		local cls = Module:extend(name)
		function cls:init(...) self.lambd = args({{"lambd", 0.5}}, ...).lambd end
		function cls:forward(input) return f(input, self.lambd) end
		function cls:extra_repr() return pystr(self.lambd) end
		return cls
	end
	classes.Hardshrink = shrink("Hardshrink", F.hardshrink)
	classes.Softshrink = shrink("Softshrink", F.softshrink)

	local RReLU = Module:extend("RReLU")
	function RReLU:init(...)
		local o = args({{"lower", 1 / 8}, {"upper", 1 / 3}, {"inplace", false}}, ...)
		self.lower, self.upper, self.inplace = o.lower, o.upper, o.inplace == true
	end
	function RReLU:forward(input)
		return F.rrelu(input, self.lower, self.upper, self.training, self.inplace)
	end
	function RReLU:extra_repr()
		return ("lower=%s, upper=%s%s"):format(pystr(self.lower), pystr(self.upper),
			self.inplace and ", inplace=True" or "")
	end
	classes.RReLU = RReLU

	local GLU = Module:extend("GLU")
	function GLU:init(...) self.dim = args({{"dim", -1}}, ...).dim end
	function GLU:forward(input) return F.glu(input, self.dim) end
	function GLU:extra_repr() return "dim=" .. tostring(self.dim) end
	classes.GLU = GLU

	-- nn.PReLU(num_parameters=1, init=0.25, {dtype=})
	local PReLU = Module:extend("PReLU")
	function PReLU:init(...)
		local o = args({{"num_parameters", 1}, {"init", 0.25}, {"dtype"}}, ...)
		self.num_parameters = o.num_parameters
		self.weight = Parameter(torch.full({o.num_parameters}, o.init,
			{dtype = o.dtype or torch.get_default_dtype()}))
	end
	function PReLU:forward(input) return F.prelu(input, self.weight) end
	function PReLU:extra_repr() return "num_parameters=" .. tostring(self.num_parameters) end
	classes.PReLU = PReLU
end

return classes
