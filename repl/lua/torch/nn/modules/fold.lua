-- torch.nn.modules.fold - Fold and Unfold over F.fold and F.unfold, with
-- PyTorch's arguments (positional or keywords) and repr.
local base = require "torch.nn.module"
local F = require "torch.nn.functional"

-- every argument without a default is required
local function check(o, name)
	for _, key in ipairs({"output_size", "kernel_size"}) do
		if o[key] == nil and (key ~= "output_size" or name == "Fold") then
			base.raise(("%s.__init__() missing required argument '%s'"):format(name, key))
		end
	end
end

return {
	Fold = base.spec_module("Fold", F.fold, {{"output_size"}, {"kernel_size"},
		{"dilation", 1}, {"padding", 0}, {"stride", 1}}, check),
	Unfold = base.spec_module("Unfold", F.unfold, {{"kernel_size"}, {"dilation", 1},
		{"padding", 0}, {"stride", 1}}, check),
}
