#!/usr/bin/env bash
# The study's batch-size sweep: batch sizes 1..100 at 10 epochs, no decay; sweep.csv's
# train_sec_per_epoch column gives the time per epoch of each (the study's figure 3).
#   bash scripts/sweep_batch_size.sh datasets/vangogh_fixed/B
# Environment: BATCH_SIZES (1,2,4,8,16,32,64,100), EPOCHS (10); see scripts/sweep_common.sh.
set -euo pipefail
source "$(dirname "$0")/sweep_common.sh"
run_study_sweep sweep_batch_size "--grid batch_size=${BATCH_SIZES:-1,2,4,8,16,32,64,100} --test_epochs ${EPOCHS:-10}" \
    "--n_epochs ${EPOCHS:-10} --n_epochs_decay 0" "$@"
