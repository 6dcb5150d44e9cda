-- torch.nn.functional's elementwise activations (issue 11), added to F by
-- functional.lua: each is the tensor method of the same name, with
-- PyTorch's arguments by position or in a trailing keyword table
-- (F.leaky_relu(x, 0.2, true) or F.leaky_relu(x, {negative_slope=0.2,
-- inplace=true})), inplace choosing the method's `_` form.
local torch = require "torch"

-- The arguments after input as a table by name: positional ones take the
-- names in order, a trailing table (not a tensor) gives the rest.
local function named(names, fname, ...)
	local n = select("#", ...)
	local args = {...}
	local kw = args[n]
	local r = {}
	if type(kw) == "table" and not torch.is_tensor(kw) then
		n = n - 1
		local known = {}
		for _, k in ipairs(names) do known[k] = true end
		for k, v in pairs(kw) do
			if not known[k] then
				error(("%s() got an unexpected keyword argument '%s'"):format(fname, tostring(k)), 3)
			end
			r[k] = v
		end
	end
	if n > #names then
		error(("%s() takes from 1 to %d positional arguments but %d were given")
			:format(fname, #names + 1, n + 1), 3)
	end
	for i = 1, n do
		if args[i] ~= nil then r[names[i]] = args[i] end
	end
	return r
end

local function check_input(input, fname)
	if not torch.is_tensor(input) then
		error(("%s(): argument 'input' (position 1) must be Tensor, not %s")
			:format(fname, type(input)), 3)
	end
end

-- F.fname(input, <numbers...>[, inplace]) calling the method `name`, or
-- name_ when inplace is true (always, for F.name_).  params: the numbers'
-- names and defaults, in PyTorch's order.
local function activation(fname, name, params, has_inplace)
	local names = {}
	for i, p in ipairs(params) do names[i] = p[1] end
	if has_inplace then names[#names + 1] = "inplace" end
	return function(input, ...)
		check_input(input, fname)
		local a = named(names, fname, ...)
		local vals = {}
		for i, p in ipairs(params) do
			local v = a[p[1]]
			if v == nil then v = p[2] end
			vals[i] = v
		end
		local method = a.inplace and name .. "_" or name
		return input[method](input, table.unpack(vals, 1, #params))
	end
end

return function(F)
	local SPECS = {
		-- name, {{parameter, default}...}, inplace argument, F.name_
		{"threshold", {{"threshold"}, {"value"}}, true, true},
		{"relu6", {}, true},
		{"elu", {{"alpha", 1.0}}, true, true},
		{"selu", {}, true, true},
		{"celu", {{"alpha", 1.0}}, true, true},
		{"leaky_relu", {{"negative_slope", 0.01}}, true, true},
		{"hardtanh", {{"min_val", -1.0}, {"max_val", 1.0}}, true, true},
		{"gelu", {{"approximate", "none"}}, false},
		{"logsigmoid", {}, false},
		{"softplus", {{"beta", 1}, {"threshold", 20}}, false},
		{"softsign", {}, false},
		{"silu", {}, true},
		{"mish", {}, true},
		{"hardsigmoid", {}, true},
		{"hardswish", {}, true},
	}
	for _, s in ipairs(SPECS) do
		F[s[1]] = activation(s[1], s[1], s[2], s[3])
		if s[4] then F[s[1] .. "_"] = activation(s[1] .. "_", s[1] .. "_", s[2]) end
	end
	return F
end
