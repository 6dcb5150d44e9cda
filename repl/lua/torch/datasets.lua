-- torch.datasets - FashionMNIST and MNIST from their IDX files (gzipped or
-- not), as torchvision's datasets with ToTensor: images float32 [1, 28, 28]
-- in [0, 1]; labels are 1-based here (1..10).
--
--   ds = torch.datasets.FashionMNIST({train=true})  -- default root below
--   x, y = ds[1][1], ds[1][2]                        -- y a Lua integer
--
-- The whole split is read once into ds.images [N, 1, 28, 28] and
-- ds.targets (int64, 1-based), so a DataLoader takes batches with
-- index_select instead of item by item.
local torch = require "torch"
local data = require "torch.utils.data"

local M = {}

local FILES = {
	train = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte"},
	test = {"t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"},
}

local function exists(path)
	local f = io.open(path, "rb")
	if f then f:close() end
	return f ~= nil
end

-- The file `name` under root, gzipped or not, or an error that says what
-- is missing and where it comes from.
local function find(cls, root, name, package)
	for _, p in ipairs({root .. "/" .. name, root .. "/" .. name .. ".gz"}) do
		if exists(p) then return p end
	end
	local hint = package and ("install the Debian package %s (apt-get install %s, " ..
		"or run scripts/setup), or pass {root=...}"):format(package, package)
		or "pass {root=...} with the folder holding the IDX files"
	error(("%s: cannot find %s/%s.gz (nor %s uncompressed): %s"):format(cls, root, name,
		name, hint), 4)
end

local function idx_dataset(name, default_root, package, classes)
	local cls = data.Dataset:extend(name)

	-- cls({train=true, root=, transform=, target_transform=})
	function cls:init(opts)
		opts = opts or {}
		if type(opts) ~= "table" or torch.is_tensor(opts) then
			error(("%s: options must be a table ({train=true, root=...}), got %s")
				:format(name, torch.is_tensor(opts) and "Tensor" or type(opts)), 3)
		end
		for k, v in pairs(opts) do
			if k ~= "train" and k ~= "root" and k ~= "transform" and
				k ~= "target_transform" and k ~= "download" then
				error(("%s: __init__() got an unexpected keyword argument '%s'")
					:format(name, tostring(k)), 3)
			end
			if (k == "train" or k == "download") and type(v) ~= "boolean" then
				error(("%s: option '%s' must be a boolean, got %s"):format(name, k, type(v)), 3)
			end
			if k == "root" and type(v) ~= "string" then
				error(("%s: option 'root' must be a string, got %s"):format(name, type(v)), 3)
			end
			if (k == "transform" or k == "target_transform") and type(v) ~= "function"
				and not (type(v) == "table" and getmetatable(v) and getmetatable(v).__call) then
				error(("%s: option '%s' must be a function, got %s"):format(name, k, type(v)), 3)
			end
		end
		local train = opts.train ~= false
		self.root = opts.root or default_root
		self.train = train
		self.transform, self.target_transform = opts.transform, opts.target_transform
		self.classes = classes
		local files = FILES[train and "train" or "test"]
		local ipath = find(name, self.root, files[1], package)
		local lpath = find(name, self.root, files[2], package)
		local images = torch._C.read_idx(ipath, torch.float32)
		local labels = torch._C.read_idx(lpath, torch.int64)
		if images:dim() ~= 3 or labels:dim() ~= 1 or images:size(1) ~= labels:size(1) then
			error(("%s: %s and %s do not hold matching images and labels"):format(name,
				ipath, lpath), 3)
		end
		torch.no_grad(function() images:div_(255) end)
		self.images = images:view(images:size(1), 1, images:size(2), images:size(3))
		self.targets = labels + 1
	end

	function cls:__len() return self.targets:size(1) end

	function cls:__getitem(i)
		i = data._item_index(i, #self)
		if not i then return nil end
		local x, y = self.images[i], self.targets[i]:item()
		if self.transform then x = self.transform(x) end
		if self.target_transform then y = self.target_transform(y) end
		return {x, y}
	end

	function cls:_get_batch(idx)
		if self.transform or self.target_transform then return nil end
		return {self.images:index_select(1, idx), self.targets:index_select(1, idx)}
	end

	function cls:__tostring()
		return ("Dataset %s\n    Number of datapoints: %d\n    Root location: %s\n" ..
			"    Split: %s"):format(name, #self, self.root, self.train and "Train" or "Test")
	end

	return cls
end

M.FashionMNIST = idx_dataset("FashionMNIST", "/usr/share/datasets/fashion-mnist",
	"dataset-fashion-mnist", {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
		"Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"})

M.MNIST = idx_dataset("MNIST", "/usr/share/datasets/mnist", nil,
	{"0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five",
		"6 - six", "7 - seven", "8 - eight", "9 - nine"})

return M
