"""Chapter 12's capstone: the design rules, the line's roles, the ten-year plan, the root move, blocking, the report."""

import dataclasses
import datetime as dt
import os

import pytest

from pki_lab import exercises
from pki_lab.errors import ParameterError, PolicyError, WrongTypeError
from pki_lab.iot.capstone import (
    WORKED_EXAMPLE,
    check_lifetimes,
    check_profile,
    design,
    is_worked_example,
    lifetime_report,
    milestone_design,
    problems,
    registration_id,
)
from pki_lab.iot.capstone_line import ProductLine, enroll_by_hand
from pki_lab.iot.capstone_plan import (
    FIRMWARE_BUILT,
    ClockPolicy,
    RenewalPlan,
    back_after_offline,
    clock_cases,
    clock_reset_run,
    current_cloud_root,
    migration_check,
    next_cloud_root,
    offline_margin,
    simulate_life,
)
from pki_lab.iot.capstone_report import (
    LEGEND,
    design_report,
    draw_summary,
    milestone_block,
    milestone_bundle,
    milestone_clock,
    milestone_line,
    milestone_offline,
    save_report,
)
from pki_lab.iot.device import IoTDevice

WHY = {"lifetimes": "a 16-year root covers ten years of devices and their last certificate",
       "keys": "ECDSA P-256 is what the sensor's secure element makes quickly",
       "names": "product, factory and serial keep every registration ID unique"}


def fabrikam(**change):
    values = dict(product="Fabrikam Sense", factories=("Porto", "Brno"), root_days=6000, issuing_days=1460,
                  device_days=730, why=WHY)
    return design(**(values | change))


def failing(findings):
    return [f.rule for f in problems(findings)]


# -- milestone 1: the rules ---------------------------------------------------------------------

def test_a_design_of_ones_own_passes_every_rule():
    assert failing(milestone_design(fabrikam())) == []


@pytest.mark.parametrize("change, rule, words", [
    pytest.param({"device_days": 1460}, "lifetimes", "equals the issuing CA's", id="device-equals-issuer"),
    pytest.param({"issuing_days": 6000}, "lifetimes", "equals the root's", id="issuing-equals-root"),
    pytest.param({"device_days": 2000}, "lifetimes", "exceeds the issuing CA's", id="device-outlives-issuer"),
    pytest.param({"device_days": 1200}, "issuing-window", "for 260 days", id="issuing-window-under-a-year"),
    pytest.param({"root_days": 4000}, "root-covers-life", "plan a root roll", id="root-shorter-than-device-life"),
    pytest.param({"device_key": "ed25519"}, "keys", "choose 'ec'", id="device-key-ed25519"),
    pytest.param({"root_key": "ed25519"}, "keys", "RSA or ECDSA", id="root-key-ed25519"),
    pytest.param({"issuing_key": "rsa"}, "keys", "every factory would share it", id="issuing-keys-shared-rsa"),
    pytest.param({"id_scheme": "{product}-{factory}"}, "names", "has no {serial}", id="scheme-without-serial"),
    pytest.param({"id_scheme": "{product}-{serial}"}, "names", "has no {factory}", id="scheme-without-factory"),
    pytest.param({"id_scheme": "{product}_{factory}_{serial}"}, "names", "lowercase letters", id="scheme-underscore"),
    pytest.param({"id_scheme": "{product}-{factory}-{model}-{serial}"}, "names", "does not format",
                 id="scheme-unknown-field"),
    pytest.param({"factories": ("Porto", "porto")}, "names", "same name", id="factories-alike"),
    pytest.param({"why": {}}, "why", "no reason of at least four words", id="no-reasons"),
    pytest.param({"why": WORKED_EXAMPLE.why}, "why", "the worked example's reason", id="copied-reasons"),
])
def test_each_rule_refuses_its_fault_with_a_sentence(change, rule, words):
    findings = milestone_design(fabrikam(**change))
    bad = [f for f in findings if not f.ok]
    assert rule in [f.rule for f in bad]
    assert words in next(f.sentence for f in bad if f.rule == rule)
    assert all(f.source for f in findings)


def test_a_planned_root_roll_makes_a_short_root_acceptable():
    assert "root-covers-life" in failing(check_profile(fabrikam(root_days=4000)))
    assert "root-covers-life" not in failing(check_profile(fabrikam(root_days=4000, root_roll=True)))


@pytest.mark.parametrize("change, words", [
    pytest.param({}, "worked example's product", id="the-example-itself"),
    pytest.param({"product": "Fabrikam Thermo"}, "lifetimes are the worked example's", id="renamed-example"),
    pytest.param({"product": "Fabrikam Thermo", "device_days": 1000}, "factories are the worked example's",
                 id="renamed-example-new-lifetime"),
])
def test_milestone_1_refuses_the_worked_example(change, words):
    profile = dataclasses.replace(WORKED_EXAMPLE, why=WHY, **change)
    assert words in is_worked_example(profile)
    assert failing(milestone_design(profile)) == ["own-design"]
    assert is_worked_example(fabrikam()) is None


@pytest.mark.parametrize("args, words", [
    pytest.param({"root_days": 0}, "whole number of days above 0", id="zero-days"),
    pytest.param({"root_days": 7.5}, "whole number of days", id="fractional-days"),
    pytest.param({"device_days": True}, "whole number of days", id="bool-days"),
    pytest.param({"factories": "Porto"}, "list or tuple of factory names", id="factories-a-string"),
    pytest.param({"product": ""}, "product line's name", id="empty-product"),
    pytest.param({"issuing_key": "dsa"}, "must be one of", id="unknown-key"),
    pytest.param({"why": {"colour": "blue"}}, "'colour' is not one of them", id="unknown-why"),
    pytest.param({"root_roll": "yes"}, "True or False", id="root-roll-not-bool"),
])
def test_design_refuses_values_of_the_wrong_type(args, words):
    with pytest.raises(ParameterError, match=words):
        fabrikam(**args)


def test_registration_ids_follow_the_scheme():
    assert registration_id(fabrikam(), "Porto", 7) == "fabrikam-sense-porto-000007"
    with pytest.raises(ParameterError, match="whole number from 1"):
        registration_id(fabrikam(), "Porto", 0)


def test_the_widget_function_refuses_equal_lifetimes_and_the_widget_starts_on_its_steps():
    from pki_lab.widgets.iot import design_explorer

    assert lifetime_report(7300, 1825, 1095).count("PASS") == 3
    assert "FAIL lifetimes: the device lifetime (1825 days) equals" in lifetime_report(7300, 1825, 1825)
    with pytest.raises(ParameterError):
        lifetime_report(7300, 1825, -1)
    widget = design_explorer()
    for name in ("root", "issuing", "device"):
        slider = widget.parts[name]
        assert (slider.value - slider.min) % slider.step == 0, name
    assert "FAIL" not in widget.parts["report"].value
    widget.parts["device"].value = widget.parts["issuing"].value
    assert "equals the issuing CA" in widget.parts["report"].value and "FAIL" in widget.parts["report"].value
    assert [f.ok for f in check_lifetimes(7300, 1825, 1825)][0] is False


# -- milestone 2: the line and its roles --------------------------------------------------------

@pytest.fixture
def line():
    built = ProductLine(fabrikam())
    for factory in ("Porto", "Brno"):
        built.enroll(factory)
        built.enroll(factory)
    return built


def test_devices_are_issued_through_the_roles_and_admitted(line):
    assert failing(milestone_line(line)) == []
    porto = line.factory("Porto")
    assert [d.approved for d in porto.service.decisions] == [True, True]
    assert any("signs a CSR with its private key" in str(e) for e in line.log.events)
    assert list(line.status().values()) == ["ok"] * 4


def test_the_issuing_policy_refuses_another_factorys_name(line):
    rogue = IoTDevice("fabrikam-sense-brno-000099")
    with pytest.raises(PolicyError, match="only issues for fabrikam-sense-porto-"):
        enroll_by_hand(rogue, line.factory("Porto"))


def test_adopt_refuses_a_device_off_the_scheme(line):
    device = IoTDevice(line.next_id("Porto"))
    enroll_by_hand(device, line.factory("Porto"))
    with pytest.raises(ParameterError, match="next device of Brno"):
        line.adopt(device, "Brno")


def test_milestone_2_needs_every_factory():
    built = ProductLine(fabrikam())
    built.enroll("Porto")
    assert failing(milestone_line(built)) == ["every-factory"]


def test_rolling_an_issuing_ca_keeps_old_devices_and_issues_from_g2(line):
    new = line.roll_issuing("Porto")
    assert new.certificate.subject.rfc4514_string().startswith("CN=Fabrikam Sense Porto Issuing CA G2")
    device = line.enroll("Porto")
    assert line.connect(device).ok and line.connect(line.devices[0]).ok
    assert failing(milestone_line(line)) == []  # the retired service's decisions still count


# -- milestone 3: ten years -----------------------------------------------------------------------

def test_a_sound_plan_keeps_every_device_valid_for_ten_years():
    report = simulate_life(RenewalPlan(fabrikam(), renew_at=0.5, roll_issuing_every=700))
    assert report.ok and report.renewals > 0 and report.issuing_rolls > 0
    assert report.devices == 11


def test_rolling_issuing_cas_too_late_leaves_devices_without_a_chain():
    report = simulate_life(RenewalPlan(fabrikam(), renew_at=0.5, roll_issuing_every=1400))
    assert not report.ok
    assert {"no-gap", "within-issuer"} <= {f.rule for f in report.findings() if not f.ok}
    assert "issuing CA" in report.gaps[0].reason and "expired" in report.gaps[0].reason


def test_a_short_root_needs_its_planned_roll():
    short = fabrikam(root_days=3000, issuing_days=1400, device_days=700, root_roll=True)
    unrolled = simulate_life(RenewalPlan(short, 0.6, 700))
    assert "root 'Fabrikam Sense Root CA' expired" in unrolled.gaps[0].reason
    rolled = simulate_life(RenewalPlan(short, 0.6, 700, roll_root_every=1800))
    assert rolled.ok and rolled.root_rolls == 2


@pytest.mark.parametrize("args, words", [
    pytest.param({"renew_at": 1}, "between 0 and 1", id="renew-at-1"),
    pytest.param({"renew_at": True}, "between 0 and 1", id="renew-at-bool"),
    pytest.param({"roll_issuing_every": 7}, "at least 30", id="roll-too-often"),
    pytest.param({"roll_issuing_every": 700, "why": 3}, "a sentence", id="why-not-text"),
])
def test_a_plan_refuses_nonsense(args, words):
    with pytest.raises(ParameterError, match=words):
        RenewalPlan(fabrikam(), **({"renew_at": 0.5, "roll_issuing_every": 700} | args))


# -- milestones 4-6: the root move, blocking, offline -----------------------------------------------

@pytest.mark.parametrize("roots, ok", [
    pytest.param(("g1", "g2"), (True, True), id="both-roots"),
    pytest.param(("g1",), (True, False), id="old-root-only"),
    pytest.param(("g2",), (False, True), id="new-root-only"),
])
def test_the_bundle_must_span_the_hubs_move(roots, ok):
    certs = {"g1": current_cloud_root().certificate, "g2": next_cloud_root().certificate}
    before, after = migration_check([certs[r] for r in roots], fabrikam())
    assert (before.ok, after.ok) == ok
    assert (not any(f.ok for f in milestone_bundle([certs[r] for r in roots], fabrikam()))) == (ok != (True, True))


def test_blocking_the_azure_way_shuts_out_one_device(line):
    assert "no device is shut out" in milestone_block(line)[0].sentence
    stolen = line.devices[1]
    line.dps.add_individual_enrollment(stolen.registration_id, certificate=stolen.certificate)
    line.dps.disable(stolen.registration_id)
    finding = milestone_block(line)[0]
    assert not finding.ok and "disable its hub identity too" in finding.sentence
    line.hub.disable_device(stolen.registration_id)
    assert failing(milestone_block(line)) == []
    assert line.status()[stolen.registration_id] == "enrollment-disabled"


def test_the_hub_alone_is_not_enough(line):
    stolen = line.devices[1]
    line.hub.disable_device(stolen.registration_id)
    assert "DPS would provision it again" in milestone_block(line)[0].sentence


def test_a_device_back_after_its_renewal_window_is_expired():
    plan = RenewalPlan(WORKED_EXAMPLE, 2 / 3, 730)
    assert offline_margin(plan) == 365
    assert back_after_offline(plan, 365)[0].ok
    late = back_after_offline(plan, 400)[0]
    assert not late.ok and late.code == "expired"
    assert failing(milestone_offline(RenewalPlan(fabrikam(), 0.4, 700))) == []
    assert "offline-margin" in failing(milestone_offline(RenewalPlan(fabrikam(), 0.5, 700)))


def test_a_clock_reset_to_1970_refuses_the_hub_until_synced(line):
    device = line.devices[0]
    cases = dict(clock_cases(line, device, dt.datetime(2026, 1, 10, tzinfo=dt.UTC),
                             dt.datetime(2026, 3, 14, tzinfo=dt.UTC)))
    assert [v.code for v in cases.values()] == ["server-untrusted"] * 3 + ["ok"]
    assert "not valid before" in cases["clock reset to 1970"].reason
    assert device.clock.synced  # the device's own clock is given back


# -- milestone 7: the clock reset ----------------------------------------------------------------

CLOCK_WHY = "sync before TLS, and the build date bounds a bad boot"


def sentence(findings, rule):
    return next(f.sentence for f in findings if f.rule == rule)


def test_a_reset_device_with_no_clock_policy_is_refused_and_reads_1970():
    found = milestone_clock(ClockPolicy(fabrikam(), why=CLOCK_WHY))
    assert failing(found) == ["admitted-after-reset", "floor-holds"]
    assert "read 1970-01-01 at its first TLS connection" in sentence(found, "admitted-after-reset")
    assert "no time source and no floor" in sentence(found, "admitted-after-reset")
    assert "1970-01-01 after the power cut" in sentence(found, "floor-holds")
    assert "RFC 8915" in next(f.source for f in found if f.rule == "floor-holds")


def test_a_floor_alone_keeps_the_clock_up_but_the_hub_is_still_refused():
    found = milestone_clock(ClockPolicy(fabrikam(), floor=True, why=CLOCK_WHY))
    assert failing(found) == ["admitted-after-reset"]
    text = sentence(found, "admitted-after-reset")
    assert "read 2026-01-10" in text and "only helps with certificates issued before it" in text
    assert "RFC 5905" in next(f.source for f in found if f.rule == "admitted-after-reset")
    assert clock_reset_run(ClockPolicy(fabrikam(), floor=True)).verdict.code == "server-untrusted"


def test_the_saved_time_alone_is_a_day_too_old_and_the_boot_still_reads_1970():
    found = milestone_clock(ClockPolicy(fabrikam(), saved_time=True, why=CLOCK_WHY))
    assert failing(found) == ["admitted-after-reset", "floor-holds"]
    assert "read 2026-03-14" in sentence(found, "admitted-after-reset")  # the hub renewed its certificate since
    assert "1970-01-01 after the power cut" in sentence(found, "floor-holds")


def test_a_sync_without_a_floor_or_after_tls_is_refused():
    unfloored = milestone_clock(ClockPolicy(fabrikam(), sync="sntp", why=CLOCK_WHY))
    assert failing(unfloored) == ["floor-holds"]
    late = milestone_clock(ClockPolicy(fabrikam(), floor=True, sync="sntp", sync_before_tls=False, why=CLOCK_WHY))
    assert failing(late) == ["admitted-after-reset"]
    assert "syncs only after its first TLS connection" in sentence(late, "admitted-after-reset")


def test_a_floor_and_a_sync_before_tls_pass_and_the_floor_stops_a_forged_answer():
    sntp = ClockPolicy(fabrikam(), floor=True, sync="sntp", why=CLOCK_WHY)
    assert failing(milestone_clock(sntp)) == []
    run = clock_reset_run(sntp)
    assert run.verdict.ok and run.forged == FIRMWARE_BUILT and run.lowest[1] == FIRMWARE_BUILT
    assert "forged SNTP answer saying 2020-01-01 was held at the floor" in sentence(milestone_clock(sntp),
                                                                                     "floor-holds")
    nts = ClockPolicy(fabrikam(), floor=True, saved_time=True, sync="nts", why=CLOCK_WHY)
    assert failing(milestone_clock(nts)) == [] and clock_reset_run(nts).forged is None
    assert failing(milestone_clock(ClockPolicy(fabrikam(), floor=True, sync="nts"))) == ["why"]


def test_the_worked_example_is_refused_by_milestone_7_and_bad_values_say_what_to_give():
    found = milestone_clock(ClockPolicy(WORKED_EXAMPLE, floor=True, sync="nts", why=CLOCK_WHY))
    assert failing(found) == ["own-design"]
    with pytest.raises(ParameterError, match="`sync` must be one of 'sntp', 'nts', 'nitz', 'gnss'"):
        ClockPolicy(fabrikam(), sync="ntp")
    with pytest.raises(ParameterError, match="`floor` must be True or False"):
        ClockPolicy(fabrikam(), floor="2026-01-10")
    with pytest.raises(WrongTypeError, match="must be a CapstoneProfile"):
        ClockPolicy("Fabrikam Sense")
    with pytest.raises(ParameterError, match="Expected a ClockPolicy"):
        milestone_clock(fabrikam())


# -- the exercises, the report, the drawing -------------------------------------------------------

def test_each_milestone_refuses_the_worked_example():
    for exercise in exercises.chapter("12"):
        result = exercise.check(exercise.wrong_example)
        assert result.status == "incorrect", exercise.id
        assert result.message.startswith("Not yet ("), exercise.id


def test_the_report_marks_what_is_not_attempted_and_what_passes(line):
    empty = design_report()
    assert empty.count("not attempted") == 8 and "No design yet" in empty
    text = design_report(fabrikam(), line, RenewalPlan(fabrikam(), 0.5, 700, why="renew halfway"))
    assert "### 1. Design: PASS" in text and "### 3. Renewal over ten years: PASS" in text
    assert "### 4. Root migration and trust bundle: not attempted" in text
    assert "### 7. A clock reset: not attempted" in text
    clocked = design_report(fabrikam(), clock_policy=ClockPolicy(fabrikam(), floor=True, sync="nts", why=CLOCK_WHY))
    assert "### 7. A clock reset: PASS" in clocked
    assert "**Device time:** at boot: build-date floor 2026-01-10" in clocked
    assert "| lifetimes | root 6000 d, issuing CAs 1460 d, devices 730 d |" in text


def test_save_report_never_overwrites_and_writes_atomically(tmp_path):
    first = save_report("# one\n", folder=tmp_path)
    assert first.path.read_text() == "# one\n" and first.renamed_from is None
    again = save_report("# one\n", folder=tmp_path)
    assert again.path == first.path and str(again) == str(first)
    other = save_report("# two\n", folder=tmp_path)
    assert other.path.name == "capstone-design-report-2.md" and first.path.read_text() == "# one\n"
    assert "already holds another report" in str(other)
    assert sorted(os.listdir(tmp_path)) == ["capstone-design-report-2.md", "capstone-design-report.md"]
    for bad in ("../x.md", "report.txt"):
        with pytest.raises(ParameterError, match="plain file name ending in .md"):
            save_report("x", bad, folder=tmp_path)
    with pytest.raises(ParameterError, match="Markdown text"):
        save_report(b"x", folder=tmp_path)


def test_summary_graph_has_a_legend_naming_every_colour(line):
    line.block(line.devices[1])
    line.roll_issuing("Porto")
    fig = draw_summary(line)
    ax = fig.axes[0]
    assert ax.get_title() == "Fabrikam Sense: what you built"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == list(LEGEND)
    assert min(t.get_fontsize() for t in ax.texts) >= 10


def test_summary_graph_fits_the_output_area_at_full_size(line):
    """11 in wide, JupyterLab shrank it to 73% (10.1 px text); at MAX_WIDTH_IN it is shown at its own size."""
    from pki_lab import plots

    fig = draw_summary(line)
    assert fig.get_size_inches()[0] <= plots.MAX_WIDTH_IN
    assert min(t.get_fontsize() for t in fig.axes[0].texts) * plots.INLINE_DPI / 72 >= plots.MIN_TEXT_PX
    labels = [t.get_text() for t in fig.axes[0].texts]
    assert "Porto\nIssuing CA" in labels and "Fabrikam Sense\nRoot CA" in labels  # the title names the product
    assert {t.get_rotation() for t in fig.axes[0].texts if "-0000" in t.get_text()} == {35}


def test_summary_graph_slants_device_labels_as_the_fleet_grows(line):
    for _ in range(8):
        line.enroll("Porto")
    rotations = {t.get_rotation() for t in draw_summary(line).axes[0].texts if "-0000" in t.get_text()}
    assert rotations == {90}  # 12 devices: 0.6 in apart, too close for a 35 or 60 degree slant


def test_a_milestone_check_judges_the_object_as_it_is_now():
    # compare and coach share one run of the milestone per check, never across checks: the same line, checked
    # before and after the learner blocks a device, gets each time the verdict of its state then.
    from pki_lab import exercises
    from pki_lab.iot.capstone import design as design_profile
    from pki_lab.iot.capstone_line import ProductLine as Line

    ns = {"design": design_profile, "ProductLine": Line}
    exec(exercises.get("12.1").solution_code, ns)
    exec(exercises.get("12.2").solution_code, ns)
    ex = exercises.get("12.5")
    assert ex.check(ns["my_line"]).status == "incorrect"
    exec(exercises.get("12.5").solution_code, ns)
    assert ex.check(ns["my_line"]).correct
    assert ex.check(ns["my_line"]).correct
