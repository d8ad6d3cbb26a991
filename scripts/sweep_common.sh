# Sourced by the sweep_*.sh wrappers: run plugins.sweep with the study's defaults.
#
# Each wrapper is called as   bash scripts/sweep_X.sh DATAROOT [extra upstream train flags...]
# (DATAROOT may also come from $DATAROOT). Environment:
#   MODEL (pix2pix)  DATASET_MODE (pixelated)  PIXEL_SIZE (64: the study's fixed set; 48:128 variational)
#   GPUS (all GPUs, else cpu)  LAUNCHER (local | slurm | submitit_local)  SWEEP_DIR (sweeps/<wrapper>)
#   GPUS_PER_RUN (1; N > 1: each training is torchrun DDP on N GPUs, newer upstream only,
#                 with a DDP-safe norm: add --norm instance after DATAROOT)
#   SWEEP_OPTS: more plugins.sweep options, e.g. "--partition gpu --time 600 --dry_run"
# The sweep fits the flags to the upstream (--gpu_ids, --display_id 0 only where they exist).

run_study_sweep() {   # run_study_sweep NAME "SWEEP OPTIONS" "BASE UPSTREAM FLAGS" DATAROOT [EXTRA FLAGS...]
    local name="$1" sweep_opts="$2" base_flags="$3"
    shift 3
    local dataroot="${1:-${DATAROOT:-}}"
    [ $# -gt 0 ] && shift
    if [ -z "$dataroot" ]; then
        echo "usage: bash scripts/$name.sh DATAROOT [extra upstream train flags]   (or set DATAROOT)" >&2
        return 2
    fi
    source "$(dirname "${BASH_SOURCE[0]}")/venv.sh"
    ensure_venv || return 2
    local gpus=()
    [ -n "${GPUS:-}" ] && gpus=(--gpus "$GPUS")
    [ -n "${GPUS_PER_RUN:-}" ] && gpus+=(--gpus_per_run "$GPUS_PER_RUN")
    # word splitting of the option strings is intended: they are lists of flags
    # shellcheck disable=SC2086
    python -m plugins.sweep $sweep_opts "${gpus[@]}" --launcher "${LAUNCHER:-local}" \
        --sweep_dir "${SWEEP_DIR:-sweeps/$name}" ${SWEEP_OPTS:-} -- \
        --dataroot "$dataroot" --model "${MODEL:-pix2pix}" --dataset_mode "${DATASET_MODE:-pixelated}" \
        --pixel_size "${PIXEL_SIZE:-64}" $base_flags "$@"
}
