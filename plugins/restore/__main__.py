"""python -m plugins.restore: restore pixelated images (see plugins.restore.command)."""
import sys

from plugins.restore.command import main

sys.exit(main())
