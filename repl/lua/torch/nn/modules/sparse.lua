-- torch.nn.modules.sparse - Embedding: a lookup table of num_embeddings
-- rows, initialised N(0, 1) as PyTorch does, padding_idx's row zeroed
-- (1-based indices throughout).
local torch = require "torch"
local base = require "torch.nn.module"
local F = require "torch.nn.functional"
local init = require "torch.nn.init"

local Module, Parameter = base.Module, base.Parameter

local Embedding = Module:extend("Embedding")

-- nn.Embedding(num_embeddings, embedding_dim, {padding_idx=, dtype=,
-- _weight=})
function Embedding:init(num_embeddings, embedding_dim, opts)
	opts = opts or {}
	self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
	local pad = opts.padding_idx
	if pad ~= nil then
		if pad > 0 then
			if pad > num_embeddings then base.raise("Padding_idx must be within num_embeddings") end
		elseif pad < 0 then
			if pad < -num_embeddings then base.raise("Padding_idx must be within num_embeddings") end
			pad = num_embeddings + pad + 1
		else
			base.raise("Embedding: padding_idx 0: agdb counts indices from 1")
		end
	end
	self.padding_idx = pad
	self.max_norm = opts.max_norm
	if opts._weight ~= nil then
		self.weight = Parameter(opts._weight)
	else
		self.weight = Parameter(torch.empty(num_embeddings, embedding_dim,
			{dtype = opts.dtype or torch.get_default_dtype()}))
		self:reset_parameters()
	end
end

function Embedding:reset_parameters()
	init.normal_(self.weight)
	if self.padding_idx ~= nil then
		torch.no_grad(function() self.weight[self.padding_idx]:fill_(0) end)
	end
end

function Embedding:forward(input)
	return F.embedding(input, self.weight, self.padding_idx, self.max_norm)
end

function Embedding:extra_repr()
	local s = ("%d, %d"):format(self.num_embeddings, self.embedding_dim)
	if self.padding_idx ~= nil then s = s .. ", padding_idx=" .. self.padding_idx end
	return s
end

return {Embedding = Embedding}
