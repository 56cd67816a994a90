"""Ready-made chains for chapter 04: a good chain, the failure gallery, and faults to toggle.

Every scenario is built with the lab CA from named keys at the lab clock's now, so
it is the same on every run. A :class:`Scenario` holds exactly what a client would
have (the leaf, the certificates the server sent, the client's trust anchors, the
name it wants, the time, CRLs) and :meth:`Scenario.validate` runs
:func:`~pki_lab.validation.validate_chain` on it.

    >>> from pki_lab.validation.gallery import scenario
    >>> str(scenario("expired-intermediate").validate().failure.rule)
    'rfc5280-validity'
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import functools
from typing import Any

from cryptography import x509

from .. import clock
from ..ca import CertificateAuthority, sign_with
from ..errors import ParameterError
from ..keys import named_key
from ..revocation.crl import build_crl
from .api import validate_chain

__all__ = ["Scenario", "FAULTS", "GALLERY", "scenario", "failure_gallery", "chain_with_faults", "resign",
           "base_chain"]

HOST = "www.example.com"


@dataclasses.dataclass(frozen=True)
class Scenario:
    """What a client sees: leaf, intermediates sent, trust anchors, expected name, time, CRLs."""

    key: str
    title: str
    leaf: x509.Certificate
    intermediates: tuple[x509.Certificate, ...]
    trust: tuple[x509.Certificate, ...]
    name: str = HOST
    at: _dt.datetime = clock.LAB_EPOCH
    crls: tuple[x509.CertificateRevocationList, ...] = ()

    def validate(self, **overrides: Any):
        """Run :func:`~pki_lab.validation.validate_chain` on this scenario (keyword arguments override)."""
        args = dict(intermediates=self.intermediates, trust=self.trust, at=self.at, name=self.name, crls=self.crls)
        args.update(overrides)
        return validate_chain(self.leaf, **args)


def resign(cert: x509.Certificate, key: Any) -> x509.Certificate:
    """The same certificate (every field and extension kept) signed with another key: a forgery."""
    builder = (x509.CertificateBuilder().subject_name(cert.subject).issuer_name(cert.issuer)
               .public_key(cert.public_key()).serial_number(cert.serial_number)
               .not_valid_before(cert.not_valid_before_utc).not_valid_after(cert.not_valid_after_utc))
    for ext in cert.extensions:
        builder = builder.add_extension(ext.value, critical=ext.critical)
    return sign_with(builder, key)


@dataclasses.dataclass(frozen=True)
class _Base:
    root: CertificateAuthority
    issuing: CertificateAuthority
    leaf: x509.Certificate


def _fresh_base() -> _Base:
    with clock.travel_to(clock.LAB_EPOCH):
        root = CertificateAuthority.create_root("Gallery Root CA")
        issuing = root.create_intermediate("Gallery Issuing CA", days=30)
        leaf = issuing.issue(HOST, profile="server", days=90)
    return _Base(root, issuing, leaf)


@functools.cache
def base_chain() -> _Base:
    """Gallery Root CA -> Gallery Issuing CA (30 days) -> www.example.com (90 days), issued at the lab epoch.

    Scenarios that issue more certificates start from a fresh copy (:func:`_fresh_base`), so the
    serial numbers of every scenario are the same whatever order they are built in.
    """
    return _fresh_base()


def _good(key: str = "valid", title: str = "A valid chain") -> Scenario:
    b = base_chain()
    return Scenario(key, title, b.leaf, (b.issuing.certificate,), (b.root.certificate,))


@functools.cache
def _constrained() -> tuple[x509.Certificate, x509.Certificate]:
    """An issuing CA whose certificate permits only example.org, and a leaf for www.example.com under it."""
    b = _fresh_base()
    nc = x509.NameConstraints(permitted_subtrees=[x509.DNSName("example.org")], excluded_subtrees=None)
    with clock.travel_to(clock.LAB_EPOCH):
        ca = b.root.create_intermediate("Gallery Constrained CA", days=30, extensions=[(nc, True)])
        leaf = ca.issue(HOST, profile="server")
    return ca.certificate, leaf


def _build(key: str) -> Scenario:
    b = _fresh_base()
    good = _good()
    with clock.travel_to(clock.LAB_EPOCH):
        if key == "valid":
            return good
        if key == "expired-intermediate":
            return dataclasses.replace(good, key=key, title="Expired intermediate",
                                       at=clock.LAB_EPOCH + _dt.timedelta(days=45))
        if key == "wrong-issuer":
            other = b.root.create_intermediate("Gallery Other CA")
            leaf = other.issue(HOST, profile="server")
            return dataclasses.replace(good, key=key, title="Wrong issuer (the server sent the wrong intermediate)",
                                       leaf=leaf)
        if key == "broken-signature":
            return dataclasses.replace(good, key=key, title="Broken signature (leaf signed by an impostor key)",
                                       leaf=resign(b.leaf, named_key("mallory")))
        if key == "ca-false-intermediate":
            # the root issues an ordinary client certificate; its holder then signs a leaf with it
            fake_cert = b.root.issue("Gallery Fake CA", profile="client", key="gallery-fake-ca")
            fake = CertificateAuthority(fake_cert, named_key("gallery-fake-ca"), parent=b.root)
            leaf = fake.issue(HOST, profile="server")
            return dataclasses.replace(good, key=key, title="Intermediate with CA:FALSE", leaf=leaf,
                                       intermediates=(fake_cert,))
        if key == "pathlen-exceeded":
            sub = b.issuing.create_intermediate("Gallery Sub CA")
            leaf = sub.issue(HOST, profile="server")
            return dataclasses.replace(good, key=key, title="pathLen exceeded (issuing CA has pathlen:0)",
                                       leaf=leaf, intermediates=(sub.certificate, b.issuing.certificate))
        if key == "name-mismatch":
            return dataclasses.replace(good, key=key, title="Name mismatch", name="shop.example.org")
        if key == "missing-intermediate":
            return dataclasses.replace(good, key=key, title="Missing intermediate", intermediates=())
        if key == "untrusted-root":
            stranger = CertificateAuthority.create_root("Stranger Root CA")
            return dataclasses.replace(good, key=key, title="Untrusted root (not in the trust store)",
                                       trust=(stranger.certificate,))
        if key == "revoked-leaf":
            crl = build_crl(b.issuing, revoked=[(b.leaf, "keyCompromise")])
            # revocation "require" (the default with CRLs) wants every certificate's status: the root's CRL too
            return dataclasses.replace(good, key=key, title="Revoked leaf", crls=(build_crl(b.root), crl))
        if key == "name-constraints":
            ca, leaf = _constrained()
            return dataclasses.replace(good, key=key, title="Outside the name constraints", leaf=leaf,
                                       intermediates=(ca,))
    raise ParameterError(f"Unknown scenario {key!r}; choose one of: {', '.join(GALLERY)}.")


#: Every scenario, in the order of the chapter's failure gallery (the valid one first).
GALLERY = ("valid", "expired-intermediate", "wrong-issuer", "broken-signature", "ca-false-intermediate",
           "pathlen-exceeded", "name-mismatch", "missing-intermediate", "untrusted-root", "revoked-leaf",
           "name-constraints")


@functools.cache
def scenario(key: str) -> Scenario:
    """One scenario of :data:`GALLERY` by key."""
    if key not in GALLERY:
        raise ParameterError(f"Unknown scenario {key!r}; choose one of: {', '.join(GALLERY)}.")
    return _build(key)


def failure_gallery() -> tuple[Scenario, ...]:
    """The failure gallery: every scenario but the valid one."""
    return tuple(scenario(k) for k in GALLERY if k != "valid")


#: Faults the chain widget can toggle, and what each does.
FAULTS = {
    "expire": "move the clock 45 days on: the issuing CA (30 days) has expired, the leaf (90) has not",
    "remove": "the server forgets to send the issuing CA's certificate",
    "resign": "an impostor re-signs the leaf with its own key, keeping every field",
    "constrain": "the root puts name constraints (only example.org) on the issuing CA",
}


def chain_with_faults(*faults: str) -> Scenario:
    """The valid chain with any of :data:`FAULTS` applied together (the pure function behind the widget)."""
    unknown = [f for f in faults if f not in FAULTS]
    if unknown:
        raise ParameterError(f"Unknown fault {unknown[0]!r}; choose from: {', '.join(FAULTS)}.")
    b = base_chain()
    chosen = set(faults)
    issuing, leaf = b.issuing.certificate, b.leaf
    if "constrain" in chosen:
        issuing, leaf = _constrained()
    if "resign" in chosen:
        leaf = resign(leaf, named_key("mallory"))
    at = clock.LAB_EPOCH + _dt.timedelta(days=45) if "expire" in chosen else clock.LAB_EPOCH
    sent = () if "remove" in chosen else (issuing,)
    title = "faults: " + (", ".join(f for f in FAULTS if f in chosen) or "none")
    return Scenario("faults", title, leaf, sent, (b.root.certificate,), HOST, at)
