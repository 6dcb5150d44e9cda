-- test_data.lua - datasets, DataLoader (shuffles drawing what PyTorch 1.13
-- draws), random_split, collation, IDX files, FashionMNIST on small files,
-- the progress bar and agdb.image.
local t = dofile(os.getenv("top_srcdir") .. "/tests/lua/tap.lua")
local torch = torch or require "torch"
local ref = dofile(os.getenv("top_srcdir") .. "/tests/lua/fixtures/torch_ref.lua")
local fixtures = os.getenv("top_srcdir") .. "/tests/lua/fixtures/"
local data = torch.utils.data
local D = ref.data

-- 0-based batch lists as PyTorch printed them, from a loader
local function batches(loader)
	local out = {}
	for xb, yb in loader:iter() do out[#out + 1] = {xb:tolist(), yb:tolist()} end
	return out
end

local X, Y = torch.arange(10), torch.arange(10) * 10
local ds = data.TensorDataset(X, Y)
t.is(#ds, 10, "#ds")
t.is({ds[1][1]:item(), ds[1][2]:item(), ds[-1][2]:item()}, {0, 0, 90}, "ds[i] is {x, y}, 1-based")
t.ok(ds[11] == nil, "nil past the end")
t.raises(function() return ds[0] end, "agdb counts from 1", "index 0 is an error with a hint")
t.raises(function() data.TensorDataset(X, torch.arange(3)) end, "Size mismatch between tensors", "sizes must agree")

local g = torch.Generator():manual_seed(42)
local loader = data.DataLoader(ds, {batch_size = 3, shuffle = true, generator = g})
t.is(#loader, 4, "#loader counts the last partial batch")
t.is(batches(loader), D.gen_epoch1, "shuffling with a Generator gives PyTorch's batches")
t.is(batches(loader), D.gen_epoch2, "and the next epoch too")
torch.manual_seed(7)
loader = data.DataLoader(ds, {batch_size = 4, shuffle = true, drop_last = true})
t.is(#loader, 2, "#loader with drop_last")
t.is(batches(loader), D.global_epoch1, "without a Generator: seeded from the global one, as PyTorch")
t.is(torch.rand(3):tolist(), D.global_after, "and the global generator is left where PyTorch leaves it")
torch.manual_seed(7)
for _ in data.DataLoader(ds, {batch_size = 4}):iter() do end
t.is(torch.rand(2):tolist(), D.sequential_after, "an epoch without shuffling draws its base seed too")
local seq = batches(data.DataLoader(ds, {batch_size = 4}))
t.is(seq[3], {{8, 9}, {80, 90}}, "without shuffle the order is kept")

local parts = data.random_split(ds, {7, 3}, torch.Generator():manual_seed(3))
local idx = {}
for k, sub in ipairs(parts) do
	idx[k] = {}
	for j, i in ipairs(sub.indices) do idx[k][j] = i - 1 end
end
t.is(idx, D.split, "random_split with a generator: PyTorch's indices (1-based here)")
t.is(#parts[1] + #parts[2], 10, "the parts cover the dataset")
t.is(parts[2][1][1]:item(), D.split[2][1], "a Subset item is the dataset's item")
torch.manual_seed(5)
local sizes = {}
local fr = data.random_split(data.TensorDataset(torch.arange(12)), {0.5, 0.25, 0.25})
for k, sub in ipairs(fr) do
	sizes[k] = {}
	for j, i in ipairs(sub.indices) do sizes[k][j] = i - 1 end
end
t.is(sizes, D.split_global, "random_split by fractions on the global generator")
t.is(torch.rand(2):tolist(), D.split_global_after, "leaving the global generator as PyTorch does")
t.raises(function() data.random_split(ds, {5, 3}) end,
	"Sum of input lengths does not equal the length of the input dataset!", "lengths must add up")
t.is(require("torch.generator").randperm(20, torch.Generator():manual_seed(11)), D.randperm_gen,
	"the Generator's permutation is PyTorch's randperm")

-- Dataset subclasses, collation, ConcatDataset
local Squares = data.Dataset:extend("Squares")
function Squares:init(n) self.n = n end
function Squares:__len() return self.n end
function Squares:__getitem(i) return {x = torch.tensor({i, i}), y = i * i} end
local sq = Squares(5)
t.is({#sq, sq[3].y}, {5, 9}, "a Dataset subclass: __len and __getitem")
local first
for b in data.DataLoader(sq, {batch_size = 2}):iter() do first = first or b end
t.is({first.x:tolist(), first.y:tolist()}, {{{1, 1}, {2, 2}}, {1, 4}}, "tables of tensors are collated per key")
local cat = sq + Squares(2)
t.is({#cat, cat[6].y, cat[7].y}, {7, 1, 4}, "ds1 + ds2 concatenates")
t.raises(function() data.ConcatDataset({}) end, "datasets should not be an empty iterable", "ConcatDataset needs datasets")
local col = data.default_collate({{1, 2.5}, {3, 4.5}})
t.ok(col[1].dtype == torch.int64 and col[2].dtype == torch.float64, "numbers collate to int64 / float64")
local n = 0
for _, batch in pairs(data.DataLoader(ds, {batch_size = 5})) do n = n + batch[1]:size(1) end
t.is(n, 10, "pairs(loader) gives i, batch")
local custom = data.DataLoader(ds, {batch_size = 4, collate_fn = function(items) return #items end})
local counts = {}
for c in custom:iter() do counts[#counts + 1] = c end
t.is(counts, {4, 4, 2}, "a collate function sees each batch's items")
t.raises(function() data.DataLoader(ds, {batchsize = 3}) end, "unexpected keyword argument 'batchsize'",
	"a misspelt option is an error")

-- ------------------------------------------------------------ IDX and FashionMNIST
local imgs = data.read_idx(fixtures .. "idx/train-images-idx3-ubyte.gz")
t.is(imgs.shape, torch.Size({3, 28, 28}), "read_idx reads a gzipped IDX file")
t.is({imgs[1][1][1]:item(), imgs[2][1][2]:item(), imgs[3][28][28]:item()}, {0, 48, (2 * 37 + 783 * 11) % 256},
	"its bytes, in order")
t.is(data.read_idx(fixtures .. "idx/train-labels-idx1-ubyte"):tolist(), {9, 0, 3}, "and a plain one")
t.ok(imgs.dtype == torch.uint8, "unsigned bytes read as uint8 (the raw tensor)")
t.ok(data.read_idx(fixtures .. "idx/shorts-idx1-short").dtype == torch.int16, "shorts as int16")
t.is(data.read_idx(fixtures .. "idx/floats-idx2-float"):tolist(), {{1.5, -2.0}, {0.25, 3.0}}, "float IDX data")
t.is(data.read_idx(fixtures .. "idx/shorts-idx1-short"):tolist(), {-2, 300, 7}, "signed shorts")
t.ok(data.read_idx(fixtures .. "idx/train-labels-idx1-ubyte", torch.float32).dtype == torch.float32,
	"read_idx converts to a dtype while reading")
t.raises(function() data.read_idx(fixtures .. "torch_ref.lua") end, "is not an IDX file", "a non-IDX file")
t.raises(function() data.read_idx(fixtures .. "nothing.gz") end, "cannot open", "a missing file")
local tmp = os.tmpname()
local f = assert(io.open(tmp, "wb"))
f:write("\0\0\8\1\0\0\0\5abc")
f:close()
t.raises(function() data.read_idx(tmp) end, "is truncated", "a truncated IDX file")
os.remove(tmp)

local fm = torch.datasets.FashionMNIST({root = fixtures .. "idx", train = true})
t.is(#fm, 3, "FashionMNIST from a root folder")
local x, y = fm[1][1], fm[1][2]
t.ok(x.dtype == torch.float32 and x.shape == torch.Size({1, 28, 28}), "images are float32 [1, 28, 28]")
t.near(fm[2][1][1][1][2]:item(), 48 / 255, 1e-7, "pixel / 255")
t.is({y, fm[2][2], fm[3][2]}, {10, 1, 4}, "labels are 1-based (1..10)")
t.is(fm.classes[y], "Ankle boot", "classes name the labels")
t.is(#torch.datasets.FashionMNIST({root = fixtures .. "idx", train = false}), 2, "the test split")
local fl = data.DataLoader(fm, {batch_size = 2})
local xb, yb = fl:iter()()
t.ok(xb.shape == torch.Size({2, 1, 28, 28}) and yb.dtype == torch.int64, "batches of images and int64 labels")
t.raises(function() torch.datasets.FashionMNIST({root = "/nonexistent"}) end,
	"dataset-fashion-mnist", "a missing dataset names the Debian package")
t.raises(function() torch.datasets.MNIST({root = "/nonexistent"}) end,
	"cannot find /nonexistent/train-images-idx3-ubyte.gz", "and the missing file")

-- ------------------------------------------------------------ progress bar
local P = require "torch.utils.progress"
t.is({P.format_interval(75), P.format_interval(3725)}, {"01:15", "1:02:05"}, "elapsed-time format")
local bar = torch.utils.progress(10, {desc = "train", disable = true})
bar.total = 10
local line = bar:format(5, 2.0, 60)
t.is(line, "train:  50%|" .. string.rep("█", 9) .. string.rep(" ", 9) .. "| 5/10 [00:02<00:02, 2.50it/s]",
	"the bar: percentage, blocks, count, elapsed<left, rate")
t.is(#line - #line:gsub("[\128-\191]", ""), 18, "sized to the width given")
bar:set_postfix({loss = 0.41234, acc = 0.5})
t.ok(bar:format(5, 2.0, 80):find("2.50it/s, acc=0.5, loss=0.4123]", 1, true), "set_postfix adds sorted keys")
local ab = torch.utils.progress({1, 2, 3}, {disable = true, ascii = true})
ab.total = 4
t.is(ab:format(1, 4.0, 40), " 25%|#5    | 1/4 [00:04<00:12, 4.00s/it]",
	"an ASCII bar (a digit for the partial cell) and seconds per item")
t.is(torch.utils.progress(function() end, {disable = true}):format(7, 1.0, 80), "7it [00:01, 7.00it/s]",
	"without a total: a count")
local out = assert(io.open(os.tmpname(), "w+"))
local items = {}
for i, v in torch.utils.progress({"a", "b", "c"}, {disable = false, file = out, ncols = 50, desc = "d"}) do
	items[i] = v
end
out:seek("set")
local drawn = out:read("a")
out:close()
t.is(items, {"a", "b", "c"}, "iterating a sequence gives i, item")
t.ok(drawn:find("d: 100%|", 1, true) and drawn:find("| 3/3 ", 1, true) and drawn:sub(-1) == "\n",
	"drawn to its file, ending at 100% with a newline")
t.ok(select(2, drawn:gsub("\r", "")) <= 3, "redrawn at most every 0.1 s (first and last here)")
local cnt = 0
for _, batch in torch.utils.progress(data.DataLoader(ds, {batch_size = 4})) do cnt = cnt + batch[1]:size(1) end
t.is(cnt, 10, "a DataLoader through progress() (silent in a pipe)")

-- ------------------------------------------------------------ agdb.image
local image = require "agdb.image"
local pic = image.render(torch.tensor({{0.0, 1.0}, {1.0, 0.0}}), {ascii = true})
t.is(pic, "  @@\n@@  \n", "ASCII: one density character per pixel, min to max")
local half = image.render(torch.tensor({{0.0}, {1.0}}))
t.is(half, "\27[38;5;16;48;5;231m▀\27[0m\n", "Unicode: a half block, top black on bottom white")
local grid = image.render(torch.zeros(3, 1, 2, 2), {ascii = true, nrow = 2})
t.is(#grid:gsub("[^\n]", ""), 5, "a batch is drawn as a grid with gaps")
t.raises(function() image.render(torch.zeros(2, 2, 2, 2)) end, "agdb.image: expected", "shapes it cannot draw")

t.done()
