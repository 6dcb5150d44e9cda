-- test_nn_attention.lua - attention and transformers against PyTorch:
-- F.scaled_dot_product_attention (PyTorch 2.x's function; 1.13 has none,
-- so its fixtures are 2.x's documented formula written with 1.13's ops in
-- fixtures/gen_attn_fixtures.py), nn.MultiheadAttention,
-- nn.TransformerEncoderLayer and nn.TransformerEncoder (PyTorch 1.13's
-- modules: same seed, same weights, same outputs and gradients), their
-- gradcheck and gradgradcheck, masks, errors, and agdb's QK-norm option.
local t = dofile(os.getenv("top_srcdir") .. "/tests/lua/tap.lua")
local torch = torch or require "torch"
local ref = dofile(os.getenv("top_srcdir") .. "/tests/lua/fixtures/attn_ref.lua")
local nn, F = torch.nn, torch.nn.functional
local gradcheck, gradgradcheck = torch.autograd.gradcheck, torch.autograd.gradgradcheck

local f64 = {dtype = torch.float64}

local function T(v, dtype, rg)
	if type(v) == "table" and type(v[1]) ~= "table" and type(v[1]) == "boolean" or
		(type(v) == "table" and type(v[1]) == "table" and type(v[1][1]) == "boolean") or
		(type(v) == "table" and type(v[1]) == "table" and type(v[1][1]) == "table" and
			type(v[1][1][1]) == "boolean") then
		return torch.tensor(v, {dtype = torch.bool})
	end
	return torch.tensor(v, {dtype = dtype or torch.float32, requires_grad = rg or false})
end

-- ------------------------------------------------------------ scaled_dot_product_attention

local sdpa_opts = {
	plain = {}, causal = {is_causal = true}, scale = {scale = 0.3},
	bool = "mask", float = "mask",
}
for _, name in ipairs({"plain", "causal", "bool", "float", "scale"}) do
	local c = ref["sdpa_" .. name]
	local q, k, v = T(c.q, torch.float64, true), T(c.k, torch.float64, true), T(c.v, torch.float64, true)
	local opts = sdpa_opts[name]
	if opts == "mask" then
		opts = {attn_mask = name == "bool" and T(c.mask) or T(c.mask, torch.float64)}
	end
	local out = F.scaled_dot_product_attention(q, k, v, opts)
	t.near(out:tolist(), c.out, 1e-12, "sdpa " .. name .. ": output is PyTorch's")
	local l = (out * T(c.g, torch.float64)):sum()
	l:backward()
	t.near({q.grad:tolist(), k.grad:tolist(), v.grad:tolist()}, {c.dq, c.dk, c.dv}, 1e-10,
		"sdpa " .. name .. ": gradients of q, k, v are PyTorch's")
end

do
	-- the same through positional arguments (q, k, v, attn_mask, dropout_p, is_causal)
	local c = ref.sdpa_causal
	local out = F.scaled_dot_product_attention(T(c.q, torch.float64), T(c.k, torch.float64),
		T(c.v, torch.float64), nil, 0, true)
	t.near(out:tolist(), c.out, 1e-12, "sdpa: positional is_causal")
	-- a causal mask is the boolean lower triangle
	local tri = torch.ones(4, 4, {dtype = torch.bool}):tril()
	local out2 = F.scaled_dot_product_attention(T(c.q, torch.float64), T(c.k, torch.float64),
		T(c.v, torch.float64), {attn_mask = tri})
	t.near(out2:tolist(), c.out, 1e-12, "sdpa: is_causal equals a boolean tril mask (true = attend)")
end

torch.manual_seed(7)
local function r64(...)
	local size = {...}
	return torch.randn(size, f64):requires_grad_()
end
local sdpa_checks = {
	{"plain", function(q, k, v) return F.scaled_dot_product_attention(q, k, v) end,
		{r64(2, 3, 4), r64(2, 5, 4), r64(2, 5, 3)}},
	{"causal", function(q, k, v) return F.scaled_dot_product_attention(q, k, v, {is_causal = true}) end,
		{r64(3, 4), r64(3, 4), r64(3, 2)}},
	{"bool mask", function(q, k, v)
		return F.scaled_dot_product_attention(q, k, v,
			{attn_mask = torch.tensor({{true, false, true}, {true, true, false}})})
	end, {r64(2, 2, 3), r64(2, 3, 3), r64(2, 3, 2)}},
	{"float mask", function(q, k, v, m)
		return F.scaled_dot_product_attention(q, k, v, {attn_mask = m})
	end, {r64(2, 3), r64(4, 3), r64(4, 2), r64(2, 4)}},
}
for _, c in ipairs(sdpa_checks) do
	t.ok(gradcheck(c[2], c[3]), "gradcheck sdpa " .. c[1])
	t.ok(gradgradcheck(c[2], c[3]), "gradgradcheck sdpa " .. c[1])
end

do
	-- dropout: scaled by 1 / (1 - p) where kept, always on (no training flag)
	torch.manual_seed(3)
	local q = torch.randn(1, 4, 2)
	local v = torch.eye(4):unsqueeze(1)
	local out = F.scaled_dot_product_attention(q, q, v[1]:unsqueeze(1), {dropout_p = 0.5})
	local nz, sum = 0, 0
	for _, row in ipairs(out[1]:tolist()) do for _, x in ipairs(row) do
		if x ~= 0 then nz = nz + 1 end
		sum = sum + x
	end end
	t.ok(nz > 0 and nz < 16, "sdpa dropout_p=0.5 zeroes some weights and keeps others")
	t.is(F.scaled_dot_product_attention(q, q, q, {dropout_p = 1}):abs():sum():item(), 0,
		"sdpa dropout_p=1 drops everything")
end

-- fully masked rows are NaN, as PyTorch's math path gives
t.ok(F.scaled_dot_product_attention(torch.ones(2, 2), torch.ones(2, 2), torch.ones(2, 2),
	{attn_mask = torch.tensor({{false, false}, {true, true}})})[1][1]:isnan():item(),
	"sdpa: a query that attends to nothing gives NaN")

t.raises(function() F.scaled_dot_product_attention(5, 5, 5) end, "must be Tensor", "sdpa(5, ...)")
t.raises(function() F.scaled_dot_product_attention(torch.ones(2, 3), torch.ones(2, 4), torch.ones(2, 4)) end,
	"last dimension of query (3) and key (4) must match", "sdpa: q and k widths differ")
t.raises(function() F.scaled_dot_product_attention(torch.ones(2, 3), torch.ones(2, 3), torch.ones(4, 3)) end,
	"same sequence length", "sdpa: k and v lengths differ")
t.raises(function() F.scaled_dot_product_attention(torch.ones(2, 3), torch.ones(2, 3), torch.ones(2, 3),
	{attn_mask = torch.ones(2, 2), is_causal = true}) end,
	"Explicit attn_mask should not be set when is_causal=True", "sdpa: mask and is_causal")
t.raises(function() F.scaled_dot_product_attention(torch.ones(2, 3), torch.ones(2, 3), torch.ones(2, 3),
	{attn_mask = torch.ones(2, 2, {dtype = torch.int64})}) end,
	"Expected attn_mask dtype to be bool or to match query dtype", "sdpa: an int64 mask")
t.raises(function() F.scaled_dot_product_attention(torch.ones(2, 3), torch.ones(2, 3), torch.ones(2, 3),
	{bogus = 1}) end, "unexpected keyword argument 'bogus'", "sdpa: unknown keyword")
t.raises(function() F.scaled_dot_product_attention(torch.ones(2, 3), torch.ones(2, 3), torch.ones(2, 3),
	{dropout_p = 2}) end, "dropout_p must be a number in [0, 1]", "sdpa: dropout_p = 2")
t.raises(function() F.scaled_dot_product_attention(torch.ones(2, 3), torch.ones(2, 3, f64), torch.ones(2, 3)) end,
	"Expected query, key, and value to have the same dtype", "sdpa: mixed dtypes")
t.raises(function() F.scaled_dot_product_attention(torch.ones(3), torch.ones(3), torch.ones(3)) end,
	"at least 2 dimensions", "sdpa: 1-D inputs")

-- ------------------------------------------------------------ MultiheadAttention

local function param_names(m)
	local names = {}
	for name in m:named_parameters() do names[#names + 1] = name end
	return names
end

local function check_params(m, c, what)
	t.is(param_names(m), c.keys, what .. ": parameter names and order are PyTorch's")
	local all = true
	for name, p in m:named_parameters() do
		all = t.is(p:tolist(), c.params[name], what .. ": initial " .. name .. " is PyTorch's (bit for bit)") and all
	end
	return all
end

local function check_grads(m, c, what, tol)
	for name, p in m:named_parameters() do
		t.near(p.grad:tolist(), c.grads[name], tol or 1e-4, what .. ": grad of " .. name)
	end
end

local mha_cases = {
	{"self", 0, {8, 2}, {}, {}},
	{"kv", 1, {8, 2}, {kdim = 6, vdim = 4, batch_first = true},
		{attn_mask = "attn_mask", key_padding_mask = "key_padding_mask", average_attn_weights = false}},
	{"unbatched", 2, {6, 3}, {bias = false}, {attn_mask = "attn_mask", need_weights = false}},
	{"mask3d", 3, {4, 2}, {}, {attn_mask = "attn_mask", key_padding_mask = "key_padding_mask"}},
	{"kpmfloat", 4, {4, 2}, {}, {key_padding_mask = "key_padding_mask"}},
}
for _, mc in ipairs(mha_cases) do
	local name, seed, args, opts, fwd = table.unpack(mc)
	local c = ref["mha_" .. name]
	torch.manual_seed(seed)
	local m = nn.MultiheadAttention(args[1], args[2], opts)
	check_params(m, c, "MHA " .. name)
	local xs = {}
	for i, x in ipairs(c.inputs) do xs[i] = T(x, torch.float32, true) end
	local q, k, v = xs[1], xs[2] or xs[1], xs[3] or xs[1]
	local fo = {}
	for key, val in pairs(fwd) do
		if type(val) == "string" then fo[key] = T(c[val]) else fo[key] = val end
	end
	local out, w = m(q, k, v, fo)
	t.near(out:tolist(), c.out, 1e-5, "MHA " .. name .. ": output is PyTorch's")
	local loss = (out * T(c.g)):sum()
	if c.w then
		t.near(w:tolist(), c.w, 1e-5, "MHA " .. name .. ": attention weights are PyTorch's")
		loss = loss + (w * T(c.gw)):sum()
	else
		t.is(w, nil, "MHA " .. name .. ": need_weights=false gives no weights")
	end
	loss:backward()
	check_grads(m, c, "MHA " .. name)
	for i, x in ipairs(xs) do
		t.near(x.grad:tolist(), c.dinputs[i], 1e-4, ("MHA %s: grad of input %d"):format(name, i))
	end
end

do
	torch.manual_seed(0)
	local m = nn.MultiheadAttention(8, 2)
	t.is(tostring(m), "MultiheadAttention(\n  (out_proj): NonDynamicallyQuantizableLinear(" ..
		"in_features=8, out_features=8, bias=True)\n)", "print(MultiheadAttention) is PyTorch's")
	-- the module is its functional twin
	local x = torch.randn(4, 2, 8)
	local o1, w1 = m(x, x, x)
	local o2, w2 = F.multi_head_attention_forward(x, x, x, 8, 2, m.in_proj_weight,
		m.in_proj_bias, nil, nil, false, 0, m.out_proj.weight, m.out_proj.bias)
	t.is({o1:tolist(), w1:tolist()}, {o2:tolist(), w2:tolist()},
		"MultiheadAttention equals F.multi_head_attention_forward")
	-- is_causal is the boolean upper triangle (true = masked out)
	local oc = m(x, x, x, {is_causal = true})
	local om = m(x, x, x, {attn_mask = torch.ones(4, 4, {dtype = torch.bool}):triu(1)})
	t.near(oc:tolist(), om:tolist(), 1e-7, "MHA is_causal equals a boolean triu attn_mask")
	-- train() with dropout changes the output, eval() does not
	local md = nn.MultiheadAttention(8, 2, {dropout = 0.5})
	md:eval()
	local e1 = md(x, x, x)
	t.is(e1:tolist(), md(x, x, x):tolist(), "MHA eval(): dropout off, deterministic")
	md:train()
	t.ok(not torch.equal(md(x, x, x), e1), "MHA train(): dropout on the weights")
	-- errors
	t.raises(function() nn.MultiheadAttention(7, 2) end, "embed_dim must be divisible by num_heads",
		"embed_dim not divisible")
	t.raises(function() nn.MultiheadAttention(8, 2, {bogus = 1}) end, "unexpected keyword argument 'bogus'",
		"MHA: unknown keyword")
	t.raises(function() m(5, x, x) end, "must be a Tensor", "MHA(5, ...)")
	t.raises(function() m(x, x, x, {attn_mask = torch.ones(3, 3)}) end,
		"The shape of the 2D attn_mask is torch.Size([3, 3]), but should be (4, 4).", "MHA: mask shape")
	t.raises(function() m(x:view(8, 8), x, x) end,
		"For unbatched (2-D) `query`, expected `key` and `value` to be 2-D", "MHA: 2-D query, 3-D key")
	t.raises(function() m(torch.ones(4, 2, 6), torch.ones(4, 2, 6), torch.ones(4, 2, 6)) end,
		"was expecting embedding dimension of 8, but got 6", "MHA: wrong width")
	t.raises(function() m(x, x, x, {key_padding_mask = torch.ones(2, 4, {dtype = torch.int64})}) end,
		"only bool and floating types of key_padding_mask are supported", "MHA: int64 key_padding_mask")
	t.raises(function() m(x, x, x, {key_padding_mask = torch.ones(2, 3, {dtype = torch.bool})}) end,
		"expecting key_padding_mask shape of (2, 4)", "MHA: key_padding_mask shape")
	t.raises(function() nn.MultiheadAttention(8, 2, {add_bias_kv = true}) end, "not supported",
		"MHA: add_bias_kv is refused, not ignored")
end

do
	-- gradcheck and gradgradcheck through the whole functional form
	torch.manual_seed(11)
	local E, H = 4, 2
	local w, b = r64(3 * E, E), r64(3 * E)
	local ow, ob = r64(E, E), r64(E)
	local function f(x, kk, w_, b_, ow_, ob_)
		local o, a = F.multi_head_attention_forward(x, kk, kk, E, H, w_, b_, nil, nil, false, 0,
			ow_, ob_, {key_padding_mask = torch.tensor({{false, true, false}})})
		return o, a
	end
	local inputs = {r64(2, 1, E), r64(3, 1, E), w, b, ow, ob}
	t.ok(gradcheck(f, inputs), "gradcheck multi_head_attention_forward")
	t.ok(gradgradcheck(f, inputs), "gradgradcheck multi_head_attention_forward")
	local function fq(x, w_)
		return (F.multi_head_attention_forward(x, x, x, E, H, w_, nil, nil, nil, false, 0,
			ow:detach(), nil, {qk_norm = true, is_causal = true}))
	end
	t.ok(gradcheck(fq, {r64(3, 2, E), r64(3 * E, E)}), "gradcheck with qk_norm and is_causal")
	t.ok(gradgradcheck(fq, {r64(3, 2, E), r64(3 * E, E)}), "gradgradcheck with qk_norm and is_causal")
end

do
	-- QK-norm: queries and keys are RMS-normalised per head, so scaling the
	-- query and key projections leaves the output alone (and without it,
	-- it does not)
	torch.manual_seed(5)
	local x = torch.randn(5, 2, 8, f64)
	for _, qk in ipairs({true, false}) do
		torch.manual_seed(6)
		local m = nn.MultiheadAttention(8, 2, {qk_norm = qk, dtype = torch.float64})
		local before = m(x, x, x)
		torch.no_grad(function()
			m.in_proj_weight:narrow(1, 1, 16):mul_(10)
			m.in_proj_bias:narrow(1, 1, 16):mul_(10)
		end)
		local after = m(x, x, x)
		local diff = (after - before):abs():max():item()
		if qk then
			t.ok(diff < 1e-9, "qk_norm=true: 10x the q/k projections changes nothing (" .. diff .. ")")
		else
			t.ok(diff > 1e-3, "qk_norm=false: 10x the q/k projections changes the output")
		end
	end
	torch.manual_seed(6)
	local a = nn.MultiheadAttention(8, 2, {qk_norm = true})
	torch.manual_seed(6)
	local b = nn.MultiheadAttention(8, 2)
	t.is(param_names(a), param_names(b), "qk_norm adds no parameters (state_dict stays PyTorch's)")
end

-- ------------------------------------------------------------ transformer encoder

local enc_build = {
	layer = function() return nn.TransformerEncoderLayer(8, 2, {dim_feedforward = 16, dropout = 0}) end,
	encoder = function()
		return nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, {dim_feedforward = 12,
			activation = "gelu", batch_first = true, norm_first = true}), 2, {norm = nn.LayerNorm(8)})
	end,
	encoder_post = function()
		return nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 4, {dim_feedforward = 16,
			dropout = 0}), 2)
	end,
}
local enc_seed = {layer = 4, encoder = 5, encoder_post = 6}
for _, name in ipairs({"layer", "encoder", "encoder_post"}) do
	local c = ref["enc_" .. name]
	torch.manual_seed(enc_seed[name])
	local m = enc_build[name]()
	if name == "encoder" then m:eval() end
	check_params(m, c, name)
	local x = T(c.x, torch.float32, true)
	local out
	if name == "layer" then
		out = m(x, {src_key_padding_mask = T(c.src_key_padding_mask)})
	elseif name == "encoder" then
		out = m(x, {mask = T(c.mask)})
	else
		out = m(x)
	end
	t.near(out:tolist(), c.out, 1e-4, name .. ": output is PyTorch's")
	local l = (out * T(c.g)):sum()
	l:backward()
	check_grads(m, c, name, 2e-4)
	t.near(x.grad:tolist(), c.dx, 2e-4, name .. ": grad of the input")
end

do
	torch.manual_seed(0)
	local layer = nn.TransformerEncoderLayer(8, 2, {dim_feedforward = 16})
	t.is(tostring(layer), table.concat({
		"TransformerEncoderLayer(",
		"  (self_attn): MultiheadAttention(",
		"    (out_proj): NonDynamicallyQuantizableLinear(in_features=8, out_features=8, bias=True)",
		"  )",
		"  (linear1): Linear(in_features=8, out_features=16, bias=True)",
		"  (dropout): Dropout(p=0.1, inplace=False)",
		"  (linear2): Linear(in_features=16, out_features=8, bias=True)",
		"  (norm1): LayerNorm((8,), eps=1e-05, elementwise_affine=True)",
		"  (norm2): LayerNorm((8,), eps=1e-05, elementwise_affine=True)",
		"  (dropout1): Dropout(p=0.1, inplace=False)",
		"  (dropout2): Dropout(p=0.1, inplace=False)",
		")"}, "\n"), "print(TransformerEncoderLayer) is PyTorch's")
	local enc = nn.TransformerEncoder(layer, 3)
	t.is(#enc.layers, 3, "TransformerEncoder holds num_layers layers")
	t.ok(enc.layers[1] ~= layer and not rawequal(enc.layers[1].linear1.weight, layer.linear1.weight),
		"the layers are copies of the layer, not the layer")
	t.is(enc.layers[2].linear1.weight:tolist(), layer.linear1.weight:tolist(),
		"each copy starts with the layer's weights")
	torch.no_grad(function() enc.layers[1].linear1.weight:fill_(0) end)
	t.ok(enc.layers[2].linear1.weight:abs():sum():item() > 0 and layer.linear1.weight:abs():sum():item() > 0,
		"the copies are independent (deep copies)")
	t.ok(enc.layers[3].self_attn.in_proj_weight.requires_grad and enc.layers[3].linear1.weight.is_leaf,
		"copied parameters are leaves that require grad")
	t.is(#enc:parameters(), 3 * #layer:parameters(), "the encoder's parameters are its layers'")
	-- eval with dropout: deterministic; train with dropout: not
	local x = torch.randn(4, 2, 8)
	enc:eval()
	t.is(enc(x):tolist(), enc(x):tolist(), "encoder eval(): deterministic")
	enc:train()
	t.ok(not torch.equal(enc(x), enc(x)), "encoder train() with dropout 0.1: outputs vary")
	-- errors
	t.raises(function() nn.TransformerEncoderLayer(8, 2, {activation = "tanh"}) end,
		"activation should be relu/gelu, not tanh", "activation='tanh'")
	t.raises(function() nn.TransformerEncoderLayer(8, 3) end, "embed_dim must be divisible by num_heads",
		"d_model not divisible by nhead")
	t.raises(function() nn.TransformerEncoderLayer(8, 2, {bogus = 1}) end, "unexpected keyword argument",
		"TransformerEncoderLayer: unknown keyword")
	t.raises(function() nn.TransformerEncoder(5, 2) end, "encoder_layer must be a Module", "TransformerEncoder(5, 2)")
	t.raises(function() enc("x") end, "must be a Tensor", "encoder('x')")
	-- a custom activation function
	local l2 = nn.TransformerEncoderLayer(8, 2, {dim_feedforward = 16, dropout = 0,
		activation = function(v) return v:tanh() end})
	t.is(l2(x).shape, x.shape, "a function as activation")
end

t.done()
