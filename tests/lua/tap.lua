-- tap.lua - a small TAP producer for the Lua tests (run by the built agdb).
--
--   local t = dofile(os.getenv("top_srcdir") .. "/tests/lua/tap.lua")
--   t.is(1 + 1, 2, "sum"); t.raises(function() error("x") end, "x", "raises")
--   t.done()
--
-- Output is TAP 13 for automake's tap-driver.sh; a failing check prints
-- what it got as a TAP comment.  (Checks avoid tail calls to report() so
-- the failing line can still be found on the stack.)

local T = {}
local count, failed = 0, 0

io.stdout:setvbuf("line")

local function report(cond, name, ...)
	count = count + 1
	io.write(cond and "ok " or "not ok ", count, " - ", name or "", "\n")
	if not cond then
		failed = failed + 1
		local info = debug.getinfo(3, "Sl")
		io.write("#   Failed at ", info.short_src, ":", info.currentline, "\n")
		for _, line in ipairs({...}) do
			io.write("#   ", (tostring(line):gsub("\n", "\n#   ")), "\n")
		end
	end
	return cond
end

function T.ok(cond, name)
	local r = report(not not cond, name)
	return r
end

-- Equality of numbers, strings, booleans, or (flat/nested) tables of them.
local function same(a, b, tol)
	if type(a) == "table" and type(b) == "table" then
		if #a ~= #b then return false end
		for i = 1, #a do
			if not same(a[i], b[i], tol) then return false end
		end
		return true
	end
	if type(a) == "number" and type(b) == "number" and tol then
		return a == b or math.abs(a - b) <= tol * math.max(1, math.abs(b))
	end
	return a == b
end

local function show(v)
	if type(v) ~= "table" or getmetatable(v) then return tostring(v) end
	local parts = {}
	for i = 1, #v do parts[i] = show(v[i]) end
	return "{" .. table.concat(parts, ", ") .. "}"
end

function T.is(got, want, name)
	local r = report(same(got, want), name, "got:  " .. show(got),
		"want: " .. show(want))
	return r
end

-- Numbers (or nested tables of them) within a relative tolerance.
function T.near(got, want, tol, name)
	local r = report(same(got, want, tol or 1e-6), name,
		"got:  " .. show(got), "want: " .. show(want))
	return r
end

-- fn must raise an error whose message contains `text` (plain find).
function T.raises(fn, text, name)
	local okc, err = pcall(fn)
	if okc then
		local r = report(false, name, "no error raised; wanted: " .. text)
		return r
	end
	err = tostring(err)
	local r = report(err:find(text, 1, true) ~= nil, name, "error: " .. err,
		"want: " .. text)
	return r
end

-- fn must run without error.
function T.lives(fn, name)
	local okc, err = pcall(fn)
	local r = report(okc, name, "error: " .. tostring(err))
	return r
end

-- A known bug, kept visible: fn must raise `text`, but does not yet.
-- TAP's TODO: "not ok ... # TODO" counts as an expected failure; once the
-- bug is fixed, "ok ... # TODO" is an unexpected pass that fails the suite,
-- so the TODO is removed with the fix.
function T.todo_raises(fn, text, name, reason)
	local okc, err = pcall(fn)
	local good = not okc and tostring(err):find(text, 1, true) ~= nil
	count = count + 1
	io.write(good and "ok " or "not ok ", count, " - ", name, " # TODO ", reason, "\n")
	if not good then
		io.write("#   ", okc and "no error raised" or ("error: " .. tostring(err)), "\n")
	end
	return good
end

-- A known bug as a condition: the same TODO rules as todo_raises.
function T.todo(cond, name, reason)
	count = count + 1
	io.write(cond and "ok " or "not ok ", count, " - ", name, " # TODO ", reason, "\n")
	return cond
end

function T.diag(msg) io.write("# ", (tostring(msg):gsub("\n", "\n# ")), "\n") end

function T.done()
	io.write("1..", count, "\n")
	io.stdout:flush()
	if failed > 0 then os.exit(1) end
end

return T
