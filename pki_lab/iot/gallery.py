"""The chapter's gallery of failures: one small, fresh world per failure, and the verdict it gets.

Each entry of :data:`FAILURES` builds a factory PKI (root CA, a factory issuing CA),
a provisioning service and a hub, breaks one thing, and returns the
:class:`~pki_lab.iot.trust.Verdict` of the service that notices (or of the device, when it
refuses the service). Revocation by CRL is shown at a CRL-checking broker, since Azure's
services read no CRLs. :func:`run_failure`
is the pure function behind the chapter's try-it widget.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from .. import clock
from ..ca import CertificateAuthority
from ..describe import thumbprint
from ..errors import ParameterError
from ..revocation.crl import build_crl
from .broker import CrlCheckingBroker
from .device import IoTDevice, impostor_of, manufacture
from .dps import ProvisioningService
from .events import EventLog
from .hub import IoTHub
from .trust import Verdict

__all__ = ["World", "lab_world", "FAILURES", "run_failure", "failure_card"]


@dataclasses.dataclass
class World:
    """A manufacturer's PKI and the two services: what every gallery entry starts from."""

    root: CertificateAuthority
    factory: CertificateAuthority
    dps: ProvisioningService
    hub: IoTHub
    log: EventLog

    def device(self, registration_id: str, **kwargs) -> IoTDevice:
        """A device made on this factory's line, trusting the hub's TLS root."""
        kwargs.setdefault("trust_bundle", self.hub.server_roots)
        return manufacture(registration_id, kwargs.pop("ca", self.factory), **kwargs)


def lab_world(*, upload: str = "root", verified: bool = True, group: bool = True) -> World:
    """Contoso's PKI (root -> Factory 1 CA), a DPS and a hub, with one enrollment group.

    Args:
        upload: which CA certificates the operator registers with DPS: ``"root"`` (root only),
            ``"factory"`` (the intermediate only) or ``"both"``.
        verified: whether the registered CAs are verified (proof of possession done).
        group: whether to create the enrollment group ``"contoso-factory-1"`` (on the
            uploaded intermediate if there is one, else on the root).
    """
    if upload not in ("root", "factory", "both"):
        raise ParameterError(f"`upload` must be 'root', 'factory' or 'both', not {upload!r}.")
    log = EventLog()
    root = CertificateAuthority.create_root("Contoso Root CA", organization="Contoso")
    factory = root.create_intermediate("Contoso Factory 1 CA", organization="Contoso")
    dps, hub = ProvisioningService("DPS", log=log), IoTHub("contoso-hub", log=log)
    dps.link_hub(hub)
    if upload in ("root", "both"):
        dps.upload_ca(root.certificate, "Contoso Root CA", verified_on_upload=verified)
    if upload in ("factory", "both"):
        dps.upload_ca(factory.certificate, "Contoso Factory 1 CA", verified_on_upload=verified)
    if group:
        dps.add_enrollment_group("contoso-factory-1", "Contoso Root CA" if upload == "root" else "Contoso Factory 1 CA")
    return World(root, factory, dps, hub, log)


def _cn_mismatch() -> Verdict:
    world = lab_world()
    device = world.device("sensor-0042", subject="sensor-42")
    return world.dps.register(device).verdict


def _missing_intermediate() -> Verdict:
    world = lab_world()
    device = world.device("sensor-0042")
    device.chain = []  # the firmware sends only the device certificate
    return world.dps.register(device).verdict


def _missing_root() -> Verdict:
    world = lab_world(upload="factory")
    return world.dps.register(world.device("sensor-0042")).verdict


def _unverified_ca() -> Verdict:
    world = lab_world(verified=False)
    return world.dps.register(world.device("sensor-0042")).verdict


def _revoked_device() -> Verdict:
    world = lab_world()
    device = world.device("sensor-0042")
    broker = CrlCheckingBroker("broker", log=world.log)
    broker.trust_ca(world.root.certificate)
    broker.publish_crl(build_crl(world.factory, [(device.certificate, "keyCompromise")]))
    return broker.connect(device)


def _disallowed_group_device() -> Verdict:
    world = lab_world()
    device = world.device("sensor-0042")
    world.dps.disallow(device.certificate)  # a disabled individual enrollment beats the enabled group
    return world.dps.register(device).verdict


def _disabled_in_hub() -> Verdict:
    world = lab_world()
    device = world.device("sensor-0042")
    device.apply(world.dps.register(device))
    world.dps.disallow(device.certificate)  # disenrolled: it cannot provision again...
    world.hub.disable_device("sensor-0042")  # ...and only this stops it connecting to the hub
    return world.hub.connect(device)


def _clock_reset() -> Verdict:
    world = lab_world()
    device = world.device("sensor-0042")
    device.clock.reset()  # no RTC battery: the device boots at 1970-01-01T00:00:00Z
    return world.dps.register(device).verdict


def _expired_device() -> Verdict:
    world = lab_world()
    device = world.device("sensor-0042", days=365)
    with clock.travel(days=400):
        return world.dps.register(device).verdict


def _no_enrollment() -> Verdict:
    world = lab_world()
    other = CertificateAuthority.create_root("Fabrikam Root CA", organization="Fabrikam")
    issuing = other.create_intermediate("Fabrikam Devices CA", organization="Fabrikam")
    return world.dps.register(world.device("sensor-0042", ca=issuing)).verdict


def _disabled_enrollment() -> Verdict:
    world = lab_world()
    device = world.device("sensor-0042")
    world.dps.add_individual_enrollment("sensor-0042", certificate=device.certificate)
    world.dps.disable("sensor-0042")
    return world.dps.register(device).verdict


def _stolen_certificate() -> Verdict:
    world = lab_world()
    return world.dps.register(impostor_of(world.device("sensor-0042"))).verdict


def _thumbprint_mismatch() -> Verdict:
    world = lab_world()
    old = world.device("sensor-0042")
    world.hub.register_device("sensor-0042", auth="thumbprint", thumbprints=[thumbprint(old.certificate)])
    renewed = world.device("sensor-0042", days=730)  # a renewed certificate: same key and name, new thumbprint
    return world.hub.connect(renewed)


def _root_migration() -> Verdict:
    world = lab_world()
    device = world.device("sensor-0042")
    device.apply(world.dps.register(device))
    world.hub.migrate_server_root(CertificateAuthority.create_root("Lab Cloud Root G2"))
    return world.hub.connect(device)


#: name -> (what goes wrong, the function that shows it)
FAILURES: dict[str, tuple[str, Callable[[], Verdict]]] = {
    "CN mismatch": ("the certificate's CN is not the registration ID", _cn_mismatch),
    "missing intermediate": ("the device sends its certificate without the factory CA", _missing_intermediate),
    "root not registered": ("the group names the intermediate, the root was never uploaded", _missing_root),
    "unverified CA": ("the root was uploaded but proof of possession was never done", _unverified_ca),
    "revoked device": ("the factory CA revoked the device certificate, and a CRL-checking MQTT broker reads the "
                       "CRL; Azure IoT Hub and DPS would not", _revoked_device),
    "disallowed group device": ("an operator created a disabled individual enrollment for one device of the group",
                                _disallowed_group_device),
    "disabled in the hub": ("the device was provisioned, then disabled in the hub's identity registry",
                            _disabled_in_hub),
    "clock reset to 1970": ("the device lost its time and booted at 1970-01-01", _clock_reset),
    "expired device certificate": ("the device certificate lived 365 days; it is day 400", _expired_device),
    "unknown manufacturer": ("a device from another company's CA", _no_enrollment),
    "disabled enrollment": ("an operator disabled the device's individual enrollment", _disabled_enrollment),
    "stolen certificate": ("a clone copied the certificate, but not the key", _stolen_certificate),
    "thumbprint not updated": ("the hub still has the old certificate's thumbprint", _thumbprint_mismatch),
    "hub root migration": ("the hub's TLS certificate moved to a root the device lacks", _root_migration),
}


def run_failure(name: str) -> Verdict:
    """Build the world for the failure ``name`` (a key of :data:`FAILURES`) and return the verdict."""
    if name not in FAILURES:
        raise ParameterError(f"Unknown failure {name!r}; choose one of: {', '.join(FAILURES)}.")
    return FAILURES[name][1]()


def failure_card(name: str) -> str:
    """What goes wrong in the failure ``name``, who notices, and the verdict's reason: a few lines of text."""
    verdict = run_failure(name)
    what = FAILURES[name][0]
    return (f"{name}: {what}.\n"
            f"Verdict: {verdict.service} {'accepts' if verdict.ok else 'rejects'} ({verdict.code}).\n"
            f"Reason: {verdict.reason}")
