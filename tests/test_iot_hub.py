"""The IoT hub simulator: thumbprint and CA authentication, telemetry only after authentication."""

import pytest

from pki_lab import clock
from pki_lab.ca import CertificateAuthority
from pki_lab.describe import thumbprint
from pki_lab.errors import ParameterError, PolicyError
from pki_lab.iot.device import IoTDevice, impostor_of
from pki_lab.iot.gallery import lab_world
from pki_lab.iot.hub import IoTHub


def _self_signed(device_id="cam-1"):
    device = IoTDevice(device_id, key_name=f"device/{device_id}")
    hub = IoTHub("hub")
    device.self_signed_certificate()
    device.trust_bundle = list(hub.server_roots)
    return device, hub


def test_thumbprint_authentication_of_a_self_signed_device_then_telemetry():
    device, hub = _self_signed()
    hub.register_device("cam-1", auth="thumbprint", thumbprints=[thumbprint(device.certificate, sep=":")])
    assert hub.connect(device).ok
    assert hub.send_telemetry("cam-1", "frame 1").ok
    assert hub.telemetry == [("cam-1", "frame 1")]


def test_the_secondary_thumbprint_works_too():
    device, hub = _self_signed()
    hub.register_device("cam-1", auth="thumbprint", thumbprints=["00" * 32, thumbprint(device.certificate)])
    assert hub.connect(device).ok


def test_ca_authentication_needs_a_verified_ca_and_matching_cn():
    world = lab_world()
    hub = world.hub
    record = hub.upload_ca(world.root.certificate)
    device = world.device("sensor-1")
    hub.register_device("sensor-1", auth="ca")
    assert hub.connect(device).code == "ca-unverified"
    code = hub.verification_code(record.name)
    assert hub.verify_ca(record.name, world.root.issue(f"CN={code}", profile="client")).ok
    verdict = hub.connect(device)
    assert verdict.ok and verdict.path == ("sensor-1", "Contoso Factory 1 CA", "Contoso Root CA")


@pytest.mark.parametrize("case, code, words", [
    ("telemetry-before-connect", "not-authenticated", "connect first"),
    ("unknown-device", "unknown-device", "has no identity 'sensor-1'"),
    ("disabled", "device-disabled", "is disabled"),
    ("thumbprint-mismatch", "thumbprint-mismatch", "neither the primary nor the secondary"),
    ("cn-mismatch", "cn-mismatch", "not the device ID 'sensor-1'"),
    ("stolen-certificate", "no-proof-of-possession", "useless without the key"),
    ("expired", "expired", "expired on"),
    ("untrusted-chain", "untrusted-ca", "leads to no CA verified"),
    ("server-root-migrated", "server-untrusted", "not in the device's trust bundle"),
])
def test_hub_rejections(case, code, words):
    world = lab_world()
    hub = world.hub
    hub.upload_ca(world.root.certificate, verified_on_upload=True)
    device = world.device("sensor-1")
    hub.register_device("sensor-1", auth="ca")
    at = None
    if case == "telemetry-before-connect":
        verdict = hub.send_telemetry("sensor-1", "t=1")
        assert (verdict.code, words in verdict.reason) == (code, True)
        return
    if case == "unknown-device":
        del hub.devices["sensor-1"]
    elif case == "disabled":
        hub.disable_device("sensor-1")
    elif case == "thumbprint-mismatch":
        hub.register_device("sensor-1", auth="thumbprint", thumbprints=["AB" * 32])
    elif case == "cn-mismatch":
        device = world.device("sensor-1", subject="sensor-one")
    elif case == "stolen-certificate":
        device = impostor_of(device)
    elif case == "expired":
        device = world.device("sensor-1", days=30)
        at = clock.now() + __import__("datetime").timedelta(days=31)
    elif case == "untrusted-chain":
        other = CertificateAuthority.create_root("Fabrikam Root CA")
        device = world.device("sensor-1", ca=other.create_intermediate("Fabrikam Devices CA"))
    elif case == "server-root-migrated":
        hub.migrate_server_root(CertificateAuthority.create_root("Lab Cloud Root G2"))
    verdict = hub.connect(device, at=at)
    assert (verdict.ok, verdict.code) == (False, code), verdict
    assert words in verdict.reason
    assert not hub.send_telemetry("sensor-1", "t=1").ok


def test_a_trust_bundle_with_both_roots_survives_the_migration():
    world = lab_world()
    hub = world.hub
    g2 = CertificateAuthority.create_root("Lab Cloud Root G2")
    device = world.device("sensor-1", trust_bundle=hub.server_roots + [g2.certificate])
    device.apply(world.dps.register(device))
    device.trust_bundle.append(g2.certificate)
    hub.migrate_server_root(g2)
    assert hub.connect(device).ok


def test_register_device_refuses_nonsense():
    hub = IoTHub("hub")
    with pytest.raises(ParameterError, match="'thumbprint' or 'ca'"):
        hub.register_device("d", auth="password")
    with pytest.raises(ParameterError, match="at least one thumbprint"):
        hub.register_device("d", auth="thumbprint")


def test_a_sha1_thumbprint_is_refused_with_the_reason_and_the_sha256_one_works():
    device, hub = _self_signed()
    sha1 = thumbprint(device.certificate, algorithm="sha1", sep=":")
    with pytest.raises(PolicyError) as refused:
        hub.register_device("cam-1", auth="thumbprint", thumbprints=[sha1])
    message = str(refused.value)
    assert message.startswith(f"{sha1.replace(':', '')[:16]}... has 40 hex digits: a SHA-1 thumbprint")
    assert "SHA-1 is collision-broken" in message and "register the SHA-256 thumbprint (64 hex digits)" in message
    with pytest.raises(ParameterError, match="A thumbprint must be 64 hex digits"):
        hub.register_device("cam-1", auth="thumbprint", thumbprints=["not hex"])
    hub.register_device("cam-1", auth="thumbprint", thumbprints=[thumbprint(device.certificate).lower()])
    assert hub.connect(device).ok
