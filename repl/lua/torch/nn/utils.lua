-- torch.nn.utils - gradient clipping and flat parameter vectors, as in
-- PyTorch 1.13 (clip_grad_norm_ returns the total norm as a 0-d tensor).
local torch = require "torch"

local utils = {}

local function tensor_list(parameters, fname)
	if torch.is_tensor(parameters) then return {parameters} end
	if type(parameters) ~= "table" then
		error(("%s: parameters must be a Tensor or a list of Tensors (m:parameters()), " ..
			"got %s"):format(fname or "nn.utils", type(parameters)), 3)
	end
	local out = {}
	for i, p in ipairs(parameters) do
		if not torch.is_tensor(p) then
			error(("%s: parameters[%d] must be a Tensor, got %s"):format(fname or "nn.utils",
				i, type(p)), 3)
		end
		out[#out + 1] = p
	end
	return out
end

-- The p-norm of all the gradients together; math.huge for the max norm.
-- clip_grad_norm_(parameters, max_norm, {norm_type=2, error_if_nonfinite=false})
function utils.clip_grad_norm_(parameters, max_norm, opts)
	local norm_type = 2.0
	local error_if_nonfinite = false
	if type(opts) == "table" then
		norm_type = opts.norm_type or norm_type
		error_if_nonfinite = opts.error_if_nonfinite or false
	elseif type(opts) == "number" then
		norm_type = opts
	end
	local grads = {}
	for _, p in ipairs(tensor_list(parameters, "clip_grad_norm_")) do
		if p.grad then grads[#grads + 1] = p.grad end
	end
	if #grads == 0 then return torch.tensor(0.0) end
	return torch.no_grad(function()
		local total
		if norm_type == math.huge then
			local norms = {}
			for i, g in ipairs(grads) do norms[i] = g:abs():max() end
			total = #norms == 1 and norms[1] or torch.stack(norms):max()
		else
			local norms = {}
			for i, g in ipairs(grads) do
				norms[i] = (g:abs() ^ norm_type):sum() ^ (1.0 / norm_type)
			end
			local stacked = torch.stack(norms)
			total = (stacked:abs() ^ norm_type):sum() ^ (1.0 / norm_type)
		end
		local t = total:item()
		if error_if_nonfinite and (t ~= t or t == math.huge or t == -math.huge) then
			error(("The total norm of order %s for gradients from `parameters` is " ..
				"non-finite, so it cannot be clipped. To disable this error and " ..
				"scale the gradients by the non-finite norm anyway, set " ..
				"`error_if_nonfinite=False`"):format(tostring(norm_type)), 2)
		end
		local clip_coef = max_norm / (total + 1e-6)
		local clamped = clip_coef:clamp(nil, 1.0)
		for _, g in ipairs(grads) do g:mul_(clamped) end
		return total
	end)
end

function utils.clip_grad_value_(parameters, clip_value)
	clip_value = tonumber(clip_value)
	torch.no_grad(function()
		for _, p in ipairs(tensor_list(parameters, "clip_grad_value_")) do
			if p.grad then p.grad:clamp_(-clip_value, clip_value) end
		end
	end)
end

-- What Module:zero_grad and Optimizer:zero_grad do to each parameter, as
-- PyTorch 1.13: zero the gradient (detached), or drop it with set_to_none.
function utils._zero_grads(params, opts)
	local set_to_none = type(opts) == "table" and opts.set_to_none or opts == true
	for _, p in ipairs(params) do
		local g = p.grad
		if g then
			if set_to_none then
				p.grad = nil
			else
				if g.grad_fn then g:detach_() else g:requires_grad_(false) end
				g:zero_()
			end
		end
	end
end

-- All parameters flattened into one vector (a differentiable cat).
function utils.parameters_to_vector(parameters)
	local vec = {}
	for _, p in ipairs(tensor_list(parameters, "parameters_to_vector")) do vec[#vec + 1] = p:reshape(-1) end
	return torch.cat(vec)
end

-- Copies the slices of vec into the parameters, in order.
function utils.vector_to_parameters(vec, parameters)
	if not torch.is_tensor(vec) then
		error(("expected torch.Tensor, but got: %s"):format(type(vec)), 2)
	end
	local pointer = 1
	torch.no_grad(function()
		for _, p in ipairs(tensor_list(parameters, "vector_to_parameters")) do
			local n = p:numel()
			p:copy_(vec[{{pointer, pointer + n - 1}}]:view_as(p))
			pointer = pointer + n
		end
	end)
end

return utils
