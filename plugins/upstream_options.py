"""Print upstream's options as JSON: run inside an upstream tree (cwd and PYTHONPATH).

    python plugins/upstream_options.py MODEL DATASET_MODE

For train.py and test.py each: every option with its default (after the
model's and dataset's changes) and whether it is a switch (store_true).
Upstream's own --help lists neither the model's nor the dataset's options,
so the sweep asks this instead to check flags before launching anything.
"""
import argparse
import json
import sys

import data
import models
from options.test_options import TestOptions
from options.train_options import TrainOptions


def describe(options_class, model: str, dataset_mode: str) -> dict:
    """{dest: {"default": ..., "switch": bool}} of one upstream script's parser."""
    options = options_class()
    parser = options.initialize(argparse.ArgumentParser())
    parser = models.get_option_setter(model)(parser, options.isTrain)
    parser = data.get_option_setter(dataset_mode)(parser, options.isTrain)
    return {action.dest: {"default": parser.get_default(action.dest), "switch": action.nargs == 0}
            for action in parser._actions if action.option_strings and action.dest != "help"}


if __name__ == "__main__":
    model, dataset_mode = sys.argv[1], sys.argv[2]
    print(json.dumps({"train": describe(TrainOptions, model, dataset_mode),
                      "test": describe(TestOptions, model, dataset_mode)}, default=str))
