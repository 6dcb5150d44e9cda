-- torch.nn.modules.transformer - TransformerEncoderLayer and
-- TransformerEncoder as PyTorch 1.13's: the same submodules under the same
-- names and in the same order (so state_dict keys are PyTorch's:
-- `layers.0.self_attn.in_proj_weight`, `layers.0.linear1.weight`, ...),
-- the same initialisation, post-norm by default and pre-norm with
-- {norm_first=true}.  An encoder holds deep copies of its layer, so every
-- layer starts with the same weights, as in PyTorch.
local base = require "torch.nn.module"
local F = require "torch.nn.functional"
local torch = require "torch"

local Module = base.Module

local function modules()
	-- the sibling families, looked up when first needed
	return require("torch.nn.modules.attention"), require("torch.nn.modules.linear"),
		require("torch.nn.modules.normalization"), require("torch.nn.modules.dropout"),
		require("torch.nn.modules.container")
end

-- ------------------------------------------------------------ TransformerEncoderLayer

local TransformerEncoderLayer = Module:extend("TransformerEncoderLayer")

local LAYER_KEYS = {"dim_feedforward", "dropout", "activation", "layer_norm_eps",
	"batch_first", "norm_first", "device", "dtype"}

-- nn.TransformerEncoderLayer(d_model, nhead, {dim_feedforward=2048,
-- dropout=0.1, activation="relu" | "gelu" | a function, layer_norm_eps=1e-5,
-- batch_first=false, norm_first=false, dtype=})
function TransformerEncoderLayer:init(d_model, nhead, opts)
	opts = base.check_options(opts, LAYER_KEYS)
	local attention, linear, norm, dropout = modules()
	local dim_ff = opts.dim_feedforward or 2048
	local p = opts.dropout
	if p == nil then p = 0.1 end
	local eps = opts.layer_norm_eps or 1e-5
	local fk = {dtype = opts.dtype}
	self.self_attn = attention.MultiheadAttention(d_model, nhead,
		{dropout = p, batch_first = opts.batch_first or false, dtype = opts.dtype})
	self.linear1 = linear.Linear(d_model, dim_ff, fk)
	self.dropout = dropout.Dropout(p)
	self.linear2 = linear.Linear(dim_ff, d_model, fk)
	self.norm_first = opts.norm_first or false
	self.norm1 = norm.LayerNorm(d_model, {eps = eps, dtype = opts.dtype})
	self.norm2 = norm.LayerNorm(d_model, {eps = eps, dtype = opts.dtype})
	self.dropout1 = dropout.Dropout(p)
	self.dropout2 = dropout.Dropout(p)
	local act = opts.activation or "relu"
	if act == "relu" then
		self.activation = F.relu
		self.activation_relu_or_gelu = 1
	elseif act == "gelu" then
		self.activation = F.gelu
		self.activation_relu_or_gelu = 2
	elseif type(act) == "function" or base.is_module(act) then
		self.activation = act
		self.activation_relu_or_gelu = 0
	else
		base.raise(("activation should be relu/gelu, not %s"):format(tostring(act)))
	end
end

local function masks(src_mask, src_key_padding_mask, opts, keys)
	if type(src_mask) == "table" and not torch.is_tensor(src_mask) then
		opts, src_mask = src_mask, nil
	elseif type(src_key_padding_mask) == "table" and not torch.is_tensor(src_key_padding_mask) then
		opts, src_key_padding_mask = src_key_padding_mask, nil
	end
	opts = base.check_options(opts, keys)
	return opts[keys[1]] or src_mask, opts[keys[2]] or src_key_padding_mask, opts.is_causal
end

function TransformerEncoderLayer:_sa_block(x, attn_mask, key_padding_mask, is_causal)
	local out = self.self_attn(x, x, x, {attn_mask = attn_mask,
		key_padding_mask = key_padding_mask, need_weights = false, is_causal = is_causal})
	return self.dropout1(out)
end

function TransformerEncoderLayer:_ff_block(x)
	x = self.linear2(self.dropout(self.activation(self.linear1(x))))
	return self.dropout2(x)
end

-- layer(src [, src_mask [, src_key_padding_mask]]) or layer(src,
-- {src_mask=, src_key_padding_mask=, is_causal=})
function TransformerEncoderLayer:forward(src, src_mask, src_key_padding_mask, opts)
	base.check_input(self, src)
	local mask, kpm, causal = masks(src_mask, src_key_padding_mask, opts,
		{"src_mask", "src_key_padding_mask", "is_causal"})
	if kpm ~= nil and torch.is_tensor(kpm) and kpm.dtype ~= torch.bool and
		not kpm:is_floating_point() then
		base.raise("only bool and floating types of key_padding_mask are supported")
	end
	local x = src
	if self.norm_first then
		x = x + self:_sa_block(self.norm1(x), mask, kpm, causal)
		x = x + self:_ff_block(self.norm2(x))
	else
		x = self.norm1(x + self:_sa_block(x, mask, kpm, causal))
		x = self.norm2(x + self:_ff_block(x))
	end
	return x
end

-- ------------------------------------------------------------ TransformerEncoder

local TransformerEncoder = Module:extend("TransformerEncoder")

-- nn.TransformerEncoder(encoder_layer, num_layers, {norm=})
function TransformerEncoder:init(encoder_layer, num_layers, opts)
	if not base.is_module(encoder_layer) then
		base.raise("TransformerEncoder: encoder_layer must be a Module, got " ..
			base.typename(encoder_layer))
	end
	num_layers = base.check_size(num_layers, "num_layers")
	if num_layers < 0 then
		base.raise("TransformerEncoder: num_layers must be non-negative, got " .. num_layers)
	end
	if base.is_module(opts) then opts = {norm = opts} end
	opts = base.check_options(opts, {"norm", "enable_nested_tensor", "mask_check"})
	local _, _, _, _, container = modules()
	local clones = {}
	for i = 1, num_layers do clones[i] = base.deepcopy(encoder_layer) end
	self.layers = container.ModuleList(clones)
	self.num_layers = num_layers
	if opts.norm ~= nil then self.norm = opts.norm end
end

-- encoder(src [, mask [, src_key_padding_mask]]) or encoder(src,
-- {mask=, src_key_padding_mask=, is_causal=})
function TransformerEncoder:forward(src, mask, src_key_padding_mask, opts)
	base.check_input(self, src)
	local m, kpm, causal = masks(mask, src_key_padding_mask, opts,
		{"mask", "src_key_padding_mask", "is_causal"})
	local out = src
	for _, layer in ipairs(self.layers) do
		out = layer(out, {src_mask = m, src_key_padding_mask = kpm, is_causal = causal})
	end
	if self.norm ~= nil then out = self.norm(out) end
	return out
end

return {TransformerEncoderLayer = TransformerEncoderLayer,
	TransformerEncoder = TransformerEncoder}
