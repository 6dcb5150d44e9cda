-- agdb.gradflow - "which layer's gradients vanish or explode?"
--
-- One row per parameter (module path names when given a module), with
-- paired log-scale bars for mean |grad| and max |grad| (1e-8 .. 1e4), the
-- update-to-data ratio of the last optimizer step, a sparkline of mean
-- |grad| over the last 50 backward passes, and a mark for what is wrong:
-- "no gradient reached it (unused or detached)" is not "the gradient is
-- exactly zero".  The viewer's gradients pane draws the same rows.
local torch = require "torch"
local core = require "agdb.core"
local A = require "agdb.answer"

local M = {}

local tracking = false

-- Update-to-data ratios: the optimizers' step observers copy the
-- parameters before a step (while tracking is on) and core compares.
function M.track(on)
	if on == nil then on = true end
	core.settings({track_updates = on})
	if tracking then return end
	tracking = true
	local Optimizer = require "torch.optim.optimizer"
	table.insert(Optimizer.step_observers, function(opt, when)
		local params = {}
		for _, g in ipairs(opt.param_groups) do
			for _, p in ipairs(g.params) do params[#params + 1] = p end
		end
		core.track_step(params, when)
	end)
end

local function is_module(v)
	return type(v) == "table" and type(v.named_parameters) == "function"
end

-- The {name, tensor} pairs to show: a module's parameters, a list of
-- tensors, or (nothing given) every global tensor that requires grad and
-- every parameter of every global module.
local function pairs_of(what, names)
	local out = {}
	if is_module(what) then
		for name, p in what:named_parameters() do out[#out + 1] = {name, p} end
		return out
	end
	if torch.is_tensor(what) then
		return {{names[what:_id()] or "tensor", what}}
	end
	if type(what) == "table" then
		for i, p in ipairs(what) do
			if torch.is_tensor(p) then
				out[#out + 1] = {names[p:_id()] or ("param " .. i), p}
			end
		end
		return out
	end
	local keys = {}
	for k, v in pairs(_G) do
		if type(k) == "string" and (is_module(v) or
			(torch.is_tensor(v) and v.is_leaf and v.requires_grad)) then
			keys[#keys + 1] = k
		end
	end
	table.sort(keys)
	local seen = {}
	for _, k in ipairs(keys) do
		local v = _G[k]
		if is_module(v) then
			for name, p in v:named_parameters() do
				if not seen[p] then
					seen[p] = true
					out[#out + 1] = {k .. "." .. name, p}
				end
			end
		elseif not seen[v] then
			seen[v] = true
			out[#out + 1] = {k, v}
		end
	end
	return out
end

-- What the viewer's gradients pane shows besides the graph's leaves: the
-- {name, tensor} pairs of agdb.gradflow() with no argument.
function M.targets()
	return pairs_of(nil, core.names())
end

-- agdb.gradflow([module or list of parameters])
function M.gradflow(what)
	local label
	if type(what) == "string" and what:match("%S") then
		what, label = A.value(what, "agdb.gradflow")
	elseif type(what) == "string" then
		what = nil
	end
	if what ~= nil and not (is_module(what) or torch.is_tensor(what) or type(what) == "table") then
		error(("agdb.gradflow: expected a module, a tensor or a list of tensors, got %s")
			:format(type(what)), 2)
	end
	M.track(true)
	local names = core.names()
	local set = core.settings()
	local rows = core.flow_rows(pairs_of(what, names), set.ascii)
	local pass = core.last_pass()
	local facts = {rows = rows, pass = pass.number, vanish = set.vanish, explode = set.explode}
	local lines = {("gradient flow%s · after backward pass %d · bars: log10 |g| from -8 to 4"):format(
		label and (" of " .. label) or "", pass.number)}
	if #rows == 0 then
		lines[#lines + 1] = "  no parameters (nothing requires grad)"
		return A.new(facts, lines)
	end
	local table_rows = {{"", "name", "shape", "mean|g|", "", "max|g|", "", "update",
		"last passes", ""}}
	local counts = {}
	for _, r in ipairs(rows) do
		counts[r.state] = (counts[r.state] or 0) + 1
		local row = {r.mark, r.name, r.shape, "", "-", "", "-"}
		if r.mean_abs and r.state ~= "none" then
			row[4], row[5] = r.mean_bar, A.num(r.mean_abs)
			row[6], row[7] = r.max_bar, A.num(r.max_abs)
		end
		row[8] = r.update_ratio and A.num(r.update_ratio) or "-"
		row[9] = r.sparkline ~= "" and r.sparkline or "-"
		if r.state == "none" then
			row[10] = r.word .. " (unused or detached)"
		elseif r.state == "nan" or r.state == "inf" then
			row[10] = ("%d NaN, %d Inf"):format(r.nan, r.inf)
		else
			row[10] = r.word
		end
		if (r.lost_zero or 0) > 0 or (r.lost_inf or 0) > 0 then
			-- float16/bfloat16 rounding lost values of its last gradient
			counts.lost = (counts.lost or 0) + 1
			row[10] = (row[10] ~= "" and row[10] .. "; " or "") ..
				("%s %d underflowed to 0, %d overflowed to inf"):format(
					set.ascii and "~" or "\u{2248}", r.lost_zero, r.lost_inf)
		end
		table_rows[#table_rows + 1] = row
	end
	for _, l in ipairs(A.columns(table_rows)) do lines[#lines + 1] = "  " .. l end
	local ascii = set.ascii
	local legend = {}
	local marks = {
		{"none", ascii and "." or "\u{00B7}", "no gradient reached it (unused or detached)"},
		{"zero", "0", "the gradient is exactly zero"},
		{"nan", "?", "NaN"}, {"inf", ascii and "I" or "\u{221E}", "Inf"},
		{"vanishing", ascii and "v" or "\u{2193}", ("vanishing (max|g| below %g)"):format(set.vanish)},
		{"exploding", ascii and "^" or "\u{2191}", ("exploding (max|g| above %g)"):format(set.explode)},
		{"lost", ascii and "~" or "\u{2248}", "float16/bfloat16 rounding lost gradient values"},
	}
	for _, m in ipairs(marks) do
		if counts[m[1]] then legend[#legend + 1] = m[2] .. " " .. m[3] end
	end
	if #legend > 0 then lines[#lines + 1] = "  " .. table.concat(legend, "   ") end
	local any_update = false
	for _, r in ipairs(rows) do any_update = any_update or r.update_ratio ~= nil end
	lines[#lines + 1] = "  update: |step| / |weight| of the last optimizer step (about 1e-3 is "
		.. "healthy); last passes: mean|g| per backward, oldest first"
	if not any_update then
		lines[#lines + 1] = "  no update ratio yet: they are kept from now on, for each optimizer "
			.. "step (agdb.set{track_updates=true} before training keeps them from the start)"
	end
	facts.counts = counts
	return A.new(facts, lines)
end

return M
