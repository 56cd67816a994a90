"""Exercises of chapters 04, 09 and 10: the answers need a step of reasoning, and the coaching says what was wrong.

Each exercise's expected answer is computed by the lab; these tests check that a plausible wrong answer gets the
coaching meant for it (without the answer in it), that right answers in other spellings pass, and that no
worked solution depends on a hand-kept setup string (tests/test_worked_solutions.py runs them in the notebooks).
"""

from __future__ import annotations

import base64
import hashlib

import pytest

from pki_lab import exercises
from pki_lab.describe import thumbprint
from pki_lab.exercises.ch09 import _world
from pki_lab.exercises.ch10 import SUITES
from pki_lab.loading import to_der
from pki_lab.pinning import spki_sha256
from pki_lab.tls import FAILURES, suite_parts
from pki_lab.validation.history import certificates

from .conftest import ROOT


@pytest.mark.parametrize("chapter", ["04", "09", "10"])
def test_no_solution_leans_on_a_setup_string(chapter):
    source = (ROOT / "pki_lab" / "exercises" / f"ch{chapter}.py").read_text(encoding="utf-8")
    assert "setup_code" not in source and "SETUP" not in source


def _incorrect(exercise_id, answer):
    ex = exercises.get(exercise_id)
    result = ex.check(answer)
    assert result.status == "incorrect", result
    assert str(ex.expected()) not in result.message
    return result.message


# -- 04.3: the Android grace period --------------------------------------------------------------------------


def test_04_3_is_computed_from_the_real_certificates():
    certs = certificates()
    cross = certs["ISRG Root X1 (cross-signed by DST)"]
    expected = (cross.not_valid_after_utc - certs["DST Root CA X3"].not_valid_after_utc).days
    assert exercises.get("04.3").expected() == expected == 1096
    assert exercises.get("04.3").check(expected).correct


def test_04_3_coaches_r3_alone_and_a_count_that_stops_at_the_root():
    certs = certificates()
    r3_days = (certs["R3"].not_valid_after_utc - certs["DST Root CA X3"].not_valid_after_utc).days
    assert "which of the two expires first" in _incorrect("04.3", r3_days)
    assert "where the count starts" in _incorrect("04.3", 0)
    assert "Count whole days" in _incorrect("04.3", 500)


# -- 09.1: a pin, and what a wrong pin is ----------------------------------------------------------------------


def test_09_1_a_well_formed_pin_of_another_key_is_not_blamed_on_its_format():
    root, issuing, leaf, renewed = _world()
    assert exercises.get("09.1").check(spki_sha256(renewed)).correct  # same key, same pin
    assert exercises.get("09.1").check(f'pin-sha256="{spki_sha256(leaf)}"').correct
    message = _incorrect("09.1", spki_sha256(issuing.certificate))
    assert message.startswith("That is a well-formed pin, but of the issuing CA's key")
    assert "44 characters" not in message
    assert "of the root's key" in _incorrect("09.1", spki_sha256(root.certificate))
    stranger = base64.b64encode(hashlib.sha256(b"another key").digest()).decode()
    assert "well-formed pin, but of another key: pin the SPKI of `leaf`" in _incorrect("09.1", stranger)


def test_09_1_other_wrong_pins_are_named_for_what_they_are():
    _, _, leaf, _ = _world()
    assert "thumbprint" in _incorrect("09.1", thumbprint(leaf))
    assert "thumbprint" in _incorrect("09.1", thumbprint(leaf, "sha1"))
    assert "written in hex" in _incorrect("09.1", base64.b64decode(spki_sha256(leaf)).hex())
    whole = base64.b64encode(hashlib.sha256(to_der(leaf)).digest()).decode()
    assert "of the whole certificate" in _incorrect("09.1", whole)
    assert "not a pin's shape" in _incorrect("09.1", "hub-key-1")


# -- chapter 10: reasoning over real handshakes ----------------------------------------------------------------


def test_10_1_the_signature_part_of_the_suite():
    ex = exercises.get("10.1")
    assert ex.expected() == "ECDSA"
    assert ex.check(" ecdsa ").correct
    assert "key exchange" in _incorrect("10.1", "ECDHE")
    assert "records" in _incorrect("10.1", "AES256")


def test_10_2_a_root_sent_in_place_of_the_intermediate():
    ex = exercises.get("10.2")
    assert ex.expected() == "missing intermediate"
    assert ex.check("Missing-Intermediate").correct
    assert "does trust that root" in _incorrect("10.2", "unknown CA")
    assert "pki_lab.tls.FAILURES" in _incorrect("10.2", "broken")


def test_10_3_a_server_certificate_on_a_device():
    ex = exercises.get("10.3")
    assert ex.expected() == "client certificate unsuitable" and ex.expected() in FAILURES
    assert "did send a certificate" in _incorrect("10.3", "client certificate required")
    assert "extended key usage" in _incorrect("10.3", "client certificate rejected")


def test_10_4_forward_secrecy():
    ex = exercises.get("10.4")
    expected = ex.expected()
    assert expected == sorted(s for s in SUITES if s.startswith(("ECDHE", "DHE")))
    assert all(suite_parts(s).forward_secret for s in expected)
    assert ex.check(tuple(reversed(expected))).correct and ex.check(set(expected)).correct
    assert ex.check([s.lower() for s in expected]).correct
    wrong = _incorrect("10.4", [*expected, "AES256-GCM-SHA384"])
    assert wrong.startswith("AES256-GCM-SHA384 has no ephemeral key exchange")
    assert "missing" in _incorrect("10.4", expected[:1])
    assert "SUITES" in _incorrect("10.4", ["ECDHE-FOO"])
    assert exercises.get("10.4").check(object()).status == "cannot check"


def test_09_4_counts_stranded_devices_not_the_printed_percentage():
    import datetime as dt

    from pki_lab.rotation import simulate_fleet

    fleet = simulate_fleet(per_group=20, seed=2023)
    share = fleet.share("trust store (updatable)", dt.datetime(2023, 3, 1, tzinfo=dt.UTC))
    ex = exercises.get("09.4")
    assert ex.expected() == round(20 * (1 - share)) and 0 < ex.expected() < 20
    assert "can still connect" in _incorrect("09.4", round(20 * share))
    assert "percentage" in _incorrect("09.4", round(100 * share))
    assert "percentage" in _incorrect("09.4", round(100 * (1 - share)))


def test_09_2_coaches_the_thumbprint_and_an_answer_outside_the_two():
    assert exercises.get("09.2").check("SPKI pin").correct
    assert "the hash of its bytes" in _incorrect("09.2", "thumbprint")
    assert "one of the two words the prompt offers" in _incorrect("09.2", "leaf")


@pytest.mark.parametrize("name", ["www.example.org", "example.org", "*.example.org", "a.b.example.org",
                                  "www.example.com", "evil-example.org", "*.org"])
def test_04_4_agrees_with_the_validator_on_each_name(name):
    """root -> CA (nameConstraints: permitted example.org) -> leaf for `name`: the check agrees with validate_chain."""
    from cryptography import x509

    from pki_lab.ca import CertificateAuthority
    from pki_lab.validation import validate_chain

    root = CertificateAuthority.create_root("Test 04.4 Root CA")
    only_org = x509.NameConstraints(permitted_subtrees=[x509.DNSName("example.org")], excluded_subtrees=None)
    ca = root.create_intermediate("Test 04.4 Constrained CA", extensions=[(only_org, True)])
    leaf = ca.issue(name)
    probe = name.replace("*", "host", 1)  # a name the wildcard stands for, for the host-name check
    valid = validate_chain(leaf, [ca.certificate], trust=[root], name=probe).ok
    assert exercises.get("04.4").check(name).correct is valid


def test_04_4_coaches_a_name_that_is_not_a_host_name_and_a_suffix_that_is_not_a_label():
    assert "not a host name" in _incorrect("04.4", "https://www.example.org")
    assert "not a host name" in _incorrect("04.4", "shop.example.org.")
    assert "whole labels" in _incorrect("04.4", "evil-example.org")
    assert "outside example.org" in _incorrect("04.4", "www.example.com")


def test_04_2_takes_the_day_as_text_a_date_or_a_timestamp_and_coaches_the_format():
    import datetime as dt

    ex = exercises.get("04.2")
    day = dt.date.fromisoformat(ex.expected())
    for answer in (day.isoformat(), day, dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC),
                   f"{day.isoformat()}T12:00:00+00:00"):
        assert ex.check(answer).correct, answer
    assert "'YYYY-MM-DD'" in _incorrect("04.2", day.strftime("%d/%m/%Y"))
    from pki_lab.validation.gallery import scenario

    assert "leaf's last day" in _incorrect("04.2", scenario("valid").leaf.not_valid_after_utc.date().isoformat())
    late = dt.datetime.combine(day, dt.time(23), tzinfo=dt.timezone(dt.timedelta(hours=-5)))  # the next UTC day
    assert ex.check(late).status == "incorrect"


def test_04_1_takes_the_common_name_with_or_without_cn():
    ex = exercises.get("04.1")
    assert ex.check(f"CN={ex.expected()}").correct and ex.check(f"  {ex.expected().upper()} ").correct
    assert "belongs to the CA above it" in _incorrect("04.1", "CN=Gallery Sub CA")
