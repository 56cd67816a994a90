"""Exercises of chapter 05, Trust stores and certificate authorities."""

from __future__ import annotations

import datetime as _dt

from .. import data
from ..ca import CertificateAuthority
from ..names import common_name
from ..truststore import TrustStore
from . import Exercise, register

# What the notebook defines before its exercises (the unit tests run it too).
SETUP = """
import datetime as dt
from pki_lab import data
from pki_lab.ca import CertificateAuthority
from pki_lab.truststore import TrustStore
store = TrustStore.snapshot()
acme_root = CertificateAuthority.create_root("Acme Private Root")
acme_issuing = acme_root.create_intermediate("Acme Issuing CA")
acme_leaf = acme_issuing.issue("sensor-1", profile="device")
"""

_CUTOFF = _dt.datetime(2030, 1, 1, tzinfo=_dt.UTC)


def _store():
    return TrustStore.snapshot()


def _expired_by_2030() -> int:
    return _store().summary(_CUTOFF).expired


register(Exercise(
    id="05.1",
    prompt="How many roots of the shipped certifi snapshot will have expired at 2030-01-01 00:00:00 UTC? "
           "Answer with a whole number.",
    expected=_expired_by_2030,
    accepts=(int,),
    hints=(
        "store.summary(at) counts the roots whose notAfter is before `at`.",
        "Pass an aware datetime: dt.datetime(2030, 1, 1, tzinfo=dt.UTC). Careful with a root whose notAfter is "
        "exactly that instant.",
    ),
    solution_code="store.summary(dt.datetime(2030, 1, 1, tzinfo=dt.UTC)).expired",
    explanation="summary(at).expired counts the anchors whose notAfter lies before `at`. One root (AC RAIZ "
                "FNMT-RCM) ends exactly at midnight: notAfter itself is still inside the validity period "
                "(RFC 5280 section 4.1.2.5), so it is not expired yet at that instant.",
    coach=lambda a, e: "Close: one root's notAfter is exactly that instant, and notAfter is still a valid moment."
    if a == e + 1 else None,
    setup_code=SETUP,
))


def _stackoverflow_anchor() -> str:
    chain = data.chain("stackoverflow.com")
    return common_name(_store().anchor_for(chain.certificates, at=chain.validation_time).anchor.subject)


register(Exercise(
    id="05.2",
    prompt="Which root of the snapshot anchors the real stackoverflow.com chain (data.chain('stackoverflow.com')) "
           "at its recorded validation time? Answer with the root's common name.",
    expected=_stackoverflow_anchor,
    accepts=(str,),
    normalize=lambda v: " ".join(str(v).split()).casefold(),
    hints=(
        "store.anchor_for(chain.certificates, at=chain.validation_time) validates the chain.",
        "The result's .anchor is the root certificate; its subject holds the CN.",
    ),
    solution_code=(
        "chain = data.chain('stackoverflow.com')\n"
        "result = store.anchor_for(chain.certificates, at=chain.validation_time)\n"
        "result.anchor.subject.rfc4514_string().split(',')[0].removeprefix('CN=')"
    ),
    explanation="The server sends the leaf and the intermediate E8; the path ends at the root in the store whose "
                "name and key match E8's issuer.",
    coach=lambda a, e: "That is the intermediate; the anchor is the root above it."
    if str(a).strip().upper() == "E8" else None,
    setup_code=SETUP,
))


def _acme_trusted_counts() -> int:
    store, acme = _store(), _Acme()
    chain = [acme.leaf, acme.issuing]
    stores = [store, store.add(acme.root), TrustStore.of([acme.root], "Acme only"),
              store.remove("ISRG Root")]
    return sum(1 for s in stores if s.anchor_for(chain).trusted)


class _Acme:
    def __init__(self) -> None:
        root = CertificateAuthority.create_root("Acme Private Root")
        issuing = root.create_intermediate("Acme Issuing CA")
        self.root = root
        self.issuing = issuing.certificate
        self.leaf = issuing.issue("sensor-1", profile="device")


register(Exercise(
    id="05.3",
    prompt="Four stores: the snapshot; the snapshot plus acme_root; a store holding only acme_root; the snapshot "
           "without the ISRG roots. How many of them trust the chain [acme_leaf, acme_issuing.certificate]? "
           "Answer with a whole number.",
    expected=_acme_trusted_counts,
    accepts=(int,),
    hints=(
        "A chain is trusted by a store only if the store holds the root it ends at.",
        "Build the four stores with store.add(acme_root), TrustStore.of([acme_root]) and store.remove('ISRG Root'), "
        "then call anchor_for on each.",
    ),
    solution_code=(
        "chain = [acme_leaf, acme_issuing.certificate]\n"
        "stores = [store, store.add(acme_root), TrustStore.of([acme_root]), store.remove('ISRG Root')]\n"
        "sum(1 for s in stores if s.anchor_for(chain).trusted)"
    ),
    explanation="Only the stores that contain the private root trust the private chain; Mozilla's list does not "
                "hold it, with or without the ISRG roots.",
    coach=lambda a, e: "Removing ISRG's roots changes nothing for Acme's chain: does that store hold acme_root?"
    if a == e + 1 else None,
    setup_code=SETUP,
))
