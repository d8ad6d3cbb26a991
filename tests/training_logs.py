"""Reading upstream's train.py output in tests: the learning rate each epoch trained at."""
from __future__ import annotations

import re


def lr_per_epoch(log_text: str) -> dict[int, float]:
    """{epoch: lr} from a log of the pinned upstream, which prints 'learning rate OLD -> NEW' at the
    start of each epoch (NEW is that epoch's lr) and 'End of epoch E / T' at its end."""
    lrs, current = {}, None
    for line in log_text.splitlines():
        step = re.search(r"learning rate [\d.]+ -> ([\d.]+)", line)
        if step:
            current = float(step.group(1))
        end = re.search(r"End of epoch (\d+) /", line)
        if end and current is not None:
            lrs[int(end.group(1))] = current
    return lrs
