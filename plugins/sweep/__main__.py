"""python -m plugins.sweep: run a sweep (see plugins.sweep.command)."""
import sys

from plugins.sweep.command import main

sys.exit(main())
