#!/usr/bin/env bash
# Prepare the study's data: the photos of CycleGAN's vangogh2photo set,
# pixelated as the study did (needs internet, about 300 MB).
#
#   bash scripts/prepare_vangogh.sh
#
# Downloads with upstream's own script (run from this repository's root, so the
# zip lands in ./datasets/, not in the submodule), then builds from the photo
# half (trainB, 6287 photos) a seeded subset of 5000 train + 1000 test images,
# twice:
#   datasets/vangogh_fixed/        pixel size 64        (--preset study-fixed)
#   datasets/vangogh_variational/  pixel size 48..128   (--preset study-variational)
# each with A/ B/ AB/ folders and manifest.csv. Train on the photos directly with
#   --dataroot datasets/vangogh_fixed/B --dataset_mode pixelated --pixel_size 64
# or on the static pairs with --dataroot datasets/vangogh_fixed/AB --dataset_mode aligned.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh
ensure_venv
if [ ! -f upstream/datasets/download_cyclegan_dataset.sh ]; then
    echo "error: upstream/ is not checked out: git submodule update --init" >&2
    exit 2
fi
if [ ! -d datasets/vangogh2photo/trainB ]; then
    bash upstream/datasets/download_cyclegan_dataset.sh vangogh2photo
fi
for preset in fixed variational; do
    out="datasets/vangogh_$preset"
    if [ -f "$out/manifest.csv" ]; then
        echo "$out exists (manifest.csv): skipped"
        continue
    fi
    python datasets/make_pixelated.py --photos datasets/vangogh2photo/trainB --out "$out" \
        --preset "study-$preset" --max_images 6000 --test 1000 "$@"
done
