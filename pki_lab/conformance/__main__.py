"""``python -m pki_lab.conformance``: see :mod:`pki_lab.conformance`."""

import sys

from . import main

sys.exit(main())
