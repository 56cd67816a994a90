"""Exercises of chapter 09, Pinning, thumbprints and self-signed certificates."""

from __future__ import annotations

import datetime as _dt

from .. import data
from ..ca import CertificateAuthority
from ..describe import thumbprint
from ..pinning import SpkiPin, ThumbprintAllowList, spki_sha256
from ..rotation import simulate_fleet
from . import Exercise, normalize_hex, register

# What the notebook defines before its exercises (the unit tests run it too).
SETUP = """
from pki_lab.ca import CertificateAuthority
from pki_lab.describe import thumbprint
from pki_lab.pinning import SpkiPin, ThumbprintAllowList, spki_sha256
from pki_lab.rotation import simulate_fleet, root_facts
import datetime as dt

root = CertificateAuthority.create_root("Chapter 9 Root CA")
issuing = root.create_intermediate("Chapter 9 Issuing CA")
leaf = issuing.issue("hub.example.net", key="hub-key")
renewed = issuing.issue("hub.example.net", key="hub-key")
"""


def _world():
    root = CertificateAuthority.create_root("Chapter 9 Root CA")
    issuing = root.create_intermediate("Chapter 9 Issuing CA")
    leaf = issuing.issue("hub.example.net", key="hub-key")
    renewed = issuing.issue("hub.example.net", key="hub-key")
    return root, issuing, leaf, renewed


def _pin() -> str:
    return spki_sha256(_world()[2])


def _coach_pin(answer, expected):
    if normalize_hex(answer) == normalize_hex(thumbprint(_world()[2])):
        return "That is the certificate's thumbprint (a hash of the whole certificate); pin the public key instead."
    return "An RFC 7469 pin is base64 of SHA-256 over the DER SubjectPublicKeyInfo (44 characters ending in '=')."


register(Exercise(
    id="09.1",
    prompt="Compute the RFC 7469 pin-sha256 value of `leaf` (base64 text).",
    expected=_pin,
    accepts=(str,),
    normalize=lambda v: str(v).strip().removeprefix("pin-sha256=").strip('"'),
    hints=(
        "The pin hashes the SubjectPublicKeyInfo, not the whole certificate.",
        "spki_sha256(leaf) computes it; so does base64 of SHA-256 over "
        "leaf.public_key().public_bytes(DER, SubjectPublicKeyInfo).",
    ),
    solution_code="spki_sha256(leaf)",
    explanation="pin-sha256 is base64(SHA-256(DER SubjectPublicKeyInfo)) (RFC 7469 section 2.4), so it stays "
                "the same for every certificate issued for the same key.",
    coach=_coach_pin,
    setup_code=SETUP,
))


def _survivor() -> str:
    root, issuing, leaf, renewed = _world()
    policies = {
        "thumbprint": ThumbprintAllowList([thumbprint(leaf)]),
        "spki": SpkiPin([root.certificate], [spki_sha256(leaf)]),
    }
    chain = [renewed, issuing.certificate]
    (name,) = [n for n, p in policies.items() if p.check(chain, "hub.example.net").accepted]
    return name


register(Exercise(
    id="09.2",
    prompt="The service renewed its certificate with the same key (`renewed`). A device holding a thumbprint "
           "allow-list with `leaf`'s thumbprint, and a device holding an SPKI pin of `leaf`: which one still "
           "accepts `[renewed, issuing.certificate]`? Answer 'thumbprint' or 'spki'.",
    expected=_survivor,
    accepts=(str,),
    normalize=lambda v: "".join(ch for ch in str(v).casefold() if ch.isalpha()).removesuffix("pin"),
    hints=(
        "Does renewing change the certificate's bytes? Does it change the key?",
        "Build ThumbprintAllowList([thumbprint(leaf)]) and SpkiPin([root.certificate], [spki_sha256(leaf)]) "
        "and call .check([renewed, issuing.certificate], 'hub.example.net') on each.",
    ),
    solution_code=(
        "chain = [renewed, issuing.certificate]\n"
        "by_thumbprint = ThumbprintAllowList([thumbprint(leaf)]).check(chain, 'hub.example.net')\n"
        "by_key = SpkiPin([root.certificate], [spki_sha256(leaf)]).check(chain, 'hub.example.net')\n"
        "'spki' if by_key.accepted and not by_thumbprint.accepted else 'thumbprint'"
    ),
    explanation="A renewed certificate has a new serial number, new dates and a new signature, so its thumbprint "
                "changes; its key, and so its SPKI pin, stays the same.",
    setup_code=SETUP,
))


def _days_left() -> int:
    baltimore = data.certificate("baltimore_cybertrust_root")
    return (baltimore.not_valid_after_utc - _dt.datetime(2023, 2, 15, tzinfo=_dt.UTC)).days


def _coach_days(answer, expected):
    if isinstance(answer, (int, float)) and abs(answer - expected) <= 2:
        return "Very close: count whole days from 2023-02-15 00:00 UTC to the root's notAfter."
    return "Load the real root with data.certificate('baltimore_cybertrust_root') and read not_valid_after_utc."


register(Exercise(
    id="09.3",
    prompt="Microsoft began moving IoT hubs off the Baltimore CyberTrust Root on 2023-02-15. How many whole days "
           "of validity did that root have left then? Use the real root in pki_lab.data.",
    expected=_days_left,
    accepts=(int, float),
    hints=(
        "from pki_lab import data; data.certificate('baltimore_cybertrust_root').not_valid_after_utc",
        "Subtract dt.datetime(2023, 2, 15, tzinfo=dt.timezone.utc) and take .days.",
    ),
    solution_code=(
        "from pki_lab import data\n"
        "baltimore = data.certificate('baltimore_cybertrust_root')\n"
        "(baltimore.not_valid_after_utc - dt.datetime(2023, 2, 15, tzinfo=dt.timezone.utc)).days"
    ),
    explanation="A root migration is planned years ahead of the old root's expiry, because devices in the field "
                "must receive the new root before the service switches.",
    coach=_coach_days,
    setup_code=SETUP,
))


def _share() -> int:
    result = simulate_fleet(per_group=20, seed=2023)
    return round(100 * result.share("trust store (updatable)", _dt.datetime(2023, 3, 1, tzinfo=_dt.UTC)))


register(Exercise(
    id="09.4",
    prompt="In simulate_fleet(per_group=20, seed=2023), what percentage of the 'trust store (updatable)' devices "
           "can connect on 2023-03-01, just after the root migration? Answer with a whole number.",
    expected=_share,
    accepts=(int, float),
    hints=(
        "result = simulate_fleet(per_group=20, seed=2023) and then result.share(group, date).",
        "share() returns a fraction between 0 and 1; multiply by 100 and round.",
    ),
    solution_code=(
        "result = simulate_fleet(per_group=20, seed=2023)\n"
        "round(100 * result.share('trust store (updatable)', dt.datetime(2023, 3, 1, tzinfo=dt.timezone.utc)))"
    ),
    explanation="Updatable devices that were online between the announcement and the switch received the new "
                "root; those offline through that window came back to a root they did not trust.",
    coach=lambda a, e: "share() gives a fraction; the exercise wants a percentage." if isinstance(a, float)
    and 0 < a <= 1 else None,
    setup_code=SETUP,
))
