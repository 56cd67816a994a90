"""Chapter 12's capstone: the design check, the fleet, rotation, revocation and the summary graph."""

import pytest

from pki_lab.errors import ParameterError
from pki_lab.iot.capstone import (
    check_design,
    connect_services,
    design_pki,
    design_report,
    draw_summary,
    fleet_status,
)
from pki_lab.iot.dps import ProvisioningService
from pki_lab.iot.hub import IoTHub


@pytest.fixture
def built():
    pki = design_pki("Acme Meter", ("Porto", "Brno"))
    dps = ProvisioningService("DPS")
    hub = IoTHub("acme-hub", log=dps.log)
    connect_services(pki, dps, hub)
    fleet = [pki.make_device(f) for f in ("Porto", "Brno") for _ in range(2)]
    return pki, dps, hub, fleet


def test_a_sound_design_has_no_problems():
    assert check_design(design_pki()) == []


@pytest.mark.parametrize("change, words", [
    ({"device_days": 4000}, "would outlive the issuing CA"),
    ({"issuing_days": 9000}, "outlives the root"),
])
def test_design_problems_are_sentences(change, words):
    problems = check_design(design_pki(**change))
    assert problems and all(words in p for p in problems)


def test_issuing_cas_must_be_signed_by_the_root_with_pathlen_0():
    pki = design_pki(factories=("Porto",))
    other = design_pki("Other", ("X",))
    pki.issuing["Rogue"] = other.issuing["X"]
    problems = check_design(pki)
    assert "The issuing CA of Rogue must be signed by the root." in problems


def test_design_without_factories_is_refused():
    with pytest.raises(ParameterError, match="at least one factory"):
        design_pki(factories=())
    assert design_report(0).startswith("No factory")
    assert design_report(2).endswith("no problems found.")
    assert "outlive" in design_report(2, 365, 400)


def test_the_fleet_registers_through_one_group(built):
    pki, dps, hub, fleet = built
    status = fleet_status(dps, fleet)
    assert list(status.values()) == ["ok"] * 4
    assert dps.cas.get("Acme Meter Root CA").verified


def test_rotation_keeps_old_devices_and_issues_new_ones_from_g2(built):
    pki, dps, hub, fleet = built
    new_ca = pki.rotate("Porto")
    assert new_ca.certificate.subject.rfc4514_string().startswith("CN=Acme Meter Porto Issuing CA G2")
    device = pki.make_device("Porto")
    verdict = dps.register(device).verdict
    assert verdict.ok and "Acme Meter Porto Issuing CA G2" in verdict.path
    assert dps.register(fleet[0]).ok  # issued by the retired CA, still valid
    assert pki.rotate("Porto").certificate.subject.rfc4514_string().startswith("CN=Acme Meter Porto Issuing CA G3")


def test_revoking_the_stolen_device_shuts_out_only_that_device(built):
    pki, dps, hub, fleet = built
    crl = pki.revoke(fleet[1])
    dps.publish_crl(crl)
    status = fleet_status(dps, fleet)
    assert [code for code in status.values()] == ["ok", "revoked", "ok", "ok"]
    assert pki.revoke(fleet[0]).extensions.get_extension_for_class(
        __import__("cryptography").x509.CRLNumber).value.crl_number == 2


def test_summary_graph(built):
    pki, dps, hub, fleet = built
    fig = draw_summary(pki, fleet, {fleet[0].registration_id: "revoked"})
    assert fig.axes[0].get_title() == "What you built"


def test_the_design_widget():
    from pki_lab.widgets.iot import design_explorer

    widget = design_explorer()
    widget.parts["device"].value = 3000
    assert "outlive" in widget.parts["report"].value
