#!/usr/bin/env bash
# The GPU backend's timings on a real GPU, for a session lent the GPU machine (see
# ../shared/gpu/README.md). Prepare here, where the kit is built:
#
#   npm run build && bash ../shared/gpu/make-kit.sh .gpu-kit .
#
# then one call of the device tool, carrying the kit and the build:
#
#   run  command: bash scripts/gpu-device-bench.sh   carry: [".gpu-kit", "dist"]   timeout_s: 480
#
# It checks the adapter (the kit's probe: exit 0 only on a hardware GPU with a correct result),
# then times the cases the GPU backend can hold (GPU.js indexes tensors in float32, so at most
# 2^24 elements each: the width-64 forward fits up to 208x208, a width-64 training step up to 2
# items at 128x128), and leaves the JSON reports in $OUT for the README's backend table.
set -euo pipefail
source .gpu-kit/device-env.sh .gpu-kit
node .gpu-kit/probe.mjs
out="${OUT:-/tmp/gpu-bench}"
mkdir -p "$out"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader > "$out/device.txt" || true
bench() { node bin/resshift-ts.js bench --backend gpu --iterations 5 --json "$@"; }
# a training step at batch 4, 64x64 crops (the CPU table's case), and the bundled model's sampling of a 256 tile
bench --only unet-train-b4-64 unet-sample-256-w32 > "$out/gpu-bench.json"
# the width-64 forward at 192x192 (scale 0.75), below the 2^24-element limit
bench --only unet-fwd-256 --scale 0.75 > "$out/gpu-bench-fwd192.json"
cat "$out"/*.json
