#!/usr/bin/env bash
# The study's repeat runs: REPEATS (4) identical trainings of the best setting (batch 1,
# 10 epochs, no decay) to measure the spread of PSNR between runs (the study saw ~0.5 dB).
#   bash scripts/sweep_repeats.sh datasets/vangogh_fixed/B
# Environment: REPEATS (4), BATCH_SIZE (1), EPOCHS (10); see scripts/sweep_common.sh.
set -euo pipefail
source "$(dirname "$0")/sweep_common.sh"
run_study_sweep sweep_repeats "--repeats ${REPEATS:-4} --test_epochs ${EPOCHS:-10}" \
    "--batch_size ${BATCH_SIZE:-1} --n_epochs ${EPOCHS:-10} --n_epochs_decay 0" "$@"
