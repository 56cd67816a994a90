"""``pki-lab inspect FILE...``: describe the certificates, CSRs and CRLs in PEM or DER files.

Prints the same field-by-field description as :func:`pki_lab.describe.describe`
(and :func:`~pki_lab.describe.describe_csr`, :func:`~pki_lab.describe.describe_crl`)
for every object of every file, in file order; ``--tree`` prints the DER tree with
offsets and field paths instead (:mod:`pki_lab.der`). ``-`` reads standard input
(only when given). Bad input (a missing or empty file, a PNG, a truncated
certificate, a device or a FIFO) ends the command with exit code 2 and one
readable line on standard error, printed by :func:`pki_lab.cli.main`.
"""

from __future__ import annotations

import argparse
import warnings

from cryptography import x509

from ..describe import describe, describe_crl, describe_csr
from ..errors import WrongTypeError
from ..loading import load_objects, to_der, tree_of
from .files import Inputs

__all__ = ["register", "run", "describe_object"]


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``inspect`` subcommand."""
    parser = subparsers.add_parser(
        "inspect", help="describe certificates, CSRs and CRLs in PEM or DER files",
        description="Describe every certificate, CSR and CRL in each FILE (PEM with one or many blocks, or DER).",
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="a PEM or DER file; - reads standard input")
    parser.add_argument("--tree", action="store_true", help="print the DER tree with offsets and field paths")
    parser.set_defaults(func=run)


def describe_object(obj: object, where: str = "The input"):
    """The description of a certificate, CSR or CRL (a key or anything else is refused)."""
    if isinstance(obj, x509.Certificate):
        return describe(obj)
    if isinstance(obj, x509.CertificateSigningRequest):
        return describe_csr(obj)
    if isinstance(obj, x509.CertificateRevocationList):
        return describe_crl(obj)
    what = "a private key" if hasattr(obj, "sign") else "a public key" if hasattr(obj, "verify") else "something else"
    raise WrongTypeError(f"{where} holds {what}; inspect describes certificates, CSRs and CRLs only "
                         "(and never prints a private key).")


def run(args: argparse.Namespace) -> int:
    """Describe every object of every file; errors propagate as PkiLabError (exit code 2)."""
    first, inputs = True, Inputs()
    for name in args.files:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            objects = load_objects(inputs.source(name))
        for index, obj in enumerate(objects):
            with warnings.catch_warnings(record=True) as more:
                warnings.simplefilter("always")
                text = str(tree_of(to_der(obj))) if args.tree else str(describe_object(obj, f"The file {name}"))
            notes = dict.fromkeys(str(w.message) for w in [*caught, *more])
            caught = []
            text += "".join(f"\nNote: the parser warns: {note}" for note in notes)
            if not first:
                print()
            first = False
            if len(args.files) > 1 or len(objects) > 1:  # like head(1): name the file only when there are several
                print(f"# {name}" + (f" [{index + 1} of {len(objects)}]" if len(objects) > 1 else ""))
            print(text)
    return 0
