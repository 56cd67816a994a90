"""Exercises of chapter 13, Post-quantum PKI.

Each takes a step the chapter's printed output does not show: add up a hybrid key share, frame a mixed chain
the way a TLS server sends it, compare two chains over a low-power radio, and set a root's lifetime against
NIST's transition dates. The expected answers are computed with the lab (:mod:`pki_lab.postquantum`, the lab CA
and the lab clock), never written down.
"""

from __future__ import annotations

import datetime as _dt

from ..ca import CertificateAuthority
from ..loading import to_der
from ..postquantum import device_view, handshake_cost, kem_demo, lab_chain
from . import Exercise, register

# --- 13.1: the hybrid key share ---------------------------------------------------------------------------------


def _kem_sizes() -> dict[str, int]:
    rows = {row.name: row for row in kem_demo().rows}
    return {"ml-kem key": rows["ML-KEM-768"].public_key, "ml-kem ciphertext": rows["ML-KEM-768"].ciphertext,
            "x25519": rows["X25519"].public_key}


def _hybrid_share() -> int:
    sizes = _kem_sizes()
    return sizes["ml-kem key"] + sizes["x25519"]


def _coach_hybrid(answer: int, _expected: int) -> str | None:
    sizes = _kem_sizes()
    if answer == sizes["ml-kem key"]:
        return "That is ML-KEM-768's key alone: a hybrid share carries the X25519 share beside it."
    if answer == sizes["ml-kem ciphertext"] + sizes["x25519"]:
        return "That is what the server answers (a ciphertext and its X25519 share); the question is the client's."
    if answer == sizes["x25519"]:
        return "That is the X25519 share alone, the classical half."
    return None


register(Exercise(
    id="13.1",
    prompt="A browser offering the hybrid group X25519MLKEM768 sends, in its ClientHello's key_share, an ML-KEM-768 "
           "encapsulation key followed by an X25519 public share. How many bytes is that key share (the key "
           "exchange value itself)? Answer with a whole number.",
    expected=_hybrid_share,
    accepts=(int,),
    hints=(
        "kem_demo() measured both parts: each row has a public_key size.",
        "Add the ML-KEM-768 row's public_key to the X25519 row's public_key.",
    ),
    solution_code="rows = {row.name: row for row in kem_demo().rows}\n"
                  "rows['ML-KEM-768'].public_key + rows['X25519'].public_key",
    explanation="1,184 bytes of ML-KEM-768 encapsulation key and 32 of X25519: 1,216 bytes, where X25519 alone "
                "sends 32. The server answers with 1,088 + 32 = 1,120 bytes. Both are far below TCP's first window "
                "(14,600 bytes), so the hybrid costs bytes but no round trip, and it changes no certificate: that "
                "is why TLS could switch key exchange first.",
    coach=_coach_hybrid,
))

# --- 13.2: a mixed chain's handshake bytes ---------------------------------------------------------------------


def _mixed_total() -> int:
    return handshake_cost(*lab_chain("ECDSA P-256", "ECDSA P-256", "ML-DSA-44").certificates).total


def _coach_mixed(answer: int, expected: int) -> str | None:
    chain = lab_chain("ECDSA P-256", "ECDSA P-256", "ML-DSA-44")
    der = [len(to_der(c)) for c in chain.certificates]
    if answer == der[1] + der[2]:
        return "That counts the two certificates only: the Certificate message adds its framing, and the " \
               "CertificateVerify message carries a signature made with the leaf's key."
    if answer == sum(der):
        return "A server does not send the root: the client has it already."
    if answer == handshake_cost(*lab_chain("ECDSA P-256").certificates).total:
        return "That is the all-ECDSA chain: this leaf's key is ML-DSA-44."
    return None


register(Exercise(
    id="13.2",
    prompt="A server keeps its ECDSA P-256 root and intermediate but gives its own leaf an ML-DSA-44 key. How many "
           "bytes do its TLS 1.3 Certificate and CertificateVerify messages take together? Answer with a whole "
           "number.",
    expected=_mixed_total,
    accepts=(int,),
    hints=(
        "lab_chain(root, intermediate, leaf) issues the chain with the algorithms you name.",
        "handshake_cost(*chain.certificates).total adds both messages.",
    ),
    solution_code="mixed = lab_chain('ECDSA P-256', 'ECDSA P-256', 'ML-DSA-44')\n"
                  "handshake_cost(*mixed.certificates).total",
    explanation="The leaf carries a 1,312-byte ML-DSA-44 key and the server signs the handshake with it "
                "(2,420 bytes), but the intermediate still signs with ECDSA (the leaf's own signature is small). "
                "A chain is only as large as the algorithms at each level: the leaf's key sets the "
                "CertificateVerify, the issuer's key sets each certificate's signature.",
    coach=_coach_mixed,
))

# --- 13.3: two chains over LoRaWAN ------------------------------------------------------------------------------


def _messages(algorithm: str) -> int:
    return dict(device_view(*lab_chain(algorithm).certificates).lorawan)["DR0-DR2 (SF12-SF10)"]


def _extra_messages() -> int:
    return _messages("ML-DSA-87") - _messages("ECDSA P-256")


register(Exercise(
    id="13.3",
    prompt="A LoRaWAN sensor in Europe at its slowest data rates (DR0-DR2: 51-byte payloads) must receive a server's "
           "leaf + intermediate. How many MORE messages does an all-ML-DSA-87 chain need than an all-ECDSA-P-256 "
           "one? Answer with a whole number.",
    expected=_extra_messages,
    accepts=(int,),
    hints=(
        "device_view(*lab_chain('ML-DSA-87').certificates).lorawan lists (data rate, messages) pairs.",
        "Take the DR0-DR2 count for each chain and subtract.",
    ),
    solution_code="def dr0(algorithm):\n"
                  "    return dict(device_view(*lab_chain(algorithm).certificates).lorawan)['DR0-DR2 (SF12-SF10)']\n"
                  "dr0('ML-DSA-87') - dr0('ECDSA P-256')",
    explanation="Hundreds of messages more: at SF12 each takes over a second on air and Europe's 1% duty cycle "
                "then makes the radio wait about 100 times as long, so a device like this cannot fetch a post-"
                "quantum chain over the air. It must hold its trust anchors and credentials from the factory, or "
                "use a protocol whose certificates are smaller than X.509 chains.",
    coach=lambda a, e: ("That is how many the ML-DSA-87 chain needs in all: subtract the ECDSA chain's."
                        if a == e + _messages("ECDSA P-256") else None),
))

# --- 13.4: a root that outlives the transition ------------------------------------------------------------------

#: NIST IR 8547 (initial public draft, November 2024): quantum-vulnerable signatures disallowed after 2035.
DISALLOWED_FROM = _dt.datetime(2036, 1, 1, tzinfo=_dt.UTC)


def _years_after() -> int:
    root = CertificateAuthority.create_root("Fabrikam Device Root CA", days=15 * 365)
    return (root.certificate.not_valid_after_utc - DISALLOWED_FROM).days // 365


register(Exercise(
    id="13.4",
    prompt="Fabrikam issues its device root today (the lab clock) with ECDSA P-256 and a 15-year lifetime: "
           "CertificateAuthority.create_root('Fabrikam Device Root CA', days=15 * 365). NIST IR 8547's draft "
           "disallows ECDSA after 2035 (from DISALLOWED_FROM). For how many whole years (365 days) of its "
           "validity would the root be disallowed? Answer with a whole number.",
    expected=_years_after,
    accepts=(int,),
    hints=(
        "root.certificate.not_valid_after_utc is when the root expires.",
        "(not_valid_after_utc - DISALLOWED_FROM).days // 365",
    ),
    solution_code="fabrikam = CertificateAuthority.create_root('Fabrikam Device Root CA', days=15 * 365)\n"
                  "(fabrikam.certificate.not_valid_after_utc - DISALLOWED_FROM).days // 365",
    explanation="Issued in 2026 for 15 years, the root runs to 2041: five years past the last year ECDSA is "
                "allowed. Devices shipped under it would need a new root by 2035, and a device cannot learn to "
                "verify ML-DSA later unless its firmware can be updated: that is why the migration plan starts "
                "with the roots and what the devices support now.",
    coach=lambda a, e: ("Count from the start of 2036, when ECDSA is no longer allowed, to the root's notAfter."
                        if a in (e + 1, 15) else None),
))

__all__ = ["DISALLOWED_FROM"]
