-- safetensors.lua - fuzz driver: torch.load of a safetensors file
-- (repl/lsafetensors.c and torch/serialization.lua).  The input is the
-- file.  torch.load must refuse a malformed file with a clean message that
-- names the file, or return tensors that agree with the header (shape,
-- dtype, byte count) and can be printed and summed; what it returns must
-- survive torch.save and torch.load unchanged, and saving that again must
-- write the same bytes (the writer is canonical).
-- Returns the function that runs one input (tests/fuzz/fuzz_lua.c, and the
-- corpus replay in tests/lua/test_fuzz_corpus.lua).
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local D = dofile(dir .. "decode.lua")

local sizes = {float32 = 4, float64 = 8, float16 = 2, bfloat16 = 2, int64 = 8, bool = 1}

-- name -> tensor, in the order torch.load gave them
local function entries(r)
	local list = {}
	if torch.is_tensor(r) then
		list[1] = {"tensor", r}
	else
		for k, v in pairs(r) do list[#list + 1] = {k, v} end
	end
	return list
end

-- Every element as a Lua value (NaN equals NaN in D.same), small tensors
-- only: a file of a few KB holds few elements, but a header may declare
-- a zero-size tensor of any shape.
local function values(t)
	if t:numel() > 4096 then return nil end
	return t:reshape(-1):tolist()
end

local function same_tensors(a, b, what)
	local ea, eb = entries(a), entries(b)
	if #ea ~= #eb then D.fail("%s: %d tensors became %d", what, #ea, #eb) end
	local byname = {}
	for _, e in ipairs(eb) do byname[e[1]] = e[2] end
	for _, e in ipairs(ea) do
		local x, y = e[2], byname[e[1]]
		if not y then D.fail("%s: tensor '%s' is gone", what, e[1]) end
		if x.dtype ~= y.dtype or not D.same(x.shape, y.shape) then
			D.fail("%s: tensor '%s' changed from %s %s to %s %s", what, e[1],
				tostring(x.dtype), tostring(x.shape), tostring(y.dtype),
				tostring(y.shape))
		end
		if not D.same(values(x), values(y)) then
			D.fail("%s: the values of tensor '%s' changed", what, e[1])
		end
	end
end

local function check_tensor(name, t)
	if not torch.is_tensor(t) then
		D.fail("torch.load gave a %s for '%s'", type(t), tostring(name))
	end
	local n = 1
	for _, s in ipairs(t.shape) do n = n * s end
	if t:numel() ~= n then D.fail("'%s': numel %d but shape %s", name, t:numel(), tostring(t.shape)) end
	if not sizes[tostring(t.dtype):gsub("^torch%.", "")] then
		D.fail("'%s': unexpected dtype %s", name, tostring(t.dtype))
	end
	if t.requires_grad or t.grad_fn then D.fail("'%s' came back with autograd state", name) end
	-- printing and reducing a loaded tensor never fails
	local ok, err = pcall(tostring, t)
	if not ok then D.fail("tostring of '%s' %s failed: %s", name, tostring(t.shape), tostring(err)) end
	if t.dtype ~= torch.bool then
		ok, err = pcall(function() return t:to(torch.float64):sum():item() end)
		if not ok then D.fail("sum of '%s' failed: %s", name, tostring(err)) end
	end
end

local function run_input(bytes, path, path2)
	D.write_file(path, bytes)
	local ok, r, meta = pcall(torch.load, path, {metadata = true})
	if not ok then
		D.check_error(r, "torch.load")
		if not r:find("torch.load: ", 1, true) then
			D.fail("torch.load's error does not say who failed: %s", r)
		end
		if not r:find(path, 1, true) then
			D.fail("torch.load's error does not name the file: %s", r)
		end
		return
	end
	if type(meta) ~= "table" then D.fail("metadata is a %s", type(meta)) end
	for k, v in pairs(meta) do
		if type(k) ~= "string" or type(v) ~= "string" then
			D.fail("metadata maps a %s to a %s", type(k), type(v))
		end
	end
	for _, e in ipairs(entries(r)) do check_tensor(e[1], e[2]) end
	-- PyTorch's rule: a name of the file is any string; torch.save refuses
	-- only the reserved one, which the loader never hands out.
	local m = {}
	for k, v in pairs(meta) do m[k] = v end
	if not torch.is_tensor(r) then m.agdb = nil end
	ok, err = pcall(torch.save, r, path2, {metadata = m})
	if not ok then D.fail("torch.save of what torch.load gave failed: %s", tostring(err)) end
	local first = D.read_file(path2)
	local ok2, r2, meta2 = pcall(torch.load, path2, {metadata = true})
	if not ok2 then D.fail("torch.load of agdb's own file failed: %s", tostring(r2)) end
	same_tensors(r, r2, "save and load")
	for k, v in pairs(m) do
		if meta2[k] ~= v then D.fail("metadata '%s' lost in save and load", k) end
	end
	torch.save(r2, path2, {metadata = meta2})
	if D.read_file(path2) ~= first then D.fail("saving the same tensors twice wrote different bytes") end
end

return function(bytes)
	local path, path2 = os.tmpname(), os.tmpname()
	local ok, err = pcall(run_input, bytes, path, path2)
	os.remove(path)
	os.remove(path2)
	if not ok then error(err, 0) end
end
