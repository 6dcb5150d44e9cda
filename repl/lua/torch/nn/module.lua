-- torch.nn.module - nn.Module and nn.Parameter, with PyTorch 1.13's rules.
--
-- A module keeps its parameters, buffers and submodules in three ordered
-- stores (names in registration order), never as raw fields: assigning to
-- any field goes through __newindex, which registers a Parameter or a
-- Module, updates a buffer, or keeps a plain attribute.  Reading a field
-- looks in the stores, then the attributes, then the class.  That is what
-- makes `self.fc1 = nn.Linear(...)` register fc1, and the orders of
-- named_parameters and state_dict PyTorch's: a module's own parameters and
-- buffers first, then its children's, depth first.
--
-- Calling a module runs its forward pre-hooks, forward and forward hooks;
-- while the trace log is on, the module's path (`model.encoder.layers.0`)
-- is the trace scope of the ops its forward runs, so the viewer can
-- collapse a graph by module.
local torch = require "torch"
local class = require "torch.class"
local collections = require "torch.collections"

local C = torch._C

-- Errors the library raises for a user's mistake name the user's line, not
-- the library's: the level is that of the first caller outside agdb's Lua
-- library (torch/*.lua), however deep the constructor or forward that
-- found the mistake sits (Net:init -> nn.Linear -> check_options).
local LIBRARY = debug.getinfo(1, "S").source:match("^(@.*)torch/nn/module%.lua$")

local function raise(msg)
	local level = 2	-- raise's caller; error() counts levels as debug.getinfo does
	while true do
		local info = debug.getinfo(level, "S")
		if not info then error(msg, 0) end
		if info.what ~= "C" and not (LIBRARY and info.source:sub(1, #LIBRARY) == LIBRARY) then
			error(msg, level)
		end
		level = level + 1
	end
end

-- ------------------------------------------------------------ Parameter

local params = setmetatable({}, {__mode = "k"})	-- the tensors that are Parameters

local Parameter = {}

local function is_parameter(v) return params[v] == true end

-- nn.Parameter(t [, requires_grad]): a new leaf sharing t's storage.
setmetatable(Parameter, {__call = function(_, data, requires_grad)
	if data == nil then data = torch.empty(0) end
	if not torch.is_tensor(data) then
		raise("nn.Parameter: data must be a Tensor, got " .. type(data))
	end
	local p = data:detach()
	p:requires_grad_(requires_grad ~= false)
	params[p] = true
	return p
end})
Parameter.is_parameter = is_parameter

-- PyTorch prints a parameter as "Parameter containing:\ntensor(...)".
do
	local tmt = torch.Tensor
	local tostr = tmt.__tostring
	if not rawget(tmt, "__agdb_param_tostring") then
		tmt.__tostring = function(t)
			local s = tostr(t)
			if params[t] then return "Parameter containing:\n" .. s end
			return s
		end
		tmt.__agdb_param_tostring = true
	end
end

-- ------------------------------------------------------------ stores

-- An ordered store: names in order, values by name (a value may be nil for
-- a name registered as None, as `bias` of Linear(..., {bias=false})).
local function store() return {keys = {}, vals = {}, has = {}} end

local function store_set(s, k, v)
	if not s.has[k] then
		s.has[k] = true
		s.keys[#s.keys + 1] = k
	end
	s.vals[k] = v
end

local function store_del(s, k)
	if not s.has[k] then return end
	s.has[k] = nil
	s.vals[k] = nil
	for i, name in ipairs(s.keys) do
		if name == k then table.remove(s.keys, i) break end
	end
end

-- ------------------------------------------------------------ lists that iterate

-- m:parameters() and friends return sequences that are also iterators:
-- `#ps`, `ipairs(ps)` and `for p in m:parameters() do` all work.
local positions = setmetatable({}, {__mode = "k"})

local function position(t, key, get)
	local pos = positions[t]
	if not pos then
		pos = {}
		for i = 1, #t do pos[get(t[i])] = i end
		positions[t] = pos
	end
	return pos[key]
end

local function ident(v) return v end
local function first(v) return v[1] end

local SEQ = {__call = function(t, _, prev)
	local i = prev == nil and 0 or position(t, prev, ident)
	return i and t[i + 1]
end}
-- named lists hold {name, value} pairs and iterate as name, value
local NAMED = {__call = function(t, _, prev)
	local i = prev == nil and 0 or position(t, prev, first)
	local e = i and t[i + 1]
	if e then return e[1], e[2] end
end}

local function seq(list) return setmetatable(list, SEQ) end
local function named(list) return setmetatable(list, NAMED) end

-- ------------------------------------------------------------ names and types

-- Python's type names, for PyTorch's messages.
local function typename(v)
	if torch.is_tensor(v) then return v:type() end
	local c = class.of(v)
	if c then return class.name(c) end
	if math.type(v) == "integer" then return "int" end
	if math.type(v) == "float" then return "float" end
	if v == nil then return "NoneType" end
	if type(v) == "boolean" then return "bool" end
	if type(v) == "string" then return "str" end
	return type(v)
end

-- ------------------------------------------------------------ Module

local Module = class.root("Module")
local module_mt = {}	-- set of instance metatables (what is_module tests)

local function is_module(v)
	local mt = type(v) == "table" and getmetatable(v)
	return mt and module_mt[mt] or false
end

local function get_name(self) return class.name(class.of(self)) end

local function has_attr(self, k)
	return self._parameters.has[k] or self._buffers.has[k] or
		self._modules.has[k] or self._attrs[k] ~= nil or
		class.of(self)[k] ~= nil
end

local function remove_from(self, k, except)
	for _, s in ipairs({"_parameters", "_buffers", "_modules"}) do
		if s ~= except then store_del(self[s], k) end
	end
	if except ~= "_attrs" then self._attrs[k] = nil end
end

local function newindex(self, k, v)
	if is_parameter(v) then
		remove_from(self, k, "_parameters")
		self:register_parameter(k, v)
	elseif is_module(v) then
		remove_from(self, k, "_modules")
		store_set(self._modules, k, v)
	elseif self._parameters.has[k] then
		if v ~= nil then
			raise(("cannot assign '%s' as parameter '%s' (torch.nn.Parameter " ..
				"or None expected)"):format(typename(v), k))
		end
		self._parameters.vals[k] = nil
	elseif self._modules.has[k] then
		if v ~= nil then
			raise(("cannot assign '%s' as child module '%s' (torch.nn.Module " ..
				"or None expected)"):format(typename(v), k))
		end
		self._modules.vals[k] = nil
	elseif self._buffers.has[k] then
		if v ~= nil and not torch.is_tensor(v) then
			raise(("cannot assign '%s' as buffer '%s' (torch.Tensor or None " ..
				"expected)"):format(typename(v), k))
		end
		self._buffers.vals[k] = v
	else
		self._attrs[k] = v
	end
end

-- ---------------------------------------------------------------- calling

local scope_stack = {}	-- {module, path} of the forwards running now

-- The name under which `child` hangs below `parent` ("layers.0"), or nil.
local function child_path(parent, child)
	for _, name in ipairs(parent._modules.keys) do
		if parent._modules.vals[name] == child then return name end
	end
	for _, e in ipairs(parent:named_modules()) do
		if e[2] == child then return e[1] end
	end
end

-- A root module is named by the global variable holding it, else its class.
local function root_name(m)
	for k, v in pairs(_G) do
		if v == m and type(k) == "string" then return k end
	end
	return get_name(m)
end

local scope_closer = setmetatable({}, {__close = function()
	scope_stack[#scope_stack] = nil
	C.pop_scope()
end})

local function enter_scope(self)
	local top = scope_stack[#scope_stack]
	local path
	if top then
		path = top[2] .. "." .. (child_path(top[1], self) or get_name(self))
	else
		path = root_name(self)
	end
	scope_stack[#scope_stack + 1] = {self, path}
	C.push_scope(path)
	return scope_closer
end

local function run_hooks(self, fwd, ...)
	local args = table.pack(...)
	for _, id in ipairs(self._forward_pre_hooks.keys) do
		local r = self._forward_pre_hooks.vals[id](self, args)
		if r ~= nil then
			if type(r) == "table" and not is_module(r) and getmetatable(r) == nil then
				args = r
				args.n = args.n or #r
			else
				args = table.pack(r)
			end
		end
	end
	local out = table.pack(fwd(self, table.unpack(args, 1, args.n)))
	for _, id in ipairs(self._forward_hooks.keys) do
		local o = out.n == 1 and out[1] or out
		local r = self._forward_hooks.vals[id](self, args, o)
		if r ~= nil then out = table.pack(r) end
	end
	return table.unpack(out, 1, out.n)
end

local function call(self, ...)
	local fwd = self.forward
	if type(fwd) ~= "function" then
		raise(('Module [%s] is missing the required "forward" function'):format(
			get_name(self)))
	end
	local guard <close> = torch.autograd.is_trace_enabled() and enter_scope(self) or nil
	if #self._forward_pre_hooks.keys > 0 or #self._forward_hooks.keys > 0 then
		return run_hooks(self, fwd, ...)
	end
	return fwd(self, ...)
end

-- ---------------------------------------------------------------- repr

local function addindent(s, n)
	local lines = {}
	for line in (s .. "\n"):gmatch("(.-)\n") do lines[#lines + 1] = line end
	if #lines == 1 then return s end
	local pad = string.rep(" ", n)
	for i = 2, #lines do lines[i] = pad .. lines[i] end
	return table.concat(lines, "\n")
end

local function repr(self)
	local extra_lines, child_lines = {}, {}
	local extra = self:extra_repr()
	if extra and extra ~= "" then
		for line in (extra .. "\n"):gmatch("(.-)\n") do
			extra_lines[#extra_lines + 1] = line
		end
	end
	for _, key in ipairs(self._modules.keys) do
		local m = self._modules.vals[key]
		local s = m and tostring(m) or "None"
		child_lines[#child_lines + 1] = "(" .. key .. "): " .. addindent(s, 2)
	end
	local lines = table.move(child_lines, 1, #child_lines, #extra_lines + 1,
		table.move(extra_lines, 1, #extra_lines, 1, {}))
	local s = self:_get_name() .. "("
	if #lines > 0 then
		if #extra_lines == 1 and #child_lines == 0 then
			s = s .. extra_lines[1]
		else
			s = s .. "\n  " .. table.concat(lines, "\n  ") .. "\n"
		end
	end
	return s .. ")"
end

-- ---------------------------------------------------------------- construction

local function make_meta(cls, mt)
	local getindex = cls.__getindex	-- containers: m[1], m.name
	mt.__index = function(self, k)
		if getindex and type(k) == "number" then return getindex(self, k) end
		local v = self._parameters.vals[k]
		if v ~= nil then return v end
		v = self._buffers.vals[k]
		if v ~= nil then return v end
		v = self._modules.vals[k]
		if v ~= nil then return v end
		v = self._attrs[k]
		if v ~= nil then return v end
		return cls[k]
	end
	local setindex = cls.__setindex	-- containers: m[1] = module
	mt.__newindex = setindex and function(self, k, v)
		if type(k) == "number" then return setindex(self, k, v) end
		return newindex(self, k, v)
	end or newindex
	mt.__call = call
	mt.__tostring = repr
	module_mt[mt] = true
end

function Module.__new(cls, ...)
	local self = setmetatable({
		_parameters = store(), _buffers = store(), _modules = store(),
		_attrs = {training = true}, _non_persistent = {},
		_forward_hooks = store(), _forward_pre_hooks = store(),
	}, class.instance_meta(cls, make_meta))
	local init = cls.init
	if init then init(self, ...) end
	return self
end

function Module.extend(parent, name) return class.extend(parent, name) end
function Module.init() end
function Module:extra_repr() return "" end
function Module:_get_name() return get_name(self) end
function Module:isinstance(cls) return class.isinstance(self, cls) end

-- ---------------------------------------------------------------- registration

local function check_name(kind, name, self)
	if type(name) ~= "string" then
		raise(("%s name should be a string. Got %s"):format(kind, typename(name)))
	end
	if name:find(".", 1, true) then
		if kind == "module" then
			raise(('module name can\'t contain ".", got: %s'):format(name))
		end
		raise(('%s name can\'t contain "."'):format(kind))
	end
	if name == "" then raise(('%s name can\'t be empty string ""'):format(kind)) end
end

function Module:register_buffer(name, tensor, opts)
	check_name("buffer", name, self)
	if has_attr(self, name) and not self._buffers.has[name] then
		raise(("attribute '%s' already exists"):format(name))
	end
	if tensor ~= nil and not torch.is_tensor(tensor) then
		raise(("cannot assign '%s' object to buffer '%s' (torch Tensor or None " ..
			"required)"):format(typename(tensor), name))
	end
	local persistent = not (type(opts) == "table" and opts.persistent == false)
	if type(opts) == "boolean" then persistent = opts end
	store_set(self._buffers, name, tensor)
	self._non_persistent[name] = (not persistent) or nil
end

function Module:register_parameter(name, param)
	check_name("parameter", name, self)
	if has_attr(self, name) and not self._parameters.has[name] then
		raise(("attribute '%s' already exists"):format(name))
	end
	if param ~= nil then
		if not is_parameter(param) then
			raise(("cannot assign '%s' object to parameter '%s' (torch.nn.Parameter " ..
				"or None required)"):format(typename(param), name))
		end
		if param.grad_fn then
			raise(("Cannot assign non-leaf Tensor to parameter '%s'. Model " ..
				"parameters must be created explicitly. To express '%s' as a " ..
				"function of another Tensor, compute the value in the forward() " ..
				"method."):format(name, name))
		end
	end
	store_set(self._parameters, name, param)
end

function Module:add_module(name, module)
	if module ~= nil and not is_module(module) then
		raise(("%s is not a Module subclass"):format(typename(module)))
	end
	check_name("module", name, self)
	if has_attr(self, name) and not self._modules.has[name] then
		raise(("attribute '%s' already exists"):format(name))
	end
	store_set(self._modules, name, module)
end
Module.register_module = Module.add_module

function Module:get_submodule(target)
	if target == "" then return self end
	local mod = self
	for item in target:gmatch("[^.]+") do
		if not mod._modules.has[item] and mod._attrs[item] == nil then
			raise(("%s has no attribute `%s`"):format(mod:_get_name(), item))
		end
		local nxt = mod[item]
		if not is_module(nxt) then
			raise(("`%s` is not an nn.Module"):format(item))
		end
		mod = nxt
	end
	return mod
end

-- ---------------------------------------------------------------- walking

-- Options may come positionally (prefix, recurse) or as a table.
local function walk_opts(a, b)
	if type(a) == "table" then return a.prefix or "", a.recurse ~= false end
	return a or "", b ~= false
end

local function collect_modules(m, prefix, out, memo)
	if memo[m] then return end
	memo[m] = true
	out[#out + 1] = {prefix, m}
	for _, name in ipairs(m._modules.keys) do
		local c = m._modules.vals[name]
		if c then
			collect_modules(c, prefix == "" and name or prefix .. "." .. name, out, memo)
		end
	end
end

function Module:named_modules(prefix)
	if type(prefix) == "table" then prefix = prefix.prefix end
	local out = {}
	collect_modules(self, prefix or "", out, {})
	return named(out)
end

function Module:modules()
	local out = {}
	for _, e in ipairs(self:named_modules()) do out[#out + 1] = e[2] end
	return seq(out)
end

function Module:named_children()
	local out, memo = {}, {}
	for _, name in ipairs(self._modules.keys) do
		local c = self._modules.vals[name]
		if c and not memo[c] then
			memo[c] = true
			out[#out + 1] = {name, c}
		end
	end
	return named(out)
end

function Module:children()
	local out = {}
	for _, e in ipairs(self:named_children()) do out[#out + 1] = e[2] end
	return seq(out)
end

local function named_members(self, store_name, prefix, recurse, skip)
	local mods = recurse and self:named_modules(prefix) or named({{prefix, self}})
	local out, memo = {}, {}
	for _, e in ipairs(mods) do
		local mp, m = e[1], e[2]
		local s = m[store_name]
		for _, name in ipairs(s.keys) do
			local v = s.vals[name]
			if v ~= nil and not memo[v] and not (skip and skip(m, name)) then
				memo[v] = true
				out[#out + 1] = {mp == "" and name or mp .. "." .. name, v}
			end
		end
	end
	return named(out)
end

function Module:named_parameters(prefix, recurse)
	return named_members(self, "_parameters", walk_opts(prefix, recurse))
end

function Module:parameters(recurse)
	if type(recurse) == "table" then recurse = recurse.recurse end
	local out = {}
	for _, e in ipairs(self:named_parameters("", recurse)) do out[#out + 1] = e[2] end
	return seq(out)
end

function Module:named_buffers(prefix, recurse)
	return named_members(self, "_buffers", walk_opts(prefix, recurse))
end

function Module:buffers(recurse)
	if type(recurse) == "table" then recurse = recurse.recurse end
	local out = {}
	for _, e in ipairs(self:named_buffers("", recurse)) do out[#out + 1] = e[2] end
	return seq(out)
end

-- ---------------------------------------------------------------- modes

function Module:train(mode)
	if mode == nil then mode = true end
	if type(mode) ~= "boolean" then
		raise("training mode is expected to be boolean")
	end
	self._attrs.training = mode
	for _, c in ipairs(self:children()) do c:train(mode) end
	return self
end

function Module:eval() return self:train(false) end

function Module:requires_grad_(requires_grad)
	if requires_grad == nil then requires_grad = true end
	for _, p in ipairs(self:parameters()) do p:requires_grad_(requires_grad) end
	return self
end

-- PyTorch 1.13: zeros by default; {set_to_none=true} drops the gradients.
function Module:zero_grad(opts)
	require("torch.nn.utils")._zero_grads(self:parameters(), opts)
end

function Module:apply(fn)
	if type(fn) ~= "function" and not (type(fn) == "table" and getmetatable(fn) and
		getmetatable(fn).__call) then
		raise(("apply(): fn must be a function, got %s"):format(typename(fn)))
	end
	for _, c in ipairs(self:children()) do c:apply(fn) end
	fn(self)
	return self
end

-- Replaces each parameter and buffer t by fn(t) when that is a new tensor
-- (a converted parameter is a new Parameter with the converted gradient).
function Module:_apply(fn)
	for _, c in ipairs(self:children()) do c:_apply(fn) end
	torch.no_grad(function()
		local ps = self._parameters
		for _, name in ipairs(ps.keys) do
			local p = ps.vals[name]
			if p then
				local q = fn(p)
				if q ~= p then
					local np = Parameter(q, p.requires_grad)
					if p.grad then np.grad = fn(p.grad) end
					ps.vals[name] = np
				end
			end
		end
		local bs = self._buffers
		for _, name in ipairs(bs.keys) do
			local b = bs.vals[name]
			if b then bs.vals[name] = fn(b) end
		end
	end)
	return self
end

local function float_to(dtype)
	return function(t)
		if t:is_floating_point() then return t:to(dtype) end
		return t
	end
end

-- m:to(dtype) / m:to("cpu") / m:to({dtype=...}): floating point parameters
-- and buffers take the dtype, as in PyTorch.
function Module:to(a, b)
	local dtype = a
	if type(a) == "table" and not torch.is_tensor(a) and getmetatable(a) == nil then
		dtype = a.dtype
	elseif a == "cpu" then
		dtype = type(b) == "table" and b.dtype or b
	end
	if dtype == nil then return self end
	return self:_apply(float_to(dtype))
end

function Module:half() return self:_apply(float_to(torch.float16)) end
function Module:float() return self:_apply(float_to(torch.float32)) end
function Module:double() return self:_apply(float_to(torch.float64)) end
function Module:bfloat16() return self:_apply(float_to(torch.bfloat16)) end
function Module:cpu() return self end

-- ---------------------------------------------------------------- hooks

local next_hook_id = 0

local function add_hook(s, hook, prepend)
	if type(hook) ~= "function" then
		raise("a hook must be a function, got " .. type(hook))
	end
	next_hook_id = next_hook_id + 1
	local id = next_hook_id
	store_set(s, id, hook)
	if prepend then
		table.remove(s.keys)
		table.insert(s.keys, 1, id)
	end
	return {id = id, remove = function() store_del(s, id) end}
end

-- hook(module, args) may return new args (a sequence, or one value).
function Module:register_forward_pre_hook(hook, opts)
	return add_hook(self._forward_pre_hooks, hook, type(opts) == "table" and opts.prepend)
end

-- hook(module, args, output) may return a new output.
function Module:register_forward_hook(hook, opts)
	return add_hook(self._forward_hooks, hook, type(opts) == "table" and opts.prepend)
end

-- ---------------------------------------------------------------- state dicts

local function save_into(self, dest, prefix, keep_vars)
	for _, name in ipairs(self._parameters.keys) do
		local p = self._parameters.vals[name]
		if p ~= nil then dest[prefix .. name] = keep_vars and p or p:detach() end
	end
	for _, name in ipairs(self._buffers.keys) do
		local b = self._buffers.vals[name]
		if b ~= nil and not self._non_persistent[name] then
			dest[prefix .. name] = keep_vars and b or b:detach()
		end
	end
	for _, name in ipairs(self._modules.keys) do
		local m = self._modules.vals[name]
		if m then save_into(m, dest, prefix .. name .. ".", keep_vars) end
	end
end

-- m:state_dict({prefix=, keep_vars=, destination=}): an OrderedDict from
-- PyTorch's names to detached tensors (sharing the parameters' storage).
function Module:state_dict(opts)
	opts = type(opts) == "table" and opts or {}
	local dest = opts.destination or collections.OrderedDict()
	save_into(self, dest, opts.prefix or "", opts.keep_vars)
	return dest
end

local function load_from(self, sd, keys, prefix, missing, unexpected, errors)
	local lstate = {}
	local lnames = {}
	for _, name in ipairs(self._parameters.keys) do
		local p = self._parameters.vals[name]
		if p ~= nil then lnames[#lnames + 1] = name; lstate[name] = p end
	end
	for _, name in ipairs(self._buffers.keys) do
		local b = self._buffers.vals[name]
		if b ~= nil and not self._non_persistent[name] then
			lnames[#lnames + 1] = name; lstate[name] = b
		end
	end
	for _, name in ipairs(lnames) do
		local key, param = prefix .. name, lstate[name]
		local input = sd[key]
		if input ~= nil then
			if not torch.is_tensor(input) then
				errors[#errors + 1] = ('While copying the parameter named "%s", ' ..
					"expected torch.Tensor or Tensor-like object from checkpoint " ..
					"but received %s"):format(key, typename(input))
			elseif input.shape ~= param.shape then
				errors[#errors + 1] = ("size mismatch for %s: copying a param with " ..
					"shape %s from checkpoint, the shape in current model is %s.")
					:format(key, tostring(input.shape), tostring(param.shape))
			else
				local ok, err = pcall(torch.no_grad, function() param:copy_(input) end)
				if not ok then
					errors[#errors + 1] = ('While copying the parameter named "%s", ' ..
						"whose dimensions in the model are %s and whose dimensions " ..
						"in the checkpoint are %s, an exception occurred : %s.")
						:format(key, tostring(param.shape), tostring(input.shape),
							tostring(err))
				end
			end
		else
			missing[#missing + 1] = key
		end
	end
	for _, key in ipairs(keys) do
		if key:sub(1, #prefix) == prefix then
			local input_name = key:sub(#prefix + 1):match("^[^.]*")
			if not self._modules.has[input_name] and lstate[input_name] == nil then
				unexpected[#unexpected + 1] = key
			end
		end
	end
	for _, name in ipairs(self._modules.keys) do
		local m = self._modules.vals[name]
		if m then load_from(m, sd, keys, prefix .. name .. ".", missing, unexpected, errors) end
	end
end

local function quoted(list)
	local q = {}
	for i, k in ipairs(list) do q[i] = '"' .. k .. '"' end
	return table.concat(q, ", ")
end

-- m:load_state_dict(sd, {strict=true}) copies the values in (shapes must
-- match) and returns {missing_keys=..., unexpected_keys=...}; with strict,
-- missing or unexpected keys are an error, in PyTorch's words.
function Module:load_state_dict(sd, opts)
	if type(sd) ~= "table" then
		raise(("Expected state_dict to be dict-like, got %s."):format(typename(sd)))
	end
	local strict = true
	if type(opts) == "table" and opts.strict ~= nil then strict = opts.strict end
	if type(opts) == "boolean" then strict = opts end
	local keys = {}
	for _, k in ipairs(collections.keys(sd)) do
		if type(k) == "string" then keys[#keys + 1] = k end
	end
	local missing, unexpected, errors = {}, {}, {}
	load_from(self, sd, keys, "", missing, unexpected, errors)
	if strict then
		if #unexpected > 0 then
			table.insert(errors, 1, ("Unexpected key(s) in state_dict: %s. ")
				:format(quoted(unexpected)))
		end
		if #missing > 0 then
			table.insert(errors, 1, ("Missing key(s) in state_dict: %s. ")
				:format(quoted(missing)))
		end
	end
	if #errors > 0 then
		raise(("Error(s) in loading state_dict for %s:\n\t%s"):format(
			self:_get_name(), table.concat(errors, "\n\t")))
	end
	return {missing_keys = missing, unexpected_keys = unexpected}
end

-- ---------------------------------------------------------------- deep copies

-- Python's copy.deepcopy(module): a module of the same class whose
-- parameters and buffers are copies of the values (new leaves, the same
-- requires_grad), whose children are deep copies, and whose attributes
-- are copied (tables one level deep); hooks are kept.  A tensor shared by
-- two places stays shared in the copy.  (TransformerEncoder clones its
-- layer this way.)
local function deepcopy(m, memo)
	memo = memo or {}
	if memo[m] then return memo[m] end
	local function tcopy(t)
		if t == nil then return nil end
		if memo[t] then return memo[t] end
		local c = torch.no_grad(function() return t:detach():clone() end)
		if is_parameter(t) then
			c = Parameter(c, t.requires_grad)
		elseif t.requires_grad then
			c:requires_grad_(true)
		end
		memo[t] = c
		return c
	end
	local function scopy(s, f)
		local c = store()
		for _, k in ipairs(s.keys) do store_set(c, k, f(s.vals[k])) end
		return c
	end
	local attrs = {}
	local self = setmetatable({
		_parameters = store(), _buffers = store(), _modules = store(), _attrs = attrs,
		_non_persistent = {}, _forward_hooks = scopy(m._forward_hooks, ident),
		_forward_pre_hooks = scopy(m._forward_pre_hooks, ident),
	}, getmetatable(m))
	memo[m] = self
	self._parameters = scopy(m._parameters, tcopy)
	self._buffers = scopy(m._buffers, tcopy)
	self._modules = scopy(m._modules, function(c) return c and deepcopy(c, memo) end)
	for k, v in pairs(m._non_persistent) do self._non_persistent[k] = v end
	for k, v in pairs(m._attrs) do
		if torch.is_tensor(v) then
			v = tcopy(v)
		elseif type(v) == "table" and getmetatable(v) == nil then
			local c = {}
			for i, x in pairs(v) do c[i] = x end
			v = c
		end
		attrs[k] = v
	end
	return self
end

-- ---------------------------------------------------------------- argument checks

-- The keyword table of a module's constructor: unknown keys are refused
-- with Python's text (`nn.Linear(3, 2, {bogus=1})`).  `allowed` is a list.
local function check_options(opts, allowed)
	if opts == nil then return {} end
	if type(opts) ~= "table" or torch.is_tensor(opts) or is_module(opts) then
		raise(("__init__(): the options must be a table of keywords, got %s")
			:format(typename(opts)))
	end
	local ok = {}
	for _, k in ipairs(allowed) do ok[k] = true end
	for k in pairs(opts) do
		if not ok[k] then
			raise(("__init__() got an unexpected keyword argument '%s'"):format(tostring(k)))
		end
	end
	return opts
end

-- A forward's tensor argument (`nn.BatchNorm1d(3)(5)`).
local function check_input(self, v, i)
	if not torch.is_tensor(v) then
		raise(("%s.forward(): argument %d must be a Tensor, got %s"):format(
			get_name(self), i or 1, typename(v)))
	end
end

-- A size argument of a constructor: a non-negative integer.
local function check_size(v, what)
	if math.type(v) ~= "integer" then
		if math.type(v) == "float" and v == math.floor(v) then return math.tointeger(v) end
		raise(("__init__(): argument '%s' must be int, not %s"):format(what, typename(v)))
	end
	return v
end

-- A module over a function of torch.nn.functional whose arguments are
-- spec's ({name, default} pairs; the pooling and fold modules): init reads
-- them as F does (positional, then a keyword table), check(o) fills what
-- defaults to another argument or raises for a missing one, forward hands
-- them to fn(input, o), and extra_repr shows the names of `shown` (all of
-- spec's by default) as Python prints them, a number as a 1-tuple when
-- as_tuple is set.
local function py_value(v)
	if type(v) == "boolean" then return v and "True" or "False" end
	if type(v) == "table" then
		return "(" .. table.concat(v, ", ") .. (#v == 1 and ",)" or ")")
	end
	return tostring(v)
end

local function spec_module(name, fn, spec, check, shown, as_tuple)
	local F = require "torch.nn.functional"
	local cls = Module:extend(name)
	if not shown then
		shown = {}
		for i, p in ipairs(spec) do shown[i] = p[1] end
	end
	function cls:init(...)
		local o = F._named(spec, ...)
		check(o, name)
		for _, p in ipairs(spec) do self[p[1]] = o[p[1]] end
	end
	function cls:forward(input)
		local o = {}
		for _, p in ipairs(spec) do o[p[1]] = self[p[1]] end
		return fn(input, o)
	end
	function cls:extra_repr()
		local parts = {}
		for _, key in ipairs(shown) do
			local v = self[key]
			if as_tuple and type(v) == "number" then v = {v} end
			parts[#parts + 1] = key .. "=" .. py_value(v)
		end
		return table.concat(parts, ", ")
	end
	return cls
end

return {
	deepcopy = deepcopy,
	raise = raise,
	check_options = check_options,
	check_input = check_input,
	check_size = check_size,
	Module = Module,
	Parameter = Parameter,
	is_module = is_module,
	is_parameter = is_parameter,
	typename = typename,
	seq = seq,
	named = named,
	store_set = store_set,
	store_del = store_del,
	spec_module = spec_module,
}
