-- nan.lua - a NaN appears in the gradients, but where?
torch.autograd.set_detect_anomaly(true)
x = torch.tensor({4.0, 1.0, 0.0}, {requires_grad=true})
r = x:sqrt()
loss = (r * torch.tensor({1.0, 1.0, 0.0})):sum()
loss:backward()
