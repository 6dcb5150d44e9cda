-- torch.utils.progress - a progress bar for long loops, in the spirit of
-- tqdm:
--
--   for i, batch in torch.utils.progress(loader, {desc="train"}) do ... end
--   local bar = torch.utils.progress(100)
--   for i in bar do ...; bar:set_postfix{loss=l} end
--
-- It shows the count and total, the percentage, the elapsed time, the rate,
-- the time left and a postfix; redraws at most 10 times a second, fits the
-- terminal's width, and draws nothing when stdout is not a terminal
-- (opts.disable=false forces it, opts.file redirects it).
local torch = require "torch"

local M = {}

local Bar = {}
Bar.__index = Bar

local BLOCKS = {" ", "▏", "▎", "▍", "▌", "▋", "▊", "▉"}

local function utf8_ok()
	local lang = os.getenv("LC_ALL") or os.getenv("LC_CTYPE") or os.getenv("LANG") or ""
	return lang:upper():find("UTF%-?8") ~= nil
end

-- "mm:ss", or "h:mm:ss" past an hour (tqdm's format_interval).
function M.format_interval(t)
	if t ~= t or t == math.huge or t == -math.huge then return "?" end
	t = math.floor(t + 0.5)
	local h, m, s = t // 3600, (t // 60) % 60, t % 60
	if h > 0 then return ("%d:%02d:%02d"):format(h, m, s) end
	return ("%02d:%02d"):format(m, s)
end

local function format_value(v)
	if math.type(v) == "float" then return ("%.4g"):format(v) end
	if torch.is_tensor(v) and v:numel() == 1 then return ("%.4g"):format(v:item()) end
	return tostring(v)
end

-- The bar's line at count n after `elapsed` seconds, `width` columns wide.
function Bar:format(n, elapsed, width)
	local total = self.total
	local rate = elapsed > 0 and n / elapsed or nil
	local rate_s
	if not rate or rate == 0 then
		rate_s = "?it/s"
	elseif rate < 1 then
		rate_s = ("%.2fs/it"):format(1 / rate)
	else
		rate_s = ("%.2fit/s"):format(rate)
	end
	local postfix = self.postfix and (", " .. self.postfix) or ""
	local desc = self.desc and (self.desc .. ": ") or ""
	if not total then
		return ("%s%dit [%s, %s%s]"):format(desc, n, M.format_interval(elapsed), rate_s, postfix)
	end
	local frac = total > 0 and math.min(n / total, 1) or 1
	local remaining = rate and rate > 0 and (total - n) / rate or nil
	local left = ("%s%3d%%|"):format(desc, math.floor(frac * 100))
	local right = ("| %d/%d [%s<%s, %s%s]"):format(n, total, M.format_interval(elapsed),
		remaining and M.format_interval(remaining) or "?", rate_s, postfix)
	local barw = width - utf8.len(left) - utf8.len(right)
	if barw < 1 then return left:sub(1, -2) .. right:sub(2) end
	local cells = frac * barw
	local full = math.floor(cells)
	local s
	if self.ascii then
		local partial = full < barw and tostring(math.floor((cells - full) * 10)) or ""
		s = string.rep("#", full) .. partial
		s = s .. string.rep(" ", barw - full - #partial)
	else
		local part = math.floor((cells - full) * 8)
		s = string.rep("█", full)
		if full < barw then
			s = s .. BLOCKS[part + 1] .. string.rep(" ", barw - full - 1)
		end
	end
	return left .. s .. right
end

function Bar:_width()
	return self.ncols or torch._C.terminal_width(1) or 80
end

function Bar:refresh(final)
	if self.disable then return end
	local now = torch._C.clock()
	if not final and now - self.last_draw < self.mininterval then return end
	self.last_draw = now
	local line = self:format(self.n, now - self.start, self:_width())
	self.file:write("\r", line)
	if final then self.file:write("\n") end
	self.file:flush()
end

-- set_postfix{loss=0.41, acc=0.9}: keys sorted, numbers with 4 digits.
function Bar:set_postfix(t)
	local keys = {}
	for k in pairs(t) do keys[#keys + 1] = k end
	table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
	local parts = {}
	for i, k in ipairs(keys) do parts[i] = tostring(k) .. "=" .. format_value(t[k]) end
	self.postfix = table.concat(parts, ", ")
	self:refresh()
end

function Bar:set_description(desc)
	self.desc = desc
	self:refresh()
end

function Bar:update(k)
	self.n = self.n + (k or 1)
	self:refresh()
end

function Bar:close()
	if self.closed then return end
	self.closed = true
	self:refresh(true)
end

-- Iterating: the bar itself is the iterator; each step returns i and the
-- item (a batch of a DataLoader, an element of a sequence, or i).  A step
-- counts as done when the loop asks for the next one, as in tqdm.
function Bar:__call()
	self.n = self.yielded
	local i, item = self.next_item()
	if i == nil then
		self:close()
		return nil
	end
	self.yielded = self.yielded + 1
	self:refresh(false)
	return i, item
end

Bar.__close = Bar.close

local function source(iterable)
	if math.type(iterable) == "integer" then
		local i = 0
		return function()
			i = i + 1
			if i <= iterable then return i, i end
		end, iterable
	end
	if type(iterable) == "table" and iterable._batches then	-- a DataLoader
		return iterable:_batches(), #iterable
	end
	if type(iterable) == "table" then
		local i = 0
		return function()
			i = i + 1
			local v = iterable[i]
			if v ~= nil then return i, v end
		end, #iterable
	end
	if type(iterable) == "function" then
		local i = 0
		return function()
			local v = iterable()
			if v ~= nil then
				i = i + 1
				return i, v
			end
		end, nil
	end
	error("progress: expected a count, a DataLoader, a sequence or an iterator " ..
		"function, got " .. type(iterable), 3)
end

-- progress(iterable, {desc=, total=, disable=, file=, ncols=, ascii=,
-- mininterval=0.1})
function M.progress(iterable, opts)
	opts = opts or {}
	local nxt, total = source(iterable)
	local file = opts.file or io.stdout
	local disable = opts.disable
	if disable == nil then disable = file ~= io.stdout or torch._C.terminal_width(1) == nil end
	local self = setmetatable({
		next_item = nxt, total = opts.total or total, desc = opts.desc,
		file = file, disable = disable, ncols = opts.ncols,
		ascii = opts.ascii == true or (opts.ascii == nil and not utf8_ok()),
		mininterval = opts.mininterval or 0.1, n = 0, yielded = 0,
		start = torch._C.clock(), last_draw = -math.huge,
	}, Bar)
	return self
end

return M
