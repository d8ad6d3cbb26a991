"""Per-iteration cost of the restore model's live metrics, against plain pix2pix, on CPU.

Times optimize_parameters + get_current_losses (the live metrics are computed
there) for `--model restore` and `--model pix2pix` on the same batch,
alternating blocks of iterations, and prints the ratio (expected <= 1.02).
Metrics are taken every iteration here (print_freq 1), the worst case.
Needs upstream (./upstream or PIX2PIX_UPSTREAM).

    python benchmarks/bench_restore_overhead.py [--iters 12] [--rounds 3]
"""
from __future__ import annotations

import argparse
import contextlib
import io
import statistics
import tempfile
import time

import torch
from upstream_import import cpu_flags, import_upstream, upstream_options


def seconds_per_iteration(model, batch: dict, iters: int) -> float:
    start = time.perf_counter()
    for _ in range(iters):
        model.set_input(batch)
        model.optimize_parameters()
        model.get_current_losses()
    return (time.perf_counter() - start) / iters


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--iters", type=int, default=12)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    import_upstream()
    from models import create_model

    torch.manual_seed(0)
    batch = {"A": torch.rand(1, 3, 128, 128) * 2 - 1, "B": torch.rand(1, 3, 128, 128) * 2 - 1,
             "A_paths": ["a"], "B_paths": ["b"]}
    models = {}
    with tempfile.TemporaryDirectory() as tmp, contextlib.redirect_stdout(io.StringIO()):
        for name in ("pix2pix", "restore"):
            opt = upstream_options(["--dataroot", tmp, "--model", name, "--netG", "unet_128", "--checkpoints_dir",
                                    tmp, "--name", name, *cpu_flags()])
            torch.manual_seed(0)
            models[name] = create_model(opt)
            models[name].setup(opt)
    times = {name: [] for name in models}
    for name in models:  # warm-up
        seconds_per_iteration(models[name], batch, 2)
    for _ in range(args.rounds):
        for name in models:
            times[name].append(seconds_per_iteration(models[name], batch, args.iters))
    for name, values in times.items():
        print(f"{name:8s} {statistics.median(values) * 1000:7.1f} ms per iteration (unet_128, 128 px, batch 1, CPU)")
    ratio = statistics.median(times["restore"]) / statistics.median(times["pix2pix"])
    print(f"ratio restore / pix2pix: {ratio:.3f} (expected <= 1.02)")


if __name__ == "__main__":
    main()
