"""Start visdom with scripts/visdom.sh, push a line and an image, look at the page in Chromium.

    python tests/visdom_page_check.py OUT_DIR PORT
Run by tests/test_visdom_page.py inside a network namespace with only loopback,
so it proves the server needs no network. Prints one JSON line with what the
page's DOM showed; saves OUT_DIR/visdom_page.png.
"""
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import visdom
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium_path() -> str:
    for candidate in ("/usr/bin/chromium", "/usr/bin/chromium-browser"):
        if os.path.exists(candidate):
            return candidate
    raise SystemExit("no chromium executable (apt-get install chromium)")


def inspect_page(port: str, screenshot: Path, windows: int = 2) -> dict:
    """Window titles, line traces and images of visdom's page (main env) as Chromium shows them."""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(f"http://localhost:{port}", wait_until="load")
        page.wait_for_selector(".js-plotly-plot .scatterlayer .trace", timeout=30000)
        page.wait_for_function(f"document.querySelectorAll('.window').length >= {windows}", timeout=30000)
        time.sleep(1)
        found = {
            "titles": page.eval_on_selector_all(".window .bar", "els => els.map(e => e.textContent)"),
            "line_traces": page.eval_on_selector_all(".js-plotly-plot .scatterlayer .trace", "els => els.length"),
            "images": page.eval_on_selector_all("img.content-image", "els => els.map(e => e.src.slice(0, 22))"),
        }
        page.screenshot(path=str(screenshot))
        browser.close()
    return found


def main() -> None:
    out, port = Path(sys.argv[1]), sys.argv[2]
    env = dict(os.environ, VISDOM_PORT=port, VISDOM_DIR=str(out / "visdom"))
    script = str(ROOT / "scripts" / "visdom.sh")
    started = subprocess.run(["bash", script, "start"], env=env, capture_output=True, text=True)
    result = {"start_rc": started.returncode, "start_out": (started.stdout + started.stderr)[-500:]}
    try:
        if started.returncode != 0:
            return
        client = visdom.Visdom(port=int(port), env="main", raise_exceptions=True)
        x = np.arange(20, dtype=float)
        client.line(X=np.stack([x, x], 1), Y=np.stack([np.sin(x / 3), np.cos(x / 3)], 1), win="psnr_line",
                    opts={"title": "PSNR: output vs pixelated input", "legend": ["output", "input"]})
        image = (np.indices((3, 64, 64)).sum(axis=0) % 256).astype(np.uint8)
        client.image(image, win="sample_image", opts={"title": "real_A fake_B real_B"})
        result.update(inspect_page(port, out / "visdom_page.png"))
        log = (out / "visdom" / f"server-{port}.log").read_text()
        result["downloaded"] = "Downloading scripts" in log
    finally:
        stopped = subprocess.run(["bash", script, "stop"], env=env, capture_output=True, text=True)
        result["stop_out"] = stopped.stdout.strip()
        print(json.dumps(result))


if __name__ == "__main__":
    main()
