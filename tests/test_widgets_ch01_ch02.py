"""The chapter 01 and 02 widgets: pure functions first, then the shells react to their controls."""

from pki_lab.hashing import avalanche
from pki_lab.toyrsa import key_from_primes
from pki_lab.widgets.hashing import avalanche_explorer, avalanche_view
from pki_lab.widgets.rsa import SMALL_PRIMES, rsa_explorer, rsa_playground


def test_rsa_playground_round_trip_and_key():
    result = rsa_playground(61, 53, 17, 65)
    key = key_from_primes(61, 53, 17)
    assert result.ok
    assert f"public key (n, e) = ({key.n}, {key.e})" in repr(result) and f"d = {key.d}" in repr(result)
    assert "= 2790" in result.lines[2] and result.lines[3].endswith("= 65   (round trip works)")


def test_rsa_playground_explains_bad_choices_without_raising():
    for args, words in (((61, 61, 17, 5), "different primes"), ((61, 53, 3, 5), "shares the factor 3"),
                        ((61, 53, 17, 4000), "not in the range")):
        result = rsa_playground(*args)
        assert not result.ok and words in result.lines[0] and result.lines[0].startswith("No key: ")


def test_rsa_explorer_reacts():
    tryit = rsa_explorer()
    assert repr(tryit).startswith("Try it: pick primes")
    assert "3233" in tryit.parts["output"].value
    tryit.parts["q"].value = 59
    assert "3599" in tryit.parts["output"].value and "#1a7f37" in tryit.parts["output"].value
    tryit.parts["q"].value = 61
    assert "different primes" in tryit.parts["output"].value and "#cf222e" in tryit.parts["output"].value
    assert all(p in SMALL_PRIMES for p in (11, 61, 199)) and 15 not in SMALL_PRIMES


def test_avalanche_view_matches_the_hashing_module():
    view = avalanche_view("PKI Lab", (7,))
    assert view.ok and view.changed_bits == avalanche(b"PKI Lab", 7).changed_bits
    assert "b'QKI Lab'" in view.lines[0] and sum(line.count("^") for line in view.lines[3:7]) == view.changed_bits
    assert avalanche_view("PKI Lab", ()).changed_bits == 0  # no flip, no change
    bad = avalanche_view("ab", (99,))
    assert not bad.ok and "Bit 99 is outside the data" in bad.lines[0]


def test_avalanche_explorer_reacts():
    tryit = avalanche_explorer("PKI Lab")
    assert repr(tryit).startswith("Try it: flip one bit")
    tryit.parts["bit"].value = 7
    assert "QKI Lab" in tryit.parts["output"].value
    tryit.parts["text"].value = "a"
    assert tryit.parts["bit"].max == 7
