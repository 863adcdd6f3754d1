#!/usr/bin/env bash
# The run's exact command, from the repository root (data: see README.md beside this file).
exec node bin/resshift-ts.js train --data ../data/train --valid ../data/held --width 32 --crop 128 --batch 8 --lr 1e-3 --epochs 1000 --seed 1 --eval-every 25 --save-every 25 --out models/runs/w32-c128-b8-lr1e-3/checkpoints --json
