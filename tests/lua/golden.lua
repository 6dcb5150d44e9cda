-- tests/lua/golden.lua - golden-file comparison for the Lua tests that
-- draw graphs:  local golden = dofile(top_srcdir .. "/tests/lua/golden.lua")(t)
-- then golden("name", text) compares text with tests/lua/golden/name.txt.
-- AGDB_REGEN=1 rewrites the files instead (then read them by eye).
-- (test_graph.lua keeps its own copy: its golden drawings carry its line
-- numbers, so editing its head would redraw them all.)
return function(t)
	local dir = os.getenv("top_srcdir") .. "/tests/lua/golden/"
	local regen = os.getenv("AGDB_REGEN") == "1"
	return function(name, text)
		local path = dir .. name .. ".txt"
		if regen then
			local f = assert(io.open(path, "w"))
			f:write(text)
			f:close()
		end
		local f = io.open(path)
		local want = f and f:read("a")
		if f then f:close() end
		t.is(text, want, "golden " .. name)
	end
end
