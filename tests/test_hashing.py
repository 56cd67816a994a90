"""SHA-256 against FIPS 180-2 vectors, the avalanche effect, and the SHA-1 timeline."""

import datetime as dt
import hashlib

import pytest

from pki_lab.errors import ParameterError, WrongTypeError
from pki_lab.hashing import (
    SHA1_TIMELINE,
    as_bytes,
    avalanche,
    avalanche_profile,
    bit_difference,
    digest,
    flip_bit,
    sha1_timeline,
    sha256_hex,
)


@pytest.mark.parametrize("message,expected", [
    # FIPS 180-2 appendix B.1 and B.2 (the "abc" and two-block messages); the empty string
    ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
    ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
], ids=["fips180-abc", "fips180-two-block", "empty"])
def test_sha256_vectors(message, expected):
    assert sha256_hex(message) == expected
    assert sha256_hex(message.encode()) == expected


def test_flip_bit_numbering_and_twin():
    assert flip_bit(b"P", 7) == b"Q"  # bit 7 is the least significant bit of byte 0
    assert flip_bit(b"\x00\x00", 0) == b"\x80\x00"
    assert flip_bit(b"\x00\x00", 15) == b"\x00\x01"
    assert flip_bit(flip_bit(b"PKI", 9), 9) == b"PKI"


@pytest.mark.parametrize("call,error,message", [
    (lambda: flip_bit(b"ab", 16), ParameterError, "Bit 16 is outside the data: 2 bytes have bits 0 to 15"),
    (lambda: flip_bit(b"", 0), ParameterError, "The data is empty"),
    (lambda: flip_bit(b"ab", 1.0), WrongTypeError, "bit must be a whole number"),
    (lambda: as_bytes(42), WrongTypeError, "must be bytes or a string, not int"),
    (lambda: digest(b"x", "sha999"), ParameterError, "Unknown hash 'sha999'"),
    (lambda: bit_difference(b"a", b"ab"), ParameterError, "same length"),
    (lambda: avalanche_profile(b""), ParameterError, "The data is empty"),
], ids=["bit-out-of-range", "empty-data", "float-bit", "int-data", "unknown-hash", "length-mismatch",
        "empty-profile"])
def test_bad_input_raises_a_sentence(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_avalanche_counts_changed_output_bits():
    result = avalanche(b"PKI Lab", bit=7)
    before, after = hashlib.sha256(b"PKI Lab").digest(), hashlib.sha256(b"QKI Lab").digest()
    expected = sum(bin(a ^ b).count("1") for a, b in zip(before, after, strict=True))
    assert result.changed_bits == expected and result.total_bits == 256
    assert result.marks().count("^") == expected and len(result.marks(width=256)) == 256
    assert result.marks().count("\n") == 3 and "of SHA-256 (" in result.sentence()
    assert f"changed {expected} of the 256 output bits" in result.sentence()


def test_avalanche_no_flip_twin():
    assert bit_difference(digest(b"PKI Lab"), digest(b"PKI Lab")) == 0


def test_avalanche_profile_is_about_half_and_deterministic():
    profile = avalanche_profile(b"The quick brown fox", flips=150, seed=1)
    assert profile == avalanche_profile(b"The quick brown fox", flips=150, seed=1)
    mean = sum(profile) / len(profile)
    assert 120 < mean < 136  # binomial(256, 1/2): mean 128, sd of the mean ~0.6
    assert min(profile) > 90 and max(profile) < 166


def test_sha1_timeline_is_dated_in_order_with_sources():
    def parse(d):
        return dt.date.fromisoformat((d + "-01-01")[:10] if len(d) == 4 else (d + "-01")[:10] if len(d) == 7 else d)
    dates = [parse(e.date) for e in SHA1_TIMELINE]
    assert dates == sorted(dates)
    by_date = {e.date: e for e in SHA1_TIMELINE}
    assert "SHAttered" in by_date["2017-02-23"].event and "identical-prefix" in by_date["2017-02-23"].event
    assert "chosen-prefix" not in by_date["2017-02-23"].event  # SHAttered could not choose two prefixes
    assert "Shambles" in by_date["2020-01"].event and "chosen-prefix" in by_date["2020-01"].event
    assert "2030-12-31" in by_date["2022-12-15"].event
    assert all(e.source for e in SHA1_TIMELINE)
    lines = sha1_timeline().splitlines()
    assert [line[:11].strip() for line in lines if not line.startswith(" ")] == [e.date for e in SHA1_TIMELINE]
    assert max(len(line) for line in lines) <= 100 and len(lines) > len(SHA1_TIMELINE)  # long events wrap
    assert " ".join(line[12:] for line in lines).count("SHAttered") == 1


@pytest.mark.parametrize(("call", "error", "words"), [
    (lambda: bit_difference("ab", b"ab"), WrongTypeError, "a must be bytes"),
    (lambda: avalanche_profile(b"abc", flips=10**30), ParameterError, "from 1 to 100,000"),
    (lambda: avalanche_profile(b"abc", flips=1.5), ParameterError, "flips must be a whole number"),
    (lambda: avalanche_profile(b"abc", flips=2, seed=[1]), WrongTypeError, "seed must be a whole number"),
    (lambda: avalanche_profile(b"abc", flips=25), ParameterError, "3 bytes have only 24 bits"),
], ids=["bit-difference-text", "profile-huge", "profile-float", "profile-seed-list", "profile-more-flips-than-bits"])
def test_bad_arguments_get_a_lab_sentence_and_never_hang(call, error, words):
    with pytest.raises(error, match=words):
        call()


def test_an_avalanche_profile_flips_each_bit_at_most_once():
    """Every bit of a 4-byte text flipped once: the profile holds the same counts as flipping bits 0..31 in turn."""
    profile = avalanche_profile(b"abcd", flips=32, seed=3)
    assert sorted(profile) == sorted(avalanche(b"abcd", bit).changed_bits for bit in range(32))
