"""What a sweep shows while it runs: one line per tested (run, epoch) and, with --visdom_port, each run's
PSNR vs epoch in visdom. (wandb's live view is upstream's own --use_wandb; plugins.upstream.driver sets
its environment.)"""
from __future__ import annotations

from plugins.evaluation import scores


def report_epoch(runs: list[str], epoch: int, summary: dict, visdom: tuple | None) -> None:
    """Print the mean PSNRs of a tested epoch (scores.summary_psnr_line) for each run it serves; plot them
    when `visdom` is (server, port, env)."""
    metrics = summary["metrics"]
    for run in runs:
        print(f"{run} epoch {epoch}: {scores.summary_psnr_line(summary)}", flush=True)
        if visdom:
            show_progress(visdom, run, epoch, metrics["model"]["psnr"]["mean"], metrics["input"]["psnr"]["mean"])


def show_progress(visdom: tuple, run: str, epoch: int, psnr: float, baseline: float) -> None:
    """Append one (run, epoch) to the sweep's PSNR-vs-epoch window in its visdom env."""
    import visdom as visdom_client
    server, port, env = visdom
    client = visdom_client.Visdom(server=server, port=port, env=env, raise_exceptions=False)
    opts = {"title": f"{env}: mean PSNR vs epoch (dashed: pixelated input)", "xlabel": "epoch", "ylabel": "PSNR (dB)",
            "showlegend": True}
    client.line(X=[epoch], Y=[psnr], win="psnr_vs_epoch", name=run, update="append", opts=opts)
    client.line(X=[epoch], Y=[baseline], win="psnr_vs_epoch", name=f"{run} input", update="append",
                opts={**opts, "dash": ["dash"]})
