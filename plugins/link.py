"""python -m plugins.link: link the plugin modules into upstream (see plugins.upstream.link)."""
import sys

from plugins.upstream.link import main

if __name__ == "__main__":
    sys.exit(main())
