-- torch.amp - automatic mixed precision helpers; for now the loss scaler
-- (torch.amp.GradScaler), with the semantics of PyTorch 1.13's
-- torch.cuda.amp.GradScaler run on the CPU.
return {
	GradScaler = require "torch.amp.grad_scaler",
	autocast = require("torch.amp.autocast").autocast,
}
