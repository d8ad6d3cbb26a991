"""Load a test fixture's module from its file, leaving the module search path alone
(plugins/upstream/path.py is the one place that edits it, for upstream's own modules)."""
from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType


def load_file(path: Path) -> ModuleType:
    """The module in the file `path`, run once and named after its stem (not entered in sys.modules)."""
    spec = importlib.util.spec_from_file_location(Path(path).stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
