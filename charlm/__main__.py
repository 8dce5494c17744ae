"""``python -m charlm``: see charlm/cli.py."""

import sys

from .cli import main

sys.exit(main())
