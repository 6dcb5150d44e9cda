-- inplace.lua - a bias row added in place
bias = torch.tensor({0.1, 0.2, 0.3})
rows = bias:expand(4, 3)         -- one row per sample, no copy
rows:add_(torch.ones(4, 3))
