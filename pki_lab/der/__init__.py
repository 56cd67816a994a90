"""The lab's DER toolkit: read any DER into a tree of offsets, name X.509 fields, and write DER by hand.

Four parts, each importing only the ones before it (so there is no cycle):

* :mod:`~pki_lab.der.values`: type names and value previews (OIDs with names, times);
* :mod:`~pki_lab.der.reader`: the strict X.690 reader (:class:`Node`, :class:`DerTree`);
* :mod:`~pki_lab.der.paths`: X.509 field paths (``tbsCertificate.validity.notAfter``)
  and :func:`parse`, which reads and then names;
* :mod:`~pki_lab.der.encode`: the writer (lengths, TLVs, INTEGERs, times,
  SEQUENCEs and splitting them) that every hand-built structure uses.

Import the writer's names from their module (``from pki_lab.der.encode import tlv``):
the package attribute ``pki_lab.der.encode`` is the re-encoder *function*
(``encode(tree.root) == tree.data``), which chapter 03 imports by that name.

The package is part of the lab's foundation: it imports nothing above
:mod:`pki_lab.errors` and :mod:`pki_lab.oids`. For the tree of a certificate object
or a PEM file, use :func:`pki_lab.loading.tree_of`.

    >>> from pki_lab.der import parse
    >>> print(parse(bytes.fromhex("3006020101020102")))
       0+2  SEQUENCE (2 elements)
       2+2    INTEGER 1
       5+2    INTEGER 2
"""

from __future__ import annotations

from .encode import encode, encode_string
from .paths import annotate, detect_kind, parse
from .reader import MAX_DEPTH, DerTree, Header, Node, parse_content, read, read_header
from .values import PRINTABLE_CHARACTERS, oid_text, tag_name

__all__ = ["Node", "DerTree", "Header", "parse", "read", "read_header", "annotate", "detect_kind", "encode",
           "encode_string", "parse_content", "MAX_DEPTH", "tag_name", "oid_text", "PRINTABLE_CHARACTERS"]
