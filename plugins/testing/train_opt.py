"""Upstream's option table (train_opt.txt) written without upstream, for tests and benchmarks of trained runs."""
from __future__ import annotations


def option_table(options: dict, defaults: dict | None = None) -> str:
    """Upstream's option table (BaseOptions.print_options) for `options`: what run_options.parse_train_opt reads."""
    defaults = defaults or {}
    lines = ["----------------- Options ---------------"]
    for key, value in sorted(options.items()):
        comment = f"\t[default: {defaults[key]}]" if key in defaults and defaults[key] != value else ""
        lines.append("{:>25}: {:<30}{}".format(str(key), str(value), comment))
    return "\n".join(lines + ["----------------- End -------------------", ""])
