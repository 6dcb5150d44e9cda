-- test_mixed_precision.lua - the lesson script scripts/mixed_precision.lua
-- --quick: what it prints shows float16 without loss scaling losing the
-- lower layers' gradients to underflow, and GradScaler recovering them.
local t = dofile(os.getenv("top_srcdir") .. "/tests/lua/tap.lua")
local torch = torch or require "torch"

local path = os.getenv("top_srcdir") .. "/scripts/mixed_precision.lua"
local chunk = assert(loadfile(path))
local lines = {}
local real_print = print
print = function(...)
	local parts = {}
	for i = 1, select("#", ...) do parts[i] = tostring((select(i, ...))) end
	lines[#lines + 1] = table.concat(parts, "\t")
end
local saved_arg = arg
arg = {[0] = path, "--quick"}
local t0 = os.clock()
local ok, res = pcall(chunk, "--quick")
local cpu = os.clock() - t0
arg = saved_arg
print = real_print
t.ok(ok, "the script runs with --quick" .. (ok and "" or (": " .. tostring(res))))
if not ok then t.done() return end
local text = table.concat(lines, "\n")
t.diag(("--quick took %.1f s of CPU"):format(cpu))

-- the report's table: every parameter of the lower layers lost most of its
-- gradient to zero without scaling, and almost none with the scale
t.ok(text:find("precision report: float32 against float16 autocast, loss scale 1024", 1, true),
	"it prints the precision report's heading")
local rows = {}
for _, r in ipairs(res.report.rows) do rows[r.name] = r end
t.is(#res.report.rows, 8, "one row per parameter (4 layers)")
for _, name in ipairs({"0.weight", "0.bias", "2.weight", "2.bias", "4.weight"}) do
	local r = rows[name]
	t.ok(r.zeroed > 0.9, ("%s: unscaled float16 zeroed %.0f%% of its nonzero gradient"):format(name, 100 * r.zeroed))
	t.ok(r.zeroed_scaled < 0.05, ("%s: scaled, %.1f%% lost"):format(name, 100 * r.zeroed_scaled))
	t.ok(r.rel_err_scaled < 0.05, ("%s: scaled gradient within 5%% of float32's (%.1e)"):format(name, r.rel_err_scaled))
	local shown = text:match("\n" .. name:gsub("%.", "%%.") .. "%s+%d+%s+%S+%s+(%S+)%%")
	t.is(tonumber(shown), tonumber(("%.1f"):format(100 * r.zeroed)), name .. ": the printed share is the returned one")
end

-- the plot and the end
t.ok(text:find("loss (log scale) over 60 steps of Adam:", 1, true), "it plots the loss curves")
for _, label in ipairs({"* float32", "o float16 autocast, no scaling", "+ float16 autocast + GradScaler"}) do
	t.ok(text:find(label, 1, true), "the plot's legend names " .. label)
end
local f = res.final
t.ok(f.float16 > 5 * f.float32, ("unscaled float16 ends far above float32 (%.2e vs %.2e)"):format(f.float16, f.float32))
t.ok(math.abs(f.scaled / f.float32 - 1) < 0.25, ("GradScaler ends near float32 (%.2e vs %.2e)"):format(f.scaled, f.float32))
t.ok(text:find("final losses:", 1, true) and text:find(("%.3e"):format(f.float32), 1, true)
	and text:find(("%.3e"):format(f.float16), 1, true), "the final losses are printed")
t.is(res.runs[2].zeroed, 1.0, "the first layer's float16 gradient was all zero at step 1")
t.is(res.runs[3].zeroed, 0.0, "and none of it with GradScaler")
t.ok(text:find("Without scaling, float16 ends", 1, true) and text:find("With GradScaler it ends", 1, true),
	"it ends with the lesson in words")
t.done()
