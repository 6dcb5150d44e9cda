-- torch.amp.GradScaler - loss scaling for float16 training, as PyTorch
-- 1.13's torch.cuda.amp.GradScaler (grad_scaler.py, and the kernels
-- _amp_foreach_non_finite_check_and_unscale_ and _amp_update_scale_):
--
--   scaler = torch.amp.GradScaler({init_scale = 2^16})
--   scaler:scale(loss):backward()
--   scaler:step(opt)        -- unscales the gradients; skipped on inf/NaN
--   scaler:update()         -- backs the scale off, or grows it
--
-- The scale is a float32 value (a one-element float32 tensor multiplies the
-- loss, so a float16 loss is scaled in float32), the growth tracker an
-- integer; both are made on the first scale() as in PyTorch.
local torch = require "torch"
local class = require "torch.class"

local GradScaler = class.root("GradScaler")

local READY, UNSCALED, STEPPED = "READY", "UNSCALED", "STEPPED"

-- x rounded to the nearest float32 (inf past float32's range), as the
-- kernels store the scale.
local F32_OVERFLOW = 2.0 ^ 128 - 2.0 ^ 103
local function f32(x)
	if x ~= x then return x end
	if x >= F32_OVERFLOW then return math.huge end
	if x <= -F32_OVERFLOW then return -math.huge end
	return (string.unpack("<f", string.pack("<f", x)))
end

local function is_finite(x) return x == x and x ~= math.huge and x ~= -math.huge end

local DEFAULTS = {init_scale = 2.0 ^ 16, growth_factor = 2.0, backoff_factor = 0.5,
	growth_interval = 2000, enabled = true}

local function check_number(name, v)
	if type(v) ~= "number" then
		error(("GradScaler: %s must be a number, got %s"):format(name,
			torch.is_tensor(v) and "Tensor" or type(v)), 4)
	end
end

function GradScaler.__new(cls, opts)
	if opts ~= nil and (type(opts) ~= "table" or torch.is_tensor(opts)) then
		error("GradScaler: the options must be a table, e.g. " ..
			"torch.amp.GradScaler({init_scale=65536}), got " ..
			(torch.is_tensor(opts) and "Tensor" or type(opts)), 2)
	end
	local o = {}
	for k, v in pairs(DEFAULTS) do o[k] = v end
	for k, v in pairs(opts or {}) do
		if DEFAULTS[k] == nil then
			error(("__init__() got an unexpected keyword argument '%s'"):format(tostring(k)), 2)
		end
		o[k] = v
	end
	if type(o.enabled) ~= "boolean" then
		error("GradScaler: enabled must be a boolean, got " .. type(o.enabled), 2)
	end
	local self = setmetatable({_enabled = o.enabled}, class.instance_meta(cls))
	if not self._enabled then return self end
	for _, k in ipairs({"init_scale", "growth_factor", "backoff_factor"}) do
		check_number(k, o[k])
	end
	if math.type(o.growth_interval) ~= "integer" and not (type(o.growth_interval) == "number"
		and o.growth_interval == math.floor(o.growth_interval)) then
		error("GradScaler: growth_interval must be an integer, got " ..
			tostring(o.growth_interval), 2)
	end
	if o.growth_interval < 1 then
		error("GradScaler: growth_interval must be at least 1, got " ..
			tostring(o.growth_interval), 2)
	end
	if not (o.growth_factor > 1.0) then error("The growth factor must be > 1.0.", 2) end
	if not (o.backoff_factor < 1.0) then error("The backoff factor must be < 1.0.", 2) end
	self._init_scale = o.init_scale
	self._scale = nil
	self._growth_factor = o.growth_factor
	self._backoff_factor = o.backoff_factor
	self._growth_interval = math.tointeger(o.growth_interval)
	self._init_growth_tracker = 0
	self._growth_tracker = nil
	self._per_optimizer_states = {}
	return self
end

function GradScaler:__tostring()
	if not self._enabled then return "GradScaler(enabled=False)" end
	return ("GradScaler(scale=%s, growth_factor=%s, backoff_factor=%s, growth_interval=%d)")
		:format(self:get_scale(), self._growth_factor, self._backoff_factor,
			self._growth_interval)
end

-- The per-optimizer state, made READY on first use (PyTorch's defaultdict).
local function opt_state(self, optimizer)
	local st = self._per_optimizer_states[optimizer]
	if not st then
		st = {stage = READY, found_inf = nil}
		self._per_optimizer_states[optimizer] = st
	end
	return st
end

local function check_scale_growth_tracker(self, funcname)
	local fix = "This may indicate your script did not use scaler.scale(loss or outputs) " ..
		"earlier in the iteration."
	if self._scale == nil then
		error(("Attempted %s but _scale is None.  "):format(funcname) .. fix, 3)
	end
end

local function lazy_init(self)
	self._scale = f32(self._init_scale)
	self._growth_tracker = self._init_growth_tracker
end

-- scaler:scale(outputs): outputs (a Tensor, or a table of Tensors, nested)
-- times the scale, as a one-element float32 tensor (so a float16 loss
-- gives a float32 result of shape [1], as in PyTorch).
function GradScaler:scale(outputs)
	if not self._enabled then return outputs end
	local scale_t
	local function apply(v)
		if torch.is_tensor(v) then
			if not scale_t then
				if self._scale == nil then lazy_init(self) end
				scale_t = torch.full({1}, self._scale, {dtype = torch.float32})
			end
			return v * scale_t
		elseif type(v) == "table" and getmetatable(v) == nil then
			local out = {}
			for i, x in ipairs(v) do out[i] = apply(x) end
			return out
		end
		error("outputs must be a Tensor or an iterable of Tensors", 3)
	end
	return apply(outputs)
end

-- Multiplies every gradient of optimizer by inv_scale in place and says
-- whether any of them held an inf or a NaN (checked before unscaling); nil
-- when the optimizer has no gradient at all (PyTorch then records no check).
local function unscale_grads(optimizer, inv_scale, allow_fp16)
	if type(optimizer) ~= "table" or type(optimizer.param_groups) ~= "table" then
		error("GradScaler: the optimizer must be a torch.optim optimizer, got " ..
			(torch.is_tensor(optimizer) and "Tensor" or type(optimizer)), 4)
	end
	local grads = {}
	for _, group in ipairs(optimizer.param_groups) do
		for _, p in ipairs(group.params) do
			local g = p.grad
			if g ~= nil then
				if not allow_fp16 and g.dtype == torch.float16 then
					error("Attempting to unscale FP16 gradients.", 4)
				end
				grads[#grads + 1] = g
			end
		end
	end
	if #grads == 0 then return nil end
	local found = false
	torch.no_grad(function()
		for _, g in ipairs(grads) do
			-- inf * 0 and NaN * 0 are NaN, a finite value * 0 is 0
			local probe = (g * 0):sum():item()
			if probe ~= 0 then found = true end
			if inv_scale ~= 1.0 then g:mul_(inv_scale) end
		end
	end)
	return found
end

-- scaler:unscale_(optimizer): divides the optimizer's gradients by the
-- scale, once per step, recording whether any was inf or NaN.
function GradScaler:unscale_(optimizer)
	if not self._enabled then return end
	check_scale_growth_tracker(self, "unscale_")
	local st = opt_state(self, optimizer)
	if st.stage == UNSCALED then
		error("unscale_() has already been called on this optimizer since the last update().", 2)
	elseif st.stage == STEPPED then
		error("unscale_() is being called after step().", 2)
	end
	local inv_scale = f32(1.0 / self._scale)
	st.found_inf = unscale_grads(optimizer, inv_scale, false)
	st.stage = UNSCALED
end

-- scaler:step(optimizer, ...): unscales (unless unscale_ did), then runs
-- optimizer:step(...) unless a gradient was inf or NaN; returns what
-- optimizer:step returned (nothing when skipped).
function GradScaler:step(optimizer, ...)
	if not self._enabled then return optimizer:step(...) end
	local n = select("#", ...)
	local last = n > 0 and select(n, ...) or nil
	if type(last) == "table" and not torch.is_tensor(last) and last.closure ~= nil then
		error("Closure use is not currently supported if GradScaler is enabled.", 2)
	end
	check_scale_growth_tracker(self, "step")
	local st = opt_state(self, optimizer)
	if st.stage == STEPPED then
		error("step() has already been called since the last update().", 2)
	end
	if st.stage == READY then self:unscale_(optimizer) end
	if st.found_inf == nil then error("No inf checks were recorded for this optimizer.", 2) end
	local ret = table.pack()
	if not st.found_inf then ret = table.pack(optimizer:step(...)) end
	st.stage = STEPPED
	return table.unpack(ret, 1, ret.n)
end

-- scaler:update([new_scale]): new_scale (a number, or a one-element float32
-- tensor not requiring grad) sets the scale; otherwise the scale is
-- multiplied by backoff_factor if any step this iteration found an inf or
-- NaN, or by growth_factor after growth_interval clean steps in a row.
function GradScaler:update(new_scale)
	if not self._enabled then return end
	check_scale_growth_tracker(self, "update")
	if new_scale ~= nil then
		if type(new_scale) == "number" then
			self._scale = f32(new_scale)
		else
			local reason = "new_scale should be a float or a 1-element torch.FloatTensor " ..
				"with requires_grad=False."
			if not torch.is_tensor(new_scale) or new_scale.dtype ~= torch.float32 or
				new_scale:numel() ~= 1 or new_scale.requires_grad then
				error(reason, 2)
			end
			self._scale = new_scale:item()
		end
	else
		local any, found = false, false
		for _, st in pairs(self._per_optimizer_states) do
			if st.found_inf ~= nil then
				any = true
				found = found or st.found_inf
			end
		end
		if not any then error("No inf checks were recorded prior to update.", 2) end
		if found then
			self._scale = f32(self._scale * self._backoff_factor)
			self._growth_tracker = 0
		else
			local successful = self._growth_tracker + 1
			if successful == self._growth_interval then
				local grown = f32(self._scale * self._growth_factor)
				if is_finite(grown) then self._scale = grown end
				self._growth_tracker = 0
			else
				self._growth_tracker = successful
			end
		end
	end
	self._per_optimizer_states = {}
end

-- The current scale (1.0 when disabled).
function GradScaler:get_scale()
	if not self._enabled then return 1.0 end
	if self._scale == nil then return self._init_scale end
	return self._scale
end

function GradScaler:get_growth_factor() return self._growth_factor end
function GradScaler:set_growth_factor(v) self._growth_factor = v end
function GradScaler:get_backoff_factor() return self._backoff_factor end
function GradScaler:set_backoff_factor(v) self._backoff_factor = v end
function GradScaler:get_growth_interval() return self._growth_interval end
function GradScaler:set_growth_interval(v) self._growth_interval = v end
function GradScaler:is_enabled() return self._enabled end

function GradScaler:_get_growth_tracker()
	if not self._enabled then return 0 end
	if self._growth_tracker == nil then return self._init_growth_tracker end
	return self._growth_tracker
end

-- {scale, growth_factor, backoff_factor, growth_interval, _growth_tracker};
-- {} when disabled.
function GradScaler:state_dict()
	if not self._enabled then return {} end
	return {scale = self:get_scale(), growth_factor = self._growth_factor,
		backoff_factor = self._backoff_factor, growth_interval = self._growth_interval,
		_growth_tracker = self:_get_growth_tracker()}
end

local STATE_KEYS = {"scale", "growth_factor", "backoff_factor", "growth_interval",
	"_growth_tracker"}

function GradScaler:load_state_dict(sd)
	if not self._enabled then return end
	if type(sd) ~= "table" then
		error("GradScaler:load_state_dict: argument 1 must be a table (a state_dict()), got " ..
			(torch.is_tensor(sd) and "Tensor" or type(sd)), 2)
	end
	if next(sd) == nil then
		error("The source state dict is empty, possibly because it was saved " ..
			"from a disabled instance of GradScaler.", 2)
	end
	for _, k in ipairs(STATE_KEYS) do
		if type(sd[k]) ~= "number" then
			error(("GradScaler:load_state_dict: the state dict has no number '%s'"):format(k), 2)
		end
	end
	self._init_scale = sd.scale
	if self._scale ~= nil then self._scale = f32(sd.scale) end
	self._growth_factor = sd.growth_factor
	self._backoff_factor = sd.backoff_factor
	self._growth_interval = sd.growth_interval
	self._init_growth_tracker = sd._growth_tracker
	if self._growth_tracker ~= nil then self._growth_tracker = sd._growth_tracker end
end

return GradScaler
