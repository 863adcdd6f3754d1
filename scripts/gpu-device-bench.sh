#!/usr/bin/env bash
# The GPU backend's timings on a real GPU, for a session lent the GPU machine (see
# ../shared/gpu/README.md). Prepare here, where the kit is built:
#
#   npm run build && bash ../shared/gpu/make-kit.sh .gpu-kit .
#
# then one call of the device tool, carrying the kit and the build:
#
#   run  command: bash scripts/gpu-device-bench.sh   carry: [".gpu-kit", "dist"]   timeout_s: 600
#
# It checks the adapter (the kit's probe: exit 0 only on a hardware GPU with a correct result),
# then times the CPU table's cases and issue #7's full-size ones (kernels index in 32-bit
# integers, so a tensor holds what one WebGPU storage buffer of the device holds: the width-64
# batch-8 256x256 step's largest tensor, 201M elements, needs a 768 MiB binding), each case
# under its own time limit so a slow one leaves the others' reports, and leaves the JSON
# reports in $OUT for the README's backend table.
set -euo pipefail
source .gpu-kit/device-env.sh .gpu-kit
node .gpu-kit/probe.mjs
out="${OUT:-/tmp/gpu-bench}"
mkdir -p "$out"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader > "$out/device.txt" || true
# one case a call, at most $2 seconds: a timeout or failure is noted and the next case runs
one() { timeout "$2" node bin/resshift-ts.js bench --backend gpu --iterations "${3:-5}" --json --only "$1" > "$out/gpu-bench-$1.json" || echo "$1: exit $?" >> "$out/failed.txt"; }
# a training step at batch 4, 64x64 crops (the CPU table's case), and the bundled model's sampling of a 256 tile
one unet-train-b4-64 60
one unet-sample-256-w32 100
# issue #7: the width-64 forward at 256x256, the batch-8 256x256 training step, the 15-step sampling of a 256 image
one unet-fwd-256 60
one unet-train-b8-256 150 3
one unet-sample-256 120 3
cat "$out"/*.json "$out"/failed.txt 2>/dev/null || true
