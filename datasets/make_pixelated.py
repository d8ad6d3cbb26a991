"""Build a static pixelated dataset: the command line of plugins/data/make_pixelated.py, beside upstream's dataset builders.

    python datasets/make_pixelated.py --photos DIR --out datasets/NAME [--preset study-fixed] [--skip_bad]
"""
import sys

from plugins.data.make_pixelated import main

if __name__ == "__main__":
    sys.exit(main())
