"""Exercises of chapter 09, Pinning, thumbprints and self-signed certificates."""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
import hashlib

from .. import data
from ..ca import CertificateAuthority
from ..describe import thumbprint
from ..loading import to_der
from ..pinning import SpkiPin, ThumbprintAllowList, spki_sha256
from ..rotation import simulate_fleet
from . import Exercise, normalize_hex, register


def _world():
    root = CertificateAuthority.create_root("Chapter 9 Root CA")
    issuing = root.create_intermediate("Chapter 9 Issuing CA")
    leaf = issuing.issue("hub.example.net", key="hub-key")
    renewed = issuing.issue("hub.example.net", key="hub-key")
    return root, issuing, leaf, renewed


def _pin() -> str:
    return spki_sha256(_world()[2])


def _pin_of_bytes(der: bytes) -> str:
    return base64.b64encode(hashlib.sha256(der).digest()).decode("ascii")


def _coach_pin(answer, expected):
    """Coach a wrong pin by what it is: a thumbprint, the right hash in hex, a pin of the whole certificate or of
    another key, or not a pin at all."""
    root, issuing, leaf, _ = _world()
    given = str(answer).strip().removeprefix("pin-sha256=").strip('"')
    if normalize_hex(given) in (normalize_hex(thumbprint(leaf)), normalize_hex(thumbprint(leaf, "sha1"))):
        return "That is the certificate's thumbprint (a hash of the whole certificate); pin the public key instead."
    if normalize_hex(given) == base64.b64decode(expected).hex().upper():
        return "That is the right hash, written in hex; an RFC 7469 pin writes the same 32 bytes in base64."
    try:
        raw = base64.b64decode(given, validate=True)
    except (ValueError, binascii.Error):
        raw = b""
    if len(raw) != 32:
        return ("That is not a pin's shape: an RFC 7469 pin is base64 of SHA-256 over the DER "
                "SubjectPublicKeyInfo (44 characters ending in '=').")
    if given == _pin_of_bytes(to_der(leaf)):
        return ("That is a well-formed pin, but of the whole certificate: hash only its SubjectPublicKeyInfo, so "
                "that the pin survives renewals.")
    others = {spki_sha256(issuing.certificate): "the issuing CA's", spki_sha256(root.certificate): "the root's"}
    whose = others.get(given, "another")
    return f"That is a well-formed pin, but of {whose} key: pin the SPKI of `leaf`, the hub's own certificate."


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


def _coach_survivor(answer, _expected) -> str:
    given = "".join(ch for ch in str(answer).casefold() if ch.isalpha()).removesuffix("pin")
    if given == "thumbprint":
        return ("Renewal gives the certificate a new serial number, new dates and a new signature: are its bytes, "
                "and so the hash of its bytes, the same as before?")
    return "Answer with one of the two words the prompt offers: the device whose check still accepts the renewed chain."


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
    coach=_coach_survivor,
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
        "import datetime as dt\n"
        "from pki_lab import data\n"
        "baltimore = data.certificate('baltimore_cybertrust_root')\n"
        "(baltimore.not_valid_after_utc - dt.datetime(2023, 2, 15, tzinfo=dt.timezone.utc)).days"
    ),
    explanation="A root migration is planned years ahead of the old root's expiry, because devices in the field "
                "must receive the new root before the service switches.",
    coach=_coach_days,
))


_GROUP = "trust store (updatable)"
_AFTER = _dt.datetime(2023, 3, 1, tzinfo=_dt.UTC)


def _stranded() -> int:
    result = simulate_fleet(per_group=20, seed=2023)
    return round(result.sizes[_GROUP] * (1 - result.share(_GROUP, _AFTER)))


def _coach_stranded(answer, expected):
    result = simulate_fleet(per_group=20, seed=2023)
    connected = round(result.sizes[_GROUP] * result.share(_GROUP, _AFTER))
    if answer == connected:
        return "That many devices can still connect; the question asks for the ones that cannot."
    if answer in (round(100 * result.share(_GROUP, _AFTER)), round(100 * (1 - result.share(_GROUP, _AFTER)))):
        return "That is a percentage; the question asks for a number of devices in the group."
    return "The table gives the share that can connect; turn the rest of the group into a number of devices."


register(Exercise(
    id="09.4",
    prompt="In simulate_fleet(per_group=20, seed=2023), how many of the 20 'trust store (updatable)' devices cannot "
           "connect on 2023-03-01, just after the root migration, and so cannot receive the new root over the "
           "network either? Answer a whole number of devices.",
    expected=_stranded,
    accepts=(int,),
    hints=(
        "The fleet's table shows the share of each group that can connect in each month; the rest cannot.",
        "result = simulate_fleet(per_group=20, seed=2023); result.share(group, date) is that share as a fraction, "
        "and result.sizes[group] the number of devices.",
    ),
    solution_code=(
        "import datetime as dt\n"
        "from pki_lab.rotation import simulate_fleet\n"
        "result = simulate_fleet(per_group=20, seed=2023)\n"
        "group, when = 'trust store (updatable)', dt.datetime(2023, 3, 1, tzinfo=dt.timezone.utc)\n"
        "round(result.sizes[group] * (1 - result.share(group, when)))"
    ),
    explanation="Updatable devices that were online between the announcement and the switch received the new "
                "root; those offline through that window came back to a root they did not trust, and a device "
                "that cannot connect cannot be updated over that connection: each needs a visit or a separate, "
                "independently secured update channel.",
    coach=_coach_stranded,
))
