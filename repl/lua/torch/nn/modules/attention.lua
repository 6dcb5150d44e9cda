-- torch.nn.modules.attention - MultiheadAttention as PyTorch 1.13's: the
-- same parameters under the same names (in_proj_weight, in_proj_bias,
-- out_proj.weight, out_proj.bias; q/k/v_proj_weight when kdim or vdim
-- differ from embed_dim), initialised with the same RNG draws in the same
-- order, and a forward that is F.multi_head_attention_forward.
--
-- agdb's extensions: {qk_norm=true} RMS-normalises each head's queries and
-- keys over head_dim (no learned scale) before their product ("QK-norm",
-- which keeps the attention logits bounded); forward's {is_causal=true},
-- without an attn_mask, masks every key after the query's position.
local torch = require "torch"
local base = require "torch.nn.module"
local F = require "torch.nn.functional"
local init = require "torch.nn.init"
local Linear = require("torch.nn.modules.linear").Linear

local Module, Parameter = base.Module, base.Parameter

-- The output projection: a Linear under the class name PyTorch prints.
local NonDynamicallyQuantizableLinear = Linear:extend("NonDynamicallyQuantizableLinear")

local MultiheadAttention = Module:extend("MultiheadAttention")

local MHA_KEYS = {"dropout", "bias", "add_bias_kv", "add_zero_attn", "kdim", "vdim",
	"batch_first", "device", "dtype", "qk_norm"}

-- nn.MultiheadAttention(embed_dim, num_heads, {dropout=0, bias=true,
-- kdim=embed_dim, vdim=embed_dim, batch_first=false, qk_norm=false, dtype=})
function MultiheadAttention:init(embed_dim, num_heads, opts)
	opts = base.check_options(opts, MHA_KEYS)
	embed_dim = base.check_size(embed_dim, "embed_dim")
	num_heads = base.check_size(num_heads, "num_heads")
	if embed_dim <= 0 or num_heads <= 0 then
		base.raise(("embed_dim and num_heads must be greater than 0, got embed_dim=%d and " ..
			"num_heads=%d instead"):format(embed_dim, num_heads))
	end
	if opts.add_bias_kv or opts.add_zero_attn then
		base.raise("MultiheadAttention: add_bias_kv and add_zero_attn are not supported by agdb")
	end
	local dropout = opts.dropout or 0
	if type(dropout) ~= "number" or dropout < 0 or dropout > 1 then
		base.raise("dropout probability has to be between 0 and 1, but got " .. tostring(dropout))
	end
	local fk = {dtype = opts.dtype or torch.get_default_dtype()}
	self.embed_dim = embed_dim
	self.kdim = opts.kdim ~= nil and base.check_size(opts.kdim, "kdim") or embed_dim
	self.vdim = opts.vdim ~= nil and base.check_size(opts.vdim, "vdim") or embed_dim
	self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
	self.num_heads = num_heads
	self.dropout = dropout
	self.batch_first = opts.batch_first or false
	self.qk_norm = opts.qk_norm or false
	self.head_dim = embed_dim // num_heads
	if self.head_dim * num_heads ~= embed_dim then
		base.raise("embed_dim must be divisible by num_heads")
	end
	if not self._qkv_same_embed_dim then
		self.q_proj_weight = Parameter(torch.empty(embed_dim, embed_dim, fk))
		self.k_proj_weight = Parameter(torch.empty(embed_dim, self.kdim, fk))
		self.v_proj_weight = Parameter(torch.empty(embed_dim, self.vdim, fk))
		self:register_parameter("in_proj_weight", nil)
	else
		self.in_proj_weight = Parameter(torch.empty(3 * embed_dim, embed_dim, fk))
		self:register_parameter("q_proj_weight", nil)
		self:register_parameter("k_proj_weight", nil)
		self:register_parameter("v_proj_weight", nil)
	end
	local bias = opts.bias ~= false
	if bias then
		self.in_proj_bias = Parameter(torch.empty(3 * embed_dim, fk))
	else
		self:register_parameter("in_proj_bias", nil)
	end
	self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim,
		{bias = bias, dtype = fk.dtype})
	self:_reset_parameters()
end

function MultiheadAttention:_reset_parameters()
	if self._qkv_same_embed_dim then
		init.xavier_uniform_(self.in_proj_weight)
	else
		init.xavier_uniform_(self.q_proj_weight)
		init.xavier_uniform_(self.k_proj_weight)
		init.xavier_uniform_(self.v_proj_weight)
	end
	if self.in_proj_bias ~= nil then
		init.constant_(self.in_proj_bias, 0)
		init.constant_(self.out_proj.bias, 0)
	end
end

local FORWARD_KEYS = {"key_padding_mask", "need_weights", "attn_mask",
	"average_attn_weights", "is_causal"}

-- mha(query, key, value, {key_padding_mask=, need_weights=true, attn_mask=,
-- average_attn_weights=true, is_causal=false}) -> output, weights (nil
-- when need_weights is false).  A boolean mask's true entries are masked
-- out; a float mask is added to the scores.
function MultiheadAttention:forward(query, key, value, opts)
	base.check_input(self, query, 1)
	base.check_input(self, key, 2)
	base.check_input(self, value, 3)
	opts = base.check_options(opts, FORWARD_KEYS)
	local batched = query:dim() == 3
	if self.batch_first and batched then
		if rawequal(key, value) then
			if rawequal(query, key) then
				query = query:transpose(1, 2)
				key, value = query, query
			else
				query, key = query:transpose(1, 2), key:transpose(1, 2)
				value = key
			end
		else
			query, key, value = query:transpose(1, 2), key:transpose(1, 2), value:transpose(1, 2)
		end
	end
	local out, weights = F.multi_head_attention_forward(query, key, value,
		self.embed_dim, self.num_heads, self.in_proj_weight, self.in_proj_bias,
		nil, nil, false, self.dropout, self.out_proj.weight, self.out_proj.bias, {
			training = self.training,
			key_padding_mask = opts.key_padding_mask,
			need_weights = opts.need_weights ~= false,
			attn_mask = opts.attn_mask,
			use_separate_proj_weight = not self._qkv_same_embed_dim,
			q_proj_weight = self.q_proj_weight,
			k_proj_weight = self.k_proj_weight,
			v_proj_weight = self.v_proj_weight,
			average_attn_weights = opts.average_attn_weights ~= false,
			is_causal = opts.is_causal or false,
			qk_norm = self.qk_norm,
		})
	if self.batch_first and batched then out = out:transpose(1, 2) end
	return out, weights
end

return {MultiheadAttention = MultiheadAttention,
	NonDynamicallyQuantizableLinear = NonDynamicallyQuantizableLinear}
