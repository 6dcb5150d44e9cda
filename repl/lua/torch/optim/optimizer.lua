-- torch.optim.optimizer - the Optimizer base class: parameter groups with
-- per-group options, per-parameter state, zero_grad, state_dict and
-- load_state_dict, as PyTorch 1.13's.
--
-- A subclass gives its defaults and a `_step_group(group)` that updates
-- the parameters of one group (under no_grad):
--   local SGD = Optimizer:extend("SGD")
--   function SGD:init(params, opts) Optimizer.init(self, params, defaults) end
--
-- In state_dict, parameters are numbered from 1 in the order of the groups
-- (PyTorch numbers them from 0).
local torch = require "torch"
local class = require "torch.class"

local Optimizer = class.root("Optimizer")

-- the value PyTorch's defaults use for "must be given"
Optimizer.required = setmetatable({}, {__tostring = function() return "<required parameter>" end})

local function py(v)
	if v == true then return "True" elseif v == false then return "False" end
	if v == nil then return "None" end
	if type(v) == "table" then
		local parts = {}
		for i, x in ipairs(v) do parts[i] = py(x) end
		return "(" .. table.concat(parts, ", ") .. ")"
	end
	if math.type(v) == "float" and v == math.floor(v) and math.abs(v) < 1e16 then
		return ("%.1f"):format(v)
	end
	return tostring(v)
end
Optimizer._py = py

function Optimizer.__new(cls, ...)
	local self = setmetatable({state = {}, param_groups = {}, _step_count = 0},
		class.instance_meta(cls))
	cls.init(self, ...)
	return self
end

function Optimizer.extend(parent, name) return class.extend(parent, name) end

-- Optimizer.init(self, params, defaults): params is a sequence of tensors
-- or of groups ({params={...}, lr=...}).
function Optimizer:init(params, defaults)
	self.defaults = defaults
	if torch.is_tensor(params) then
		error("params argument given to the optimizer should be an iterable of " ..
			"Tensors or dicts, but got " .. params:type(), 3)
	end
	if type(params) ~= "table" then
		error("params argument given to the optimizer should be an iterable of " ..
			"Tensors or dicts, but got " .. type(params), 3)
	end
	local list = {}
	for _, p in ipairs(params) do list[#list + 1] = p end
	if #list == 0 then error("optimizer got an empty parameter list", 3) end
	if not torch.is_tensor(list[1]) then
		for _, g in ipairs(list) do self:add_param_group(g) end
	else
		self:add_param_group({params = list})
	end
end

function Optimizer:add_param_group(group)
	if type(group) ~= "table" or torch.is_tensor(group) then
		error("param group must be a dict", 2)
	end
	local params = group.params
	if torch.is_tensor(params) then params = {params} end
	local plist = {}
	for _, p in ipairs(params or {}) do
		if not torch.is_tensor(p) then
			error("optimizer can only optimize Tensors, but one of the params is " ..
				type(p), 2)
		end
		if not p.is_leaf then error("can't optimize a non-leaf Tensor", 2) end
		plist[#plist + 1] = p
	end
	local g = {params = plist}
	for k, v in pairs(group) do
		if k ~= "params" then
			if self.defaults[k] ~= nil then Optimizer._check_option(k, v, self.defaults[k], 2) end
			g[k] = v
		end
	end
	for k, v in pairs(self.defaults) do
		if v == Optimizer.required and g[k] == nil then
			error(("parameter group didn't specify a value of required " ..
				"optimization parameter %s"):format(k), 2)
		end
		if g[k] == nil then g[k] = v end
	end
	local seen = {}
	for _, p in ipairs(plist) do
		if seen[p] then
			require("torch.nn.functional")._warn("optimizer contains a parameter " ..
				"group with duplicate parameters; in future, this will cause an " ..
				"error; see github.com/pytorch/pytorch/issues/40967 for more " ..
				"information", 3)
		end
		seen[p] = true
	end
	for _, other in ipairs(self.param_groups) do
		for _, p in ipairs(other.params) do
			if seen[p] then
				error("some parameters appear in more than one parameter group", 2)
			end
		end
	end
	self.param_groups[#self.param_groups + 1] = g
end

-- PyTorch 1.13: zeros the gradients; {set_to_none=true} drops them.
function Optimizer:zero_grad(opts)
	local zero = require("torch.nn.utils")._zero_grads
	for _, group in ipairs(self.param_groups) do zero(group.params, opts) end
end

-- Functions called as fn(optimizer, "pre") before each step and
-- fn(optimizer, "post") after it (the debugger's update-to-data ratios).
Optimizer.step_observers = {}

-- opt:step([closure]): closure re-evaluates the model and returns the loss.
function Optimizer:step(closure)
	local loss
	if closure then loss = torch.enable_grad(closure) end
	self._step_count = self._step_count + 1
	for _, fn in ipairs(Optimizer.step_observers) do fn(self, "pre") end
	torch.no_grad(function()
		for _, group in ipairs(self.param_groups) do self:_step_group(group) end
	end)
	for _, fn in ipairs(Optimizer.step_observers) do fn(self, "post") end
	return loss
end

-- The state of p, created empty on first use.
function Optimizer:_state(p)
	local s = self.state[p]
	if not s then
		s = {}
		self.state[p] = s
	end
	return s
end

local function copy_value(v)
	if torch.is_tensor(v) then return v:clone() end
	if type(v) == "table" then
		local t = {}
		for k, x in pairs(v) do t[k] = copy_value(x) end
		return t
	end
	return v
end

-- {state = {[i] = {...}}, param_groups = {{params = {i, ...}, lr = ...}}}
function Optimizer:state_dict()
	local index, n = {}, 0
	local groups = {}
	for gi, group in ipairs(self.param_groups) do
		local packed = {}
		for k, v in pairs(group) do
			if k ~= "params" then packed[k] = v end
		end
		packed.params = {}
		for _, p in ipairs(group.params) do
			if not index[p] then
				n = n + 1
				index[p] = n
			end
			packed.params[#packed.params + 1] = index[p]
		end
		groups[gi] = packed
	end
	local state = {}
	for p, s in pairs(self.state) do
		if index[p] then state[index[p]] = s end
	end
	return {state = state, param_groups = groups}
end

function Optimizer:load_state_dict(sd)
	if type(sd) ~= "table" or torch.is_tensor(sd) or getmetatable(sd) ~= nil then
		error(("Expected state_dict to be dict-like (what optimizer:state_dict() " ..
			"returns), got %s."):format(torch.is_tensor(sd) and "Tensor" or type(sd)), 2)
	end
	local groups, saved = self.param_groups, sd.param_groups
	if type(saved) ~= "table" or #saved ~= #groups then
		error("loaded state dict has a different number of parameter groups", 2)
	end
	if sd.state ~= nil and type(sd.state) ~= "table" then
		error("loaded state dict's 'state' must be a table, got " .. type(sd.state), 2)
	end
	for i, g in ipairs(groups) do
		if type(saved[i]) ~= "table" or type(saved[i].params) ~= "table" then
			error(("loaded state dict's param_groups[%d] must be a table with " ..
				"a 'params' list"):format(i), 2)
		end
		if #g.params ~= #saved[i].params then
			error("loaded state dict contains a parameter group that doesn't " ..
				"match the size of optimizer's group", 2)
		end
	end
	local by_id = {}
	for i, g in ipairs(groups) do
		for j, p in ipairs(g.params) do by_id[saved[i].params[j]] = p end
	end
	local state = {}
	for id, s in pairs(sd.state or {}) do
		local p = by_id[id]
		if p and type(s) ~= "table" then
			error(("loaded state dict's state[%s] must be a table, got %s"):format(
				tostring(id), type(s)), 2)
		end
		if p then
			local ns = {}
			for k, v in pairs(s) do
				v = copy_value(v)
				if k ~= "step" and torch.is_tensor(v) and p:is_floating_point() and
					v:is_floating_point() then
					v = v:to(p.dtype)
				end
				ns[k] = v
			end
			state[p] = ns
		end
	end
	for i in ipairs(groups) do
		for k, v in pairs(saved[i]) do
			if k ~= "params" and self.defaults[k] ~= nil then
				Optimizer._check_option(k, v, self.defaults[k], 2)
			end
		end
	end
	self.state = state
	for i, g in ipairs(groups) do
		for k, v in pairs(saved[i]) do
			if k ~= "params" then g[k] = copy_value(v) end
		end
	end
end

function Optimizer:__tostring()
	local lines = {class.name(class.of(self)) .. " ("}
	for i, group in ipairs(self.param_groups) do
		lines[#lines + 1] = "Parameter Group " .. (i - 1)
		local keys = {}
		for k in pairs(group) do
			if k ~= "params" then keys[#keys + 1] = k end
		end
		table.sort(keys)
		for _, k in ipairs(keys) do
			lines[#lines + 1] = "    " .. k .. ": " .. py(group[k])
		end
	end
	lines[#lines + 1] = ")"
	return table.concat(lines, "\n")
end

-- Option checks shared by the optimizers (PyTorch's messages).
function Optimizer._check(cond, fmt, v)
	if not cond then error(fmt:format(py(v)), 4) end
end

-- An option's value must have its default's kind (a number for lr, a pair
-- of numbers for betas, a boolean for nesterov); the message names it.
local function check_option(k, v, default, level)
	local want
	if default == Optimizer.required or type(default) == "number" then
		if type(v) ~= "number" then want = "a number" end
	elseif type(default) == "boolean" then
		if type(v) ~= "boolean" then want = "a boolean" end
	elseif type(default) == "table" then
		local ok = type(v) == "table" and not torch.is_tensor(v) and #v == #default
		for i = 1, ok and #v or 0 do ok = ok and type(v[i]) == "number" end
		if not ok then want = ("a table of %d numbers"):format(#default) end
	end
	if want then
		local got = torch.is_tensor(v) and "Tensor" or type(v)
		if type(v) == "string" then got = ("string '%s'"):format(v) end
		error(("optimizer option '%s' must be %s, got %s"):format(k, want, got), level + 1)
	end
end
Optimizer._check_option = check_option

-- The options of opts over the defaults (a copy).
function Optimizer._defaults(defaults, opts)
	local d = {}
	for k, v in pairs(defaults) do d[k] = v end
	if opts ~= nil and (type(opts) ~= "table" or torch.is_tensor(opts)) then
		error(("optimizer options must be a table ({lr=...}), got %s"):format(
			torch.is_tensor(opts) and "Tensor" or type(opts)), 4)
	end
	if type(opts) == "table" then
		for k, v in pairs(opts) do
			if d[k] == nil and k ~= "foreach" and k ~= "differentiable" and
				k ~= "capturable" and k ~= "fused" then
				error(("__init__() got an unexpected keyword argument '%s'"):format(k), 4)
			end
			if defaults[k] ~= nil then check_option(k, v, defaults[k], 4) end
			d[k] = v
		end
	end
	return d
end

return Optimizer
