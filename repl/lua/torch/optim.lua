-- torch.optim - optimizers with PyTorch 1.13's update formulas and options,
-- and (as optim.lr_scheduler) the learning-rate schedulers.
local optim = {
	Optimizer = require "torch.optim.optimizer",
}

for _, file in ipairs({"sgd", "adam", "rmsprop", "adagrad"}) do
	for name, cls in pairs(require("torch.optim." .. file)) do optim[name] = cls end
end

optim.lr_scheduler = require "torch.optim.lr_scheduler"

return optim
