#!/usr/bin/python3
"""The PyTorch side of scripts/fashion_mnist.lua: the same model, batch
size, optimiser and data, timed per epoch (training loop only).  Prints
"epoch N SECONDS ACCURACY" lines.  Reads the IDX files itself (no
torchvision needed).

usage: fashion_mnist_torch.py mlp|cnn EPOCHS BATCH LIMIT ce|mse [ROOT]
"""
import gzip
import os
import struct
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    ndim = raw[3]
    shape = struct.unpack(">" + "I" * ndim, raw[4:4 + 4 * ndim])
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


def find(root, name):
    for p in (os.path.join(root, name), os.path.join(root, name + ".gz")):
        if os.path.exists(p):
            return p
    raise SystemExit("missing " + name)


def load(root, train):
    pre = "train" if train else "t10k"
    x = torch.from_numpy(read_idx(find(root, pre + "-images-idx3-ubyte")).copy()).float().div(255).unsqueeze(1)
    y = torch.from_numpy(read_idx(find(root, pre + "-labels-idx1-ubyte")).astype(np.int64))
    return x, y


def main():
    kind, epochs, batch, limit, loss_kind = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    root = sys.argv[6] if len(sys.argv) > 6 and sys.argv[6] else "/usr/share/datasets/fashion-mnist"
    # the same number of threads as the agdb run it is compared with
    if len(sys.argv) > 7:
        torch.set_num_threads(int(sys.argv[7]))
    xtr, ytr = load(root, True)
    xte, yte = load(root, False)
    if limit:
        xtr, ytr = xtr[:limit], ytr[:limit]
    torch.manual_seed(0)
    if kind == "mlp":
        model = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
    else:
        model = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                              nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                              nn.Flatten(), nn.Linear(32 * 7 * 7, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    g = torch.Generator()
    g.manual_seed(0)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(xtr, ytr), batch_size=batch,
                                         shuffle=True, generator=g)
    eye = torch.eye(10)
    for epoch in range(1, epochs + 1):
        model.train()
        t0 = time.perf_counter()
        for xb, yb in loader:
            opt.zero_grad()
            out = model(xb)
            loss = F.cross_entropy(out, yb) if loss_kind == "ce" else F.mse_loss(out, eye[yb])
            loss.backward()
            opt.step()
        secs = time.perf_counter() - t0
        model.eval()
        with torch.no_grad():
            acc = (model(xte).argmax(1) == yte).float().mean().item()
        print("epoch %d %.3f %.4f" % (epoch, secs, acc), flush=True)


main()
