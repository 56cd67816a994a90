"""Subcommands of the ``pki-lab`` command line: one module each, with ``register(subparsers)``."""
