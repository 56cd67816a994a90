"""The chapter 01 and 02 widgets: pure functions first, then the shells react to their controls."""

import pytest

from pki_lab.errors import ParameterError, WrongTypeError
from pki_lab.hashing import avalanche
from pki_lab.toyrsa import key_from_primes
from pki_lab.widgets.hashing import avalanche_explorer, avalanche_view, flip_label
from pki_lab.widgets.rsa import SMALL_PRIMES, message_bound, rsa_explorer, rsa_playground


def test_rsa_playground_round_trip_and_key():
    result = rsa_playground(61, 53, 17, 65)
    key = key_from_primes(61, 53, 17)
    assert result.ok
    assert f"public key (n, e) = ({key.n}, {key.e})" in repr(result) and f"d = {key.d}" in repr(result)
    assert "= 2790" in result.lines[2] and result.lines[3].endswith("= 65   (round trip works)")


def test_rsa_playground_explains_bad_choices_without_raising():
    for args, words in (((61, 61, 17, 5), "different primes"), ((61, 53, 3, 5), "shares the factor 3")):
        result = rsa_playground(*args)
        assert not result.ok and words in result.lines[0] and result.lines[0].startswith("No key: ")
    too_big = rsa_playground(61, 53, 17, 4000)  # the key is fine; only the message is not
    assert not too_big.ok and too_big.lines[1].startswith("public key (n, e) = (3233, 17)")
    assert too_big.lines[2].startswith("Cannot encrypt: ") and "not in the range 0 to n-1 = 3232" in too_big.lines[2]


def test_rsa_explorer_reacts():
    tryit = rsa_explorer()
    assert repr(tryit).startswith("Try it: pick primes")
    assert "3233" in tryit.parts["output"].value
    tryit.parts["q"].value = 59
    assert "3599" in tryit.parts["output"].value and "#1a7f37" in tryit.parts["output"].value
    tryit.parts["q"].value = 61
    assert "different primes" in tryit.parts["output"].value and "#cf222e" in tryit.parts["output"].value
    tryit.parts["e"].value = 7  # no key either way, but the display shows the choice
    assert "p = 61, q = 61, e = 7, m = 65" in tryit.parts["output"].value
    assert all(p in SMALL_PRIMES for p in (11, 61, 199)) and 15 not in SMALL_PRIMES


def test_the_message_bound_is_n_minus_one_and_every_message_up_to_it_round_trips():
    assert message_bound(61, 53) == 3232 and message_bound(11, 13) == 142
    for m in (0, 1, message_bound(61, 53)):
        assert rsa_playground(61, 53, 17, m).lines[3].endswith(f"= {m}   (round trip works)")
    assert not rsa_playground(61, 53, 17, message_bound(61, 53) + 1).ok  # one past the bound is refused


def test_the_message_slider_is_bounded_by_n_and_follows_the_key():
    """Every position of the slider is a message the key can carry: the end is n - 1, for every key chosen."""
    tryit = rsa_explorer()
    m, output = tryit.parts["m"], tryit.parts["output"]
    assert (m.min, m.max) == (0, 3232)
    m.value = m.max
    assert "round trip works" in output.value and "No key" not in output.value
    tryit.parts["p"].value = 11  # n shrinks to 583: the slider's end and its value follow
    assert m.max == 582 and m.value == 582 and "round trip works" in output.value
    tryit.parts["q"].value = 199  # n grows to 2189: the end follows, the value stays
    assert m.max == 2188 and m.value == 582
    m.value = 2188
    assert "= 2188   (round trip works)" in output.value


def test_the_rsa_explorer_refuses_bad_starting_values_with_a_sentence():
    with pytest.raises(ParameterError, match="not a message for n = 3233: choose a whole number from 0 to 3232"):
        rsa_explorer(m=3233)
    with pytest.raises(ParameterError, match="not one of the widget's primes"):
        rsa_explorer(p=15)


def test_the_flip_label_says_how_many_bits_and_which_numbers():
    assert flip_label(b"PKI Lab", b"QKI Lab", (7,)) == (
        "flipped 1 input bit: bit number 7, in byte 0 (0x50 'P' became 0x51 'Q')")
    assert flip_label(b"PKI Lab", b"QJI Lab", (7, 15)) == "flipped 2 input bits: bit numbers 7 and 15"
    assert flip_label(b"ab", b"ab", ()) == "flipped 0 input bits: the input is unchanged"
    assert "(0xC3 became 0x43 'C')" in flip_label("é".encode(), b"C\xa9", (0,))  # a byte with no character


def test_avalanche_view_matches_the_hashing_module():
    view = avalanche_view("PKI Lab", (7,))
    assert view.ok and view.changed_bits == avalanche(b"PKI Lab", 7).changed_bits
    assert "b'QKI Lab'" in view.lines[0] and sum(line.count("^") for line in view.lines[3:7]) == view.changed_bits
    assert view.lines[0].startswith("flipped 1 input bit: bit number 7,")  # a number, not a count
    assert avalanche_view("PKI Lab", 7) == view  # one bit may be a plain int
    two = avalanche_view("PKI Lab", [7, 15])
    assert two.lines[0].startswith("flipped 2 input bits: bit numbers 7 and 15") and "b'QJI Lab'" in two.lines[0]
    assert avalanche_view("PKI Lab", ()).changed_bits == 0  # no flip, no change
    bad = avalanche_view("ab", (99,))
    assert not bad.ok and "Bit 99 is outside the data" in bad.lines[0]


def test_avalanche_view_refuses_a_bit_listed_twice_and_odd_input_without_raising():
    twice = avalanche_view("PKI Lab", (7, 15, 7))
    assert not twice.ok and twice.lines == (
        "Cannot flip. Bit 7 is listed twice, and a second flip undoes the first; list each bit number once.",)
    assert not avalanche_view("PKI Lab", "7").ok and "not str" in avalanche_view("PKI Lab", "7").lines[0]
    assert not avalanche_view("", (0,)).ok and "empty" in avalanche_view("", (0,)).lines[0]


def test_avalanche_explorer_reacts():
    tryit = avalanche_explorer("PKI Lab")
    assert repr(tryit).startswith("Try it: flip one bit")
    assert tryit.parts["bit"].description == "flip input bit number"
    tryit.parts["bit"].value = 7
    output = tryit.parts["output"].value
    assert "QKI Lab" in output and "flipped 1 input bit: bit number 7," in output
    tryit.parts["bit"].value = 55  # the last bit of 7 bytes
    assert "bit number 55, in byte 6" in tryit.parts["output"].value
    tryit.parts["text"].value = "a"
    assert tryit.parts["bit"].max == 7 and tryit.parts["bit"].value == 7


def test_message_bound_refuses_what_is_not_a_whole_number():
    with pytest.raises(WrongTypeError, match="p must be a whole number"):
        message_bound("61", 53)
