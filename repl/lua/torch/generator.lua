-- torch.generator - torch.Generator(): a random generator of its own, the
-- mt19937 that PyTorch's CPU generators are, seeded the same way, so
-- torch.Generator():manual_seed(42) drives DataLoader shuffling and
-- random_split exactly as in PyTorch 1.13.
--
-- Core has one global generator (torch.manual_seed); this one lives in
-- Lua until core grows generator objects (then it becomes a thin wrapper).
-- It feeds the index permutations of torch.utils.data, which draw one
-- 32-bit number per element as PyTorch's CPU randperm does.
local torch = require "torch"

local N, M = 624, 397
local DEFAULT_SEED = 67280421310721

local Generator = {}
Generator.__index = Generator
Generator.__name = "torch.Generator"

local function seed_state(g, seed)
	local s = g._state
	s[1] = seed & 0xffffffff
	for j = 2, N do
		local prev = s[j - 1]
		s[j] = (1812433253 * (prev ~ (prev >> 30)) + (j - 1)) & 0xffffffff
	end
	g._left, g._next, g._seed = 1, 1, seed
end

local function mix(u, v)
	local y = (u & 0x80000000) | (v & 0x7fffffff)
	return (y >> 1) ~ ((v & 1) ~= 0 and 0x9908b0df or 0)
end

local function regenerate(g)
	local s = g._state
	for k = 1, N - M do s[k] = s[k + M] ~ mix(s[k], s[k + 1]) end
	for k = N - M + 1, N - 1 do s[k] = s[k + M - N] ~ mix(s[k], s[k + 1]) end
	s[N] = s[M] ~ mix(s[N], s[1])
	g._left, g._next = N, 1
end

-- The next 32-bit draw, as an integer in [0, 2^32).
function Generator:random()
	self._left = self._left - 1
	if self._left == 0 then regenerate(self) end
	local y = self._state[self._next]
	self._next = self._next + 1
	y = y ~ (y >> 11)
	y = y ~ ((y << 7) & 0x9d2c5680)
	y = y ~ ((y << 15) & 0xefc60000)
	y = y ~ (y >> 18)
	return y & 0xffffffff
end

-- Two draws, the first as the high word (an integer, possibly negative as
-- Lua integers are signed 64-bit).
function Generator:random64()
	local hi = self:random()
	return (hi << 32) | self:random()
end

function Generator:manual_seed(seed)
	if math.type(seed) ~= "integer" then
		error("manual_seed expected an integer seed, got " .. tostring(seed), 2)
	end
	seed_state(self, seed)
	return self
end

function Generator:initial_seed() return self._seed end

-- A seed from the clock, as Generator.seed() takes one from the OS.
function Generator:seed()
	local s = (os.time() * 1000003 + math.floor(os.clock() * 1e6)) & 0x7fffffffffffffff
	seed_state(self, s)
	return s
end

function Generator:get_state()
	return {state = table.move(self._state, 1, N, 1, {}), left = self._left,
		next = self._next, seed = self._seed}
end

function Generator:set_state(st)
	self._state = table.move(st.state, 1, N, 1, {})
	self._left, self._next, self._seed = st.left, st.next, st.seed
	return self
end

function Generator:__tostring() return "<torch.Generator object>" end

local function new()
	local g = setmetatable({_state = {}}, Generator)
	seed_state(g, DEFAULT_SEED)
	return g
end

-- ------------------------------------------------------------ helpers

-- The global generator's draw r % range for range < 2^32 (one 32-bit draw,
-- as torch.randint makes it), and a 63-bit seed (two draws).
local function global_below(range)
	return torch.randint(0, range, {1}):item()
end

local function global_seed()
	return torch.randint(-(1 << 62), 1 << 62, {1}):item() + (1 << 62)
end

-- A permutation of 0..n-1 as a Lua sequence, PyTorch 1.13's CPU randperm:
-- r = 0..n-1, then swap r[i] with r[i + random() % (n - i)].
local function randperm(n, g)
	local r = {}
	for i = 1, n do r[i] = i - 1 end
	for i = 0, n - 2 do
		local z = g and g:random() % (n - i) or global_below(n - i)
		r[i + 1], r[z + i + 1] = r[z + i + 1], r[i + 1]
	end
	return r
end

-- A 63-bit seed from g (or the global generator), as int64 random_() draws.
local function draw_seed(g)
	if g then return g:random64() & 0x7fffffffffffffff end
	return global_seed()
end

return setmetatable({
	new = new,
	randperm = randperm,
	draw_seed = draw_seed,
	is_generator = function(v) return getmetatable(v) == Generator end,
	class = Generator,
}, {__call = function() return new() end})
