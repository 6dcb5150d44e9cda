-- torch.autocast - automatic mixed precision regions, as PyTorch 1.13's
-- torch.autocast("cpu", ...):
--
--   torch.autocast({device_type = "cpu", dtype = torch.bfloat16}, fn, ...)
--   local ac <close> = torch.autocast({device_type = "cpu"})
--   torch.cpu.amp.autocast({dtype = torch.bfloat16})   -- the same, on CPU
--
-- Inside, ops on PyTorch's lower-precision list run in the region's dtype,
-- ops on its float32 list in float32, cat/stack/index_copy in the widest
-- input dtype (the lists are ops.def's autocast column; the casts happen in
-- repl/lautocast.c).  Regions nest; enabled = false turns autocast off
-- inside an enabled one.  agdb also runs float16 regions, which PyTorch
-- 1.13 refuses on CPU (core/autocast.h says how).
local torch = require "torch"

local M = {}

local warned = {}
local function warn(msg)
	local info = debug.getinfo(4, "Sl")
	local where = info and (info.short_src .. ":" .. (info.currentline or 0) .. ": ") or ""
	if warned[where .. msg] then return end
	warned[where .. msg] = true
	io.stderr:write(where, "UserWarning: ", msg, "\n")
	io.stderr:flush()
end

local Region = {}
Region.__index = Region
Region.__name = "torch.autocast"

function Region:__close()
	if self.closed then return end
	self.closed = true
	if torch.autocast_decrement_nesting() == 0 then torch.clear_autocast_cache() end
	torch.set_autocast_cpu_enabled(self.prev)
	torch.set_autocast_cpu_dtype(self.prev_dtype)
	torch.set_autocast_cache_enabled(self.prev_cache)
end
Region.close = Region.__close

function Region:__tostring()
	return ("torch.autocast(device_type='%s', dtype=%s, enabled=%s)"):format(
		self.device_type, tostring(self.fast_dtype), tostring(self.enabled))
end

local KEYS = {device_type = true, dtype = true, enabled = true, cache_enabled = true}

local function enter(opts, fname, default_device)
	if opts ~= nil and type(opts) ~= "table" then
		error(("%s(): argument 1 must be a table of options, got %s"):format(fname, type(opts)), 3)
	end
	opts = opts or {}
	for k in pairs(opts) do
		if not KEYS[k] then
			error(("%s() got an unexpected keyword argument '%s'"):format(fname, tostring(k)), 3)
		end
	end
	local device = opts.device_type or default_device
	if device == nil then
		error(("%s() missing 1 required positional argument: 'device_type'"):format(fname), 3)
	end
	if device ~= "cpu" and device ~= "cuda" then
		error("User specified autocast device_type must be 'cuda' or 'cpu'", 3)
	end
	local enabled = opts.enabled
	if enabled == nil then enabled = true end
	if type(enabled) ~= "boolean" then
		error(("%s(): enabled must be a boolean, got %s"):format(fname, type(enabled)), 3)
	end
	local dtype = opts.dtype or torch.get_autocast_cpu_dtype()
	local cache = opts.cache_enabled
	if cache == nil then cache = torch.is_autocast_cache_enabled() end
	if device == "cuda" then
		if enabled then
			warn("User provided device_type of 'cuda', but CUDA is not available. Disabling")
		end
		enabled = false
		dtype = torch.get_autocast_cpu_dtype()
	elseif dtype ~= torch.bfloat16 and dtype ~= torch.float16 then
		warn("In CPU autocast, but the target dtype is not supported. Disabling autocast.\n" ..
			"CPU Autocast only supports dtype of torch.bfloat16, torch.float16 currently.")
		enabled = false
		dtype = torch.get_autocast_cpu_dtype()
	end
	local r = setmetatable({
		device_type = device, fast_dtype = dtype, enabled = enabled,
		prev = torch.is_autocast_cpu_enabled(),
		prev_dtype = torch.get_autocast_cpu_dtype(),
		prev_cache = torch.is_autocast_cache_enabled(),
	}, Region)
	if device == "cpu" then
		torch.set_autocast_cpu_enabled(enabled)
		torch.set_autocast_cpu_dtype(dtype)
	end
	torch.autocast_increment_nesting()
	torch.set_autocast_cache_enabled(cache)
	return r
end

local function run(region, ok, ...)
	region:__close()
	if not ok then error((...), 0) end
	return ...
end

local function callable(v)
	if type(v) == "function" then return true end
	local mt = getmetatable(v)
	return type(mt) == "table" and mt.__call ~= nil
end

local function autocast(fname, default_device, opts, fn, ...)
	if fn ~= nil and not callable(fn) then
		error(("%s(): argument 2 must be a function or nothing, got %s"):format(fname, type(fn)), 3)
	end
	local region = enter(opts, fname, default_device)
	if fn == nil then return region end
	return run(region, pcall(fn, ...))
end

function M.autocast(opts, fn, ...)
	return autocast("torch.autocast", nil, opts, fn, ...)
end

-- torch.cpu.amp.autocast({dtype, enabled, cache_enabled}[, fn])
M.cpu = {amp = {autocast = function(opts, fn, ...)
	if opts ~= nil and type(opts) == "table" and opts.device_type ~= nil then
		error("torch.cpu.amp.autocast() got an unexpected keyword argument 'device_type'", 2)
	end
	return autocast("torch.cpu.amp.autocast", "cpu", opts, fn, ...)
end}}

return M
