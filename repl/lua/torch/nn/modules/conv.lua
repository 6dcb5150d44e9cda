-- torch.nn.modules.conv - Conv1d and Conv2d over F.conv1d / F.conv2d
-- (padding_mode 'zeros', 'reflect', 'replicate' or 'circular': F.pad
-- first, as PyTorch), ConvTranspose1d/2d over F.conv_transpose1d/2d,
-- initialised as PyTorch 1.13 does (kaiming_uniform_ with a = sqrt(5) for
-- the weight, then uniform(-1/sqrt(fan_in), 1/sqrt(fan_in)) for the bias:
-- the same draws in the same order), with PyTorch's repr.
--
--   nn.Conv2d(in_channels, out_channels, kernel_size [, stride, padding,
--             dilation, groups, bias, padding_mode] [, {stride=, padding=,
--             dilation=, groups=, bias=, padding_mode=, dtype=}])
--   nn.ConvTranspose2d(in_channels, out_channels, kernel_size [, stride,
--             padding, output_padding, groups, bias, dilation] [, {...}])
--   m(input [, output_size])
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

local POSITIONAL = {"stride", "padding", "dilation", "groups", "bias", "padding_mode"}
local POSITIONAL_T = {"stride", "padding", "output_padding", "groups", "bias", "dilation",
	"padding_mode"}
local DEFAULTS = {stride = 1, padding = 0, output_padding = 0, dilation = 1, groups = 1,
	bias = true, padding_mode = "zeros"}
local PADDING_MODES = {zeros = true, reflect = true, replicate = true, circular = true}

-- the arguments after kernel_size by name: positional, then keywords
local function options(names, ...)
	local args, count = {...}, select("#", ...)
	local kw = {}
	if count > 0 and type(args[count]) == "table" and getmetatable(args[count]) == nil
		and args[count][1] == nil then
		kw, count = args[count], count - 1
	end
	local allowed = {"device", "dtype"}
	for _, key in ipairs(names) do allowed[#allowed + 1] = key end
	base.check_options(kw, allowed)
	local o = {}
	for i, key in ipairs(names) do
		local v = nil
		if i <= count then v = args[i] end
		if v == nil then v = kw[key] end
		if v == nil then v = DEFAULTS[key] end
		o[key] = v
	end
	return o, kw
end

-- F.pad's list for a padding_mode other than zeros: (left, right) of the
-- last dim first; 'same' split as PyTorch does (the odd one on the right)
local function reversed_padding(self, n)
	local r = {}
	for i = n, 1, -1 do
		local l, rt
		if self.padding == "same" then
			local total = self.dilation[i] * (self.kernel_size[i] - 1)
			l = total // 2
			rt = total - l
		elseif self.padding == "valid" then
			l, rt = 0, 0
		else
			l, rt = self.padding[i], self.padding[i]
		end
		r[#r + 1] = l
		r[#r + 1] = rt
	end
	return r
end

local function conv_class(name, n, fn, transposed)
	local cls = Module:extend(name)
	function cls:init(in_channels, out_channels, kernel_size, ...)
		local o, kw = options(transposed and POSITIONAL_T or POSITIONAL, ...)
		in_channels = base.check_size(in_channels, "in_channels")
		out_channels = base.check_size(out_channels, "out_channels")
		o.groups = base.check_size(o.groups, "groups")
		if o.groups <= 0 then base.raise("groups must be a positive integer") end
		if in_channels % o.groups ~= 0 then base.raise("in_channels must be divisible by groups") end
		if out_channels % o.groups ~= 0 then base.raise("out_channels must be divisible by groups") end
		local pm = o.padding_mode
		if not PADDING_MODES[pm] then
			base.raise(("padding_mode must be one of {'replicate', 'zeros', 'circular', 'reflect'}, "
				.. "but got padding_mode='%s'"):format(tostring(pm)))
		end
		if transposed and pm ~= "zeros" then
			base.raise(('Only "zeros" padding mode is supported for %s'):format(name))
		end
		self.in_channels, self.out_channels = in_channels, out_channels
		self.kernel_size = ntuple(kernel_size, n)
		self.stride = ntuple(o.stride, n)
		if type(o.padding) == "string" then
			if transposed then
				base.raise(("%s(): padding must be an int or a tuple of ints"):format(name))
			end
			if o.padding ~= "same" and o.padding ~= "valid" then
				base.raise(("Invalid padding string '%s', should be one of {'valid', 'same'}")
					:format(o.padding))
			end
			self.padding = o.padding
		else
			self.padding = ntuple(o.padding, n)
		end
		if self.padding == "same" and not all_equal(self.stride, 1) then
			base.raise("padding='same' is not supported for strided convolutions")
		end
		self.dilation = ntuple(o.dilation, n)
		self.transposed = transposed and true or false
		self.output_padding = ntuple(transposed and o.output_padding or 0, n)
		self.groups = o.groups
		self.padding_mode = pm
		local dtype = {dtype = kw.dtype or torch.get_default_dtype()}
		local shape = transposed and {in_channels, out_channels // o.groups}
			or {out_channels, in_channels // o.groups}
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
	if transposed then
		-- forward(input [, output_size]): output_size picks the
		-- output_padding that gives that size (PyTorch's
		-- _output_padding), its last n entries the spatial sizes
		function cls:_output_padding(input, output_size)
			if output_size == nil then return self.output_padding end
			if type(output_size) == "table" and output_size.output_size ~= nil then
				output_size = output_size.output_size
			end
			local k = input:dim() - 2
			local m = #output_size
			if m == k + 2 then
				local r = {}
				for i = 3, m do r[#r + 1] = output_size[i] end
				output_size = r
			end
			if #output_size ~= k then
				base.raise(("ConvTranspose%dD: for %dD input, output_size must have %d or %d elements (got %d)")
					:format(n, input:dim(), k, k + 2, m))
			end
			local lo, hi, insz, res = {}, {}, {}, {}
			for d = 1, k do
				local dim = input:size(input:dim() - k + d)
				insz[d] = dim
				lo[d] = (dim - 1) * self.stride[d] - 2 * self.padding[d]
					+ self.dilation[d] * (self.kernel_size[d] - 1) + 1
				hi[d] = lo[d] + self.stride[d] - 1
			end
			for d = 1, k do
				if output_size[d] < lo[d] or output_size[d] > hi[d] then
					local function l(t) return "[" .. table.concat(t, ", ") .. "]" end
					base.raise(("requested an output size of %s, but valid sizes range from %s to %s "
						.. "(for an input of torch.Size(%s))"):format(
						"(" .. table.concat(output_size, ", ") .. ")", l(lo), l(hi), l(insz)))
				end
			end
			for d = 1, k do res[d] = output_size[d] - lo[d] end
			return res
		end
		function cls:forward(input, output_size)
			local op = self:_output_padding(input, output_size)
			return fn(input, self.weight, self.bias, {stride = self.stride, padding = self.padding,
				output_padding = op, groups = self.groups, dilation = self.dilation})
		end
	else
		function cls:forward(input)
			if self.padding_mode ~= "zeros" then
				return fn(F.pad(input, reversed_padding(self, n), self.padding_mode), self.weight,
					self.bias, {stride = self.stride, padding = 0, dilation = self.dilation,
					groups = self.groups})
			end
			return fn(input, self.weight, self.bias, {stride = self.stride, padding = self.padding,
				dilation = self.dilation, groups = self.groups})
		end
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
		if not all_equal(self.output_padding, 0) then
			s = s .. ", output_padding=" .. tuple_repr(self.output_padding)
		end
		if self.groups ~= 1 then s = s .. ", groups=" .. self.groups end
		if self.bias == nil then s = s .. ", bias=False" end
		if self.padding_mode ~= "zeros" then s = s .. ", padding_mode=" .. self.padding_mode end
		return s
	end
	return cls
end

return {
	Conv1d = conv_class("Conv1d", 1, F.conv1d),
	Conv2d = conv_class("Conv2d", 2, F.conv2d),
	ConvTranspose1d = conv_class("ConvTranspose1d", 1, F.conv_transpose1d, true),
	ConvTranspose2d = conv_class("ConvTranspose2d", 2, F.conv_transpose2d, true),
}
