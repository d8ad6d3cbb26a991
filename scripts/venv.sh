# Sourced by the scripts: make or reuse .venv and install this project in it.
# The install runs again only when setup.cfg or constraints.txt changed.
# PIP_CONSTRAINT carries constraints.txt into pip's build environments too
# (visdom's sdist needs setuptools<81 to build).

ensure_venv() {
    local root python stamp want
    root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
    python="${PYTHON:-python3}"
    if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
        echo "error: Python >= 3.10 is needed; $python is $("$python" --version 2>&1 || echo missing) (set PYTHON=...)" >&2
        return 2
    fi
    if [ ! -x "$root/.venv/bin/python" ]; then
        echo "== creating $root/.venv"
        "$python" -m venv "$root/.venv" || return 2
    fi
    stamp="$root/.venv/.pix2pix-restore-installed"
    want="$(cat "$root/setup.cfg" "$root/constraints.txt" | sha256sum | cut -d' ' -f1)"
    if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
        echo "== installing pix2pix-restore and its dependencies into .venv (first time: several minutes)"
        PIP_CONSTRAINT="$root/constraints.txt" "$root/.venv/bin/python" -m pip install \
            --disable-pip-version-check -q -e "$root[test]" || return 2
        echo "$want" > "$stamp"
    fi
    export PATH="$root/.venv/bin:$PATH"
    export VIRTUAL_ENV="$root/.venv"
}
