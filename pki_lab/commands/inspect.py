"""``pki-lab inspect FILE...``: describe the certificates, CSRs and CRLs in PEM or DER files.

Prints the same field-by-field description as :func:`pki_lab.describe.describe`
(and :func:`~pki_lab.describe.describe_csr`, :func:`~pki_lab.describe.describe_crl`)
for every object of every file, in file order; ``--tree`` prints the DER tree with
offsets and field paths instead (:mod:`pki_lab.der`). ``-`` reads standard input
(only when given). ``--json`` prints the same rows (or tree nodes) as one JSON document
(schema ``pki-lab/inspect/1``, :mod:`pki_lab.commands.output`, docs/cli.md). Bad input (a
missing or empty file, a PNG, a truncated certificate, a device or a FIFO, a key: a private
key is never printed, not even as a tree) ends the command with exit code 2 and one readable
line on standard error, printed by :func:`pki_lab.cli.main`.
"""

from __future__ import annotations

import argparse
import warnings

from cryptography import x509

from ..describe import describe, describe_crl, describe_csr
from ..errors import WrongTypeError
from ..loading import load_objects, to_der, tree_of
from .files import Inputs
from .output import SCHEMA_INSPECT, description_json, dumps, tree_json

__all__ = ["register", "run", "describe_object"]


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``inspect`` subcommand."""
    parser = subparsers.add_parser(
        "inspect", help="describe certificates, CSRs and CRLs in PEM or DER files",
        description="Describe every certificate, CSR and CRL in each FILE (PEM with one or many blocks, or DER).",
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="a PEM or DER file; - reads standard input")
    parser.add_argument("--tree", action="store_true", help="print the DER tree with offsets and field paths")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON document (schema pki-lab/inspect/1, see docs/cli.md) instead of text")
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


_KINDS = ((x509.Certificate, "certificate"), (x509.CertificateSigningRequest, "csr"),
          (x509.CertificateRevocationList, "crl"))


def _kind(obj: object, where: str) -> str:
    """"certificate", "csr" or "crl"; a key is refused with describe_object's sentence (--tree never shows one)."""
    kind = next((kind for cls, kind in _KINDS if isinstance(obj, cls)), None)
    if kind is None:
        describe_object(obj, where)  # raises WrongTypeError
    return kind


def run(args: argparse.Namespace) -> int:
    """Describe every object of every file; errors propagate as PkiLabError (exit code 2)."""
    first, inputs, documents = True, Inputs(), []
    for name in args.files:
        where = "Standard input" if name == "-" else f"The file {name}"
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            objects = load_objects(inputs.source(name))
        for index, obj in enumerate(objects):
            kind = _kind(obj, where)
            with warnings.catch_warnings(record=True) as more:
                warnings.simplefilter("always")
                shown = tree_of(to_der(obj)) if args.tree else describe_object(obj, where)
            notes = list(dict.fromkeys(str(w.message) for w in [*caught, *more]))
            caught = []
            if args.json:
                entry = {"file": name, "index": index + 1, "count": len(objects), "kind": kind}
                entry.update({"tree": tree_json(shown)} if args.tree else description_json(shown))
                documents.append({**entry, "notes": notes})
                continue
            text = str(shown) + "".join(f"\nNote: the parser warns: {note}" for note in notes)
            if not first:
                print()
            first = False
            if len(args.files) > 1 or len(objects) > 1:  # like head(1): name the file only when there are several
                print(f"# {name}" + (f" [{index + 1} of {len(objects)}]" if len(objects) > 1 else ""))
            print(text)
    if args.json:
        print(dumps({"schema": SCHEMA_INSPECT, "objects": documents}))
    return 0
