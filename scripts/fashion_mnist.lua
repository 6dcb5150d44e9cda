#!/usr/bin/env agdb
-- scripts/fashion_mnist.lua - trains a classifier on Fashion-MNIST with a
-- progress bar, prints accuracy and time per epoch (beside PyTorch's time
-- for the same model and batch size, measured in the same run when
-- /usr/bin/python3 has torch), saves the model to safetensors and checks it
-- loads back to identical outputs.
--
--   agdb scripts/fashion_mnist.lua [mlp|cnn] [--epochs N] [--limit N]
--        [--batch-size N] [--save PATH] [--no-torch] [--loss ce|mse]
--
-- mlp: 784-256-10 with ReLU; cnn: two 3x3 conv + max-pool blocks and a
-- linear layer.  Adam, lr 1e-3, batch 64.  --limit trains on the first N
-- images (for a quick look); --loss mse trains on one-hot targets with
-- mse_loss instead of cross_entropy.
local torch = require "torch"
local nn, F, optim = torch.nn, torch.nn.functional, torch.optim
local data = torch.utils.data

-- ------------------------------------------------------------ options
local opts = {model = "mlp", epochs = 3, batch_size = 64, lr = 1e-3, limit = nil,
	save = os.tmpname() .. ".safetensors", torch_ref = true, loss = "ce"}
do
	local i = 1
	while arg and arg[i] do
		local a = arg[i]
		if a == "mlp" or a == "cnn" then opts.model = a
		elseif a == "--epochs" then i = i + 1; opts.epochs = math.tointeger(tonumber(arg[i]))
		elseif a == "--limit" then i = i + 1; opts.limit = math.tointeger(tonumber(arg[i]))
		elseif a == "--batch-size" then i = i + 1; opts.batch_size = math.tointeger(tonumber(arg[i]))
		elseif a == "--save" then i = i + 1; opts.save = arg[i]
		elseif a == "--loss" then i = i + 1; opts.loss = arg[i]
		elseif a == "--no-torch" then opts.torch_ref = false
		else error("fashion_mnist.lua: unknown argument " .. a) end
		i = i + 1
	end
end

-- What each choice needs from the op library, so a missing op is named
-- up front instead of failing half way through an epoch.
local needs = {}
if opts.loss == "ce" and not F.cross_entropy then needs[#needs + 1] = "F.cross_entropy" end
if opts.model == "cnn" then
	for _, m in ipairs({"Conv2d", "MaxPool2d"}) do
		if not nn[m] then needs[#needs + 1] = "nn." .. m end
	end
end
if #needs > 0 then
	io.stderr:write("fashion_mnist.lua: this agdb lacks ", table.concat(needs, ", "),
		" (the op library adds them); `--loss mse` trains the mlp without cross_entropy\n")
	os.exit(2)
end

-- ------------------------------------------------------------ data
local train = torch.datasets.FashionMNIST({train = true})
local test = torch.datasets.FashionMNIST({train = false})
if opts.limit then
	local idx = {}
	for i = 1, math.min(opts.limit, #train) do idx[i] = i end
	train = data.Subset(train, idx)
end
local loader = data.DataLoader(train, {batch_size = opts.batch_size, shuffle = true,
	generator = torch.Generator():manual_seed(0)})
local test_loader = data.DataLoader(test, {batch_size = 1000})

-- ------------------------------------------------------------ model
local function make_model()
	if opts.model == "mlp" then
		return nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
	end
	return nn.Sequential(
		nn.Conv2d(1, 16, 3, {padding = 1}), nn.ReLU(), nn.MaxPool2d(2),
		nn.Conv2d(16, 32, 3, {padding = 1}), nn.ReLU(), nn.MaxPool2d(2),
		nn.Flatten(), nn.Linear(32 * 7 * 7, 10))
end

torch.manual_seed(0)
local model = make_model()
local opt = optim.Adam(model:parameters(), {lr = opts.lr})
local eye = torch.eye(10)

local function loss_fn(logits, y)
	if opts.loss == "ce" then return F.cross_entropy(logits, y) end
	return F.mse_loss(logits, eye:index_select(1, y))
end

local function accuracy(m)
	local correct, total = 0, 0
	torch.no_grad(function()
		for xb, yb in test_loader:iter() do
			local pred = m(xb):argmax(2)
			correct = correct + pred:eq(yb):sum():item()
			total = total + yb:size(1)
		end
	end)
	return correct / total
end

-- ------------------------------------------------------------ PyTorch's time
-- The same model, batch size, optimiser and number of steps in PyTorch,
-- timed in this run (nil when /usr/bin/python3 has no torch).
local function torch_times()
	if not opts.torch_ref then return nil end
	local here = (arg and arg[0] or ""):match("^(.*)/[^/]*$") or "."
	-- at agdb's thread count (PyTorch 1.13 may pick another default)
	local cmd = ("/usr/bin/python3 %s/fashion_mnist_torch.py %s %d %d %d %s '' %d 2>/dev/null"):format(
		here, opts.model, opts.epochs, opts.batch_size, opts.limit or 0, opts.loss,
		torch.get_num_threads())
	local p = io.popen(cmd)
	if not p then return nil end
	local out = {}
	for line in p:lines() do
		local e, secs, acc = line:match("^epoch (%d+) ([%d.]+) ([%d.]+)$")
		if e then out[tonumber(e)] = {tonumber(secs), tonumber(acc)} end
	end
	p:close()
	return #out > 0 and out or nil
end

-- ------------------------------------------------------------ training
print(("Fashion-MNIST %s: %d training images, batch %d, Adam lr %g, %s loss, %d thread%s"):format(
	opts.model, #train, opts.batch_size, opts.lr, opts.loss, torch.get_num_threads(),
	torch.get_num_threads() == 1 and "" or "s"))
local ref = torch_times()
local results = {}
for epoch = 1, opts.epochs do
	model:train()
	local t0 = torch._C.clock()
	local bar = torch.utils.progress(loader, {desc = ("epoch %d"):format(epoch)})
	for i, batch in bar do
		local xb, yb = batch[1], batch[2]
		opt:zero_grad()
		local loss = loss_fn(model(xb), yb)
		loss:backward()
		opt:step()
		if i % 50 == 0 then bar:set_postfix({loss = loss:item()}) end
	end
	local secs = torch._C.clock() - t0
	model:eval()
	local acc = accuracy(model)
	results[epoch] = {secs, acc}
	local line = ("epoch %d: test accuracy %.2f%%, %.1f s"):format(epoch, acc * 100, secs)
	if ref and ref[epoch] then
		line = line .. ("  (PyTorch: %.2f%%, %.1f s)"):format(ref[epoch][2] * 100, ref[epoch][1])
	end
	print(line)
end

-- ------------------------------------------------------------ saving
torch.save(model:state_dict(), opts.save)
torch.manual_seed(1)
local again = make_model()
again:load_state_dict(torch.load(opts.save))
again:eval()
local xb = test_loader:iter()()
local same = torch.no_grad(function() return again(xb):eq(model(xb)):sum():item() end)
print(("saved to %s; reloaded model gives %s outputs"):format(opts.save,
	same == xb:size(1) * 10 and "identical" or "DIFFERENT"))
return results
