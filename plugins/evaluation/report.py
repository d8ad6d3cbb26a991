"""Plots (matplotlib, Agg) and HTML pages (dominate, like upstream's) of evaluation results."""
from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import quote

import matplotlib

matplotlib.use("Agg")
import dominate  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from dominate import tags  # noqa: E402
from PIL import Image  # noqa: E402

from plugins.data import atomic_write
from plugins.data import image_io
from plugins.evaluation import results  # noqa: E402
from plugins.evaluation import scores  # noqa: E402
from plugins.evaluation.scores import fmt  # noqa: E402

COLORS = {"model": "tab:red", "input": "tab:gray", "bicubic": "tab:blue"}
LABELS = {"model": "model (fake_B)", "input": "pixelated input (real_A)", "bicubic": "bicubic upscale"}


def save_figure(fig, path: Path) -> None:
    """Save a matplotlib figure atomically and close it."""
    with atomic_write.atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=100, bbox_inches="tight")
    plt.close(fig)


def plot_scatter(rows: list[dict], cap: float, path: Path) -> None:
    """Cosine similarity against PSNR per image and method (the study's figure 2)."""
    fig, ax = plt.subplots(figsize=(6, 4.5))
    for method in scores.METHODS:
        pts = [(scores.capped(r[f"psnr_{method}"], cap), r[f"cosine_{method}"]) for r in rows
               if r[f"cosine_{method}"] is not None]
        if pts:
            ax.scatter(*zip(*pts), s=12, alpha=0.7, color=COLORS[method], label=LABELS[method])
    ax.set_xlabel("PSNR (dB)")
    ax.set_ylabel("cosine similarity")
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(alpha=0.3)
    save_figure(fig, path)


def plot_histogram(rows: list[dict], cap: float, path: Path) -> None:
    """PSNR distribution of the model against both baselines."""
    fig, ax = plt.subplots(figsize=(6, 4))
    values = {m: [scores.capped(r[f"psnr_{m}"], cap) for r in rows if r[f"psnr_{m}"] is not None]
              for m in scores.METHODS}
    finite = [v for vs in values.values() for v in vs]
    bins = np.linspace(min(finite), max(finite), 30) if finite else 10
    for method, vs in values.items():
        if vs:
            ax.hist(vs, bins=bins, histtype="stepfilled", alpha=0.5, color=COLORS[method],
                    label=f"{LABELS[method]}: {np.mean(vs):.2f} dB")  # one patch per method: 3x faster to draw
    ax.set_xlabel("PSNR (dB)")
    ax.set_ylabel("images")
    ax.legend(fontsize=8)
    save_figure(fig, path)


def link(path: str | os.PathLike, start: Path) -> str:
    """A relative URL from folder `start` to `path`, percent-encoded so '#', '?', '%' and spaces in a
    file name stay part of it (dominate only HTML-escapes attributes)."""
    return quote(Path(os.path.relpath(path, start)).as_posix())


def _table(header: list[str], body: list[list]) -> None:
    with tags.table(border=1, style="border-collapse:collapse;text-align:right", cellpadding=4):
        with tags.tr():
            for h in header:
                tags.th(h)
        for line in body:
            with tags.tr():
                for cell in line:
                    tags.td(fmt(cell))


def _call(fn, args: tuple):
    """fn(*args): one of the report's independent pieces, run by a pool's worker."""
    return fn(*args)


def write_report(out: Path, rows: list[dict], summary: dict, triplets: dict, show: int = 5, pool=None) -> Path:
    """Plots and index.html in `out`: summary, plots, and input | bicubic | model | real
    for the `show` worst and best images by PSNR gain over the input. With a
    multiprocessing pool, the plots and bicubic pictures are drawn by its workers at once."""
    cap = summary["psnr_cap_db"]
    ranked = sorted(rows, key=lambda r: r["gain_input"])
    picked = ranked[:show] + ranked[max(show, len(ranked) - show):][::-1]
    pieces = [(plot_scatter, (rows, cap, out / "cosine_vs_psnr.png")),
              (plot_histogram, (rows, cap, out / "psnr_histogram.png"))] + \
             [(_save_bicubic, (out, triplets[row["id"]])) for row in picked]
    drawn = pool.starmap(_call, pieces, chunksize=1) if pool else [fn(*args) for fn, args in pieces]
    bicubics = dict(zip((row["id"] for row in picked), drawn[2:]))
    doc = dominate.document(title=f"Evaluation: {summary.get('run', '')} {summary.get('epoch', '')}")
    with doc:
        tags.h2(f"{summary.get('run', '')} / epoch {summary.get('epoch', '')}: {summary['count']} images")
        convention = summary.get("convention", {}).get("description", scores.STUDY.describe())
        tags.p(f"Images: {summary.get('images_dir', '')}. PSNR in dB, peak 255, capped at {cap:g} dB in means. "
               f"PSNR and SSIM on {convention}; cosine on every RGB pixel.")
        tag = "" if convention == scores.STUDY.describe() else f" [{convention}]"
        _table(["", f"PSNR{tag} mean", f"PSNR{tag} median", f"PSNR{tag} std", "cosine mean", f"SSIM{tag} mean"],
               [[LABELS[m], summary["metrics"][m]["psnr"]["mean"], summary["metrics"][m]["psnr"]["median"],
                 summary["metrics"][m]["psnr"]["std"], summary["metrics"][m]["cosine"]["mean"],
                 summary["metrics"][m]["ssim"]["mean"]] for m in scores.METHODS])
        tags.p()
        _table(["model vs", f"mean PSNR{tag} gain (dB)", "95% interval", "win rate"],
               [[b, g["mean_psnr_db"], " .. ".join(fmt(v) for v in g["ci95_psnr_db"] or []), g["win_rate"]]
                for b, g in summary["gain"].items()])
        if summary.get("skipped"):
            tags.p(f"Skipped {len(summary['skipped'])} files (see summary.json).")
        tags.img(src="cosine_vs_psnr.png")
        tags.img(src="psnr_histogram.png")
        tags.h3(f"Worst {show} and best {show} images by PSNR gain over the input")
        with tags.table(border=0, cellpadding=4):
            with tags.tr():
                for h in ("image", "input (real_A)", "bicubic", "model (fake_B)", "real (real_B)"):
                    tags.th(h)
            for row in picked:
                triplet, bicubic = triplets[row["id"]], bicubics[row["id"]]
                with tags.tr():
                    tags.td(f"{row['id']} gain {fmt(row['gain_input'], 2)} dB")
                    for src, psnr in ((triplet.real_A, row["psnr_input"]), (bicubic, row["psnr_bicubic"]),
                                      (triplet.fake_B, row["psnr_model"]), (triplet.real_B, None)):
                        with tags.td():
                            if src is not None:
                                tags.img(src=link(src, out), width=160)
                                tags.br()
                                tags.span("" if psnr is None else f"{fmt(psnr, 2)} dB")
    path = out / "index.html"
    atomic_write.write_text(path, doc.render())
    return path


def _save_bicubic(out: Path, triplet) -> Path | None:
    """Write the bicubic baseline of one triplet for the grid; None when not recoverable."""
    up = scores.bicubic_baseline(np.asarray(image_io.load_8bit(triplet.real_A)))
    if up is None:
        return None
    path = out / "bicubic" / f"{triplet.id}_bicubic.png"
    image_io.save_png(path, up)
    return path


def plot_epochs(table: list[dict], path: Path) -> None:
    """Mean PSNR against epoch per run, baselines as horizontal lines (the study's figures 4-12)."""
    fig, ax = plt.subplots(figsize=(7, 4.5))
    runs = sorted({r["run"] for r in table})
    for run in runs:
        pts = [(int(r["epoch"]), r["psnr_model"]) for r in table if r["run"] == run and str(r["epoch"]).isdigit()]
        if pts:
            ax.plot(*zip(*sorted(pts)), marker="o", label=run)
    for base, style in (("input", "--"), ("bicubic", ":")):
        values = [r[f"psnr_{base}"] for r in table if r.get(f"psnr_{base}") is not None]
        if values:
            ax.axhline(float(np.mean(values)), color=COLORS[base], linestyle=style,
                       label=f"{LABELS[base]}: {np.mean(values):.2f} dB")
    ax.set_xlabel("epoch")
    ax.set_ylabel("mean PSNR (dB)")
    ax.grid(alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=7, loc="best")
    save_figure(fig, path)


def write_comparison_html(path: Path, table: list[dict], columns: list[str], plot: str, title: str) -> None:
    """A page with the runs x epochs table and the PSNR-vs-epoch plot."""
    doc = dominate.document(title=title)
    with doc:
        tags.h2(title)
        tags.img(src=quote(plot))
        _table(columns, [[r.get(c) for c in columns] for r in table])
        for r in table:
            if r.get("report"):
                tags.br()
                tags.a(f"{r['run']} epoch {r['epoch']}", href=link(r["report"], path.parent))
    atomic_write.write_text(path, doc.render())


def comparison_grid(summaries: dict[str, dict], out: Path, rows: int = 4, width: int = 128) -> None:
    """input | bicubic | each named model | real on the first test images of the first summary's
    images folder (every model tested on the same files), as one PNG."""
    found = {name: {t.id: t for t in results.find_triplets(Path(s["images_dir"]))[0]} for name, s in summaries.items()}
    first = next(iter(found.values()))
    tiles = []
    for triplet in list(first.values())[:rows]:
        real_a = np.asarray(image_io.load_rgb(triplet.real_A))
        bicubic = scores.bicubic_baseline(real_a)
        row = [real_a, real_a if bicubic is None else bicubic]
        row += [np.asarray(image_io.load_rgb(models[triplet.id].fake_B)) for models in found.values()]
        row.append(np.asarray(image_io.load_rgb(triplet.real_B)))
        tiles.append(np.concatenate([np.asarray(Image.fromarray(t).resize((width, width), Image.Resampling.NEAREST))
                                     for t in row], axis=1))
    image_io.save_png(out, np.concatenate(tiles, axis=0), optimize=True)
