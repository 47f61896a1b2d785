"""``python -m cv tag PATH...``: see ``cv.cli``."""

from cv.cli import main

raise SystemExit(main())
