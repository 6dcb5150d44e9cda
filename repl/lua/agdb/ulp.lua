-- agdb.ulp(x): the spacing between neighbouring values of x's dtype at the
-- magnitude of each element of x (a tensor like x), so that one sees why
-- float16's 1 + 1e-4 is 1: ulp(1) in float16 is 2^-10, about 0.000977, and
-- 1e-4 is less than half of it.
--
-- For a finite x the spacing is nextafter(|x|, inf) - |x| (a power of two:
-- 2^(exponent - mantissa bits), and the smallest subnormal below the normal
-- range), except at the dtype's largest finite value, where it is the
-- spacing below it (nextafter there is inf); inf and NaN give NaN.
local torch = require "torch"

local M = {}

-- per dtype: stored mantissa bits, exponent of the smallest normal value
local FORMATS = {
	["torch.float16"] = {10, -14},
	["torch.bfloat16"] = {7, -126},
	["torch.float32"] = {23, -126},
	["torch.float64"] = {52, -1022},
}

local function spacing(v, mbits, emin)
	local a = math.abs(v)
	if a ~= a or a == math.huge then return 0 / 0 end
	if a < 2.0 ^ emin then return 2.0 ^ (emin - mbits) end
	local e = math.floor(math.log(a, 2))
	while 2.0 ^ e > a do e = e - 1 end
	while 2.0 ^ (e + 1) <= a do e = e + 1 end
	return 2.0 ^ (e - mbits)
end

function M.ulp(x)
	if not torch.is_tensor(x) then
		error(("agdb.ulp: argument 1 must be a Tensor, got %s"):format(type(x)), 2)
	end
	local f = FORMATS[tostring(x.dtype)]
	if not f then
		error(("agdb.ulp: x must be a floating-point tensor (float16, bfloat16, " ..
			"float32 or float64), got %s"):format(tostring(x.dtype)), 2)
	end
	local mbits, emin = f[1], f[2]
	local d = x:detach()
	if d:dim() == 0 then
		return torch.tensor(spacing(d:item(), mbits, emin), {dtype = x.dtype})
	end
	local flat = d:reshape(-1):tolist()
	for i, v in ipairs(flat) do flat[i] = spacing(v, mbits, emin) end
	local t = #flat > 0 and torch.tensor(flat, {dtype = x.dtype}) or
		torch.zeros({0}, {dtype = x.dtype})
	return t:reshape(x.shape)
end

return M
