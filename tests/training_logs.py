"""Reading upstream's train.py output in tests: the learning rate each epoch trained at."""
from __future__ import annotations

import re


def lr_per_epoch(log_text: str, stepped_at_start: bool = True) -> dict[int, float]:
    """{epoch: lr} from a train.py log. Upstream prints 'learning rate OLD -> NEW' where it steps the
    lr: the pinned one at the start of each epoch (NEW is that epoch's lr), the newest at its end
    (OLD is), and 'End of epoch E / T' after that."""
    lrs, current = {}, None
    for line in log_text.splitlines():
        step = re.search(r"learning rate ([\d.]+) -> ([\d.]+)", line)
        if step:
            current = float(step.group(2 if stepped_at_start else 1))
        end = re.search(r"End of epoch (\d+) /", line)
        if end and current is not None:
            lrs[int(end.group(1))] = current
    return lrs
