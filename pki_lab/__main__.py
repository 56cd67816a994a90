"""``python -m pki_lab`` runs the ``pki-lab`` command line."""

import sys

from .cli import main

sys.exit(main())
