"""Writes the PyTorch checkpoint fixtures of test/interop/fixtures/ (committed, so the tests need
no PyTorch). Run once from the repository root with Debian's interpreter and python3-torch:

    /usr/bin/python3 scripts/make-pt-fixture.py

The model is the reference DualDomainUNet of ../shared/golden/torch/gen/golden_lib.py (the
notebook's module tree, so the notebook's state-dict keys), tiny: width 2, time_dim 8.

  unet-w2.pt              torch.save(model.state_dict(), path)
  unet-w2-p4.pt           the same, pickle_protocol=4 (FRAME, MEMOIZE, STACK_GLOBAL opcodes)
  unet-w2-train.pt        torch.save({'model': sd, 'optimizer': adam.state_dict(), 'epoch': 1})
                          (Adam over the time MLP only, to keep the file small)
  unet-w2.expected.safetensors   that state dict's float32 values (what the reader must return)
  unet-w2.forward.safetensors    inputs and PyTorch's output of that model at 8x16, t=7
  mixed.pt / mixed.expected.safetensors   the state dict stored as float16/bfloat16/float64/
                          float32 by turns, and the float32 values those hold
  views.pt / views.expected.safetensors   non-contiguous views sharing one storage
  legacy.pt               _use_new_zipfile_serialization=False (must be refused; its storage keys
                          are memory addresses, so it is the one file that differs run to run)
  module.pt               torch.save(nn.Linear(2, 2)): a pickled module object (must be refused)
"""
import json
import os
import struct
import sys
import types

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GEN = os.path.join(ROOT, "..", "shared", "golden", "torch", "gen")
OUT = os.path.join(ROOT, "test", "interop", "fixtures")


def stub_missing_modules():
    """golden_lib imports SciPy and PyWavelets for its float64 cross-checks; the model needs only
    pywt's Haar filter values. Without those packages, stand in for them with exactly pywt's
    numbers (pywt.Wavelet('haar'): dec_lo [r, r], dec_hi [-r, r], rec_lo [r, r], rec_hi [r, -r])."""
    try:
        import pywt  # noqa: F401
    except ImportError:
        r = 0.7071067811865476
        haar = types.SimpleNamespace(dec_lo=[r, r], dec_hi=[-r, r], rec_lo=[r, r], rec_hi=[r, -r])
        pywt = types.ModuleType("pywt")
        pywt.Wavelet = lambda name: haar if name == "haar" else (_ for _ in ()).throw(ValueError(name))
        sys.modules["pywt"] = pywt
    try:
        import scipy  # noqa: F401
        import scipy.fft  # noqa: F401
        import scipy.special  # noqa: F401
    except ImportError:
        for name in ("scipy", "scipy.fft", "scipy.special"):
            sys.modules[name] = types.ModuleType(name)


def st_write(path, tensors):
    """safetensors with float32 tensors in sorted-name order (the format's reference layout)."""
    header, blobs, off = {}, [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().to(torch.float32).contiguous()
        b = t.numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def main():
    stub_missing_modules()
    sys.path.insert(0, GEN)
    import golden_lib
    from golden_lib import DualDomainUNet, augment_y0

    golden_lib.setup_torch()
    torch.manual_seed(20240610)
    os.makedirs(OUT, exist_ok=True)
    out = lambda name: os.path.join(OUT, name)  # noqa: E731

    model = DualDomainUNet(in_channels=31, base_channels=2, time_dim=8)
    # one Adam step, so the optimizer has state and the weights are not the initial draw
    opt = torch.optim.Adam(model.time_mlp.parameters(), lr=1e-3)
    xt = torch.randn(2, 3, 16, 16)
    y0 = augment_y0(torch.rand(2, 3, 16, 16) * 2 - 1)
    t = torch.tensor([3.0, 15.0])
    model(xt, y0, t).abs().mean().backward()
    opt.step()
    sd = model.state_dict()

    torch.save(sd, out("unet-w2.pt"))
    torch.save(sd, out("unet-w2-p4.pt"), pickle_protocol=4)
    torch.save({"model": sd, "optimizer": opt.state_dict(), "epoch": 1}, out("unet-w2-train.pt"))
    st_write(out("unet-w2.expected.safetensors"), dict(sd))
    with torch.no_grad():
        fx, fy, ft = xt[:1, :, :8], y0[:1, :, :8], torch.tensor([7.0])
        st_write(out("unet-w2.forward.safetensors"), {"xt": fx, "y0_aug": fy, "t": ft, "output": model(fx, fy, ft)})

    dtypes = [torch.float16, torch.bfloat16, torch.float64, torch.float32]
    mixed = {k: v.to(dtypes[i % 4]) for i, (k, v) in enumerate(sd.items())}
    torch.save(mixed, out("mixed.pt"))
    st_write(out("mixed.expected.safetensors"), mixed)

    base = torch.arange(24, dtype=torch.float32).reshape(4, 6) / 8
    views = {"transposed": base.t(), "strided": base[1:, ::2], "row": base[2], "whole": base}
    torch.save(views, out("views.pt"))
    st_write(out("views.expected.safetensors"), views)

    torch.save({"w": torch.zeros(2)}, out("legacy.pt"), _use_new_zipfile_serialization=False)
    torch.save(torch.nn.Linear(2, 2), out("module.pt"))
    for name in sorted(os.listdir(OUT)):
        print("%8d  %s" % (os.path.getsize(out(name)), os.path.relpath(out(name), ROOT)))


if __name__ == "__main__":
    main()
