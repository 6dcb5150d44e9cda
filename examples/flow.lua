-- flow.lua - a deep stack of sigmoids learns slowly
torch.manual_seed(0)
layers = {}
for i = 1, 6 do
	layers[#layers + 1] = nn.Linear(16, 16)
	layers[#layers + 1] = nn.Sigmoid()
end
layers[#layers + 1] = nn.Linear(16, 1)
model = nn.Sequential(table.unpack(layers))
opt = torch.optim.SGD(model:parameters(), {lr=0.1})
agdb.set{track_updates=true}
for step = 1, 20 do
	opt:zero_grad()
	local loss = (model(torch.randn(32, 16)) - 1):pow(2):mean()
	loss:backward()
	opt:step()
end
