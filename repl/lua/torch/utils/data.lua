-- torch.utils.data - datasets and the DataLoader, as PyTorch 1.13's.
--
--   ds = torch.utils.data.TensorDataset(x, y)     -- #ds, ds[i] == {x[i], y[i]}
--   loader = torch.utils.data.DataLoader(ds, {batch_size=64, shuffle=true,
--       generator=torch.Generator():manual_seed(0)})
--   for xb, yb in loader:iter() do ... end        -- #loader batches
--
-- Positions are 1-based: ds[1] is the first item, Subset and random_split
-- hold 1-based indices.  Shuffling draws what PyTorch draws (a base seed
-- per epoch, then the permutations of its RandomSampler), so the same seed
-- gives the same batches as PyTorch.  Everything runs in this process
-- (num_workers is accepted and ignored).
local torch = require "torch"
local class = require "torch.class"
local G = require "torch.generator"

local data = {}

-- ------------------------------------------------------------ Dataset

local Dataset = class.root("Dataset")

-- A subclass defines __getitem(i) (or __getitem__) and __len.
local function make_meta(cls, mt)
	local getitem = cls.__getitem or cls.__getitem__
	mt.__index = function(self, k)
		if math.type(k) == "integer" then
			if not getitem then
				error(("%s has no __getitem"):format(class.name(cls)), 2)
			end
			return getitem(self, k)
		end
		return cls[k]
	end
	if mt.__len == nil and cls.__len__ then mt.__len = cls.__len__ end
end

function Dataset.__new(cls, ...)
	local self = setmetatable({}, class.instance_meta(cls, make_meta))
	local init = cls.init
	if init then init(self, ...) end
	return self
end

function Dataset.extend(parent, name) return class.extend(parent, name) end
function Dataset.init() end
function Dataset.__add(a, b) return data.ConcatDataset({a, b}) end
function Dataset:__tostring()
	return ("<%s of %d items>"):format(class.name(class.of(self)), #self)
end

data.Dataset = Dataset

-- An item index i (1-based; negative from the end) into n items -> 1..n,
-- or nil past the end (so a loop over ds[i] stops there).
local function item_index(i, n)
	if i == 0 then
		error("index 0: agdb counts from 1 (the first item is ds[1], the last ds[-1])", 3)
	end
	if i < 0 then i = n + i + 1 end
	if i < 1 or i > n then return nil end
	return i
end
data._item_index = item_index

-- ------------------------------------------------------------ TensorDataset

local TensorDataset = Dataset:extend("TensorDataset")

-- TensorDataset(t1, t2, ...): item i is {t1[i], t2[i], ...}.
function TensorDataset:init(...)
	local tensors = table.pack(...)
	for i = 1, tensors.n do
		if not torch.is_tensor(tensors[i]) then
			error(("TensorDataset: argument %d must be a Tensor, got %s"):format(i,
				type(tensors[i])), 3)
		end
		if tensors[i]:dim() == 0 or tensors[i]:size(1) ~= tensors[1]:size(1) then
			error("Size mismatch between tensors", 3)
		end
	end
	tensors.n = nil
	self.tensors = tensors
end

function TensorDataset:__len() return self.tensors[1] and self.tensors[1]:size(1) or 0 end

function TensorDataset:__getitem(i)
	i = item_index(i, #self)
	if not i then return nil end
	local out = {}
	for k, t in ipairs(self.tensors) do out[k] = t[i] end
	return out
end

-- A whole batch at once: idx is an int64 tensor of 1-based positions.
function TensorDataset:_get_batch(idx)
	local out = {}
	for k, t in ipairs(self.tensors) do out[k] = t:index_select(1, idx) end
	return out
end

data.TensorDataset = TensorDataset

-- ------------------------------------------------------------ Subset

local Subset = Dataset:extend("Subset")

-- Subset(dataset, indices): item i is dataset[indices[i]] (1-based).
function Subset:init(dataset, indices)
	self.dataset = dataset
	self.indices = indices
end

function Subset:__len() return #self.indices end

function Subset:__getitem(i)
	i = item_index(i, #self.indices)
	return i and self.dataset[self.indices[i]]
end

function Subset:_get_batch(idx)
	if not self.dataset._get_batch then return nil end
	local map = {}
	for k, i in ipairs(idx:tolist()) do map[k] = self.indices[i] end
	return self.dataset:_get_batch(torch.tensor(map))
end

data.Subset = Subset

-- A dataset argument: a Dataset, or any table that answers # (and [i]).
local function check_dataset(d, fname, what)
	if type(d) ~= "table" or torch.is_tensor(d) then
		error(("%s: %s must be a Dataset (a table with # and [i]), got %s"):format(fname,
			what or "dataset", torch.is_tensor(d) and "Tensor" or type(d)), 4)
	end
end
data._check_dataset = check_dataset

-- ------------------------------------------------------------ ConcatDataset

local ConcatDataset = Dataset:extend("ConcatDataset")

function ConcatDataset:init(datasets)
	if type(datasets) ~= "table" or #datasets == 0 then
		error("datasets should not be an empty iterable", 3)
	end
	for k, d in ipairs(datasets) do check_dataset(d, "ConcatDataset", ("datasets[%d]"):format(k)) end
	self.datasets = datasets
	self.cumulative_sizes = {}
	local total = 0
	for k, d in ipairs(datasets) do
		total = total + #d
		self.cumulative_sizes[k] = total
	end
end

function ConcatDataset:__len() return self.cumulative_sizes[#self.cumulative_sizes] end

function ConcatDataset:__getitem(i)
	i = item_index(i, #self)
	if not i then return nil end
	local before = 0
	for k, c in ipairs(self.cumulative_sizes) do
		if i <= c then return self.datasets[k][i - before] end
		before = c
	end
end

data.ConcatDataset = ConcatDataset

-- ------------------------------------------------------------ random_split

-- random_split(dataset, lengths [, generator]): Subsets of a random
-- permutation; lengths are counts, or fractions summing to 1.
function data.random_split(dataset, lengths, generator)
	if type(generator) == "table" and not G.is_generator(generator) then
		generator = generator.generator
	end
	check_dataset(dataset, "random_split")
	if type(lengths) ~= "table" or torch.is_tensor(lengths) then
		error(("random_split: lengths must be a list of counts or fractions, got %s")
			:format(type(lengths)), 2)
	end
	for i, l in ipairs(lengths) do
		if type(l) ~= "number" then
			error(("random_split: lengths[%d] must be a number, got %s"):format(i, type(l)), 2)
		end
	end
	local n = #dataset
	local sum = 0
	for _, l in ipairs(lengths) do sum = sum + l end
	if math.abs(sum - 1) < 1e-9 and sum <= 1 then
		local counts = {}
		for i, frac in ipairs(lengths) do
			if frac < 0 or frac > 1 then
				error(("Fraction at index %d is not between 0 and 1"):format(i - 1), 2)
			end
			counts[i] = math.floor(n * frac)
		end
		local rest = n
		for _, c in ipairs(counts) do rest = rest - c end
		for i = 0, rest - 1 do
			local k = i % #counts + 1
			counts[k] = counts[k] + 1
		end
		for i, c in ipairs(counts) do
			if c == 0 then
				require("torch.nn.functional")._warn(("Length of split at index %d " ..
					"is 0. This might result in an empty dataset."):format(i - 1), 2)
			end
		end
		lengths = counts
		sum = n
	end
	if sum ~= n then
		error("Sum of input lengths does not equal the length of the input dataset!", 2)
	end
	local perm = G.randperm(n, generator)
	local out, offset = {}, 0
	for k, l in ipairs(lengths) do
		local idx = {}
		for j = 1, l do idx[j] = perm[offset + j] + 1 end
		out[k] = Subset(dataset, idx)
		offset = offset + l
	end
	return out
end

-- ------------------------------------------------------------ collate

-- Stacks tensors, turns numbers into tensors, and collates sequences per
-- position and tables per key, recursively.
function data.default_collate(batch)
	if type(batch) ~= "table" or torch.is_tensor(batch) then
		error(("default_collate: batch must be a list of samples, got %s"):format(
			torch.is_tensor(batch) and "Tensor" or type(batch)), 2)
	end
	local elem = batch[1]
	if torch.is_tensor(elem) then return torch.stack(batch, 1) end
	if math.type(elem) == "integer" then return torch.tensor(batch) end
	if type(elem) == "number" then return torch.tensor(batch, {dtype = torch.float64}) end
	if type(elem) == "boolean" then return torch.tensor(batch) end
	if type(elem) == "string" then return batch end
	if type(elem) == "table" then
		if #elem > 0 then
			for _, b in ipairs(batch) do
				if #b ~= #elem then
					error("each element in list of batch should be of equal size", 2)
				end
			end
			local out = {}
			for k = 1, #elem do
				local col = {}
				for j, b in ipairs(batch) do col[j] = b[k] end
				out[k] = data.default_collate(col)
			end
			return out
		end
		local out = {}
		for key in pairs(elem) do
			local col = {}
			for j, b in ipairs(batch) do col[j] = b[key] end
			out[key] = data.default_collate(col)
		end
		return out
	end
	error(("default_collate: batch must contain tensors, numbers, dicts or lists; " ..
		"found %s"):format(type(elem)), 2)
end

-- ------------------------------------------------------------ DataLoader

local DataLoader = class.root("DataLoader")

function DataLoader.__new(cls, ...)
	local self = setmetatable({}, class.instance_meta(cls))
	cls.init(self, ...)
	return self
end

local LOADER_KEYS = {batch_size = true, shuffle = true, sampler = true,
	batch_sampler = true, num_workers = true, collate_fn = true, pin_memory = true,
	drop_last = true, timeout = true, worker_init_fn = true, generator = true,
	prefetch_factor = true, persistent_workers = true}

-- DataLoader(dataset, {batch_size=1, shuffle=false, drop_last=false,
-- generator=nil, collate_fn=default_collate, sampler=nil})
function DataLoader:init(dataset, opts)
	opts = opts or {}
	if type(opts) ~= "table" or torch.is_tensor(opts) then
		error(("DataLoader: options must be a table ({batch_size=, shuffle=, ...}), got %s")
			:format(torch.is_tensor(opts) and "Tensor" or type(opts)), 3)
	end
	for k in pairs(opts) do
		if not LOADER_KEYS[k] then
			error(("__init__() got an unexpected keyword argument '%s'"):format(k), 3)
		end
	end
	local bs = opts.batch_size
	if bs ~= nil and bs ~= false and (math.type(bs) ~= "integer" or bs <= 0) then
		error(("batch_size should be a positive integer value, but got batch_size=%s")
			:format(tostring(bs)), 3)
	end
	for _, k in ipairs({"shuffle", "drop_last"}) do
		if opts[k] ~= nil and type(opts[k]) ~= "boolean" then
			error(("DataLoader: option '%s' must be a boolean, got %s"):format(k,
				type(opts[k])), 3)
		end
	end
	if opts.collate_fn ~= nil and type(opts.collate_fn) ~= "function" then
		error("DataLoader: option 'collate_fn' must be a function, got " ..
			type(opts.collate_fn), 3)
	end
	check_dataset(dataset, "DataLoader")
	for _, k in ipairs({"sampler", "batch_sampler"}) do
		local s = opts[k]
		if s ~= nil and type(s) ~= "table" and type(s) ~= "function" then
			error(("DataLoader: option '%s' must be a list of indices, a sampler or a " ..
				"function, got %s"):format(k, type(s)), 3)
		end
	end
	self.dataset = dataset
	self.batch_size = opts.batch_size
	if opts.batch_size == nil and not opts.batch_sampler then self.batch_size = 1 end
	if opts.batch_size == false then self.batch_size = nil end
	self.drop_last = opts.drop_last or false
	self.shuffle = opts.shuffle or false
	self.generator = opts.generator
	self.sampler = opts.sampler
	self.batch_sampler = opts.batch_sampler
	if self.shuffle and self.sampler then
		error("sampler option is mutually exclusive with shuffle", 3)
	end
	self.collate_fn = opts.collate_fn
end

-- The item indices of one epoch (1-based), drawing what PyTorch's
-- RandomSampler draws: with no generator, a seed from the global one for a
-- fresh generator; then randperm(n), and randperm(n) again for the empty
-- tail `[:num_samples % n]`.
function DataLoader:_indices()
	local n = #self.dataset
	if self.sampler then
		local s = self.sampler
		if type(s) == "function" then s = s() end
		if type(s) == "table" and s.iter then
			local out = {}
			for i in s:iter() do out[#out + 1] = i end
			return out
		end
		return s
	end
	local out = {}
	if not self.shuffle then
		for i = 1, n do out[i] = i end
		return out
	end
	local g = self.generator
	if g == nil then g = torch.Generator():manual_seed(G.draw_seed(nil)) end
	local perm = G.randperm(n, g)
	if n > 0 then G.randperm(n, g) end
	for i = 1, n do out[i] = perm[i] + 1 end
	return out
end

function DataLoader:__len()
	local n = #self.dataset
	if self.batch_sampler then return #self.batch_sampler end
	if not self.batch_size then return n end
	if self.drop_last then return n // self.batch_size end
	return (n + self.batch_size - 1) // self.batch_size
end

local function fetch(self, idx)
	local ds = self.dataset
	if self.batch_size == nil and not self.batch_sampler then
		local item = ds[idx[1]]
		return self.collate_fn and self.collate_fn(item) or item
	end
	if not self.collate_fn and ds._get_batch then
		local b = ds:_get_batch(torch.tensor(idx))
		if b then return b end
	end
	local items = {}
	for k, i in ipairs(idx) do items[k] = ds[i] end
	return (self.collate_fn or data.default_collate)(items)
end

-- The batches of one epoch, each a collated batch (for TensorDataset a
-- sequence {xb, yb}); iter() unpacks sequences into several values.
function DataLoader:_batches()
	-- PyTorch draws a base seed for workers from the loader's generator (or
	-- the global one) whenever an epoch starts; draw it too, to stay in step.
	G.draw_seed(self.generator)
	local groups = {}
	if self.batch_sampler then
		for _, b in ipairs(self.batch_sampler) do groups[#groups + 1] = b end
	else
		local idx = self:_indices()
		local bs = self.batch_size or 1
		for start = 1, #idx, bs do
			local stop = math.min(start + bs - 1, #idx)
			if stop - start + 1 < bs and self.drop_last then break end
			groups[#groups + 1] = table.move(idx, start, stop, 1, {})
		end
	end
	local k = 0
	return function()
		k = k + 1
		local g = groups[k]
		if g then return k, fetch(self, g) end
	end
end

local function unpack_batch(b)
	if type(b) == "table" and not torch.is_tensor(b) and #b > 0 and getmetatable(b) == nil then
		return table.unpack(b)
	end
	return b
end

-- for xb, yb in loader:iter() do ... end
function DataLoader:iter()
	local nxt = self:_batches()
	return function()
		local k, b = nxt()
		if k then return unpack_batch(b) end
	end
end

-- for i, batch in pairs(loader) do ... end  (batch as collated)
function DataLoader:__pairs() return self:_batches(), self, nil end

function DataLoader:__tostring()
	return ("<DataLoader of %d batches>"):format(#self)
end

data.DataLoader = DataLoader

-- ------------------------------------------------------------ files

-- read_idx(path [, dtype]): the raw contents of an IDX file (MNIST's
-- format, gzipped or not).  Integer data come as int64 (core has no uint8
-- yet); a dtype converts while reading.
function data.read_idx(path, dtype)
	if type(dtype) == "table" and not getmetatable(dtype) then dtype = dtype.dtype end
	return torch._C.read_idx(path, dtype)
end

return data
