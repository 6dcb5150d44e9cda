-- agdb.precision_report(fn, {dtype = torch.float16, scale = 1024,
-- model = m | params = {...}}): what mixed precision does to the
-- gradients.  fn is a closure doing forward and backward and returning the
-- loss; it is run three times: in float32, under torch.autocast in dtype,
-- and under autocast with the loss scaled by `scale` (loss:backward() is
-- then backward of loss * scale, and the gradients are divided by it
-- again, as GradScaler does).  Per parameter the report gives the relative
-- error of the gradient against float32 (|g - g32| / |g32|, 2-norms), and
-- the fraction of the nonzero float32 gradient values that came out zero:
-- the gradients float16 lost to underflow.  The parameters are the model's
-- (named as in named_parameters), the given list, or else the leaves the
-- float32 loss's graph reaches.  Returns an answer: `rows` (one table per
-- parameter: name, numel, rel_err, zeroed, rel_err_scaled,
-- zeroed_scaled), and `text`: the table the prompt prints.
local torch = require "torch"
local A = require "agdb.answer"
local core = require "agdb.core"

local M = {}

local function leaves_of(loss)
	local out, seen = {}, {}
	local function walk(node)
		if node == nil or seen[node] then return end
		seen[node] = true
		local info = core.node_info(node)
		if info.variable then out[#out + 1] = info.variable end
		for _, e in ipairs(info.next) do walk(e.node) end
	end
	walk(loss.grad_fn)
	return out
end

local function param_list(opts, loss)
	local list = {}
	if opts.model then
		for name, p in opts.model:named_parameters() do list[#list + 1] = {name, p} end
	elseif opts.params then
		if #opts.params > 0 then
			for i, p in ipairs(opts.params) do list[i] = {A.describe(p), p} end
		else
			for name, p in pairs(opts.params) do list[#list + 1] = {name, p} end
			table.sort(list, function(a, b) return a[1] < b[1] end)
		end
	else
		local names = core.names()
		for i, p in ipairs(leaves_of(loss)) do
			list[i] = {A.name_of(p, names) or ("leaf " .. i .. " " .. A.shape(p.shape)), p}
		end
	end
	return list
end

-- Runs fn with the parameters' gradients cleared; returns the loss and
-- each parameter's gradient as a float64 copy (nil: none).
local function run(fn, params, scale)
	for _, e in ipairs(params) do e[2].grad = nil end
	local methods = getmetatable(torch.zeros(1)).__methods
	local backward = methods.backward
	if scale then
		methods.backward = function(self, grad, ...)
			grad = grad or torch.ones_like(self)
			return backward(self, grad * scale, ...)
		end
	end
	local ok, loss = pcall(fn)
	methods.backward = backward
	if not ok then error(loss, 0) end
	local grads = {}
	for i, e in ipairs(params) do
		local g = e[2].grad
		grads[i] = g and g:detach():double() / (scale or 1)
	end
	return loss, grads
end

local function compare(g, g32)
	if g32 == nil then return nil, nil end
	if g == nil then return 1.0, 1.0 end
	local norm = g32:norm():item()
	local rel = norm > 0 and (g - g32):norm():item() / norm or (g:norm():item() > 0 and math.huge or 0)
	local nz = g32:ne(0)
	local n = nz:sum():item()
	local lost = (nz:logical_and(g:eq(0))):sum():item()
	return rel, n > 0 and lost / n or 0
end

local function pct(v)
	if v == nil then return "-" end
	return ("%.1f%%"):format(100 * v)
end

function M.precision_report(fn, opts)
	fn = A.value(fn, "agdb.precision_report")
	if type(fn) ~= "function" then
		error(("agdb.precision_report: argument 1 must be a function, got %s"):format(type(fn)), 2)
	end
	opts = opts or {}
	if type(opts) ~= "table" then
		error(("agdb.precision_report: argument 2 must be a table of options, got %s"):format(type(opts)), 2)
	end
	local dtype = opts.dtype or torch.float16
	if dtype ~= torch.float16 and dtype ~= torch.bfloat16 then
		error("agdb.precision_report: dtype must be torch.float16 or torch.bfloat16", 2)
	end
	local scale = opts.scale or 1024
	-- the float32 runs have autocast off, also inside a region
	local off = {device_type = "cpu", enabled = false}
	local loss32 = torch.autocast(off, fn)
	if not torch.is_tensor(loss32) then
		error("agdb.precision_report: fn must return the loss (a tensor)", 2)
	end
	local params = param_list(opts, loss32)
	if #params == 0 then
		error("agdb.precision_report: no parameters (give {model = m} or {params = {...}})", 2)
	end
	local l32, g32 = torch.autocast(off, run, fn, params)
	local ac = {device_type = "cpu", dtype = dtype}
	local lamp, gamp = torch.autocast(ac, run, fn, params)
	local _, gsc = torch.autocast(ac, run, fn, params, scale)
	local rows = {}
	local lines = {{"parameter", "numel", "rel. error", "lost to zero",
		("rel. error x%g"):format(scale), ("lost x%g"):format(scale)}}
	for i, e in ipairs(params) do
		local r, z = compare(gamp[i], g32[i])
		local rs, zs = compare(gsc[i], g32[i])
		rows[i] = {name = e[1], numel = e[2]:numel(), rel_err = r, zeroed = z,
			rel_err_scaled = rs, zeroed_scaled = zs}
		lines[#lines + 1] = {e[1], tostring(e[2]:numel()), r and A.num(r) or "-", pct(z),
			rs and A.num(rs) or "-", pct(zs)}
	end
	local text = A.columns(lines)
	table.insert(text, 1, ("precision report: float32 against %s autocast, loss scale %g"):format(
		tostring(dtype):gsub("^torch%.", ""), scale))
	text[#text + 1] = ("loss: float32 %s, %s %s"):format(A.num(l32:item()),
		tostring(dtype):gsub("^torch%.", ""), A.num(lamp:item()))
	local ans = A.new({rows = rows, dtype = dtype, scale = scale,
		loss = l32:item(), loss_amp = lamp:item()}, text)
	return ans
end

return M
