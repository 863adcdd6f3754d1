"""Dev-time check of the PyTorch side of the interop (run by test/interop/torch-dev.test.ts; the
test skips when this interpreter has no torch/onnx, exit status 77):

  1. each model file written by resshift-ts loads into the reference DualDomainUNet with a strict
     load_state_dict, by the dependency-free loader the README shows;
  2. that module's forward gives the output resshift-ts computed for the same inputs;
  3. the exported ONNX file passes onnx.checker with full shape inference.

    /usr/bin/python3 test/interop/torch_interop_check.py --forward F.safetensors --onnx M.onnx MODEL.safetensors...
"""
import argparse
import importlib.util
import json
import os
import struct
import sys

try:
    import onnx
    import torch
except ImportError as e:
    print("skip: %s" % e)
    sys.exit(77)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


# --- the README snippet: load a resshift-ts model file into PyTorch without extra packages ---
def load_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    meta = header.pop("__metadata__", {})
    sd = {k: torch.frombuffer(bytearray(data[v["data_offsets"][0]:v["data_offsets"][1]]), dtype=torch.float32).reshape(v["shape"])
          for k, v in header.items()}
    return sd, meta
# --- end of snippet ---


def reference_module():
    spec = importlib.util.spec_from_file_location("make_pt_fixture", os.path.join(ROOT, "scripts", "make-pt-fixture.py"))
    fixture = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fixture)
    fixture.stub_missing_modules()
    sys.path.insert(0, fixture.GEN)
    import golden_lib
    golden_lib.setup_torch()
    return golden_lib.DualDomainUNet


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--forward", required=True)
    ap.add_argument("--onnx", required=True)
    ap.add_argument("models", nargs="+")
    a = ap.parse_args()
    DualDomainUNet = reference_module()
    report = {"torch": torch.__version__, "onnx": onnx.__version__, "loaded": []}
    for path in a.models:
        sd, meta = load_safetensors(path)
        cfg = json.loads(meta["model"])
        model = DualDomainUNet(in_channels=cfg["inChannels"], base_channels=cfg["baseChannels"], time_dim=cfg["timeDim"])
        model.load_state_dict(sd, strict=True)  # raises on any missing, unexpected or misshapen key
        report["loaded"].append({"path": os.path.basename(path), "tensors": len(sd)})
        if path == a.models[0]:
            f, _ = load_safetensors(a.forward)
            with torch.no_grad():
                out = model.eval()(f["xt"], f["y0_aug"], f["t"])
            report["forward_max_abs_diff"] = float((out - f["output"]).abs().max())
            report["forward_max_abs"] = float(f["output"].abs().max())
    m = onnx.load(a.onnx)
    onnx.checker.check_model(m, full_check=True)
    report["onnx_nodes"] = len(m.graph.node)
    report["onnx_opset"] = m.opset_import[0].version
    print(json.dumps(report))


if __name__ == "__main__":
    main()
