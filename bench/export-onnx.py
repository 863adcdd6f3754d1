"""Exports the reference DualDomainUNet (width 64, 31 input channels) to ONNX for the
onnxruntime-web comparison in `npm run bench`. Dev-time only; needs PyTorch:

    /usr/bin/python3 bench/export-onnx.py [SIZE]      # default 256 -> bench/.cache/unet-64-256.onnx

The weights are random: the benchmark times the graph, not the values. The spatial size is
fixed in the graph so the runtime can plan its memory once.
"""
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "shared", "golden", "torch", "gen"))
sys.path.insert(0, "/work/shared/golden/torch/gen")
import golden_lib  # noqa: E402
from golden_lib import DualDomainUNet  # noqa: E402

# Tracing hands sizes over as tensors; the DCT basis is a constant of the graph.
_dct_matrix = golden_lib.dct_matrix
golden_lib.dct_matrix = lambda n, dtype=torch.float32: _dct_matrix(int(n), dtype)


def main():
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 256
    torch.manual_seed(0)
    model = DualDomainUNet(in_channels=31, base_channels=64, time_dim=128).eval()
    xt = torch.randn(1, 3, size, size)
    y0 = torch.randn(1, 28, size, size)
    t = torch.tensor([7.0])
    out_dir = os.path.join(HERE, ".cache")
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, "unet-64-%d.onnx" % size)
    with torch.no_grad():
        torch.onnx.export(model, (xt, y0, t), path, input_names=["xt", "y0_aug", "t"], output_names=["out"], opset_version=13)
    print("wrote", os.path.relpath(path, os.getcwd()))


if __name__ == "__main__":
    main()
