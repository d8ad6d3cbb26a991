#!/usr/bin/env bash
# The study's learning-rate sweep: lr x0.1, x1, x10, x15, x20 of upstream's 0.0002,
# at batch size 64, 40 epochs, no decay (its best large-batch setting), tested every 10 epochs.
#   bash scripts/sweep_lr.sh datasets/vangogh_fixed/B
# Environment: LRS (comma list), BATCH_SIZE (64), EPOCHS (40); see scripts/sweep_common.sh for the rest.
set -euo pipefail
source "$(dirname "$0")/sweep_common.sh"
run_study_sweep sweep_lr "--grid lr=${LRS:-0.00002,0.0002,0.002,0.003,0.004} --test_every 10" \
    "--batch_size ${BATCH_SIZE:-64} --n_epochs ${EPOCHS:-40} --n_epochs_decay 0" "$@"
