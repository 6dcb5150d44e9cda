-- torch.nn.functional's spatial functions (issues 11 and 12), added to F
-- by functional.lua: pad, interpolate (upsample), unfold, fold,
-- pixel_shuffle, pixel_unshuffle, conv_transpose1d/2d.  Arguments by
-- position or in a trailing keyword table, as PyTorch's; sizes are Lua
-- sequences in PyTorch's order (F.pad's last dim first).  The kernels are
-- core's (core/nn_spatial.c): each op's gradient is its map transposed,
-- differentiable again, so every order of derivative is exact.
local torch = require "torch"
local C = torch._C

local function is_kw(v)
	return type(v) == "table" and not torch.is_tensor(v) and getmetatable(v) == nil and v[1] == nil
end

local function check_input(input, fname)
	if not torch.is_tensor(input) then
		error(("%s(): argument 'input' (position 1) must be Tensor, not %s"):format(fname, type(input)), 3)
	end
end

local function is_int(v) return math.type(v) == "integer" or (type(v) == "number" and v == math.floor(v)) end

-- an int or a sequence of n ints (PyTorch's _pair / _single)
local function tuple(v, n, fname, what)
	if type(v) == "number" then
		local r = {}
		for i = 1, n do r[i] = v end
		return r
	end
	if type(v) == "table" and #v == 1 and n > 1 then return tuple(v[1], n, fname, what) end
	if type(v) == "table" and #v == n then
		for i = 1, n do
			if not is_int(v[i]) then break end
			if i == n then return v end
		end
	end
	error(("%s(): argument '%s' must be a tuple of %d ints"):format(fname, what, n), 4)
end

local function sizes(t)
	local r = {}
	for i = 1, #t do r[i] = tostring(t[i]) end
	return r
end

-- Python's repr of a list (as [a, b]) or tuple (as (a, b))
local function pylist(t, open, close)
	if type(t) ~= "table" then return tostring(t) end
	local r = {}
	for i = 1, #t do r[i] = tostring(t[i]) end
	return open .. table.concat(r, ", ") .. close
end

return function(F)
	local named = F._named_strict
	-- -------------------------------------------------------------- pad

	local PAD = {{"pad"}, {"mode", "constant"}, {"value"}}

	-- circular padding: the slices that wrap around, concatenated (as
	-- PyTorch 1.13 builds it from its input's own pieces)
	local function pad_circular(x, pad)
		local n = #pad // 2
		for i = 1, n do
			local dim = x:dim() - i + 1
			local l, r = pad[2 * i - 1], pad[2 * i]
			local size = x:size(dim)
			if l > size or r > size then
				error("Padding value causes wrapping around more than once.", 4)
			end
			if l < 0 then x, size = x:narrow(dim, 1 - l, size + l), size + l end
			if r < 0 then x, size = x:narrow(dim, 1, size + r), size + r end
			if size < 1 then
				error(("Negative padding value is resulting in an empty dimension."), 4)
			end
			local parts = {}
			if l > 0 then parts[#parts + 1] = x:narrow(dim, size - l + 1, l) end
			parts[#parts + 1] = x
			if r > 0 then parts[#parts + 1] = x:narrow(dim, 1, r) end
			if #parts > 1 then x = torch.cat(parts, dim) end
		end
		return x
	end

	-- F.pad(input, pad [, mode='constant', value=0]): pad lists (before,
	-- after) pairs from the last dim backwards; mode 'constant',
	-- 'reflect', 'replicate' or 'circular'
	function F.pad(input, ...)
		check_input(input, "pad")
		local o = named("pad", PAD, ...)
		local pad, mode = o.pad, o.mode
		if type(pad) ~= "table" then
			error(("pad(): argument 'pad' (position 2) must be tuple of ints, not %s"):format(type(pad)), 2)
		end
		for i = 1, #pad do
			if not is_int(pad[i]) then
				error("pad(): argument 'pad' (position 2) must be tuple of ints, but found element of type "
					.. type(pad[i]) .. " at pos " .. (i - 1), 2)
			end
		end
		if mode == "constant" then
			return C.nn_pad(input, "constant", pad, o.value or 0)
		end
		if mode ~= "reflect" and mode ~= "replicate" and mode ~= "circular" then
			error("Unrecognised padding mode " .. tostring(mode), 2)
		end
		if o.value ~= nil and o.value ~= 0 then
			error(('Padding mode "%s" doesn\'t take in value argument'):format(mode), 2)
		end
		if #pad % 2 ~= 0 then error("Padding length must be divisible by 2", 2) end
		local d, n = input:dim(), #pad // 2
		if not ((n == 1 and (d == 2 or d == 3)) or (n == 2 and (d == 3 or d == 4))
			or (n == 3 and (d == 4 or d == 5))) then
			error("Only 2D, 3D, 4D, 5D padding with non-constant padding are supported for now", 2)
		end
		if mode == "circular" then return pad_circular(input, pad) end
		return C.nn_pad(input, mode, pad)
	end

	-- ------------------------------------------------------ interpolate

	local INTERP = {{"size"}, {"scale_factor"}, {"mode", "nearest"}, {"align_corners"},
		{"recompute_scale_factor"}, {"antialias", false}}
	local MODES = "nearest | linear | bilinear | bicubic | trilinear | area | nearest-exact"
	local NEEDS = {linear = 3, bilinear = 4, trilinear = 5, bicubic = 4}

	-- F.interpolate(input, size, scale_factor, mode='nearest',
	-- align_corners, recompute_scale_factor, antialias=false) of 3-D
	-- [N, C, W], 4-D [N, C, H, W] and 5-D [N, C, D, H, W] inputs
	function F.interpolate(input, ...)
		check_input(input, "interpolate")
		local o = named("interpolate", INTERP, ...)
		local mode, align = o.mode, o.align_corners
		if mode == "nearest" or mode == "area" or mode == "nearest-exact" then
			if align ~= nil then
				error("align_corners option can only be set with the interpolating modes: "
					.. "linear | bilinear | bicubic | trilinear", 2)
			end
		elseif align == nil then
			align = false
		end
		local dim = input:dim() - 2
		local spatial = {}
		for i = 1, math.max(dim, 0) do spatial[i] = input:size(i + 2) end
		local out, scales
		if o.size ~= nil and o.scale_factor ~= nil then
			error("only one of size or scale_factor should be defined", 2)
		elseif o.size ~= nil then
			if type(o.size) == "table" then
				if #o.size ~= dim then
					error(("Input and output must have the same number of spatial dimensions, but "
						.. "got input with spatial dimensions of %s and output size of %s. Please "
						.. "provide input tensor in (N, C, d1, d2, ...,dK) format and output size in "
						.. "(o1, o2, ...,oK) format."):format(pylist(spatial, "[", "]"),
						pylist(o.size, "(", ")")), 2)
				end
				out = o.size
			else
				out = {}
				for i = 1, dim do out[i] = o.size end
			end
		elseif o.scale_factor ~= nil then
			local sf = o.scale_factor
			if type(sf) == "table" then
				if #sf ~= dim then
					error(("Input and scale_factor must have the same number of spatial dimensions,"
						.. " but got input with spatial dimensions of %s and scale_factor of shape "
						.. "%s. Please provide input tensor in (N, C, d1, d2, ...,dK) format and "
						.. "scale_factor in (s1, s2, ...,sK) format."):format(pylist(spatial, "[", "]"),
						pylist(sf, "(", ")")), 2)
				end
				scales = sf
			else
				scales = {}
				for i = 1, dim do scales[i] = sf end
			end
		else
			error("either size or scale_factor should be defined", 2)
		end
		local recompute = o.recompute_scale_factor
		if recompute and o.size ~= nil then
			error("recompute_scale_factor is not meaningful with an explicit size.", 2)
		end
		if mode == "area" and out == nil then recompute = true end
		if scales ~= nil then
			for i = 1, dim do
				if type(scales[i]) ~= "number" then
					error("interpolate(): scale_factor must be a number or a sequence of numbers, got "
						.. type(scales[i]), 2)
				end
			end
			out = {}
			for i = 1, dim do out[i] = math.floor(spatial[i] * scales[i]) end
			if recompute then scales = nil end
		end
		if o.antialias then
			if not ((mode == "bilinear" or mode == "bicubic") and input:dim() == 4) then
				error("Anti-alias option is only supported for bilinear and bicubic modes", 2)
			end
			error("interpolate(): antialias=true is not supported by agdb yet", 2)
		end
		local d = input:dim()
		if (mode == "nearest" or mode == "nearest-exact") and d >= 3 and d <= 5 then
			return C.nn_upsample(input, mode, out, scales, false)
		end
		if mode == "area" and d == 3 then return F.adaptive_avg_pool1d(input, out) end
		if mode == "area" and d == 4 then return F.adaptive_avg_pool2d(input, out) end
		if NEEDS[mode] and d >= 3 and d <= 5 then
			if NEEDS[mode] ~= d then
				error(("Got %dD input, but %s mode needs %dD input"):format(d, mode, NEEDS[mode]), 2)
			end
			return C.nn_upsample(input, mode == "bicubic" and "bicubic" or "linear", out, scales,
				align)
		end
		if d == 5 and mode == "area" then
			error("interpolate(): mode 'area' of 5-D input (adaptive_avg_pool3d) is not supported by "
				.. "agdb yet", 2)
		end
		error(("Input Error: Only 3D, 4D and 5D input Tensors supported (got %dD) for the modes: "
			.. "%s (got %s)"):format(d, MODES, tostring(mode)), 2)
	end

	-- F.upsample* (deprecated in PyTorch, kept there): interpolate
	function F.upsample(input, ...) return F.interpolate(input, ...) end
	function F.upsample_nearest(input, size, scale_factor)
		return F.interpolate(input, size, scale_factor, "nearest")
	end
	function F.upsample_bilinear(input, size, scale_factor)
		return F.interpolate(input, size, scale_factor, "bilinear", true)
	end

	-- ---------------------------------------------------- unfold, fold

	local UNFOLD = {{"kernel_size"}, {"dilation", 1}, {"padding", 0}, {"stride", 1}}
	local FOLD = {{"output_size"}, {"kernel_size"}, {"dilation", 1}, {"padding", 0}, {"stride", 1}}

	local function fold_sizes(o, fname)
		if o.kernel_size == nil then
			error(fname .. "() missing required argument 'kernel_size'", 3)
		end
		return tuple(o.kernel_size, 2, fname, "kernel_size"), tuple(o.dilation, 2, fname, "dilation"),
			tuple(o.padding, 2, fname, "padding"), tuple(o.stride, 2, fname, "stride")
	end

	-- F.unfold(input, kernel_size, dilation=1, padding=0, stride=1): the
	-- sliding blocks of [N, C, H, W] (or [C, H, W]) as [N, C * kh * kw, L]
	function F.unfold(input, ...)
		check_input(input, "unfold")
		local o = named("unfold", UNFOLD, ...)
		local k, d, p, s = fold_sizes(o, "unfold")
		return C.nn_im2col(input, k[1], k[2], d[1], d[2], p[1], p[2], s[1], s[2])
	end

	-- F.fold(input, output_size, kernel_size, dilation=1, padding=0,
	-- stride=1): [N, C * kh * kw, L] (or without N) summed back into
	-- [N, C, output_size]
	function F.fold(input, ...)
		check_input(input, "fold")
		local o = named("fold", FOLD, ...)
		if o.output_size == nil then error("fold() missing required argument 'output_size'", 2) end
		local out = tuple(o.output_size, 2, "fold", "output_size")
		local k, d, p, s = fold_sizes(o, "fold")
		return C.nn_col2im(input, out[1], out[2], k[1], k[2], d[1], d[2], p[1], p[2], s[1], s[2])
	end

	-- ------------------------------------------------ pixel (un)shuffle

	function F.pixel_shuffle(input, upscale_factor)
		check_input(input, "pixel_shuffle")
		if is_kw(upscale_factor) then upscale_factor = upscale_factor.upscale_factor end
		if not is_int(upscale_factor) then
			error("pixel_shuffle(): argument 'upscale_factor' (position 2) must be int, not "
				.. type(upscale_factor), 2)
		end
		return C.nn_pixel_shuffle(input, upscale_factor, false)
	end

	function F.pixel_unshuffle(input, downscale_factor)
		check_input(input, "pixel_unshuffle")
		if is_kw(downscale_factor) then downscale_factor = downscale_factor.downscale_factor end
		if not is_int(downscale_factor) then
			error("pixel_unshuffle(): argument 'downscale_factor' (position 2) must be int, not "
				.. type(downscale_factor), 2)
		end
		return C.nn_pixel_shuffle(input, downscale_factor, true)
	end

	-- ---------------------------------------------- conv_transpose1d/2d

	local CONVT = {{"bias"}, {"stride", 1}, {"padding", 0}, {"output_padding", 0}, {"groups", 1},
		{"dilation", 1}}

	-- F.conv_transpose2d(input, weight, bias, stride=1, padding=0,
	-- output_padding=0, groups=1, dilation=1); weight [C_in, C_out /
	-- groups, kh, kw]; ConvolutionBackward0 as PyTorch's
	local function conv_transpose(nsp, input, weight, ...)
		local fname = "conv_transpose" .. nsp .. "d"
		check_input(input, fname)
		if not torch.is_tensor(weight) then
			error(("%s(): argument 'weight' (position 2) must be Tensor, not %s"):format(fname, type(weight)), 3)
		end
		local o = named(fname, CONVT, ...)
		local bias = o.bias
		if bias ~= nil and not torch.is_tensor(bias) then bias = nil end
		local s = tuple(o.stride, nsp, fname, "stride")
		local p = tuple(o.padding, nsp, fname, "padding")
		local op = tuple(o.output_padding, nsp, fname, "output_padding")
		local d = tuple(o.dilation, nsp, fname, "dilation")
		local unbatched = input:dim() == nsp + 1
		if not unbatched and input:dim() ~= nsp + 2 then
			error(("Expected %dD (unbatched) or %dD (batched) input to %s, but got input of size: [%s]")
				:format(nsp + 1, nsp + 2, fname, table.concat(sizes(input:size()), ", ")), 3)
		end
		local x = unbatched and input:unsqueeze(1) or input
		if nsp == 1 then s, p, op, d = {1, s[1]}, {0, p[1]}, {0, op[1]}, {1, d[1]} end
		local out = C.nn_conv_transpose(x, weight, bias, nsp, s[1], s[2], p[1], p[2], op[1], op[2],
			d[1], d[2], o.groups)
		if unbatched then out = out:squeeze(1) end
		return out
	end

	function F.conv_transpose1d(input, weight, ...) return conv_transpose(1, input, weight, ...) end
	function F.conv_transpose2d(input, weight, ...) return conv_transpose(2, input, weight, ...) end

	return F
end
