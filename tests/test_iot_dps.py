"""The provisioning service simulator: CA proof of possession, enrollments, and every rejection with its reason."""

import pytest
from cryptography import x509

from pki_lab import clock
from pki_lab.errors import ParameterError, PolicyError
from pki_lab.iot.device import IoTDevice, impostor_of, manufacture
from pki_lab.iot.dps import ProvisioningService
from pki_lab.iot.gallery import FAILURES, failure_card, lab_world, run_failure
from pki_lab.iot.hub import IoTHub

# -- proof of possession --------------------------------------------------------------------------


def test_ca_proof_of_possession_accepts_the_code_signed_by_the_ca():
    world = lab_world(verified=False)
    code = world.dps.verification_code("Contoso Root CA")
    verdict = world.dps.verify_ca("Contoso Root CA", world.root.issue(f"CN={code}", profile="client"))
    assert verdict.ok and world.dps.cas.get("Contoso Root CA").verified


@pytest.mark.parametrize("case, code, words", [
    ("no-code-yet", "no-code", "generate one"),
    ("wrong-cn", "wrong-code", "not the code"),
    ("signed-by-another-ca", "not-signed-by-ca", "not signed by the private key"),
    ("stale-code", "wrong-code", "latest one counts"),
    ("expired-verification-cert", "expired", "validity period"),
])
def test_ca_proof_of_possession_rejections(case, code, words):
    world = lab_world(verified=False)
    name = "Contoso Root CA"
    if case == "no-code-yet":
        cert = world.root.issue("CN=whatever", profile="client")
    else:
        current = world.dps.verification_code(name)
        if case == "stale-code":
            cert = world.root.issue(f"CN={current}", profile="client")
            world.dps.verification_code(name)  # a new code replaces the old one
        elif case == "wrong-cn":
            cert = world.root.issue("CN=0000", profile="client")
        elif case == "signed-by-another-ca":
            cert = world.factory.issue(f"CN={current}", profile="client")
        else:
            cert = world.root.issue(f"CN={current}", profile="client", days=1)
    at = clock.now() + __import__("datetime").timedelta(days=5) if case == "expired-verification-cert" else None
    verdict = world.dps.cas.verify(name, cert, at=at)
    assert not verdict.ok and verdict.code == code and words in verdict.reason
    assert not world.dps.cas.get(name).verified


def test_uploading_a_device_certificate_as_a_ca_is_refused():
    world = lab_world()
    device = world.device("sensor-1")
    with pytest.raises(ParameterError, match="not a CA certificate"):
        world.dps.upload_ca(device.certificate)


def test_unknown_ca_names_and_hubs_are_readable_errors():
    world = lab_world()
    with pytest.raises(ParameterError, match="no CA certificate called 'Nope'"):
        world.dps.add_enrollment_group("g", "Nope")
    with pytest.raises(ParameterError, match="no linked hub 'elsewhere'"):
        world.dps.add_enrollment_group("g", "Contoso Root CA", hub="elsewhere")
    with pytest.raises(ParameterError, match="certificate or public key"):
        world.dps.add_individual_enrollment("sensor-1")
    with pytest.raises(ParameterError, match="no enrollment called 'x'"):
        world.dps.disable("x")


# -- registration: success and every rejection ---------------------------------------------------------


def test_group_enrollment_registers_and_assigns_the_hub():
    world = lab_world()
    registration = world.dps.register(world.device("sensor-1"))
    assert registration.ok and registration.hub == "contoso-hub"
    assert registration.verdict.path == ("sensor-1", "Contoso Factory 1 CA", "Contoso Root CA")
    assert world.hub.devices["sensor-1"].auth == "ca"


def test_group_on_an_intermediate_registers_when_the_full_chain_is_registered():
    world = lab_world(upload="both")
    assert world.dps.register(world.device("sensor-1")).ok


@pytest.mark.parametrize("how", ["certificate", "public_key"])
def test_individual_enrollment_by_certificate_or_public_key(how):
    world = lab_world(group=False)
    device = world.device("sensor-1")
    value = device.certificate if how == "certificate" else device.public_key
    world.dps.add_individual_enrollment("sensor-1", **{how: value})
    registration = world.dps.register(device)
    assert registration.ok and "individual enrollment" in registration.verdict.reason
    assert world.hub.devices["sensor-1"].auth == "thumbprint"


def test_individual_enrollment_of_a_self_signed_device():
    world = lab_world(group=False)
    device = IoTDevice("sensor-1")
    own = device.self_signed_certificate()  # the device signs its own certificate
    assert own.issuer == own.subject
    world.dps.add_individual_enrollment("sensor-1", certificate=own)
    assert world.dps.register(device).ok


# Each gallery entry: the failure, the service that notices, the code, words the reason must contain.
GALLERY = [
    ("CN mismatch", "DPS", "cn-mismatch", "'sensor-42'"),
    ("missing intermediate", "DPS", "missing-intermediate", "full chain"),
    ("root not registered", "DPS", "missing-root", "upload 'Contoso Root CA'"),
    ("unverified CA", "DPS", "ca-unverified", "prove possession"),
    ("revoked device", "broker", "revoked", "was revoked by 'Contoso Factory 1 CA'"),
    ("disallowed group device", "DPS", "enrollment-disabled", "individual enrollment 'sensor-0042' is disabled"),
    ("disabled in the hub", "contoso-hub", "device-disabled", "'sensor-0042' is disabled in contoso-hub"),
    ("clock reset to 1970", "device 'sensor-0042'", "server-untrusted", "clock reads 1970-01-01T00:00:00Z"),
    ("expired device certificate", "DPS", "expired", "expired on 2027-03-15"),
    ("unknown manufacturer", "DPS", "no-enrollment", "Fabrikam Devices CA"),
    ("disabled enrollment", "DPS", "enrollment-disabled", "disabled"),
    ("stolen certificate", "DPS", "no-proof-of-possession", "without the private key"),
    ("thumbprint not updated", "contoso-hub", "thumbprint-mismatch", "secondary"),
    ("hub root migration", "device 'sensor-0042'", "server-untrusted", "'Lab Cloud Root G2'"),
]


@pytest.mark.parametrize("name, service, code, words", GALLERY, ids=[g[0] for g in GALLERY])
def test_gallery_failure_is_rejected_with_an_actionable_reason(name, service, code, words):
    verdict = run_failure(name)
    assert not verdict.ok
    assert (verdict.service, verdict.code) == (service, code)
    assert words in verdict.reason and verdict.reason.endswith(".")


def test_the_gallery_table_covers_every_failure():
    assert [g[0] for g in GALLERY] == list(FAILURES)


def test_failure_card_is_the_widgets_text():
    card = failure_card("CN mismatch")
    assert card.splitlines()[1] == "Verdict: DPS rejects (cn-mismatch)."
    with pytest.raises(ParameterError, match="Unknown failure 'nope'"):
        run_failure("nope")


@pytest.mark.parametrize("case, code, words", [
    ("certificate-replaced", "certificate-mismatch", "different certificate"),
    ("key-replaced", "certificate-mismatch", "different public key"),
    ("group-disabled", "enrollment-disabled", "group 'contoso-factory-1' is disabled"),
    ("no-hub", "no-hub", "no IoT hub"),
])
def test_more_registration_rejections(case, code, words):
    world = lab_world(group=case in ("group-disabled",))
    device = world.device("sensor-1")
    if case == "certificate-replaced":
        world.dps.add_individual_enrollment("sensor-1", certificate=world.device("sensor-1", days=10).certificate)
    elif case == "key-replaced":
        world.dps.add_individual_enrollment("sensor-1", public_key=IoTDevice("sensor-2").public_key)
    elif case == "group-disabled":
        world.dps.disable("contoso-factory-1")
    else:
        dps = ProvisioningService("DPS2")
        dps.add_individual_enrollment("sensor-1", certificate=device.certificate)
        world.dps = dps
    verdict = world.dps.register(device).verdict
    assert (verdict.ok, verdict.code) == (False, code)
    assert words in verdict.reason


def test_an_individual_enrollment_takes_precedence_over_the_group():
    world = lab_world()
    device = world.device("sensor-1")
    world.dps.add_individual_enrollment("sensor-1", certificate=device.certificate)
    world.dps.disable("sensor-1")
    assert world.dps.register(device).verdict.code == "enrollment-disabled"


def test_rejections_are_in_the_event_log_in_red():
    world = lab_world()
    world.dps.register(impostor_of(world.device("sensor-1")))
    last = world.log.events[-1]
    assert not last.ok and "rejected: no-proof-of-possession" in str(last)


# -- the device keeps its key ------------------------------------------------------------------------


def test_the_device_key_cannot_be_read_or_copied():
    device = manufacture("sensor-1", lab_world().factory)
    with pytest.raises(PolicyError, match="non-exportable"):
        device.private_key  # noqa: B018
    with pytest.raises(PolicyError, match="cannot be copied"):
        __import__("pickle").dumps(device)


def test_the_device_only_installs_certificates_for_its_own_key():
    world = lab_world()
    other = world.device("sensor-2")
    with pytest.raises(PolicyError, match="for another key"):
        IoTDevice("sensor-1").install(other.certificate)
    with pytest.raises(PolicyError, match="no certificate yet"):
        IoTDevice("sensor-1").present()
    with pytest.raises(ParameterError, match="registration ID"):
        IoTDevice("")


def test_hub_and_dps_share_one_log():
    world = lab_world()
    assert world.hub.log is world.dps.log and isinstance(world.hub, IoTHub)
    assert isinstance(world.root.certificate, x509.Certificate)


def test_the_failure_explorer_widget_shows_the_card():
    from pki_lab.widgets.iot import failure_explorer

    widget = failure_explorer()
    assert repr(widget).startswith("Try it: pick a failure")
    widget.parts["pick"].value = "revoked device"
    assert "broker rejects (revoked)" in widget.parts["card"].value


@pytest.mark.parametrize("name, host", [("Contoso DPS", "contoso-dps.azure-devices-provisioning.example"),
                                        ("dps", "dps.azure-devices-provisioning.example"),
                                        (" thermo_dps! ", "thermo-dps.azure-devices-provisioning.example")])
def test_a_service_name_with_spaces_still_names_a_tls_host(name, host):
    # The service's TLS certificate needs a DNS name; a name a learner types with spaces gets a hyphenated label.
    assert ProvisioningService(name).host == host


def test_a_service_name_with_no_letter_gets_a_sentence():
    with pytest.raises(ParameterError, match="no letter or digit"):
        ProvisioningService(" -- ")
