"""Build a static pixelated dataset: plugins/data/make_pixelated.py's command line, beside upstream's builders.

    python datasets/make_pixelated.py --photos DIR --out datasets/NAME [--preset study-fixed] [--skip_bad]
"""
import sys

from plugins.data.make_pixelated import main

if __name__ == "__main__":
    sys.exit(main())
