#!/bin/sh
# bench/fashion_mnist.sh - Fashion-MNIST training time per epoch in agdb
# beside PyTorch's for the same model and batch size, in the same run
# (scripts/fashion_mnist.lua runs both).  Skipped without the data set.
# FMNIST_ARGS overrides the arguments (default: the MLP, 3 epochs).
top=$(cd "$(dirname "$0")/.." && pwd)
AGDB=${AGDB:-$top/agdb}
if [ ! -e /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]; then
	echo "fashion_mnist: skipped (install dataset-fashion-mnist)"
	exit 0
fi
# shellcheck disable=SC2086
"$AGDB" "$top/scripts/fashion_mnist.lua" ${FMNIST_ARGS:-mlp --epochs 3}
status=$?
[ $status -eq 2 ] && { echo "fashion_mnist: skipped (missing ops, see above)"; exit 0; }
exit $status
