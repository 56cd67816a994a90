"""Lazy front doors for the package and its subpackages (PEP 562 module ``__getattr__``).

``import pki_lab`` must stay fast (it is the first line of every chapter), so a package's ``__init__`` names what
it offers and where each name lives, and the defining module is imported the first time a name is used. The one
mechanism lives here; ``pki_lab``, ``pki_lab.validation`` and ``pki_lab.revocation`` use it. Importing a light
submodule (``pki_lab.revocation.crl``) therefore never pulls in its heavier siblings.

    >>> import sys
    >>> from pki_lab.lazy import front_door
    >>> getattr_ = front_door("pki_lab", {"named_key": "keys"})
    >>> getattr_("named_key").__name__
    'named_key'
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any

__all__ = ["front_door"]


def front_door(package: str, exports: Mapping[str, str], submodules: Iterable[str] = ()) -> Callable[[str], Any]:
    """A module-level ``__getattr__`` for ``package``: ``exports`` maps a public name to the submodule defining it,
    ``submodules`` are submodules offered as attributes. A name is imported once, then kept on the package."""
    offered = frozenset(submodules)

    def __getattr__(name: str) -> Any:
        if name in exports:
            value = getattr(importlib.import_module(f".{exports[name]}", package), name)
        elif name in offered:
            value = importlib.import_module(f".{name}", package)
        else:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        setattr(sys.modules[package], name, value)
        return value

    return __getattr__
