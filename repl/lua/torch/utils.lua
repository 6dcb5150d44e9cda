-- torch.utils - data (datasets and loaders) and progress (progress bars).
local utils = {
	data = require "torch.utils.data",
}
utils.progress = require("torch.utils.progress").progress
return utils
