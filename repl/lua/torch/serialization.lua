-- torch.serialization - torch.save / torch.load in the safetensors format,
-- so files go to and from PyTorch (through the `safetensors` package) and
-- other tools, and loading a file never runs code.
--
--   torch.save(model:state_dict(), "model.safetensors")
--   sd = torch.load("model.safetensors")       -- an OrderedDict name -> tensor
--   torch.save(x, "x.safetensors"); torch.load("x.safetensors")  -- x back
--   torch.save(sd, path, {metadata={epoch="3"}})
--   sd, meta = torch.load(path, {metadata=true})
--
-- A single tensor is stored under the name "tensor" with the metadata
-- entry agdb="tensor", and comes back as a tensor.  Views and non-contiguous
-- tensors are saved as their values; tensors sharing storage are each
-- written in full.  The C side (lsafetensors.c) validates every file before
-- it allocates anything.
local torch = require "torch"
local collections = require "torch.collections"

local C = torch._C
local M = {}

local SINGLE = "tensor"

local function check_path(path, fname)
	if type(path) ~= "string" then
		error(("%s: the path must be a string, got %s"):format(fname, type(path)), 3)
	end
end

function M.save(obj, path, opts)
	check_path(path, "torch.save")
	local names, tensors = {}, {}
	local meta = type(opts) == "table" and opts.metadata or nil
	if meta ~= nil then
		if type(meta) ~= "table" then
			error("torch.save: metadata must be a table of strings", 2)
		end
		local copy = {}
		for k, v in pairs(meta) do
			if type(k) ~= "string" or (type(v) ~= "string" and type(v) ~= "number") then
				error("torch.save: metadata must map strings to strings", 2)
			end
			copy[k] = tostring(v)
		end
		meta = copy
	end
	if torch.is_tensor(obj) then
		names[1], tensors[1] = SINGLE, obj
		meta = meta or {}
		meta.agdb = "tensor"
	elseif type(obj) == "table" then
		if type(obj.state_dict) == "function" then
			error("torch.save: safetensors files hold tensors, not modules or " ..
				"optimizers: save obj:state_dict()", 2)
		end
		for k, v in pairs(obj) do
			if type(k) ~= "string" then
				error(("torch.save: tensor names must be strings, got %s"):format(type(k)), 2)
			end
			if k == "__metadata__" then
				error("torch.save: \"__metadata__\" is reserved for the metadata " ..
					"(use {metadata=...})", 2)
			end
			if not torch.is_tensor(v) then
				error(("torch.save: '%s' is a %s; safetensors files hold named tensors " ..
					"only"):format(k, type(v)), 2)
			end
			names[#names + 1], tensors[#tensors + 1] = k, v
		end
	else
		error(("torch.save: expected a tensor or a table of named tensors, got %s")
			:format(type(obj)), 2)
	end
	C.safetensors_save(path, names, tensors, meta)
end

function M.load(path, opts)
	check_path(path, "torch.load")
	local names, tensors, meta = C.safetensors_load(path)
	local want_meta = type(opts) == "table" and opts.metadata
	local result
	if meta and meta.agdb == SINGLE and #names == 1 and names[1] == SINGLE then
		result = tensors[1]
	else
		result = collections.OrderedDict()
		for i, name in ipairs(names) do result[name] = tensors[i] end
	end
	if want_meta then return result, meta or {} end
	return result
end

return M
