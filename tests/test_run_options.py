"""plugins.restore.run_options: a run's options read back from upstream's train_opt.txt, and what they imply."""
from __future__ import annotations

import argparse
import math

import pytest

from plugins.restore import generators as restoration
from plugins.restore import run_options
from plugins.testing import train_opt

from .run_folder import DEFAULTS, TINY_RUN


def test_parse_train_opt_reads_upstreams_table_back():
    opt = run_options.parse_train_opt(train_opt.option_table(TINY_RUN, DEFAULTS))
    assert opt.netG == "unet_128" and opt.ngf == 64 and opt.norm == "batch"
    assert opt.residual is True and opt.no_dropout is False
    assert opt.crop_size == 128 and opt.init_gain == 0.02 and opt.lr == 0.0002
    assert opt.pixel_size == 32 and opt.gpu_ids == -1
    assert opt.display_server == "http://localhost" and opt.suffix == ""
    assert math.isinf(float(opt.max_dataset_size))


def test_option_table_is_upstreams_format():
    """Byte for byte what upstream's print_options wrote for a real run (pinned e19f22f)."""
    table = train_opt.option_table({"crop_size": 128, "display_server": "http://localhost", "suffix": ""},
                                     {"crop_size": 256, "display_server": "http://localhost", "suffix": ""})
    assert table.splitlines() == [
        "----------------- Options ---------------",
        "                crop_size: 128                           \t[default: 256]",
        "           display_server: http://localhost              ",
        "                   suffix:                               ",
        "----------------- End -------------------"]


def test_read_train_opt_names_the_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match=f"{tmp_path}/train_opt.txt not found"):
        run_options.read_train_opt(tmp_path)


@pytest.mark.parametrize("pixel_size, crop, block, says", [
    ("32", 128, 4, "4 px blocks (pixel_size 32 on crop_size 128)"),
    ("64", 256, 4, "4 px blocks"),
    ("85", 256, 3, "rounded from 3.01"),
    ("48:128", 256, 4, "the middle (3.67) of the 2.00..5.33 px"),
    ("64,85,128", 256, 3, "the middle (3.00) of the 2.00..4.00 px"),
])
def test_model_block(pixel_size, crop, block, says):
    found, note = run_options.model_block(argparse.Namespace(pixel_size=pixel_size, crop_size=crop))
    assert found == block and says in note


def test_model_block_without_pixel_size_asks_for_the_flag():
    with pytest.raises(ValueError, match="--model_block"):
        run_options.model_block(argparse.Namespace(crop_size=256))


def test_generator_multiple():
    assert restoration.size_multiple("unet_256") == 256
    assert restoration.size_multiple("unet_128") == 128
    assert restoration.size_multiple("resnet_9blocks") == 4
    assert restoration.size_multiple("srnet_8blocks") == restoration.SRNET_SCALE
