-- agdb.image - a tensor as a picture in the terminal: a 2-D tensor, a
-- [1, H, W] image or a batch [N, 1, H, W] / [N, H, W] (drawn as a grid),
-- with Unicode upper half blocks (two pixels per cell, top in the
-- foreground colour, bottom in the background) on the 256-colour grey
-- ramp; or, without colours or Unicode, one ASCII character per pixel from
-- a ramp of densities.  Values are scaled from [min, max] to black..white.
local torch = require "torch"

local M = {}

-- xterm-256 greys from black to white: 16, the ramp 232..255, 231.
local GREYS = {16}
for c = 232, 255 do GREYS[#GREYS + 1] = c end
GREYS[#GREYS + 1] = 231
local ASCII = " .:-=+*#%@"

-- The images of t as 2-D tables of numbers, and their size.
local function images(t)
	local shape = t.shape
	local n = #shape
	local x = t:detach():double()
	if n == 2 then return {x:tolist()}, shape[1], shape[2] end
	if n == 3 and shape[1] == 1 then return {x[1]:tolist()}, shape[2], shape[3] end
	if n == 3 then
		local out = {}
		for i = 1, shape[1] do out[i] = x[i]:tolist() end
		return out, shape[2], shape[3]
	end
	if n == 4 and shape[2] == 1 then
		local out = {}
		for i = 1, shape[1] do out[i] = x[i][1]:tolist() end
		return out, shape[3], shape[4]
	end
	error(("agdb.image: expected [H, W], [1, H, W], [N, H, W] or [N, 1, H, W], got %s")
		:format(tostring(t.shape)), 3)
end

-- The grid of images as one 2-D table, nrow images per row, 1-pixel gaps
-- filled with lo.
local function tile(imgs, h, w, nrow, lo)
	local cols = math.min(nrow, #imgs)
	local rows = (#imgs + cols - 1) // cols
	local H, W = rows * h + (rows - 1), cols * w + (cols - 1)
	local grid = {}
	for r = 1, H do
		local row = {}
		for c = 1, W do row[c] = lo end
		grid[r] = row
	end
	for k, img in ipairs(imgs) do
		local r0, c0 = ((k - 1) // cols) * (h + 1), ((k - 1) % cols) * (w + 1)
		for r = 1, h do
			for c = 1, w do grid[r0 + r][c0 + c] = img[r][c] end
		end
	end
	return grid, H, W
end

-- The picture as text: opts.ascii, opts.nrow (8), opts.range = {lo, hi}.
function M.render(t, opts)
	opts = opts or {}
	if not torch.is_tensor(t) then
		error("agdb.image: argument 1 must be a Tensor, got " .. type(t), 2)
	end
	local imgs, h, w = images(t)
	local lo, hi = math.huge, -math.huge
	if opts.range then
		lo, hi = opts.range[1], opts.range[2]
	else
		for _, img in ipairs(imgs) do
			for _, row in ipairs(img) do
				for _, v in ipairs(row) do
					if v == v then
						if v < lo then lo = v end
						if v > hi then hi = v end
					end
				end
			end
		end
		if lo == math.huge then lo, hi = 0, 1 end
	end
	local grid, H, W = tile(imgs, h, w, opts.nrow or 8, lo)
	local span = hi > lo and hi - lo or 1
	local function level(v, n)
		if v ~= v then return 1 end
		local f = (v - lo) / span
		f = f < 0 and 0 or (f > 1 and 1 or f)
		return math.floor(f * (n - 1) + 0.5) + 1
	end
	local lines = {}
	if opts.ascii then
		for r = 1, H do
			local cells = {}
			for c = 1, W do
				local k = level(grid[r][c], #ASCII)
				cells[c] = ASCII:sub(k, k):rep(2)
			end
			lines[r] = table.concat(cells)
		end
		return table.concat(lines, "\n") .. "\n"
	end
	for r = 1, H, 2 do
		local cells = {}
		for c = 1, W do
			local top = GREYS[level(grid[r][c], #GREYS)]
			local bottom = grid[r + 1] and GREYS[level(grid[r + 1][c], #GREYS)]
			if bottom then
				cells[c] = ("\27[38;5;%d;48;5;%dm▀"):format(top, bottom)
			else
				cells[c] = ("\27[38;5;%dm\27[49m▀"):format(top)
			end
		end
		lines[#lines + 1] = table.concat(cells) .. "\27[0m"
	end
	return table.concat(lines, "\n") .. "\n"
end

-- agdb.image(t, opts): prints the picture (ASCII when NO_COLOR is set or
-- the locale is not UTF-8, unless opts.ascii says).
local IMAGE_KEYS = {ascii = true, nrow = true, range = true}

function M.image(t, opts)
	opts = opts or {}
	if type(opts) ~= "table" or torch.is_tensor(opts) then
		error("agdb.image: argument 2 must be a table of options, got " .. type(opts), 2)
	end
	for k in pairs(opts) do
		if not IMAGE_KEYS[k] then
			error(("agdb.image() got an unexpected keyword argument '%s'"):format(tostring(k)), 2)
		end
	end
	if opts.nrow ~= nil and (math.type(opts.nrow) ~= "integer" or opts.nrow < 1) then
		error("agdb.image: option 'nrow' must be a positive integer", 2)
	end
	if opts.range ~= nil and (type(opts.range) ~= "table" or type(opts.range[1]) ~= "number"
		or type(opts.range[2]) ~= "number") then
		error("agdb.image: option 'range' must be a table {lo, hi} of two numbers", 2)
	end
	opts = {ascii = opts.ascii, nrow = opts.nrow, range = opts.range}	-- the caller's stays as given
	if opts.ascii == nil then
		local lang = os.getenv("LC_ALL") or os.getenv("LC_CTYPE") or os.getenv("LANG") or ""
		local no_color = os.getenv("NO_COLOR")
		opts.ascii = (no_color ~= nil and no_color ~= "") or not lang:upper():find("UTF%-?8")
	end
	io.stdout:write(M.render(t, opts))
	io.stdout:flush()
end

return M
