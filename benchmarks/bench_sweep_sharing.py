"""Epochs trained with and without checkpoint sharing, for the study's grids (planning only).

Runs that differ only in n_epochs with n_epochs_decay 0 share one training
to the largest N. Under the pinned upstream, which steps the lr at the start
of each epoch, each shorter run tested at its last epoch also gets a one-epoch
lr-0 branch (sweep_plan.branch_last_epochs); the newest upstream needs none.
Prints both, for the study's epoch grid (N = 10..150 step 10, D = 0) and the
full N x D grid (D = 0..100 step 10).

    python benchmarks/bench_sweep_sharing.py
"""
from __future__ import annotations

from plugins.sweep.plan import branch_last_epochs, epochs_trained, plan_runs, plan_trainings

DEFAULTS = {"batch_size": 1, "n_epochs": 100, "n_epochs_decay": 100, "lr": 0.0002, "save_epoch_freq": 5}
N = [str(n) for n in range(10, 151, 10)]
GRIDS = {"epoch grid N=10..150, D=0": {"n_epochs": N, "n_epochs_decay": ["0"]},
         "full grid N=10..150 x D=0..100": {"n_epochs": N, "n_epochs_decay": [str(d) for d in range(0, 101, 10)]}}

for title, grid in GRIDS.items():
    runs = plan_runs({}, grid, 1, None, DEFAULTS, test_every=10)
    trainings = plan_trainings(runs, DEFAULTS)
    shared, alone = epochs_trained(trainings, runs)
    pinned, _ = epochs_trained(branch_last_epochs(trainings, runs), runs)
    print(f"{title:32s} {len(runs):4d} runs, {len(trainings):4d} trainings: {alone:6d} epochs without sharing, "
          f"{shared:6d} with ({alone / shared:.1f}x fewer; newest upstream), "
          f"{pinned:6d} lr-exact ({alone / pinned:.1f}x fewer; pinned upstream)")
