"""Where a training epoch ends, as both upstream train.py loops show it to the model, and who acts on it.

The restore model validates once per epoch. Counting batches against the
dataset's size is right only where one process sees every sample: under the
newest upstream's DDP each process sees 1/world_size of them (a
DistributedSampler), so a count fires every world_size epochs. The signal both
upstreams give is the call of update_learning_rate(): the newest calls it at
the end of each epoch, the pinned one at the start of each (so there it
follows the previous epoch's last batch). Either way, a call that comes after
batches of the current epoch means that epoch is over. The pinned loop calls
nothing after its last epoch, and it never runs DDP: there (one process) the
count still ends an epoch at its last batch, and the update that follows finds
no batch since and does nothing. So each epoch ends exactly once on every
upstream, and only the main process (rank 0, or the only one) acts on it:
the others skip validation and meet rank 0 again at their next gradient
all-reduce.
"""
from __future__ import annotations

import math
from typing import Optional

import torch.distributed as dist


def distributed() -> bool:
    """True inside a torch.distributed process group (the newest upstream's torchrun/DDP)."""
    return dist.is_available() and dist.is_initialized()


def main_process() -> bool:
    """True on rank 0, or when training runs in one process: the one that validates and writes."""
    return not distributed() or dist.get_rank() == 0


class EpochEnds:
    """Follows the training loop's calls; each hook returns the epoch that just ended, for this process
    to act on (None elsewhere: not an epoch's end, or not the main process)."""

    def __init__(self, first_epoch: int, dataset_size: Optional[int], batch_size: int):
        """`dataset_size`: samples per epoch as the dataset tells it; its batches are counted only when one
        process sees them all (not under DDP)."""
        self.epoch, self.batches = first_epoch, 0
        self.per_epoch = (math.ceil(dataset_size / batch_size) if dataset_size and not distributed() else None)

    def _end(self) -> Optional[int]:
        ended, self.epoch, self.batches = self.epoch, self.epoch + 1, 0
        return ended if main_process() else None

    def after_batch(self) -> Optional[int]:
        """After each optimisation step: the epoch, when its last batch is counted (one process only)."""
        self.batches += 1
        return self._end() if self.per_epoch is not None and self.batches >= self.per_epoch else None

    def at_lr_update(self) -> Optional[int]:
        """At update_learning_rate(): the epoch whose batches came before it, if any came."""
        return self._end() if self.batches else None
