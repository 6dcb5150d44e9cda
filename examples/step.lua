-- step.lua - what does backward do?
x = torch.tensor({1.0, 2.0}, {requires_grad=true})
y = x * 3
loss = (y * y):sum()
