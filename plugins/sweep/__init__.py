"""Sweeps through upstream's train.py and test.py: the plan (pure), the runner, checkpoints, the recipe ablation.

    python -m plugins.sweep --grid FLAG=V1,V2 ... -- <train.py flags>
"""
