-- bench/speed.lua - the speed table of issues 11 and 13: every case of
-- bench/speed_cases.lua in agdb, the same case of bench/speed_cases.py in
-- PyTorch (when /usr/bin/python3 has torch) and cblas called directly
-- (bench/speed_gemm), at 1 thread and at all cores, in one run, joined
-- into one table with the ratio agdb/PyTorch and each target met or missed.
--
--   AGDB=./agdb ./agdb bench/speed.lua        (make bench, make bench-speed)
--
-- Environment: AGDB (the agdb to time; default the running one's build
-- tree), AGDB_PYTHON (default /usr/bin/python3), AGDB_BENCH_THREADS (thread
-- counts, default "1 <cores>"), AGDB_BENCH_ROUNDS (runs of each side per
-- thread count, alternating agdb and PyTorch; a case keeps its fastest
-- median, default 1), AGDB_BENCH_MIN_TIME, AGDB_BENCH_CASES (see
-- speed_cases.lua).  The machine's load average is printed with the table:
-- on a shared machine, read the figures with it.
local here = (arg and arg[0] or "bench/speed.lua"):match("^(.*)/[^/]*$") or "."
local agdb = os.getenv("AGDB") or (here .. "/../agdb")
local builddir = agdb:match("^(.*)/[^/]*$") or "."
local python = os.getenv("AGDB_PYTHON") or "/usr/bin/python3"
local rounds = math.tointeger(tonumber(os.getenv("AGDB_BENCH_ROUNDS") or "")) or 1

local function q(s) return "'" .. s:gsub("'", "'\\''") .. "'" end

local function read_cmd(cmd)
	local p = io.popen(cmd)
	if not p then return "" end
	local out = p:read("a") or ""
	p:close()
	return out
end

local function read_file(path)
	local f = io.open(path)
	if not f then return nil end
	local s = f:read("a")
	f:close()
	return s
end

local cores = math.tointeger(tonumber(read_cmd("nproc 2>/dev/null"):match("%d+") or "")) or 1
local threads = {}
for t in (os.getenv("AGDB_BENCH_THREADS") or ("1 " .. cores)):gmatch("%d+") do
	local n = math.tointeger(tonumber(t))
	local dup = false
	for _, m in ipairs(threads) do dup = dup or m == n end
	if not dup then threads[#threads + 1] = n end
end

local function loadavg()
	return (read_file("/proc/loadavg") or "?"):match("^(%S+ %S+ %S+)") or "?"
end

local have_torch = os.execute(q(python) .. " -c 'import torch' >/dev/null 2>&1") == true

-- ------------------------------------------------------------ running

-- Runs cmd and parses its "name\tseconds\tchecks\tnote" lines into
-- results[name] = {s = seconds or nil, checks = ..., note = ...}, keeping
-- the faster of two rounds; "#key\tvalue" lines go to info[key].  order
-- collects names in first-seen order.
local function collect(cmd, results, info, order)
	local p = io.popen(cmd)
	if not p then return end
	for line in p:lines() do
		local key, val = line:match("^#(%w+)\t(.*)$")
		if key then
			info[key] = val
		else
			local name, secs, checks, note = line:match("^([^\t]+)\t([^\t]*)\t([^\t]*)\t?(.*)$")
			if name then
				local s = tonumber(secs)
				local old = results[name]
				if not old then
					if order then order[#order + 1] = name end
					results[name] = {s = s, checks = checks, note = note}
				elseif s and (not old.s or s < old.s) then
					old.s, old.note = s, note
				end
			end
		end
	end
	p:close()
end

local function env(n)
	return ("OMP_NUM_THREADS=%d OPENBLAS_NUM_THREADS=%d "):format(n, n)
end

local runs = {}	-- per thread count: {agdb, torch, blas, info, order, load}
for _, n in ipairs(threads) do
	local r = {agdb = {}, torch = {}, blas = {}, info = {}, tinfo = {}, binfo = {}, order = {}}
	r.load_before = loadavg()
	io.stderr:write(("speed: %d thread(s): running (load %s)\n"):format(n, r.load_before))
	collect(env(n) .. q(builddir .. "/bench/speed_gemm"), r.blas, r.binfo)
	for i = 1, rounds do
		-- alternate which side goes first, so neither always gets the
		-- quieter moment
		local function run_agdb()
			collect(env(n) .. q(agdb) .. " " .. q(here .. "/speed_cases.lua"), r.agdb, r.info, r.order)
		end
		local function run_torch()
			if have_torch then
				collect(env(n) .. q(python) .. " " .. q(here .. "/speed_cases.py") ..
					" --threads " .. n, r.torch, r.tinfo)
			end
		end
		if i % 2 == 1 then run_agdb(); run_torch() else run_torch(); run_agdb() end
	end
	r.load_after = loadavg()
	runs[#runs + 1] = {n = n, r = r}
end

-- ------------------------------------------------------------ the table

local function fmt_time(s)
	if not s then return "-" end
	if s < 1e-6 then return ("%.0f ns"):format(s * 1e9) end
	if s < 1e-3 then return ("%.3g us"):format(s * 1e6) end
	if s < 1 then return ("%.3g ms"):format(s * 1e3) end
	return ("%.3g s"):format(s)
end

local function fmt_ratio(x) return x and ("%.2f"):format(x) or "-" end

local W = {case = 38, thr = 3, a = 25, t = 10, ratio = 7, target = 8}
local function row(case, thr, a, b, ratio, target, verdict)
	print(("%-" .. W.case .. "s %" .. W.thr .. "s %" .. W.a .. "s %" .. W.t .. "s %" ..
		W.ratio .. "s  %-" .. W.target .. "s %s"):format(case, thr, a, b, ratio, target, verdict))
end

local tally = {met = 0, MISSED = 0, ["n/a"] = 0}
local function verdict(x, op, limit)
	if not x then tally["n/a"] = tally["n/a"] + 1; return "n/a" end
	local ok = (op == "<=" and x <= limit) or (op == ">=" and x >= limit)
	local v = ok and "met" or "MISSED"
	tally[v] = tally[v] + 1
	return v
end

-- agdb's cell says what a case still needs ("n/a (needs softmax)");
-- PyTorch's says n/a and its reason goes to the notes.
local function cell(res, detail)
	if not res then return "(no case)" end
	if res.s then return fmt_time(res.s) end
	local need = detail and res.note:match("^needs (.*)$")
	return need and ("n/a (needs " .. need .. ")"):sub(1, W.a) or "n/a"
end

-- "needs softmax", "PyTorch: ... not implemented for 'Half'", ...
local function why(res)
	return res and not res.s and res.note ~= "" and res.note or nil
end

print(("speed: agdb vs PyTorch, one run, %s, %d cores"):format(os.date("%Y-%m-%d %H:%M"), cores))
print("cpu: " .. ((read_file("/proc/cpuinfo") or ""):match("model name%s*:%s*([^\n]+)") or "?"))
for _, run in ipairs(runs) do
	local r = run.r
	print(("threads %d: load average %s before, %s after; agdb OMP_NUM_THREADS=%s; PyTorch %s%s")
		:format(run.n, r.load_before, r.load_after, r.info.threads or "?",
			have_torch and (r.tinfo.torch or "?") or "not installed",
			have_torch and (" with torch.get_num_threads() = " .. (r.tinfo.threads or "?")) or ""))
	if r.binfo.blas then print("  blas: " .. r.binfo.blas) end
end
print(("times are medians per call; a case keeps its fastest of %d round(s)"):format(rounds))
print()
row("case", "thr", "agdb", "PyTorch", "agdb/PT", "target", "verdict")
row(("-"):rep(W.case), ("-"):rep(W.thr), ("-"):rep(W.a), ("-"):rep(W.t), ("-"):rep(W.ratio),
	("-"):rep(W.target), "-------")

local notes, noted = {}, {}
local function note(s)
	if s and not noted[s] then noted[s] = true; notes[#notes + 1] = s end
end

local order = runs[1] and runs[1].r.order or {}
for _, name in ipairs(order) do
	for _, run in ipairs(runs) do
		local r = run.r
		local a, t = r.agdb[name], r.torch[name]
		local checks = a and a.checks or ""
		local pt_ratio = a and t and a.s and t.s and a.s / t.s or nil
		local target, v = "", ""
		local op, lim = checks:match("pt([<>]=)([%d.]+)")
		if op then
			target = op .. lim
			v = verdict((have_torch and t) and pt_ratio or nil, op, tonumber(lim))
		end
		local tcell = have_torch and cell(t) or "-"
		row(name, run.n, cell(a, true), tcell, fmt_ratio(pt_ratio), target, v)
		if why(a) and not why(a):match("^needs ") then note(("%s: agdb %s"):format(name, why(a))) end
		if have_torch and why(t) then note(("%s: %s"):format(name, why(t))) end
		if have_torch and not t then note(("%s: not in speed_cases.py"):format(name)) end
		-- a mean far above the median: rare long pauses (a full garbage
		-- collection, or another process on the CPU) that the median hides
		for _, side in ipairs({{"agdb", a}, {"PyTorch", t}}) do
			local res = side[2]
			local mean = res and res.s and tonumber(res.note:match("mean ([%d.e+-]+)"))
			if mean and mean > 1.3 * res.s then
				note(("%s, %d thread(s): %s mean %s is %.1fx its median"):format(name, run.n,
					side[1], fmt_time(mean), mean / res.s))
			end
		end
		-- the checks against agdb's own cases and against cblas
		for kind, cop, clim, other in checks:gmatch("(%a+)([<>]=)([%d.]+):([^;]+)") do
			if kind == "blas" then
				local b = r.blas[other]
				local x = b and b.s and a and a.s and b.s / a.s or nil
				row("  vs " .. other .. " (C)", run.n, b and b.s and fmt_time(b.s) or "n/a",
					"", fmt_ratio(x), "GF" .. cop .. clim, verdict(x, cop, tonumber(clim)))
				if b and b.note ~= "" and b.s then
					note(("%s, %d thread(s): %s"):format(other, run.n, b.note))
				end
			elseif kind == "self" then
				local o = r.agdb[other]
				local x = o and o.s and a and a.s and a.s / o.s or nil
				row("  / agdb " .. other, run.n, o and o.s and fmt_time(o.s) or "n/a", "",
					fmt_ratio(x), cop .. clim, verdict(x, cop, tonumber(clim)))
			end
		end
	end
end
for _, run in ipairs(runs) do
	for name in pairs(run.r.torch) do
		if not run.r.agdb[name] then note(("%s: in speed_cases.py only"):format(name)) end
	end
end

print()
print(("targets: %d met, %d missed, %d not measurable yet"):format(tally.met, tally.MISSED, tally["n/a"]))
print("agdb/PT: agdb's time / PyTorch's; under a \"  vs cblas\" row it is cblas's time / agdb's")
print("(agdb's share of the GFLOP/s of the BLAS it calls); under \"  / agdb\" it is agdb / agdb.")
if #notes > 0 then
	print("notes:")
	for _, s in ipairs(notes) do print("  " .. s) end
end
