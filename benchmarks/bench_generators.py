"""Generator speed on CPU at 256 px: images per second of each --netG, forward (test) and training step.

Builds each generator the way the restore model does (plugins.restore.generators
with upstream's networks), times a forward pass (batch 1, no grad, as
test.py and the restore CLI run it) and a forward + backward + Adam step at
batch 4 (training), and prints images/second with the ratio to unet_256,
the study's generator, measured in the same run. Needs upstream.

    python benchmarks/bench_generators.py [--netG unet_256,srnet_8blocks] [--size 256] [--repeats 3]
"""
from __future__ import annotations

import argparse
import time
from types import SimpleNamespace

import torch
from upstream_import import import_upstream

from plugins.restore import generators as restoration

NETS = "unet_256,unet_128,resnet_9blocks,srnet_8blocks,srnet_16blocks,srlite_16blocks"


def best_seconds(step, repeats: int) -> float:
    """The fastest of `repeats` timings of step() after one warm-up call."""
    step()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--netG", default=NETS)
    parser.add_argument("--ngf", type=int, default=64)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    import_upstream()
    from models import networks
    torch.manual_seed(0)
    rows = []
    for name in args.netG.split(","):
        opt = SimpleNamespace(netG=name, ngf=args.ngf, input_nc=3, output_nc=3, norm="batch", no_dropout=True,
                              init_type="normal", init_gain=0.02, residual=True, base="input")
        net = restoration.define_generator(opt, networks)
        params = sum(p.numel() for p in net.parameters())
        x1, x4 = torch.rand(1, 3, args.size, args.size) * 2 - 1, torch.rand(4, 3, args.size, args.size) * 2 - 1
        net.eval()
        with torch.no_grad():
            forward = best_seconds(lambda: net(x1), args.repeats)
        net.train()
        optim = torch.optim.Adam(net.parameters())

        def step():
            optim.zero_grad()
            (restoration.restore(net, x4, opt) - x4).abs().mean().backward()
            optim.step()
        train = best_seconds(step, args.repeats) / 4
        rows.append((name, params, 1 / forward, 1 / train))
    ref = {r[0]: r for r in rows}.get("unet_256", rows[0])
    print(f"generators on CPU ({torch.get_num_threads()} threads), {args.size} px, ngf {args.ngf}; "
          f"ratio against {ref[0]} in this run")
    print(f"{'netG':16s} {'params':>8s} {'test img/s':>10s} {'x':>6s} {'train img/s':>11s} {'x':>6s}")
    for name, params, test, train in rows:
        print(f"{name:16s} {params / 1e6:7.2f}M {test:10.2f} {test / ref[2]:6.2f} {train:11.2f} {train / ref[3]:6.2f}")


if __name__ == "__main__":
    main()
