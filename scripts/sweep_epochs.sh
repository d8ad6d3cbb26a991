#!/usr/bin/env bash
# The study's epoch sweep: normal epochs N = 10..150 (step 10) with no decay,
# tested every 10 epochs. The runs share one training to 150 epochs, and each
# run's last epoch (at lr 0 in the pinned upstream) is a one-epoch branch: 164 epochs, not 1200.
# DECAY=0:100:10 adds the decay axis (each run with decay > 0 trains alone).
#   bash scripts/sweep_epochs.sh datasets/vangogh_fixed/B [--batch_size 1 ...]
# Environment: see scripts/sweep_common.sh (MODEL, PIXEL_SIZE, GPUS, LAUNCHER, SWEEP_DIR, SWEEP_OPTS).
set -euo pipefail
source "$(dirname "$0")/sweep_common.sh"
run_study_sweep sweep_epochs "--grid n_epochs=${EPOCHS:-10:150:10} --grid n_epochs_decay=${DECAY:-0} --test_every 10" \
    "--batch_size ${BATCH_SIZE:-1}" "$@"
