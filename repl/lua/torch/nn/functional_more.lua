-- torch.nn.functional's activations of the ops-more family (issue 11),
-- added to F by functional.lua: hardshrink, softshrink, rrelu, rrelu_,
-- glu, prelu.  Arguments as PyTorch's, by position or in a trailing
-- keyword table (F.rrelu(x, 0.1, 0.3, true) or F.rrelu(x, {training =
-- true})); dims 1-based (F.glu(x, 2)).
local torch = require "torch"

return function(F)
	local named = F._named

	local function check(input, fname)
		if not torch.is_tensor(input) then
			error(("%s(): argument 'input' (position 1) must be Tensor, not %s")
				:format(fname, type(input)), 3)
		end
	end

	function F.hardshrink(input, ...)
		check(input, "hardshrink")
		return torch.hardshrink(input, named({{"lambd", 0.5}}, ...).lambd)
	end

	function F.softshrink(input, ...)
		check(input, "softshrink")
		return torch._C.softshrink(input, named({{"lambd", 0.5}}, ...).lambd)
	end

	local RRELU = {{"lower", 1 / 8}, {"upper", 1 / 3}, {"training", false}, {"inplace", false}}

	function F.rrelu(input, ...)
		check(input, "rrelu")
		local o = named(RRELU, ...)
		local f = o.inplace and torch.rrelu_ or torch.rrelu
		return f(input, o.lower, o.upper, o.training)
	end

	function F.rrelu_(input, ...)
		check(input, "rrelu_")
		local o = named(RRELU, ...)
		return torch.rrelu_(input, o.lower, o.upper, o.training)
	end

	function F.glu(input, ...)
		check(input, "glu")
		return torch._C.glu(input, named({{"dim", -1}}, ...).dim)
	end

	function F.prelu(input, weight)
		check(input, "prelu")
		return torch.prelu(input, weight)
	end
	return F
end
