"""Run inside an upstream tree: build a dataset from upstream's options, save samples.

    python dataset_probe.py OUT_DIR COUNT [train|test] -- <upstream flags>
Saves sample i as OUT_DIR/i_A.pt, i_B.pt (tensors) and prints the dataset class.
"""
import sys

import torch

out, count, phase = sys.argv[1], int(sys.argv[2]), sys.argv[3]
sys.argv = [sys.argv[0]] + sys.argv[sys.argv.index("--") + 1:]
if phase == "train":
    from options.train_options import TrainOptions as Options
else:
    from options.test_options import TestOptions as Options
from data import create_dataset  # noqa: E402

opt = Options().parse()
if phase == "test":  # as test.py sets them
    opt.num_threads, opt.batch_size, opt.serial_batches, opt.no_flip = 0, 1, True, True
dataset = create_dataset(opt).dataset
print("dataset class:", type(dataset).__name__, "length:", len(dataset))
for i in range(count):
    sample = dataset[i]
    torch.save(sample["A"], f"{out}/{i}_A.pt")
    torch.save(sample["B"], f"{out}/{i}_B.pt")
