-- test_fuzz_corpus.lua - the committed corpora of the Lua fuzz drivers
-- (tests/fuzz/corpus/index, ops, safetensors and idx) replayed through the
-- drivers, in every build: the inputs that found bugs (named finding-*)
-- keep them fixed, the rest keep the properties the drivers check (clean
-- errors, indexing as the model says, backward equal to finite
-- differences, files loaded as their headers say and saved back the same).
-- The C target's corpus is replayed by tests/fuzz/replay_view.
local t = dofile(os.getenv("top_srcdir") .. "/tests/lua/tap.lua")
local dir = os.getenv("top_srcdir") .. "/tests/fuzz/"

local function files(target)
	local list = {}
	local p = io.popen('ls "' .. dir .. "corpus/" .. target .. '" 2>/dev/null')
	for name in p:lines() do list[#list + 1] = name end
	p:close()
	return list
end

for _, target in ipairs({"index", "ops", "safetensors", "idx"}) do
	local run = dofile(dir .. target .. ".lua")
	local names, passed = files(target), 0
	for _, name in ipairs(names) do
		local f = assert(io.open(dir .. "corpus/" .. target .. "/" .. name, "rb"))
		local bytes = f:read("a")
		f:close()
		local ok, err = pcall(run, bytes)
		if name:find("^finding%-") then
			t.ok(ok, target .. "/" .. name .. (ok and "" or ": " .. tostring(err)))
		elseif not ok then
			t.ok(false, target .. "/" .. name .. ": " .. tostring(err))
		else
			passed = passed + 1
		end
		torch.set_grad_enabled(true)
	end
	t.ok(#names > 0, ("the %s corpus replays (%d inputs)"):format(target, #names))
	t.diag(("%s: %d inputs replayed"):format(target, #names))
end

t.done()
