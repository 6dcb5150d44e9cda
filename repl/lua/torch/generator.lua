-- torch.generator - what torch.utils.data draws from a torch.Generator
-- (core's generators: torch.Generator, torch.default_generator): the index
-- permutations and worker seeds, drawn as PyTorch 1.13 draws them.
local torch = require "torch"

-- A permutation of 0..n-1 as a Lua sequence: PyTorch's CPU randperm on g
-- (nil: the default generator).
local function randperm(n, g)
	local r = (g and torch.randperm(n, {generator = g}) or torch.randperm(n)):tolist()
	for i = 1, n do r[i] = r[i] - 1 end
	return r
end

-- A 63-bit seed from g (or the default generator), as an int64 random_()
-- draws it (two 32-bit draws).
local function draw_seed(g)
	local t = torch.empty({}, {dtype = torch.int64})
	return (g and t:random_({generator = g}) or t:random_()):item()
end

return {
	randperm = randperm,
	draw_seed = draw_seed,
	is_generator = function(v)
		return type(v) == "userdata" and
			getmetatable(v) == getmetatable(torch.default_generator)
	end,
}
