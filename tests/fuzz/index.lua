-- index.lua - fuzz driver: the Lua indexing-spec parser (x[spec] and
-- x[spec] = v, repl/lindex.c), checked against a plain-Lua model of the
-- rules of DESIGN section 6: 1-based indices, negatives from the end,
-- inclusive ranges {a, b[, step]} clamped like slices, {} for a whole dim.
-- The model says what x[spec] must contain or that it must fail; a failure
-- must be a clean message, and a failed write must leave x as it was.
-- Returns the function that runs one input (tests/fuzz/fuzz_lua.c, and the
-- corpus replay in tests/lua/test_fuzz_corpus.lua).
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local D = dofile(dir .. "decode.lua")

local function integer(v)
	return type(v) == "number" and math.tointeger(v) or nil
end

-- Advanced indexing (a tensor in the spec: x[idx], x[mask], x[{{1, 2}, idx}])
-- is PyTorch's, checked value by value against PyTorch in
-- tests/lua/test_shape_ref.lua; here such specs are only held to a clean
-- error and to a failed write leaving x as it was.
local ADVANCED = {}
local function has_tensor(spec)
	if torch.is_tensor(spec) then return true end
	if type(spec) ~= "table" then return false end
	-- raw: a hostile spec's __index may answer every index (ipairs would
	-- never end)
	for i = 1, rawlen(spec) do
		if torch.is_tensor(rawget(spec, i)) then return true end
	end
	return false
end

-- The model: the flat (row-major) positions x[spec] reads and its shape,
-- ADVANCED for a spec with a tensor in it, or nil when the binding must
-- refuse the spec.
local function model(shape, spec)
	if has_tensor(spec) then return ADVANCED end
	local nd = #shape
	if nd == 0 then return nil end
	local per = {}		-- per dim: {positions...} and whether it is kept
	if type(spec) == "number" then spec = {spec}
	elseif type(spec) ~= "table" then return nil end
	local n = #spec
	if n > nd then return nil end
	for d = 1, nd do
		local size = shape[d]
		local s = {}
		if d <= n then s = spec[d] end
		if type(s) == "number" then
			local i = integer(s)
			if not i or i == 0 or i < -size or i > size then return nil end
			per[d] = {idx = {i > 0 and i - 1 or size + i}, keep = false}
		elseif type(s) == "table" and not torch.is_tensor(s) then
			local m = #s
			if m == 0 then
				local all = {}
				for k = 0, size - 1 do all[#all + 1] = k end
				per[d] = {idx = all, keep = true}
			else
				if m > 3 then return nil end
				local a, b = integer(s[1]), integer(s[m >= 2 and 2 or 1])
				local step = 1
				if m == 3 then step = integer(s[3]) end
				if not a or not b or not step then return nil end
				if a == 0 or b == 0 or step <= 0 then return nil end
				local start = a > 0 and a - 1 or size + a
				local stop = b > 0 and b or size + b + 1
				if start < 0 then start = 0 end
				if start > size then start = size end
				if stop > size then stop = size end
				if stop < start then stop = start end
				local idx = {}
				local k = start
				while k < stop do
					idx[#idx + 1] = k
					if k > stop - step then break end	-- k + step >= stop
					k = k + step
				end
				per[d] = {idx = idx, keep = true}
			end
		else
			return nil
		end
	end
	local rshape, positions = {}, {}
	for d = 1, nd do
		if per[d].keep then rshape[#rshape + 1] = #per[d].idx end
	end
	local strides, acc = {}, 1
	for d = nd, 1, -1 do strides[d] = acc; acc = acc * shape[d] end
	local function walk(d, base)
		if d > nd then positions[#positions + 1] = base; return end
		for _, k in ipairs(per[d].idx) do walk(d + 1, base + k * strides[d]) end
	end
	walk(1, 0)
	return positions, rshape
end

local function flat(x)
	return x:reshape(-1):tolist()
end

local function describe(v)
	if type(v) ~= "table" or torch.is_tensor(v) then return tostring(v) end
	local parts = {}
	for i = 1, math.min(#v, 8) do parts[i] = describe(v[i]) end
	return "{" .. table.concat(parts, ", ") .. "}"
end

return function(bytes)
	local r = D.reader(bytes)
	torch.manual_seed(0)
	local x, shape, dt = D.tensor(r)
	for _ = 1, 6 do
		if r:left() <= 0 then break end
		local spec = D.spec(r)
		-- a string key is a field or an attribute (x.shape, x.note = 1)
		while type(spec) == "string" do spec = D.spec(r) end
		local want, rshape = model(shape, spec)
		local before = flat(x)
		if r:pick(2) == 0 then
			-- a read
			local ok, y = pcall(function() return x[spec] end)
			if want == ADVANCED then
				if not ok then D.check_error(y, "x[" .. describe(spec) .. "]") end
			elseif not ok then
				D.check_error(y, "x[" .. describe(spec) .. "]")
				if want then
					D.fail("x[%s] of %s failed: %s", describe(spec),
						describe(shape), y)
				end
			else
				if not want then
					D.fail("x[%s] of %s should fail, gave %s", describe(spec),
						describe(shape), tostring(y.shape))
				end
				if not D.same(y.shape, rshape) then
					D.fail("x[%s] of %s has shape %s, not %s", describe(spec),
						describe(shape), tostring(y.shape), describe(rshape))
				end
				local got = flat(y)
				for i, p in ipairs(want) do
					if not D.same(got[i], before[p + 1]) then
						D.fail("x[%s] of %s: element %d is %s, not %s",
							describe(spec), describe(shape), i,
							tostring(got[i]), tostring(before[p + 1]))
					end
				end
			end
		else
			-- a write
			local kind = r:pick(4)
			local v = kind == 0 and (r:pick(2) == 1) or kind == 3 and
				torch.ones(r:pick(3)) or r:float()
			local ok, err = pcall(function() x[spec] = v end)
			local after = flat(x)
			if not ok then
				D.check_error(err, "x[" .. describe(spec) .. "] = v")
				if not D.same(after, before) then
					D.fail("a failed write x[%s] = %s changed x", describe(spec),
						tostring(v))
				end
				if want and want ~= ADVANCED and not torch.is_tensor(v) and
				   pcall(torch.full, {}, v, {dtype = torch[dt]}) then
					D.fail("x[%s] = %s of %s failed: %s", describe(spec),
						tostring(v), dt, err)
				end
			elseif want == ADVANCED then
				x:copy_(torch.tensor(before, {dtype = torch[dt]}):view(x.shape))
			else
				if not want then
					D.fail("x[%s] = v should fail for shape %s", describe(spec),
						describe(shape))
				end
				local hit = {}
				for _, p in ipairs(want) do hit[p + 1] = true end
				local scalar = not torch.is_tensor(v)
				local conv = scalar and torch.full({}, v, {dtype = torch[dt]}):item()
				for i = 1, #after do
					if not hit[i] and not D.same(after[i], before[i]) then
						D.fail("x[%s] = v wrote outside its view (element %d)",
							describe(spec), i)
					end
					if hit[i] and scalar and not D.same(after[i], conv) then
						D.fail("x[%s] = %s: element %d is %s", describe(spec),
							tostring(v), i, tostring(after[i]))
					end
				end
				x:copy_(torch.tensor(before, {dtype = torch[dt]}):view(x.shape))
			end
		end
	end
end
