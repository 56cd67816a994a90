"""Exercises of chapter 05, Trust stores and certificate authorities."""

from __future__ import annotations

import datetime as _dt

from .. import data
from ..ca import CertificateAuthority
from ..truststore import TrustStore
from . import Exercise, register

_CUTOFF = _dt.datetime(2030, 1, 1, tzinfo=_dt.UTC)  # the chapter's printed list runs up to this instant


def _store():
    return TrustStore.snapshot()


def _isrg_end() -> _dt.datetime:
    return _store().find("ISRG Root X1")[0].not_valid_after_utc


def _expired_when_isrg_ends() -> int:
    return _store().summary(_isrg_end()).expired


def _coach_expired(answer, expected):
    store = _store()
    if answer == store.summary(_CUTOFF).expired:
        return "That is the count up to 2030, the list printed above. ISRG Root X1 lives longer: use its notAfter."
    if answer == expected + 1:
        return ("Close: at its own notAfter, ISRG Root X1 is still valid (RFC 5280 4.1.2.5), so it does not count "
                "as expired yet.")
    if answer == sum(1 for root in store if root.not_valid_after_utc.year < _isrg_end().year):
        return "Whole years are too coarse: compare each root's notAfter with the exact instant ISRG Root X1 ends."
    return None


register(Exercise(
    id="05.1",
    prompt="How many roots of the shipped certifi snapshot will already have expired at the instant ISRG Root X1 "
           "expires (its notAfter)? Answer with a whole number.",
    expected=_expired_when_isrg_ends,
    accepts=(int,),
    hints=(
        "store.find('ISRG Root X1') returns the matching anchors; the root's not_valid_after_utc is the instant.",
        "store.summary(at).expired counts the roots whose notAfter is before `at`.",
    ),
    solution_code="isrg = store.find('ISRG Root X1')[0]\n"
                  "store.summary(isrg.not_valid_after_utc).expired",
    explanation="summary(at).expired counts the anchors whose notAfter lies before `at`. ISRG Root X1 itself is "
                "not among them: notAfter is still inside the validity period (RFC 5280 section 4.1.2.5). A device "
                "still holding only this list can then use none of them.",
    coach=_coach_expired,
))


def _trusted_chains(at_lab_now: bool = False) -> int:
    """How many of the shipped real chains the snapshot trusts, each at its recorded validation time."""
    store = _store()
    count = 0
    for info in data.chains():
        chain = data.chain(info.name)
        count += store.anchor_for(chain.certificates, at=None if at_lab_now else chain.validation_time).trusted
    return count


def _coach_chains(answer, expected):
    if answer == len(data.chains()):
        return ("Not every one: a chain can lead to a root that Mozilla's list no longer holds. Look at where "
                "each chain ends (its trust_anchor_file).")
    if answer == _trusted_chains(at_lab_now=True):
        return ("That is the count at the lab clock's now, when some of the leaves have expired. Check each chain "
                "at its own chain.validation_time.")
    if isinstance(answer, int) and not 0 <= answer <= len(data.chains()):
        return f"The lab ships {len(data.chains())} chains, so the answer lies between 0 and that."
    return None


register(Exercise(
    id="05.2",
    prompt="The lab ships several real server chains (data.chains()). How many of them does the certifi snapshot "
           "trust, each checked at its own recorded validation time (data.chain(info.name).validation_time)? "
           "Answer with a whole number, and work out why the rest are not trusted.",
    expected=_trusted_chains,
    accepts=(int,),
    hints=(
        "store.anchor_for(chain.certificates, at=chain.validation_time).trusted says whether one chain is trusted.",
        "Loop over data.chains(); each item has a .name for data.chain(name). Count the True results.",
        "One chain was recorded in 2018: which root does it end at, and is that root still in the snapshot?",
    ),
    solution_code=(
        "trusted = 0\n"
        "for info in data.chains():\n"
        "    chain = data.chain(info.name)\n"
        "    trusted += store.anchor_for(chain.certificates, at=chain.validation_time).trusted\n"
        "trusted"
    ),
    explanation="Each chain is checked at the time it was recorded, so expired leaves do not count against it. "
                "The one that fails is the 2018 chain through DST Root CA X3: it was trusted then, but that root "
                "expired in 2021 and is no longer in Mozilla's list, so the snapshot has no anchor for it.",
    coach=_coach_chains,
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
))
