"""Field paths for the DER tree of a certificate, a CSR or a CRL.

:func:`annotate` recognises the structure (RFC 5280 4.1 for certificates, 5.1 for
CRLs, RFC 2986 4 for CSRs) and gives every node of a :class:`~pki_lab.der.reader.DerTree`
the name of the field it encodes, the way the standards write it::

    tbsCertificate.validity.notAfter
    tbsCertificate.extensions[subjectAltName].extnValue
    tbsCertList.revokedCertificates[0].userCertificate

It also opens the DER that hides inside some primitive fields: an extension's
``extnValue`` (an OCTET STRING holding DER, RFC 5280 4.1), an RSA public key (a
BIT STRING holding ``RSAPublicKey``, RFC 8017 A.1.1) and an ECDSA signature (a BIT
STRING holding ``SEQUENCE {r, s}``, RFC 5758 3.2). ML-DSA keys and signatures
(RFC 9881) are raw bytes and stay closed, whatever their first byte. Naming is best effort: a node
the schema does not expect keeps a positional path (``...[2]``); it never fails.

:func:`parse` is the one place that joins the two: it reads the bytes with the
X.690 reader (which knows nothing of X.509) and then names the fields.
"""

from __future__ import annotations

import dataclasses

from ..errors import MalformedInputError
from ..oids import ML_DSA_OIDS, POST_QUANTUM_OIDS, oid_name
from .reader import MAX_DEPTH, DerTree, Node, parse_content, read
from .values import oid_text

__all__ = ["parse", "annotate", "detect_kind", "ml_dsa_parameters_problem"]

_TIMES = (23, 24)
_GENERAL_NAMES = {0: "otherName", 1: "rfc822Name", 2: "dNSName", 3: "x400Address", 4: "directoryName",
                  5: "ediPartyName", 6: "uniformResourceIdentifier", 7: "iPAddress", 8: "registeredID"}


def _is(node: Node, number: int, constructed: bool | None = None) -> bool:
    return node.is_universal and node.tag_number == number and (constructed is None or
                                                                  node.constructed == constructed)


def _is_ctx(node: Node, number: int) -> bool:
    return node.tag_class == "context" and node.tag_number == number


def detect_kind(root: Node) -> str:
    """"certificate", "csr", "crl" or "der", from the shape of the outer SEQUENCE."""
    kids = root.children
    if not (_is(root, 16) and len(kids) == 3 and _is(kids[0], 16) and _is(kids[1], 16) and _is(kids[2], 3)):
        return "der"
    tbs = kids[0].children
    if len(tbs) == 4 and _is(tbs[0], 2) and _is_ctx(tbs[3], 0) and tbs[3].constructed:
        return "csr"
    if any(c.is_universal and c.tag_number in _TIMES for c in tbs):
        return "crl"
    if any(_is(c, 16) and len(c.children) == 2 and all(g.is_universal and g.tag_number in _TIMES
                                                       for g in c.children) for c in tbs):
        return "certificate"
    return "der"


class _Namer:
    def __init__(self, data: bytes, max_depth: int) -> None:
        self.data, self.max_depth = data, max_depth

    def open(self, node: Node) -> Node:
        return parse_content(self.data, node, self.max_depth)

    # -- generic -----------------------------------------------------------------------------------

    def positional(self, node: Node, path: str) -> Node:
        kids = tuple(self.positional(c, f"{path}[{i}]") for i, c in enumerate(node.children))
        return dataclasses.replace(node, path=path, children=kids)

    def fields(self, node: Node, path: str, names: list[tuple[str, object]]) -> Node:
        """Name children in order: ``names`` is a list of (field name, namer method or None)."""
        kids = []
        for i, child in enumerate(node.children):
            if i < len(names):
                name, how = names[i]
                kids.append(how(child, f"{path}.{name}") if how else self.positional(child, f"{path}.{name}"))
            else:
                kids.append(self.positional(child, f"{path}[{i}]"))
        return dataclasses.replace(node, path=path, children=tuple(kids))

    def explicit(self, node: Node, path: str, how=None) -> Node:
        """An EXPLICIT [n] wrapper: the wrapper and what it wraps carry the same path."""
        kids = tuple((how or self.positional)(c, path) for c in node.children)
        return dataclasses.replace(node, path=path, children=kids)

    # -- common types ----------------------------------------------------------------------------------

    def algorithm(self, node: Node, path: str) -> Node:
        return self.fields(node, path, [("algorithm", None), ("parameters", None)])

    def name(self, node: Node, path: str) -> Node:
        """Name ::= SEQUENCE OF RelativeDistinguishedName (SET OF AttributeTypeAndValue), RFC 5280 4.1.2.4."""
        kids = []
        for rdn in node.children:
            atvs = []
            for atv in rdn.children:
                first = atv.children[0] if atv.children else None
                label = oid_name(_oid(first)) if first is not None and _is(first, 6) else "?"
                atvs.append(self.fields(atv, f"{path}[{label}]", [("type", None), ("value", None)]))
            label = atvs[0].path[len(path):] if atvs else "[?]"
            kids.append(dataclasses.replace(rdn, path=f"{path}{label}", children=tuple(atvs)))
        return dataclasses.replace(node, path=path, children=tuple(kids))

    def spki(self, node: Node, path: str) -> Node:
        """SubjectPublicKeyInfo (RFC 5280 4.1.2.7); an RSA key's BIT STRING holds RSAPublicKey (RFC 8017).

        A post-quantum key (ML-DSA, ML-KEM, SLH-DSA) is raw bytes (RFC 9881 4), never DER, even when its first
        byte happens to be 0x30: it is not opened.
        """
        named = self.fields(node, path, [("algorithm", self.algorithm), ("subjectPublicKey", None)])
        kids = list(named.children)
        if len(kids) == 2 and _is(kids[1], 3) and kids[1].content[1:2] == b"\x30" \
                and not _post_quantum(kids[0]):
            key = self.open(kids[1])
            inner = tuple(self.fields(c, f"{path}.subjectPublicKey", [("modulus", None), ("publicExponent", None)])
                          for c in key.children)
            kids[1] = dataclasses.replace(key, path=f"{path}.subjectPublicKey", children=inner)
        return dataclasses.replace(named, children=tuple(kids))

    def signature(self, node: Node, path: str, algorithm: Node | None = None) -> Node:
        """The signature BIT STRING; an ECDSA signature holds SEQUENCE {r, s} (RFC 5758 3.2).

        An ML-DSA signature is raw bytes (RFC 9881 3), random-looking and different every time: one in 256
        starts with 0x30, so it is never opened, whatever its first bytes.
        """
        if _is(node, 3) and node.content[1:2] == b"\x30" and not (algorithm is not None and _post_quantum(algorithm)):
            opened = self.open(node)
            inner = tuple(self.fields(c, path, [("r", None), ("s", None)]) for c in opened.children)
            return dataclasses.replace(opened, path=path, children=inner)
        return dataclasses.replace(node, path=path)

    def extensions(self, node: Node, path: str) -> Node:
        """Extensions ::= SEQUENCE OF Extension {extnID, critical DEFAULT FALSE, extnValue} (RFC 5280 4.1)."""
        kids = []
        for ext in node.children:
            first = ext.children[0] if ext.children else None
            name = oid_name(_oid(first)) if first is not None and _is(first, 6) else "?"
            here = f"{path}[{name}]"
            parts = []
            for child in ext.children:
                if _is(child, 6):
                    parts.append(dataclasses.replace(child, path=f"{here}.extnID"))
                elif _is(child, 1):
                    parts.append(dataclasses.replace(child, path=f"{here}.critical"))
                else:
                    parts.append(self.extn_value(self.open(child), f"{here}.extnValue", name))
            kids.append(dataclasses.replace(ext, path=here, children=tuple(parts)))
        return dataclasses.replace(node, path=path, children=tuple(kids))

    def extn_value(self, node: Node, path: str, name: str) -> Node:
        if name in ("subjectAltName", "issuerAltName") and len(node.children) == 1:
            names = node.children[0]
            entries = tuple(self.positional(g, f"{path}.{_GENERAL_NAMES.get(g.tag_number, '?')}[{i}]")
                            for i, g in enumerate(names.children))
            inner = dataclasses.replace(names, path=path, children=entries)
            return dataclasses.replace(node, path=path, children=(inner,))
        if name == "basicConstraints" and len(node.children) == 1:
            seq = node.children[0]
            parts = tuple(self.positional(c, f"{path}.{'cA' if _is(c, 1) else 'pathLenConstraint'}")
                          for c in seq.children)
            return dataclasses.replace(node, path=path,
                                       children=(dataclasses.replace(seq, path=path, children=parts),))
        kids = tuple(self.positional(c, path) for c in node.children)
        return dataclasses.replace(node, path=path, children=kids)

    # -- the three documents ------------------------------------------------------------------------------

    def certificate(self, root: Node) -> Node:
        tbs = root.children[0]
        plain = [("serialNumber", None), ("signature", self.algorithm), ("issuer", self.name),
                 ("validity", lambda n, p: self.fields(n, p, [("notBefore", None), ("notAfter", None)])),
                 ("subject", self.name), ("subjectPublicKeyInfo", self.spki)]
        out, index = [], 0
        for child in tbs.children:
            if _is_ctx(child, 0) and child.constructed and index == 0:
                out.append(self.explicit(child, "tbsCertificate.version"))
                continue
            if child.tag_class == "context" and child.tag_number in (1, 2, 3):
                label = {1: "issuerUniqueID", 2: "subjectUniqueID", 3: "extensions"}[child.tag_number]
                how = self.extensions if child.tag_number == 3 else None
                out.append(self.explicit(child, f"tbsCertificate.{label}", how) if child.constructed
                           else dataclasses.replace(child, path=f"tbsCertificate.{label}"))
                continue
            if index < len(plain):
                name, how = plain[index]
                out.append(how(child, f"tbsCertificate.{name}") if how
                           else self.positional(child, f"tbsCertificate.{name}"))
            else:
                out.append(self.positional(child, f"tbsCertificate[{index}]"))
            index += 1
        tbs = dataclasses.replace(tbs, path="tbsCertificate", children=tuple(out))
        return self._outer(root, "Certificate", tbs)

    def _outer(self, root: Node, label: str, tbs: Node) -> Node:
        alg = self.algorithm(root.children[1], "signatureAlgorithm")
        sig = self.signature(root.children[2], "signatureValue" if label != "CertificationRequest" else "signature",
                             root.children[1])
        return dataclasses.replace(root, path=label, children=(tbs, alg, sig))

    def csr(self, root: Node) -> Node:
        """CertificationRequest (RFC 2986 4): info {version, subject, subjectPKInfo, attributes [0]}."""
        info = self.fields(root.children[0], "certificationRequestInfo",
                           [("version", None), ("subject", self.name), ("subjectPKInfo", self.spki),
                            ("attributes", None)])
        return self._outer(root, "CertificationRequest", info)

    def crl(self, root: Node) -> Node:
        """CertificateList (RFC 5280 5.1): tbsCertList {version?, signature, issuer, thisUpdate, ...}."""
        tbs = root.children[0]
        plain = [("signature", self.algorithm), ("issuer", self.name), ("thisUpdate", None)]
        out, index = [], 0
        for child in tbs.children:
            here = "tbsCertList"
            if _is(child, 2) and index == 0 and not out:
                out.append(dataclasses.replace(child, path=f"{here}.version"))
            elif _is_ctx(child, 0) and child.constructed:
                out.append(self.explicit(child, f"{here}.crlExtensions", self.extensions))
            elif index < len(plain):
                name, how = plain[index]
                out.append(how(child, f"{here}.{name}") if how else self.positional(child, f"{here}.{name}"))
                index += 1
            elif child.is_universal and child.tag_number in _TIMES:
                out.append(dataclasses.replace(child, path=f"{here}.nextUpdate"))
            elif _is(child, 16):
                out.append(self.revoked(child, f"{here}.revokedCertificates"))
            else:
                out.append(self.positional(child, f"{here}[{len(out)}]"))
        return self._outer(root, "CertificateList", dataclasses.replace(tbs, path="tbsCertList", children=tuple(out)))

    def revoked(self, node: Node, path: str) -> Node:
        entries = tuple(
            self.fields(e, f"{path}[{i}]", [("userCertificate", None), ("revocationDate", None),
                                             ("crlEntryExtensions", self.extensions)])
            for i, e in enumerate(node.children)
        )
        return dataclasses.replace(node, path=path, children=entries)


def _oid(node: Node) -> str:
    return oid_text(node.content) or "?"


def _post_quantum(algorithm_identifier: Node) -> bool:
    """True when an AlgorithmIdentifier names ML-DSA, SLH-DSA or ML-KEM (their keys and signatures are raw bytes)."""
    first = algorithm_identifier.children[0] if algorithm_identifier.children else None
    return first is not None and _is(first, 6) and _oid(first) in POST_QUANTUM_OIDS


def annotate(tree: DerTree, max_depth: int) -> DerTree:
    """``tree`` with ``kind`` set and field paths on its nodes (unchanged if it is not X.509)."""
    kind = detect_kind(tree.root)
    if kind == "der":
        return tree
    namer = _Namer(tree.data, max_depth)
    root = {"certificate": namer.certificate, "csr": namer.csr, "crl": namer.crl}[kind](tree.root)
    return DerTree(tree.data, root, kind)


def parse(data: bytes | bytearray | memoryview, *, max_depth: int = MAX_DEPTH, x509: bool = True) -> DerTree:
    """Parse one DER element (and everything inside it) into a :class:`~pki_lab.der.reader.DerTree`.

    Args:
        data: the DER bytes.
        max_depth: the deepest nesting accepted (a guard against hostile input).
        x509: when the bytes are a certificate, CSR or CRL, add field paths (and open
            the DER inside extension values, RSA keys and ECDSA signatures).

    Raises:
        MalformedInputError: the bytes are not one well-formed DER element; the message
            names the offset of the problem.
    """
    tree = read(data, max_depth=max_depth)
    return annotate(tree, max_depth) if x509 else tree


#: The AlgorithmIdentifiers RFC 9881 section 2 governs, by field path, in certificates, CRLs and CSRs.
_ALGORITHM_FIELDS = ("tbsCertificate.signature", "tbsCertificate.subjectPublicKeyInfo.algorithm",
                     "tbsCertList.signature", "certificationRequestInfo.subjectPKInfo.algorithm", "signatureAlgorithm")


def ml_dsa_parameters_problem(der: bytes) -> str | None:
    """Which ML-DSA AlgorithmIdentifier of a DER certificate, CRL or CSR carries parameters (RFC 9881 2), or None.

    RFC 9881 section 2: "The contents of the parameters component for each algorithm MUST be absent", in the
    subjectPublicKeyInfo and in the signature fields. cryptography refuses to load such an object, so this reads
    the DER alone (the field paths of :func:`parse`), for a loader to say what is wrong rather than "a field has
    the wrong value". Bytes that are not well-formed DER give None (the loader's other checks speak for them).

        >>> ml_dsa_parameters_problem(bytes.fromhex("3000")) is None
        True
    """
    try:
        tree = parse(der)
    except MalformedInputError:
        return None
    for node in tree.nodes():
        if node.path not in _ALGORITHM_FIELDS or len(node.children) < 2:
            continue
        first = node.children[0]
        level = ML_DSA_OIDS.get(_oid(first)) if _is(first, 6) else None
        if level:
            return (f"{node.path} names {level} with parameters, which RFC 9881 section 2 says must be absent "
                    "(its AlgorithmIdentifier is the OID alone)")
    return None
