-- torch.utils - data (datasets and loaders), progress (progress bars) and
-- checkpoint (recomputing a region in backward).
local utils = {
	data = require "torch.utils.data",
}
utils.progress = require("torch.utils.progress").progress
utils.checkpoint = require "torch.utils.checkpoint"
return utils
