"""Capstone milestone 8 (chapters 12 and 13): a post-quantum plan for devices that live 15 years.

Each rule has a passing plan and its failing twin; the chain a device must hold is measured from the lab CA.
"""

from __future__ import annotations

import pytest

from pki_lab import exercises
from pki_lab.errors import ParameterError, WrongTypeError
from pki_lab.iot.capstone import WORKED_EXAMPLE, design
from pki_lab.iot.capstone_pq import STEPS, device_chain_bytes, milestone_pq, pq_plan
from pki_lab.iot.capstone_report import design_report
from pki_lab.loading import to_der
from pki_lab.postquantum import lab_chain

WHY = {"lifetimes": "a 16-year root covers ten years of devices", "keys": "ECDSA P-256 in the secure element",
       "names": "product, factory and serial keep every ID unique"}
GOOD_ORDER = ("key exchange", "root", "firmware signing", "issuing CAs", "device identities")


@pytest.fixture(scope="module")
def mine():
    return design("Fabrikam Sense", ("Porto", "Brno"), root_days=6000, issuing_days=1460, device_days=730, why=WHY)


def good(mine, **changes):
    args = dict(order=GOOD_ORDER, new_root="ML-DSA-87", ship_pq_root_now=True, firmware_signing="lms",
                device_ram_kib=64, why="recorded traffic first; roots and updates before identities")
    args.update(changes)
    return pq_plan(mine, **args)


def failing(plan) -> dict[str, str]:
    return {f.rule: f.sentence for f in milestone_pq(plan) if not f.ok}


def test_a_good_plan_passes_every_rule(mine):
    assert failing(good(mine)) == {}


@pytest.mark.parametrize("changes, rule, words", [
    (dict(order=("root", "key exchange", "firmware signing", "issuing CAs", "device identities")),
     "key-exchange-first", "'root' comes first"),
    (dict(order=("key exchange", "device identities", "root", "firmware signing", "issuing CAs")),
     "order", "root and firmware signing come after the device identities"),
    (dict(new_root="ECDSA P-384"), "pq-root-now", "ECDSA P-384 root is quantum-vulnerable"),
    (dict(ship_pq_root_now=False), "pq-root-now", "not shipped yet"),
    (dict(firmware_signing="ecdsa"), "firmware-pq", "which a CRQC could forge"),
    (dict(device_ram_kib=8), "room-for-chain", "8 KiB of RAM cannot hold"),
    (dict(why="because"), "why", "at least four words"),
])
def test_each_rule_has_its_failing_twin(mine, changes, rule, words):
    problems = failing(good(mine, **changes))
    assert list(problems) == [rule]
    assert words in problems[rule]


def test_the_chain_a_device_holds_is_measured_from_the_lab_ca():
    chain = lab_chain("ML-DSA-87", "ML-DSA-65", "ML-DSA-44")
    assert device_chain_bytes("ML-DSA-87") == len(to_der(chain.intermediate)) + len(to_der(chain.leaf))
    # the root is not sent, but its signature on the intermediate is: a larger root makes a larger chain
    assert device_chain_bytes("ML-DSA-44") < device_chain_bytes("ML-DSA-65") < device_chain_bytes("ML-DSA-87")


def test_the_ram_rule_names_the_measured_minimum(mine):
    needed = device_chain_bytes("ML-DSA-87")
    kib = -(-needed // 1024)
    assert failing(good(mine, device_ram_kib=kib)) == {}
    assert f"at least {kib} KiB" in failing(good(mine, device_ram_kib=kib - 1))["room-for-chain"]


def test_the_worked_example_is_not_your_own_design():
    plan = pq_plan(WORKED_EXAMPLE, order=GOOD_ORDER, why="recorded traffic first; roots and updates before identities")
    assert "own-design" in failing(plan)


@pytest.mark.parametrize("kwargs, error, words", [
    (dict(order=GOOD_ORDER[:-1]), ParameterError, "`order` must list each of"),
    (dict(order=GOOD_ORDER[:-1] + ("root",)), ParameterError, "`order` must list each of"),
    (dict(order="key exchange first"), ParameterError, "`order` must list each of"),
    (dict(order=GOOD_ORDER, new_root="ML-DSA-128"), ParameterError, "`new_root` must be one of"),
    (dict(order=GOOD_ORDER, firmware_signing="sha256"), ParameterError, "`firmware_signing` must be one of"),
    (dict(order=GOOD_ORDER, device_ram_kib=0), ParameterError, "a whole number of KiB above 0"),
    (dict(order=GOOD_ORDER, device_ram_kib=True), ParameterError, "a whole number of KiB above 0"),
])
def test_bad_values_are_refused_with_a_sentence(mine, kwargs, error, words):
    with pytest.raises(error, match=words.replace("(", r"\(")):
        pq_plan(mine, **kwargs)


def test_a_plan_needs_a_profile():
    with pytest.raises(WrongTypeError, match="`profile` must be your CapstoneProfile"):
        pq_plan("Fabrikam Sense", order=GOOD_ORDER)
    with pytest.raises(ParameterError, match="Expected a PqPlan"):
        milestone_pq("a plan")


def test_exercise_12_8_checks_the_milestone_and_coaches_with_its_first_failure(mine):
    ex = exercises.get("12.8")
    assert ex.check(good(mine)).correct
    result = ex.check(good(mine, firmware_signing="rsa"))
    assert not result.correct and "Not yet (firmware-pq)" in result.message
    assert set(STEPS) == set(GOOD_ORDER)


def test_the_design_report_has_milestone_8(mine):
    report = design_report(mine, pq=good(mine))
    assert "### 8. The post-quantum migration: PASS" in report
    assert "**Post-quantum plan:** post-quantum plan for Fabrikam Sense: key exchange -> root" in report
    assert "### 8. The post-quantum migration: not attempted" in design_report(mine)


@pytest.mark.parametrize("kwargs", [dict(ship_pq_root_now="yes"), dict(why=["a", "list"])])
def test_a_flag_or_a_reason_of_the_wrong_type_is_refused(mine, kwargs):
    with pytest.raises(ParameterError, match="`ship_pq_root_now` must be True or False, and `why` a sentence"):
        pq_plan(mine, order=GOOD_ORDER, **kwargs)
