-- why.lua - two gradients that never arrive
torch.manual_seed(0)
w = torch.randn(3, {requires_grad=true})
b = torch.zeros(3, {requires_grad=true})
h = torch.tanh(w * 2)
feature = h:detach()             -- meant for logging, used by mistake
loss = (feature * 3 + b):sum()
loss:backward()
print(w.grad)
