"""plugins.upstream.parsers (flavours) and plugins.upstream.driver (commands per flavour), pure parts."""
from __future__ import annotations

import sys

import pytest

from plugins.upstream import driver as uc
from plugins.sweep.plan import PlanError
from plugins.upstream.parsers import GPU_IDS, TORCHRUN, UpstreamError, flavour, read_options

DRIVEN = {f: {} for f in ("name", "checkpoints_dir", "epoch", "n_epochs", "n_epochs_decay", "save_epoch_freq",
                          "continue_train", "epoch_count")}


def test_flavour_from_the_parsers():
    assert flavour({**DRIVEN, "gpu_ids": {}, "display_id": {}, "use_wandb": {}}, "up") == GPU_IDS
    assert flavour({**DRIVEN, "gpu_ids": {}}, "up") == GPU_IDS  # visdom gone, --gpu_ids kept (cb0ebe9)
    assert flavour({**DRIVEN, "use_wandb": {}}, "up") == TORCHRUN
    with pytest.raises(UpstreamError, match="up: its train.py takes neither --gpu_ids .* nor --use_wandb"):
        flavour(dict(DRIVEN), "up")
    without = {k: v for k, v in DRIVEN.items() if k != "save_epoch_freq"}
    with pytest.raises(UpstreamError, match="its train.py has no --save_epoch_freq"):
        flavour({**without, "gpu_ids": {}}, "up")


def test_a_checkout_without_option_parsers_is_one_line(tmp_path):
    (tmp_path / "train.py").write_text("")
    with pytest.raises(UpstreamError) as err:
        read_options(tmp_path, sys.executable, "pix2pix", "aligned")
    assert "no options/train_options.py" in str(err.value) and "\n" not in str(err.value)


@pytest.mark.parametrize("flavour_, slot, processes, gpu_ids, env", [
    (GPU_IDS, uc.CPU, 1, "-1", {}),
    (GPU_IDS, "1", 1, "1", {}),
    (GPU_IDS, uc.SCHEDULER, 2, "0,1", {}),
    (TORCHRUN, uc.CPU, 1, None, {"CUDA_VISIBLE_DEVICES": ""}),
    (TORCHRUN, "2,3", 2, None, {"CUDA_VISIBLE_DEVICES": "2,3"}),
    (TORCHRUN, uc.SCHEDULER, 2, None, {}),  # Slurm's own CUDA_VISIBLE_DEVICES stays
])
def test_devices_per_flavour(flavour_, slot, processes, gpu_ids, env):
    assert uc.gpu_ids_flag(flavour_, slot, processes) == gpu_ids
    assert uc.device_env(flavour_, slot) == env


def test_device_and_display_flags_as_each_flavour_spells_them():
    pinned = {"gpu_ids": {}, "display_id": {}}
    assert uc.device_flags(GPU_IDS, uc.CPU, pinned) == {"gpu_ids": "-1", "display_id": "0"}
    assert uc.device_flags(GPU_IDS, "0", {"gpu_ids": {}}) == {"gpu_ids": "0"}  # no visdom: no --display_id
    assert uc.device_flags(TORCHRUN, "0", {"use_wandb": {}}) == {}  # its device is CUDA_VISIBLE_DEVICES
    assert uc.device_env(TORCHRUN, "0") == {"CUDA_VISIBLE_DEVICES": "0"}


def test_the_managed_flags_include_what_every_driven_run_sets():
    from plugins.upstream.parsers import DRIVEN_FLAGS, MANAGED_FLAGS, PER_RUN_FLAGS
    assert set(PER_RUN_FLAGS) <= set(DRIVEN_FLAGS) and set(PER_RUN_FLAGS) <= set(MANAGED_FLAGS)
    assert {"gpu_ids", "results_dir"} <= set(MANAGED_FLAGS) and "save_epoch_freq" not in MANAGED_FLAGS


def test_a_failing_script_is_logged_with_its_command(tmp_path):
    log = tmp_path / "logs" / "train.log"
    code = uc.run_logged([sys.executable, "-c", "print('epoch 1'); raise SystemExit(3)"], log, tmp_path,
                         extra_env={"CUDA_VISIBLE_DEVICES": ""})
    assert code == 3
    assert log.read_text().splitlines()[1].startswith("$ CUDA_VISIBLE_DEVICES='' ")
    assert uc.log_tail(log, 1) == "epoch 1"


def test_train_argv_is_torchrun_for_several_processes():
    assert uc.train_argv("py", "/up", ["--name", "x"]) == ["py", "/up/train.py", "--name", "x"]
    assert uc.train_argv("py", "/up", ["--name", "x"], 2) == [
        "py", "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2", "/up/train.py", "--name", "x"]
    assert uc.shell_line(["py", "a b"], {"CUDA_VISIBLE_DEVICES": ""}) == "CUDA_VISIBLE_DEVICES='' py 'a b'"


def test_device_slots():
    assert uc.device_slots("0,1,2,3", 2) == ["0,1", "2,3"]
    assert uc.device_slots("0,1", 1) == ["0", "1"]
    assert uc.device_slots("cpu", 2) == [uc.CPU]
    for gpus, per_run, message in (("0,1,2", 2, "3 GPUs do not split into trainings of 2"),
                                   ("a,b", 1, "use GPU ids"), ("0", 0, "at least 1")):
        with pytest.raises(PlanError, match=message):
            uc.device_slots(gpus, per_run)


def test_ddp_needs_the_torchrun_flavour():
    uc.check_processes(GPU_IDS, 1, "up")
    uc.check_processes(TORCHRUN, 2, "up")
    with pytest.raises(PlanError) as err:
        uc.check_processes(GPU_IDS, 2, "/x/upstream")
    assert "--gpus_per_run 2 needs the newer upstream" in str(err.value) and "/x/upstream" in str(err.value)
    assert "\n" not in str(err.value)


def test_ddp_norms():
    assert "--norm instance is DDP-safe" in uc.ddp_norm_note("instance", [], 2)
    assert "DDP-safe (synchronised" in uc.ddp_norm_note("syncbatch", [], 4)
    with pytest.raises(PlanError, match="--norm batch is not DDP-safe .*batch norm does not work under DDP.*"
                                        "pass --norm instance or --norm none or --norm syncbatch"):
        uc.ddp_norm_note("batch", [], 2)
    with pytest.raises(PlanError, match=r"--norm syncbatch is not DDP-safe here \(upstream's BaseModel.setup .* "
                                        r"refuses it under DDP\): pass --norm instance or --norm none$"):
        uc.ddp_norm_note("syncbatch", ["syncbatch"], 2)
    with pytest.raises(PlanError, match="--norm sync_batch is not DDP-safe"):
        uc.ddp_norm_note("sync_batch", [], 2)


def test_flavour_hint():
    assert "no visdom" in uc.flavour_hint("display_id", TORCHRUN)
    assert uc.flavour_hint("display_id", GPU_IDS) is None and uc.flavour_hint("lr", TORCHRUN) is None


def test_wandb_goes_offline_without_an_answer(tmp_path):
    assert uc.wandb_env({}, False, False, tmp_path) == ({}, None)
    env, note = uc.wandb_env({}, True, False, tmp_path)
    assert env == {"WANDB_DIR": str(tmp_path), "WANDB_MODE": "offline"}
    assert f"wandb sync {tmp_path}/wandb/offline-run-*" in note
    env, note = uc.wandb_env({}, True, True, tmp_path)
    assert env == {"WANDB_DIR": str(tmp_path)} and "online" in note
    env, note = uc.wandb_env({"WANDB_MODE": "disabled", "WANDB_DIR": "/w"}, True, False, tmp_path)
    assert env == {} and "under /w/wandb (WANDB_MODE disabled)" in note  # the user's settings win
