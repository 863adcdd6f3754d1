#!/usr/bin/env python3
"""Second set of PyTorch golden cases with other shapes and arguments than the public set, made
with the shared generator library (../shared/golden/torch/gen/golden_lib.py). It checks that the
conformance runner computes from each case's arguments rather than from the public shapes.

Run from the repository root with Debian's python3 (python3-torch, python3-scipy, python3-pywt):
    /usr/bin/python3 test/golden/torch-variants/gen_variants.py
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(REPO, "..", "shared", "golden", "torch", "gen"))

import golden_lib  # noqa: E402

CFG = {
    "set_name": "variants",
    "seed": 271828,
    "out_dir": "test/golden/torch-variants/cases",
    "generator": "test/golden/torch-variants/gen_variants.py",
    "lib": "../shared/golden/torch/gen/golden_lib.py",
    "conv": {"x": (3, 5, 11, 6), "cout": 7},
    "linear": {"x": (2, 3, 9), "out": 5},
    "elementwise": {"n": 60, "shape": (5, 3, 4), "trig_range": 30.0},
    "maxpool": {"x": (1, 4, 10, 7), "x_odd": (2, 1, 9, 5), "x_ties": (1, 3, 4, 8)},
    "avgpool": {"x": (1, 2, 5, 13)},
    "interp": {"up2": (1, 2, 3, 7), "up2_more": [(2, 1, 6, 5)],
               "d05": (1, 3, 8, 14), "d05_odd": (2, 1, 9, 15),
               "d025": (1, 2, 12, 20), "d025_odd": (1, 1, 23, 17)},
    "cat": {"a": (3, 2, 3, 4), "b": (3, 4, 3, 4)},
    "dct": {"x": (1, 2, 9, 4), "x_inv": (2, 1, 3, 11)},
    "dwt": {"x": (1, 2, 6, 10), "x_inv_lowres": (4, 2)},
    "time_t": [0.0, 3.0, 15.0, 37.5, 999.0],
    "posenc": {"H": 9, "W": 20},
    "amp": {"x": (1, 3, 9, 16)},
    "eta_cases": [("eta_schedule_T20_p05", 20, 0.5), ("eta_schedule_T4", 4, 0.3)],
    "sample": {"x": (3, 6, 10), "ts": [2, 15, 9, 1], "rev_ts": [13, 5, 1]},
    "msloss": {"x": (1, 3, 24, 20), "x_odd": (2, 3, 11, 17)},
    "l1": {"x": (2, 7)},
    "adam": {"shapes": [(3,), (2, 2, 2), (6, 1)], "resume_step": 7},
    "clip": {"shapes": [(5,), (1, 4)]},
    "cos_epochs": [0, 5, 379, 380],
    "model": {"base": 4, "B": 2, "H": 16, "W": 24, "t": [3, 15]},
}

if __name__ == "__main__":
    G = golden_lib.run_all(CFG, REPO)
    print("wrote %d files, %d bytes" % (len(G.manifest), sum(m["bytes"] for m in G.manifest)))
