#!/usr/bin/env bash
# The recipe ablation as one command: the study's pix2pix, restore --residual, + a bicubic base,
# + no GAN, + the srnet generator, + rotations; each trained for the same CPU time through upstream
# train.py, validated on DATAROOT/val, tested on crops of DATAROOT/test at 256/64 and 128/32,
# evaluated, tabled (recipes.md/.csv/.json) and shown side by side (recipes_grid.png).
#   bash scripts/sweep_recipes.sh DATAROOT [plugins.sweep.recipes options, e.g. --minutes 4 --recipes l1_only,srnet]
# DATAROOT holds train/ (training photos, whole) and val/, test/ (photos of another source);
# `bash scripts/demo.sh` builds one in datasets/demo. Rerunning skips what is done.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -lt 1 ] || [ ! -d "$1" ]; then
    echo "sweep_recipes: error: give a DATAROOT folder with train/, val/ and test/ photos (got '${1:-}')" >&2
    exit 2
fi
source scripts/venv.sh
ensure_venv
dataroot=$1
shift
exec python -m plugins.sweep.recipes --dataroot "$dataroot" --out "${RECIPES_OUT:-sweeps/recipes}" "$@"
