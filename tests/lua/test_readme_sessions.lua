-- test_readme_sessions.lua - every session of README.md that runs an
-- example script (a fenced block beginning "$ ./agdb -i examples/X.lua")
-- is replayed: the script runs, the lines typed at "agdb> " go in through
-- a pipe, and what comes out, put back together with the typed lines,
-- must be the block as the README shows it (tabs as spaces, the version
-- banner left out).
local t = dofile(os.getenv("top_srcdir") .. "/tests/lua/tap.lua")

local top = os.getenv("top_srcdir")
local agdb = os.getenv("AGDB") or (os.getenv("top_builddir") or ".") .. "/agdb"

local function read(path)
	local f = assert(io.open(path))
	local s = f:read("a")
	f:close()
	return s
end

-- tabs to the next multiple of 8 columns, per line
local function expand(s)
	return (s:gsub("[^\n]*", function(line)
		local out, col = {}, 0
		for ch in line:gmatch(utf8.charpattern) do
			if ch == "\t" then
				local n = 8 - col % 8
				out[#out + 1] = (" "):rep(n)
				col = col + n
			else
				out[#out + 1] = ch
				col = col + 1
			end
		end
		return table.concat(out)
	end))
end

local function trim_lines(s)
	return (s:gsub("[ \t]+\n", "\n"):gsub("%s+$", ""))
end

-- the fenced blocks, in order (a line of ``` opens or closes one)
local function blocks(text)
	local out, cur = {}, nil
	for line in (text .. "\n"):gmatch("([^\n]*)\n") do
		if line:match("^```") then
			if cur then
				out[#out + 1] = table.concat(cur, "\n")
				cur = nil
			else
				cur = {}
			end
		elseif cur then
			cur[#cur + 1] = line
		end
	end
	return out
end

-- the sessions: script, typed lines, the block's text
local sessions = {}
for _, block in ipairs(blocks(read(top .. "/README.md"))) do
	local script = block:match("^%$ %./agdb %-i (examples/[%w_]+%.lua)\n")
	if script then
		local typed = {}
		for line in block:gmatch("[^\n]*") do
			local l = line:match("^agdb> (.*)$")
			if l then typed[#typed + 1] = l end
		end
		sessions[#sessions + 1] = { script = script, typed = typed,
			text = block:gsub("^[^\n]*\n", "") }
	end
end
t.ok(#sessions >= 5, "README.md has the debugger's five sessions (found " .. #sessions .. ")")

local function shell_quote(s) return "'" .. s:gsub("'", "'\\''") .. "'" end

for _, s in ipairs(sessions) do
	local input = os.tmpname()
	local f = assert(io.open(input, "w"))
	f:write(table.concat(s.typed, "\n"), "\n")
	f:close()
	-- OpenBLAS's generic kernels, which every x86-64 CPU has: the sessions'
	-- last digits depend on the kernels' summation order, and agdb picks
	-- the CPU's own kernels when the variable is unset
	local p = assert(io.popen(("cd %s && NO_COLOR=1 OPENBLAS_CORETYPE=Prescott AGDB_HISTORY=/dev/null %s -i %s < %s 2>&1")
		:format(shell_quote(top), shell_quote(agdb), s.script, shell_quote(input))))
	local out = p:read("a")
	p:close()
	os.remove(input)
	out = expand(out):gsub("agdb [%d.]+ %(Lua[^\n]*\n", "", 1)
	-- the prompts: each is followed by what the next typed line printed
	local parts, i, from = {}, 0, 1
	while true do
		local a, b = out:find("agdb> ", from, true)
		if not a then break end
		parts[#parts + 1] = out:sub(from, a - 1)
		i = i + 1
		parts[#parts + 1] = "agdb> " .. (s.typed[i] or "") .. "\n"
		from = b + 1
	end
	parts[#parts + 1] = out:sub(from)
	if i > #s.typed then parts[#parts - 1] = "" end	-- the prompt at end of input
	local got = trim_lines(table.concat(parts))
	local want = trim_lines(s.text)
	t.ok(got == want, s.script .. ": the README session is what agdb prints")
	if got ~= want then
		local gl, wl = {}, {}
		for l in (got .. "\n"):gmatch("([^\n]*)\n") do gl[#gl + 1] = l end
		for l in (want .. "\n"):gmatch("([^\n]*)\n") do wl[#wl + 1] = l end
		for k = 1, math.max(#gl, #wl) do
			if gl[k] ~= wl[k] then
				t.diag(("line %d\n  got:  %s\n  want: %s"):format(k, tostring(gl[k]),
					tostring(wl[k])))
				break
			end
		end
	end
end

t.done()
