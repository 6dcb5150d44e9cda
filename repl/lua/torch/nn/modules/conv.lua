-- torch.nn.modules.conv - Conv1d and Conv2d over F.conv1d / F.conv2d,
-- initialised as PyTorch 1.13 does (kaiming_uniform_ with a = sqrt(5) for
-- the weight, then uniform(-1/sqrt(fan_in), 1/sqrt(fan_in)) for the bias:
-- the same draws in the same order), with PyTorch's repr.
--
--   nn.Conv2d(in_channels, out_channels, kernel_size [, stride, padding,
--             dilation, groups, bias] [, {stride=, padding=, dilation=,
--             groups=, bias=, dtype=}])
local torch = require "torch"
local base = require "torch.nn.module"
local F = require "torch.nn.functional"
local init = require "torch.nn.init"

local Module, Parameter = base.Module, base.Parameter

local function ntuple(v, n)
	if type(v) == "table" then
		if #v == 1 and n > 1 then return ntuple(v[1], n) end
		local r = {}
		for i = 1, #v do r[i] = v[i] end
		return r
	end
	local r = {}
	for i = 1, n do r[i] = v end
	return r
end

local function tuple_repr(t)
	return "(" .. table.concat(t, ", ") .. (#t == 1 and ",)" or ")")
end

local function all_equal(t, v)
	for i = 1, #t do if t[i] ~= v then return false end end
	return true
end

local POSITIONAL = {"stride", "padding", "dilation", "groups", "bias"}
local DEFAULTS = {stride = 1, padding = 0, dilation = 1, groups = 1, bias = true}

local function conv_class(name, n, fn)
	local cls = Module:extend(name)
	function cls:init(in_channels, out_channels, kernel_size, ...)
		local args, count = {...}, select("#", ...)
		local kw = {}
		if count > 0 and type(args[count]) == "table" and getmetatable(args[count]) == nil
			and args[count][1] == nil then
			kw, count = args[count], count - 1
		end
		local o = {}
		for i, key in ipairs(POSITIONAL) do
			local v = nil
			if i <= count then v = args[i] end
			if v == nil then v = kw[key] end
			if v == nil then v = DEFAULTS[key] end
			o[key] = v
		end
		if in_channels % o.groups ~= 0 then error("in_channels must be divisible by groups", 3) end
		if out_channels % o.groups ~= 0 then error("out_channels must be divisible by groups", 3) end
		local pm = kw.padding_mode or "zeros"
		if pm ~= "zeros" then
			error(("%s: padding_mode '%s' is not supported in agdb yet"):format(name, pm), 3)
		end
		self.in_channels, self.out_channels = in_channels, out_channels
		self.kernel_size = ntuple(kernel_size, n)
		self.stride = ntuple(o.stride, n)
		self.padding = type(o.padding) == "string" and o.padding or ntuple(o.padding, n)
		if self.padding == "same" and not all_equal(self.stride, 1) then
			error("padding='same' is not supported for strided convolutions", 3)
		end
		self.dilation = ntuple(o.dilation, n)
		self.groups = o.groups
		self.padding_mode = pm
		local dtype = {dtype = kw.dtype or torch.get_default_dtype()}
		local shape = {out_channels, in_channels // o.groups}
		for i = 1, n do shape[#shape + 1] = self.kernel_size[i] end
		self.weight = Parameter(torch.empty(shape, dtype))
		if o.bias then
			self.bias = Parameter(torch.empty(out_channels, dtype))
		else
			self:register_parameter("bias", nil)
		end
		self:reset_parameters()
	end
	function cls:reset_parameters()
		init.kaiming_uniform_(self.weight, {a = math.sqrt(5)})
		if self.bias ~= nil then
			local fan_in = init._calculate_fan_in_and_fan_out(self.weight)
			if fan_in ~= 0 then
				local bound = 1 / math.sqrt(fan_in)
				init.uniform_(self.bias, -bound, bound)
			end
		end
	end
	function cls:forward(input)
		return fn(input, self.weight, self.bias, {stride = self.stride, padding = self.padding,
			dilation = self.dilation, groups = self.groups})
	end
	function cls:extra_repr()
		local s = ("%d, %d, kernel_size=%s, stride=%s"):format(self.in_channels, self.out_channels,
			tuple_repr(self.kernel_size), tuple_repr(self.stride))
		if type(self.padding) == "string" then
			s = s .. ", padding=" .. self.padding
		elseif not all_equal(self.padding, 0) then
			s = s .. ", padding=" .. tuple_repr(self.padding)
		end
		if not all_equal(self.dilation, 1) then s = s .. ", dilation=" .. tuple_repr(self.dilation) end
		if self.groups ~= 1 then s = s .. ", groups=" .. self.groups end
		if self.bias == nil then s = s .. ", bias=False" end
		return s
	end
	return cls
end

return {
	Conv1d = conv_class("Conv1d", 1, F.conv1d),
	Conv2d = conv_class("Conv2d", 2, F.conv2d),
}
