"""PKI Lab: build, break and repair real certificates.

The helper package of the PKI Lab course. Real cryptography goes through
``cryptography``; the lab adds a fixed clock (:mod:`pki_lab.clock`), keys derived
from names (:mod:`pki_lab.keys`), a certificate authority (:mod:`pki_lab.ca`),
forgiving loaders with readable errors (:mod:`pki_lab.loading`), a field-by-field
:func:`describe`, the course's real-world data (:mod:`pki_lab.data`) and
self-checked exercises (:mod:`pki_lab.exercises`).

Names are imported lazily, so ``import pki_lab`` is fast and heavy libraries
(matplotlib, networkx, ipywidgets) load only when a chapter needs them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import _ipython
from .lazy import front_door

__version__ = "0.1.0"

# public name -> module that defines it
_EXPORTS = {
    "PkiLabError": "errors",
    "MalformedInputError": "errors",
    "WrongTypeError": "errors",
    "ParameterError": "errors",
    "PolicyError": "errors",
    "named_key": "keys",
    "key_summary": "keys",
    "CertificateAuthority": "ca",
    "demo_hierarchy": "ca",
    "make_csr": "ca",
    "load_certificate": "loading",
    "load_certificates": "loading",
    "load_csr": "loading",
    "load_crl": "loading",
    "load_private_key": "loading",
    "load_public_key": "loading",
    "load_objects": "loading",
    "to_pem": "loading",
    "to_der": "loading",
    "describe": "describe",
    "thumbprint": "describe",
    "certificate_state": "lifecycle",
    "validate_chain": "validation",
}
_SUBMODULES = {"clock", "data", "exercises", "keys", "ca", "loading", "describe", "names", "oids",
               "lifecycle", "errors", "widgets", "progress", "toyrsa", "factoring", "hashing", "signatures",
               "toyecdsa", "der", "tamper", "validation", "conformance", "truststore", "acme",
               "enrollment", "renewal", "revocation", "merkle", "transparency", "pinning",
               "rotation", "tls", "iot"}

__all__ = sorted(_EXPORTS) + sorted(_SUBMODULES)


__getattr__ = front_door(__name__, _EXPORTS, _SUBMODULES)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


# Inside IPython or Jupyter, a PkiLabError shows as its sentence (``install`` does nothing elsewhere).
_ipython.install()

# The function `describe` shares its name with its module `pki_lab.describe`. Importing the
# submodule anywhere would make `pki_lab.describe` the module, so bind the function eagerly:
# after this line the package attribute is the function, whatever imports the module later.
from .describe import describe  # noqa: E402

if TYPE_CHECKING:  # pragma: no cover - for editors and type checkers only
    from . import ca, clock, data, describe, exercises, keys, lifecycle, loading, names, oids, widgets  # noqa: F401
    from .ca import CertificateAuthority, demo_hierarchy, make_csr  # noqa: F401
    from .describe import describe, thumbprint  # noqa: F401, F811
    from .errors import MalformedInputError, ParameterError, PkiLabError, PolicyError, WrongTypeError  # noqa: F401
    from .keys import key_summary, named_key  # noqa: F401
    from .lifecycle import certificate_state  # noqa: F401
    from .loading import (  # noqa: F401
        load_certificate,
        load_certificates,
        load_crl,
        load_csr,
        load_objects,
        load_private_key,
        load_public_key,
        to_der,
        to_pem,
    )
