"""The exercises of chapters 00-02: no answer is printed above its exercise, and wrong answers are coached.

The framework's own guarantees (four outcomes, plain copies, hints) are tested in ``test_exercises.py``, and
every worked solution runs in its notebook in ``test_worked_solutions.py``; here, what these chapters promise.
"""

from __future__ import annotations

import json
import re

import pytest

from pki_lab import demo_hierarchy, exercises, thumbprint
from pki_lab.hashing import avalanche
from pki_lab.toyrsa import key_from_primes

from .conftest import ROOT

NOTEBOOKS = {"00": "00_start_here", "01": "01_public_key_cryptography_and_rsa", "02": "02_hashes_and_signatures"}


def _text_above(chapter: str, exercise_id: str) -> str:
    """Every markdown source and every stored output of the notebook above the cell that fetches the exercise."""
    cells = json.loads((ROOT / "notebooks" / f"{NOTEBOOKS[chapter]}.ipynb").read_text("utf-8"))["cells"]
    seen = []
    for cell in cells:
        if cell["cell_type"] == "code" and f'exercises.get("{exercise_id}")' in "".join(cell["source"]):
            return "\n".join(seen)
        if cell["cell_type"] == "markdown":
            seen.append("".join(cell["source"]))
        for output in cell.get("outputs", []):
            for text in (output.get("text"), *output.get("data", {}).values()):
                if isinstance(text, (list, str)):
                    seen.append("".join(text))
    raise AssertionError(f"exercise {exercise_id} is not fetched in its notebook")


# Answers long enough that finding them in the text above cannot be a coincidence (an index 0-2 can be).
COPYABLE = [ex for ch in NOTEBOOKS for ex in exercises.chapter(ch)
            if (isinstance(ex.expected(), int) and ex.expected() >= 10)
            or (isinstance(ex.expected(), str) and len(ex.expected()) >= 8)]


@pytest.mark.parametrize("ex", COPYABLE, ids=lambda e: e.id)
def test_no_answer_is_printed_above_its_exercise(ex):
    """An answer must be worked out (computed, compared, predicted), never copied from an output above it."""
    expected = str(ex.expected())
    text = _text_above(ex.id[:2], ex.id)
    for form in {expected, expected.upper(), expected.lower()}:
        assert not re.search(rf"(?<![0-9A-Za-z]){re.escape(form)}(?![0-9A-Za-z])", text), (
            f"the answer to {ex.id} ({expected}) is printed above it")


def test_the_copy_check_finds_a_printed_answer():
    """The check above can fail: the chapter's own worked example d = 2753 is printed above exercise 01.1."""
    assert re.search(r"(?<![0-9A-Za-z])2753(?![0-9A-Za-z])", _text_above("01", "01.1"))
    assert {"00.2", "00.3", "01.1", "02.1", "02.4"} <= {ex.id for ex in COPYABLE}


def test_00_2_coaches_the_root_and_the_whole_lifetime_without_the_answer():
    ex, hierarchy = exercises.get("00.2"), demo_hierarchy()
    root, leaf = hierarchy.root.certificate, hierarchy.leaf
    root_margin = (root.not_valid_after_utc - leaf.not_valid_after_utc).days
    assert "root's margin" in ex.check(root_margin).message
    assert "reversed" in ex.check(-ex.expected()).message
    assert ex.check(float(ex.expected())).correct
    for wrong in (root_margin, 7):
        assert str(ex.expected()) not in ex.check(wrong).message


def test_00_3_says_which_thumbprint_was_given():
    ex, hierarchy = exercises.get("00.3"), demo_hierarchy()
    assert "the leaf's SHA-256" in ex.check(thumbprint(hierarchy.leaf, "sha256")).message
    assert "SHA-1 thumbprint" in ex.check(thumbprint(hierarchy.root.certificate, "sha1")).message
    assert ex.check("AB").message.endswith("yours has 2 hex digits.")
    assert ex.check("A").message.endswith("yours has 1 hex digit.")
    assert ex.check(ex.expected().lower()).correct


def test_01_1_uses_a_key_whose_d_the_chapter_does_not_print():
    ex = exercises.get("01.1")
    assert ex.check(key_from_primes(89, 107, 5).d).correct
    assert ex.check(key_from_primes(89, 107, 5, modulus="lambda").d).correct
    assert "worked example" in ex.check(key_from_primes(61, 53, 17).d).message


def test_02_1_counts_the_last_bit_and_coaches_the_bit_numbering():
    ex = exercises.get("02.1")
    assert ex.expected() == avalanche(b"PKI Lab.", bit=63).changed_bits
    assert ex.check(float(ex.expected())).correct  # an integral float is that whole number
    assert "whole number" in ex.check(ex.expected() + 0.5).message
    assert "top bit of the last byte" in ex.check(avalanche(b"PKI Lab.", bit=56).changed_bits).message
    assert "first byte" in ex.check(avalanche(b"PKI Lab.", bit=7).changed_bits).message
    assert "average" in ex.check(128).message


def test_02_4_predicts_the_padding_of_a_3072_bit_key():
    ex = exercises.get("02.4")
    assert ex.expected() == 3072 // 8 - 3 - 19 - 32
    assert "2048-bit key" in ex.check(202).message  # the count the chapter printed
    assert "DigestInfo" in ex.check(ex.expected() + 19).message
    assert "hash itself" in ex.check(ex.expected() + 32).message
