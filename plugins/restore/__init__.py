"""Restoring pixelated images: generators, the bicubic base, grid detection, tiling, the pipeline, a run's
options, and the command.

    python -m plugins.restore IMAGE... [--name RUN]
"""
