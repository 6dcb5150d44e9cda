-- torch.nn.functional's attention (issues 11 and 12), added to F by
-- functional.lua:
--   F.scaled_dot_product_attention(q, k, v, {attn_mask=, dropout_p=0,
--     is_causal=false, scale=})           PyTorch 2.x's function
--   F.multi_head_attention_forward(...)  PyTorch 1.13's, what
--     nn.MultiheadAttention runs
-- Both are composed of differentiable ops (matmul, softmax, masked_fill,
-- dropout), so their gradients, second derivatives included, are the ops'.
-- Masks follow each function's PyTorch: in scaled_dot_product_attention a
-- boolean mask says which keys TAKE PART (true = attend); in
-- multi_head_attention_forward a boolean attn_mask or key_padding_mask says
-- which are MASKED OUT (true = ignore), as PyTorch 1.13's MultiheadAttention.
-- Float masks are added to the scores in both.
local torch = require "torch"

local NEG_INF = -math.huge

local function tname(v)
	if torch.is_tensor(v) then return "Tensor" end
	return type(v)
end

local function check_tensor(v, fname, what)
	if not torch.is_tensor(v) then
		error(("%s(): argument '%s' must be Tensor, not %s"):format(fname, what, tname(v)), 3)
	end
end

-- A keyword table; unknown keys are refused with Python's text.
local function keywords(kw, allowed, fname)
	if kw == nil then return {} end
	if type(kw) ~= "table" or torch.is_tensor(kw) then
		error(("%s(): the options must be a table of keywords, got %s"):format(fname,
			tname(kw)), 3)
	end
	for k in pairs(kw) do
		if not allowed[k] then
			error(("%s() got an unexpected keyword argument '%s'"):format(fname,
				tostring(k)), 3)
		end
	end
	return kw
end

local function shape_str(t)
	local s = {}
	for i = 1, t:dim() do s[i] = tostring(t:size(i)) end
	return "torch.Size([" .. table.concat(s, ", ") .. "])"
end

local DTYPE_NAMES = {}	-- PyTorch's C++ type names, for its messages
local function cname(dtype)
	if next(DTYPE_NAMES) == nil then
		DTYPE_NAMES[torch.float32] = "float"
		DTYPE_NAMES[torch.float64] = "double"
		DTYPE_NAMES[torch.float16] = "c10::Half"
		DTYPE_NAMES[torch.bfloat16] = "c10::BFloat16"
		DTYPE_NAMES[torch.int64] = "long int"
		DTYPE_NAMES[torch.int32] = "int"
		DTYPE_NAMES[torch.bool] = "bool"
		DTYPE_NAMES[torch.uint8] = "unsigned char"
	end
	return DTYPE_NAMES[dtype] or tostring(dtype)
end

-- ------------------------------------------------------------ scaled dot product

-- softmax(scores) @ value over the last dim, where the boolean `drop` marks
-- the scores masked out (-inf) and the float `add` is added; dropout (p > 0)
-- on the weights.  Returns the output and the weights.
local function attend(scores, drop, add, dropout_p, value)
	if drop ~= nil then scores = scores:masked_fill(drop, NEG_INF) end
	if add ~= nil then scores = scores + add end
	local weights = scores:softmax(-1)
	if dropout_p > 0 then
		weights = require("torch.nn.functional").dropout(weights, dropout_p, true)
	end
	return weights:matmul(value), weights
end

local SDPA_KEYS = {attn_mask = true, dropout_p = true, is_causal = true, scale = true}

-- softmax(q k^T * scale + mask) v over the last two dims; q [..., L, E],
-- k [..., S, E], v [..., S, Ev] (leading dims broadcast as matmul's).
-- The options may also come positionally: (q, k, v, attn_mask, dropout_p,
-- is_causal).
local function sdpa(query, key, value, attn_mask, dropout_p, is_causal, ...)
	local fname = "scaled_dot_product_attention"
	check_tensor(query, fname, "query")
	check_tensor(key, fname, "key")
	check_tensor(value, fname, "value")
	local kw = {}
	if type(attn_mask) == "table" and not torch.is_tensor(attn_mask) then
		kw = keywords(attn_mask, SDPA_KEYS, fname)
		attn_mask, dropout_p, is_causal = kw.attn_mask, kw.dropout_p, kw.is_causal
	else
		local last = select("#", ...) > 0 and select(select("#", ...), ...) or nil
		for _, v in ipairs({dropout_p, is_causal, last}) do
			if type(v) == "table" and not torch.is_tensor(v) then
				kw = keywords(v, SDPA_KEYS, fname)
			end
		end
		if type(dropout_p) == "table" then dropout_p = nil end
		if type(is_causal) == "table" then is_causal = nil end
		if kw.attn_mask ~= nil then attn_mask = kw.attn_mask end
		if kw.dropout_p ~= nil then dropout_p = kw.dropout_p end
		if kw.is_causal ~= nil then is_causal = kw.is_causal end
	end
	dropout_p = dropout_p or 0
	is_causal = is_causal or false
	local scale = kw.scale
	if type(dropout_p) ~= "number" or dropout_p < 0 or dropout_p > 1 then
		error(("%s(): dropout_p must be a number in [0, 1], got %s"):format(fname,
			tostring(dropout_p)), 2)
	end
	if type(is_causal) ~= "boolean" then
		error(("%s(): is_causal must be a boolean, got %s"):format(fname, tname(is_causal)), 2)
	end
	if scale ~= nil and type(scale) ~= "number" then
		error(("%s(): scale must be a number, got %s"):format(fname, tname(scale)), 2)
	end
	if query:dim() < 2 or key:dim() < 2 or value:dim() < 2 then
		error(("%s(): query, key and value must have at least 2 dimensions, got %dD, " ..
			"%dD and %dD"):format(fname, query:dim(), key:dim(), value:dim()), 2)
	end
	if query:size(-1) ~= key:size(-1) then
		error(("%s(): the last dimension of query (%d) and key (%d) must match")
			:format(fname, query:size(-1), key:size(-1)), 2)
	end
	if key:size(-2) ~= value:size(-2) then
		error(("%s(): key and value must have the same sequence length, got %d and %d")
			:format(fname, key:size(-2), value:size(-2)), 2)
	end
	if not query:is_floating_point() then
		error(("%s(): expected query to be a floating point tensor, got %s"):format(fname,
			tostring(query.dtype)), 2)
	end
	if query.dtype ~= key.dtype or query.dtype ~= value.dtype then
		error(("Expected query, key, and value to have the same dtype, but got " ..
			"query.dtype: %s key.dtype: %s and value.dtype: %s instead."):format(
			cname(query.dtype), cname(key.dtype), cname(value.dtype)), 2)
	end
	if attn_mask ~= nil then
		if not torch.is_tensor(attn_mask) then
			error(("%s(): attn_mask must be a Tensor, got %s"):format(fname, tname(attn_mask)), 2)
		end
		if attn_mask.dtype ~= torch.bool and attn_mask.dtype ~= query.dtype then
			error(("Expected attn_mask dtype to be bool or to match query dtype, but got " ..
				"attn_mask.dtype: %s and  query.dtype: %s instead."):format(
				cname(attn_mask.dtype), cname(query.dtype)), 2)
		end
		if is_causal then
			error("_scaled_dot_product_attention: Explicit attn_mask should not be set " ..
				"when is_causal=True", 2)
		end
	end
	local L, S = query:size(-2), key:size(-2)
	scale = scale or 1 / math.sqrt(query:size(-1))
	local scores = (query * scale):matmul(key:transpose(-2, -1))
	if is_causal then
		return (attend(scores, torch.ones(L, S, {dtype = torch.bool}):triu(1), nil,
			dropout_p, value))
	elseif attn_mask ~= nil and attn_mask.dtype == torch.bool then
		return (attend(scores, attn_mask:logical_not(), nil, dropout_p, value))
	end
	return (attend(scores, nil, attn_mask, dropout_p, value))
end

-- ------------------------------------------------------------ multi-head attention

-- PyTorch 1.13's _mha_shape_check: a 3-D query is batched, a 2-D one not;
-- key and value match it, key_padding_mask has one dim less, attn_mask 2 or
-- 3 (for an unbatched query, a 3-D attn_mask is [heads, L, S]).
local function check_shapes(query, key, value, key_padding_mask, attn_mask, num_heads)
	local qd = query:dim()
	if qd ~= 2 and qd ~= 3 then
		error(("query should be unbatched 2D or batched 3D tensor but received %d-D " ..
			"query tensor"):format(qd), 4)
	end
	local which = qd == 3 and "For batched (3-D) `query`" or "For unbatched (2-D) `query`"
	if key:dim() ~= qd or value:dim() ~= qd then
		error(("%s, expected `key` and `value` to be %d-D but found %d-D and %d-D tensors " ..
			"respectively"):format(which, qd, key:dim(), value:dim()), 4)
	end
	if key_padding_mask ~= nil and key_padding_mask:dim() ~= qd - 1 then
		error(("%s, expected `key_padding_mask` to be `None` or %d-D but found %d-D " ..
			"tensor instead"):format(which, qd - 1, key_padding_mask:dim()), 4)
	end
	if attn_mask ~= nil and attn_mask:dim() ~= 2 and attn_mask:dim() ~= 3 then
		error(("%s, expected `attn_mask` to be `None`, 2-D or 3-D but found %d-D tensor " ..
			"instead"):format(which, attn_mask:dim()), 4)
	end
	if qd == 2 and attn_mask ~= nil and attn_mask:dim() == 3 then
		local want = {num_heads, query:size(1), key:size(1)}
		for i = 1, 3 do
			if attn_mask:size(i) ~= want[i] then
				error(("Expected `attn_mask` shape to be (%d, %d, %d) but got %s")
					:format(want[1], want[2], want[3], shape_str(attn_mask)), 4)
			end
		end
	end
	return qd == 3
end

local function same_shape(a, b)
	if a:dim() ~= b:dim() then return false end
	for i = 1, a:dim() do if a:size(i) ~= b:size(i) then return false end end
	return true
end

local MHA_KEYS = {training = true, key_padding_mask = true, need_weights = true,
	attn_mask = true, use_separate_proj_weight = true, q_proj_weight = true,
	k_proj_weight = true, v_proj_weight = true, average_attn_weights = true,
	is_causal = true, qk_norm = true, static_k = true, static_v = true}

-- F.multi_head_attention_forward(query, key, value, embed_dim_to_check,
--   num_heads, in_proj_weight, in_proj_bias, bias_k, bias_v, add_zero_attn,
--   dropout_p, out_proj_weight, out_proj_bias, {training=true,
--   key_padding_mask=, need_weights=true, attn_mask=,
--   use_separate_proj_weight=false, q_proj_weight=, k_proj_weight=,
--   v_proj_weight=, average_attn_weights=true, is_causal=false, qk_norm=false})
-- Shapes as PyTorch 1.13: query [L, N, E] (or [L, E] unbatched), key and
-- value [S, N, E]; returns the output [L, N, E] and the weights [N, L, S]
-- averaged over heads ([N, heads, L, S] if not), or nil without need_weights.
-- is_causal (with no attn_mask) masks the future; qk_norm RMS-normalises
-- each head's queries and keys over head_dim before the product (agdb's).
local function mha_forward(query, key, value, embed_dim_to_check, num_heads,
		in_proj_weight, in_proj_bias, bias_k, bias_v, add_zero_attn, dropout_p,
		out_proj_weight, out_proj_bias, opts)
	local fname = "multi_head_attention_forward"
	check_tensor(query, fname, "query")
	check_tensor(key, fname, "key")
	check_tensor(value, fname, "value")
	local o = keywords(opts, MHA_KEYS, fname)
	if bias_k ~= nil or bias_v ~= nil or add_zero_attn then
		error(fname .. "(): bias_k, bias_v and add_zero_attn are not supported by agdb", 2)
	end
	if o.static_k ~= nil or o.static_v ~= nil then
		error(fname .. "(): static_k and static_v are not supported by agdb", 2)
	end
	local training = o.training ~= false
	local key_padding_mask, attn_mask = o.key_padding_mask, o.attn_mask
	for name, m in pairs({key_padding_mask = key_padding_mask, attn_mask = attn_mask}) do
		if m ~= nil and not torch.is_tensor(m) then
			error(("%s(): %s must be a Tensor, got %s"):format(fname, name, tname(m)), 2)
		end
	end
	local batched = check_shapes(query, key, value, key_padding_mask, attn_mask, num_heads)
	if not batched then
		query, key, value = query:unsqueeze(2), key:unsqueeze(2), value:unsqueeze(2)
		if key_padding_mask ~= nil then key_padding_mask = key_padding_mask:unsqueeze(1) end
	end
	local tgt_len, bsz, embed_dim = query:size(1), query:size(2), query:size(3)
	local src_len = key:size(1)
	if key_padding_mask ~= nil and key_padding_mask.dtype ~= torch.bool and
		not key_padding_mask:is_floating_point() then
		error("only bool and floating types of key_padding_mask are supported", 2)
	end
	if embed_dim ~= embed_dim_to_check then
		error(("was expecting embedding dimension of %d, but got %d"):format(
			embed_dim_to_check, embed_dim), 2)
	end
	local head_dim = embed_dim // num_heads
	if head_dim * num_heads ~= embed_dim then
		error(("embed_dim %d not divisible by num_heads %d"):format(embed_dim, num_heads), 2)
	end
	local q, k, v
	if o.use_separate_proj_weight then
		if key:size(1) ~= value:size(1) or key:size(2) ~= value:size(2) then
			error(("key's sequence and batch dims (%d, %d) do not match value's (%d, %d)")
				:format(key:size(1), key:size(2), value:size(1), value:size(2)), 2)
		end
		local bq, bk, bv
		if in_proj_bias ~= nil then bq, bk, bv = table.unpack(in_proj_bias:chunk(3)) end
		q = query:matmul(o.q_proj_weight:t())
		k = key:matmul(o.k_proj_weight:t())
		v = value:matmul(o.v_proj_weight:t())
		if bq then q, k, v = q + bq, k + bk, v + bv end
	else
		if not same_shape(key, value) then
			error(("key shape %s does not match value shape %s"):format(shape_str(key),
				shape_str(value)), 2)
		end
		if in_proj_weight == nil then
			error("use_separate_proj_weight is False but in_proj_weight is None", 2)
		end
		if rawequal(query, key) and rawequal(key, value) then
			-- self-attention: one product with the packed weight
			local proj = query:matmul(in_proj_weight:t())
			if in_proj_bias ~= nil then proj = proj + in_proj_bias end
			q, k, v = table.unpack(proj:chunk(3, -1))
		else
			local wq, wk, wv = table.unpack(in_proj_weight:chunk(3))
			local bq, bk, bv
			if in_proj_bias ~= nil then bq, bk, bv = table.unpack(in_proj_bias:chunk(3)) end
			q, k, v = query:matmul(wq:t()), key:matmul(wk:t()), value:matmul(wv:t())
			if bq then q, k, v = q + bq, k + bk, v + bv end
		end
	end
	if attn_mask ~= nil then
		if attn_mask.dtype == torch.uint8 then
			require("torch.nn.functional")._warn("Byte tensor for attn_mask in " ..
				"nn.MultiheadAttention is deprecated. Use bool tensor instead.", 2)
			attn_mask = attn_mask:to(torch.bool)
		elseif not (attn_mask:is_floating_point() or attn_mask.dtype == torch.bool) then
			error(("Only float, byte, and bool types are supported for attn_mask, not %s")
				:format(tostring(attn_mask.dtype)), 2)
		end
		if attn_mask:dim() == 2 then
			if attn_mask:size(1) ~= tgt_len or attn_mask:size(2) ~= src_len then
				error(("The shape of the 2D attn_mask is %s, but should be (%d, %d).")
					:format(shape_str(attn_mask), tgt_len, src_len), 2)
			end
			attn_mask = attn_mask:unsqueeze(1)
		elseif attn_mask:size(1) ~= bsz * num_heads or attn_mask:size(2) ~= tgt_len or
			attn_mask:size(3) ~= src_len then
			error(("The shape of the 3D attn_mask is %s, but should be (%d, %d, %d).")
				:format(shape_str(attn_mask), bsz * num_heads, tgt_len, src_len), 2)
		end
	elseif o.is_causal then
		attn_mask = torch.ones(1, tgt_len, src_len, {dtype = torch.bool}):triu(1)
	end
	-- [L, N, E] -> [N * heads, L, head_dim]
	q = q:contiguous():view(tgt_len, bsz * num_heads, head_dim):transpose(1, 2)
	k = k:contiguous():view(src_len, bsz * num_heads, head_dim):transpose(1, 2)
	v = v:contiguous():view(src_len, bsz * num_heads, head_dim):transpose(1, 2)
	if o.qk_norm then
		local F = require("torch.nn.functional")
		q = F.rms_norm(q, {head_dim})
		k = F.rms_norm(k, {head_dim})
	end
	if key_padding_mask ~= nil then
		if key_padding_mask:size(1) ~= bsz or key_padding_mask:size(2) ~= src_len then
			error(("expecting key_padding_mask shape of (%d, %d), but got %s"):format(bsz,
				src_len, shape_str(key_padding_mask)), 2)
		end
		key_padding_mask = key_padding_mask:view(bsz, 1, 1, src_len)
			:expand(-1, num_heads, -1, -1):reshape(bsz * num_heads, 1, src_len)
		if attn_mask == nil then
			attn_mask = key_padding_mask
		elseif attn_mask.dtype == torch.bool and key_padding_mask.dtype == torch.bool then
			attn_mask = attn_mask:logical_or(key_padding_mask)
		elseif key_padding_mask.dtype == torch.bool then
			attn_mask = attn_mask:masked_fill(key_padding_mask, NEG_INF)
		else
			if attn_mask.dtype == torch.bool then
				attn_mask = torch.zeros(attn_mask.shape, {dtype = q.dtype})
					:masked_fill(attn_mask, NEG_INF)
			end
			attn_mask = attn_mask + key_padding_mask
		end
	end
	if not training then dropout_p = 0 end
	local scores = (q / math.sqrt(head_dim)):matmul(k:transpose(2, 3))
	local bool_mask = attn_mask ~= nil and attn_mask.dtype == torch.bool
	local out, weights = attend(scores, bool_mask and attn_mask or nil,
		(not bool_mask) and attn_mask or nil, dropout_p, v)	-- [N * heads, L, head_dim]
	out = out:transpose(1, 2):contiguous():view(tgt_len * bsz, embed_dim)
	out = out:matmul(out_proj_weight:t())
	if out_proj_bias ~= nil then out = out + out_proj_bias end
	out = out:view(tgt_len, bsz, out:size(2))
	if o.need_weights ~= false then
		weights = weights:view(bsz, num_heads, tgt_len, src_len)
		if o.average_attn_weights ~= false then weights = weights:sum(2) / num_heads end
		if not batched then
			out, weights = out:squeeze(2), weights:squeeze(1)
		end
		return out, weights
	end
	if not batched then out = out:squeeze(2) end
	return out, nil
end

return function(F)
	F.scaled_dot_product_attention = sdpa
	F.multi_head_attention_forward = mha_forward
end
