"""Chapter 13's exercises: each expected answer recomputed here by another route, and the near misses coached."""

from __future__ import annotations

import datetime

import pytest

from pki_lab import exercises
from pki_lab.ca import CertificateAuthority
from pki_lab.exercises.ch13 import DISALLOWED_FROM
from pki_lab.loading import to_der
from pki_lab.postquantum import lab_chain


def test_13_1_the_client_share_is_ml_kem_768s_key_and_x25519s_share():
    ex = exercises.get("13.1")
    assert ex.expected() == 1184 + 32  # FIPS 203 Table 3 and RFC 7748, side by side (ecdhe-mlkem)
    assert ex.check(1216).correct
    assert "ML-KEM-768's key alone" in ex.check(1184).message
    assert "what the server answers" in ex.check(1088 + 32).message
    assert "X25519 share alone" in ex.check(32).message


def test_13_2_is_the_framed_certificate_message_plus_the_certificate_verify():
    ex = exercises.get("13.2")
    chain = lab_chain("ECDSA P-256", "ECDSA P-256", "ML-DSA-44")
    leaf, intermediate = len(to_der(chain.leaf)), len(to_der(chain.intermediate))
    by_hand = (4 + 1 + 3 + (3 + leaf + 2) + (3 + intermediate + 2)) + (4 + 2 + 2 + 2420)
    assert ex.expected() == by_hand
    assert ex.check(by_hand).correct
    assert "framing" in ex.check(leaf + intermediate).message
    assert "does not send the root" in ex.check(leaf + intermediate + len(to_der(chain.root))).message


def test_13_3_counts_51_byte_messages_for_each_chain():
    ex = exercises.get("13.3")

    def messages(algorithm):
        chain = lab_chain(algorithm)
        return -(-(len(to_der(chain.intermediate)) + len(to_der(chain.leaf))) // 51)

    assert ex.expected() == messages("ML-DSA-87") - messages("ECDSA P-256") > 100
    assert "subtract the ECDSA chain's" in ex.check(messages("ML-DSA-87")).message


def test_13_4_counts_whole_years_from_2036_to_the_roots_not_after():
    ex = exercises.get("13.4")
    root = CertificateAuthority.create_root("Fabrikam Device Root CA", days=15 * 365)
    not_after = root.certificate.not_valid_after_utc
    assert DISALLOWED_FROM == datetime.datetime(2036, 1, 1, tzinfo=datetime.UTC)
    assert not_after.year == 2041
    assert ex.expected() == 5 == (not_after - DISALLOWED_FROM).days // 365
    assert ex.check(5).correct
    assert "from the start of 2036" in ex.check(6).message


@pytest.mark.parametrize("exercise_id", ["13.1", "13.2", "13.3", "13.4"])
def test_a_number_given_as_text_is_told_to_drop_the_quotes(exercise_id):
    ex = exercises.get(exercise_id)
    result = ex.check(str(ex.expected()))
    assert result.status == "cannot check"
