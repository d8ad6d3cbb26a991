#!/usr/bin/env bash
# The whole study in miniature, on photos that ship with scikit-image (no download):
# build datasets/demo, train the restore model through upstream train.py with
# --dataset_mode pixelated, test through upstream test.py, evaluate, report.
#   bash scripts/demo.sh            # about 12 minutes on a 2-core CPU, faster on a GPU
#   bash scripts/demo.sh --quick    # a smoke run of about a minute
# Rerunning skips what is done. Needs the upstream submodule (or PIX2PIX_UPSTREAM).
set -euo pipefail
cd "$(dirname "$0")/.."
upstream="${PIX2PIX_UPSTREAM:-upstream}"
if [ ! -f "$upstream/train.py" ]; then
    if [ -n "${PIX2PIX_UPSTREAM:-}" ]; then
        echo "demo: error: PIX2PIX_UPSTREAM=$PIX2PIX_UPSTREAM has no train.py: point it at a checkout of upstream (e19f22f, or 2a7afba and later)" >&2
    else
        echo "demo: error: upstream/ is not checked out; run: git submodule update --init" >&2
    fi
    exit 2
fi
source scripts/venv.sh
ensure_venv
python -m plugins.link
exec python -m plugins.demo "$@"
