"""Evaluation of test.py output: its results layout, per-image scores and summaries, validation while
training, tables, plots and HTML reports."""
