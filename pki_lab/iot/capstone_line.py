"""The capstone's product line: a :class:`~pki_lab.iot.capstone.CapstoneProfile` built, issued and run.

:class:`ProductLine` builds the profile at the lab clock's now: an offline root, and per factory an
issuing CA behind chapter 06's enrollment roles (:class:`~pki_lab.enrollment.IssuingService` with an
:class:`~pki_lab.enrollment.IssuancePolicy` made from the profile, and the factory line's agent, an
:class:`~pki_lab.enrollment.Administrator`). A device makes its key and its CSR inside
(:class:`~pki_lab.iot.device.IoTDevice`); the agent carries the CSR to the issuing service, which checks
it against the policy (names from the ID scheme, key types, no CA request) and issues; the agent
retrieves the certificate and the device installs it after checking it matches its key.

The line is connected to a simulated provisioning service and hub (chapter 11) the way an operator
does it once: the root is uploaded with proof of possession and one enrollment group admits every
device chaining to it. :meth:`ProductLine.block` shuts a device out the way Azure allows: a disabled
individual enrollment for its certificate (which overrides the group) and its hub identity disabled.
IoT Hub and DPS do not check CRLs.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable

from cryptography import x509

from ..ca import CertificateAuthority
from ..enrollment import Administrator, EventLog, IssuancePolicy, IssuingService
from ..errors import ParameterError, PolicyError, WrongTypeError
from ..names import certificate_label
from .capstone import CapstoneProfile, registration_id, slug
from .device import IoTDevice
from .dps import ProvisioningService
from .hub import IoTHub
from .trust import Code

__all__ = ["Factory", "ProductLine", "enroll_by_hand"]

_CURVES = {"ec": ("P-256",), "p384": ("P-384",), "rsa": (), "ed25519": ()}


@dataclasses.dataclass
class Factory:
    """One factory: its current issuing CA, the issuing service in front of it, and the line's agent."""

    name: str
    ca: CertificateAuthority
    service: IssuingService
    agent: Administrator
    generation: int = 1


def _policy(profile: CapstoneProfile, factory: str) -> IssuancePolicy:
    """The issuing service's rules, from the profile: the factory's ID pattern, the device key type, the lifetime."""
    scheme = re.sub(r"\{serial[^}]*\}", "*", profile.id_scheme)
    pattern = scheme.replace("{product}", slug(profile.product)).replace("{factory}", slug(factory))
    return IssuancePolicy(allowed_names=(pattern,), curves=_CURVES[profile.device_key], allow_ed25519=False,
                          allowed_extensions=("subjectAltName",), profile="device", days=profile.device_days)


def enroll_by_hand(device: IoTDevice, factory: Factory) -> x509.Certificate:
    """Chapter 06's sequence for one device: CSR made inside, carried by the agent, decided, retrieved, installed.

    Raises :class:`~pki_lab.errors.PolicyError` with every failed rule if the issuing service refuses.
    """
    csr = device.make_csr()  # the device signs its CSR with the key made inside it: proof of possession
    factory.agent.log.record(device.registration_id, device.registration_id, "signs a CSR with its private key")
    decision = factory.agent.submit(csr, factory.service)
    certificate = factory.agent.retrieve(factory.service, decision)
    factory.agent.log.record(factory.agent.name, device.registration_id, "installs the certificate")
    device.install(certificate, factory.ca.chain[:-1])  # the device checks it certifies its own key
    return certificate


class ProductLine:
    """A product line's PKI, built from a profile at the lab clock's now, with its cloud services.

    Args:
        profile: the learner's :class:`~pki_lab.iot.capstone.CapstoneProfile`.
    """

    def __init__(self, profile: CapstoneProfile) -> None:
        if not isinstance(profile, CapstoneProfile):
            raise WrongTypeError(f"`profile` must be a CapstoneProfile (made with design(...)), not "
                                 f"{type(profile).__name__}.")
        if not profile.factories:
            raise ParameterError("The profile names no factory; give design(...) at least one, e.g. ('Porto',).")
        self.profile = profile
        self.log = EventLog()
        self.root = self._new_root(1)
        self.roots: list[CertificateAuthority] = [self.root]
        self.factories: dict[str, Factory] = {}
        for name in profile.factories:
            ca = self._new_issuing(name, 1)
            self.factories[name] = Factory(name, ca, self._service(name, ca),
                                           Administrator(f"{name} line", log=self.log))
        self.retired: list[CertificateAuthority] = []
        self._old_services: list[IssuingService] = []
        self.devices: list[IoTDevice] = []
        self.blocked: list[str] = []
        self._serials = dict.fromkeys(profile.factories, 0)
        self._factory_of: dict[str, str] = {}
        self.dps = ProvisioningService(f"{slug(profile.product)}-dps")
        self.hub = IoTHub(f"{slug(profile.product)}-hub", log=self.dps.log)
        self.dps.link_hub(self.hub)
        self._trust_root(self.root)

    # -- the hierarchy --------------------------------------------------------------------------

    def _new_root(self, generation: int) -> CertificateAuthority:
        suffix = "" if generation == 1 else f" G{generation}"
        p = self.profile
        return CertificateAuthority.create_root(f"{p.product} Root CA{suffix}", organization=p.product,
                                                days=p.root_days, key_kind=p.root_key, path_length=1)

    def _new_issuing(self, factory: str, generation: int) -> CertificateAuthority:
        suffix = "" if generation == 1 else f" G{generation}"
        p = self.profile
        return self.root.create_intermediate(f"{p.product} {factory} Issuing CA{suffix}", organization=p.product,
                                             days=p.issuing_days, key_kind=p.issuing_key)

    def _service(self, factory: str, ca: CertificateAuthority) -> IssuingService:
        return IssuingService(ca, _policy(self.profile, factory), log=self.log, name=certificate_label(ca.certificate))

    def _trust_root(self, root: CertificateAuthority) -> None:
        """What an operator does once per root: upload it, prove possession of its key, one enrollment group."""
        name = certificate_label(root.certificate)
        self.dps.upload_ca(root.certificate, name)
        code = self.dps.verification_code(name)
        self.dps.verify_ca(name, root.issue(f"CN={code}", profile="client"))
        self.dps.add_enrollment_group(f"{name} fleet", name, hub=self.hub.name)

    def factory(self, name: str) -> Factory:
        """The factory called ``name`` (its current issuing CA, issuing service and agent)."""
        if name not in self.factories:
            raise ParameterError(f"{self.profile.product} has no factory {name!r}; factories: "
                                 f"{', '.join(self.factories)}.")
        return self.factories[name]

    def roll_issuing(self, factory: str) -> CertificateAuthority:
        """Replace a factory's issuing CA with a new one (new key, new name, under the current root)."""
        current = self.factory(factory)
        self.retired.append(current.ca)
        self._old_services.append(current.service)
        current.generation += 1
        current.ca = self._new_issuing(factory, current.generation)
        current.service = self._service(factory, current.ca)
        return current.ca

    def roll_root(self) -> CertificateAuthority:
        """A new root (G2, G3...), trusted by DPS before it issues anything; every factory gets a CA under it."""
        self.root = self._new_root(len(self.roots) + 1)
        self.roots.append(self.root)
        self._trust_root(self.root)
        for name in self.factories:
            self.roll_issuing(name)
        return self.root

    def services(self) -> list[IssuingService]:
        """Every issuing service the line has had (current ones first): their decisions are the issuance record."""
        return [f.service for f in self.factories.values()] + list(self._old_services)

    def all_cas(self) -> list[CertificateAuthority]:
        """Every issuing CA, current first, then the retired ones."""
        return [f.ca for f in self.factories.values()] + list(self.retired)

    # -- devices --------------------------------------------------------------------------------

    def next_id(self, factory: str) -> str:
        """The registration ID the next device of ``factory`` gets (the ID scheme, next serial)."""
        self.factory(factory)
        return registration_id(self.profile, factory, self._serials[factory] + 1)

    def enroll(self, factory: str, *, provision: bool = True) -> IoTDevice:
        """Make the next device of ``factory`` and issue it through the roles; then provision it through DPS."""
        device = IoTDevice(self.next_id(factory))
        enroll_by_hand(device, self.factory(factory))
        self.adopt(device, factory)
        if provision:
            self.provision(device)
        return device

    def adopt(self, device: IoTDevice, factory: str) -> None:
        """Count a device enrolled by hand as one of the line's (its ID takes the factory's next serial)."""
        if device.registration_id != self.next_id(factory):
            raise ParameterError(f"Device {device.registration_id!r} does not follow the line's ID scheme; the "
                                 f"next device of {factory} is {self.next_id(factory)!r}.")
        self._serials[factory] += 1
        self._factory_of[device.registration_id] = factory
        self.devices.append(device)

    def factory_of(self, device: IoTDevice) -> str:
        return self._factory_of[device.registration_id]

    def renew(self, device: IoTDevice) -> x509.Certificate:
        """Renew a device with a new key (chapter 06's rule), through its factory's current issuing service."""
        factory = self.factory(self.factory_of(device))
        csr = device.make_operational_csr()  # a new key pair made inside the device
        decision = factory.agent.submit(csr, factory.service)
        certificate = factory.agent.retrieve(factory.service, decision)
        device.install(certificate, factory.ca.chain[:-1])
        return certificate

    def provision(self, device: IoTDevice):
        """Register the device with DPS (which assigns it to the hub); on success it keeps what DPS delivered."""
        registration = self.dps.register(device)
        if registration.ok:
            device.apply(registration)
        return registration.verdict

    def connect(self, device: IoTDevice):
        """The device connects to the hub (TLS both ways, then the hub's identity checks)."""
        return self.hub.connect(device)

    def status(self, devices: Iterable[IoTDevice] | None = None) -> dict[str, str]:
        """``{registration ID: code}``: DPS's code if it refuses the device, else the hub's ("ok" when both admit).

        Each device registers through DPS first, as a device does at boot: a device blocked only at the hub is
        provisioned again, and DPS gives it a new hub identity.
        """
        out = {}
        for device in self.devices if devices is None else devices:
            verdict = self.dps.register(device).verdict
            if verdict.ok:
                verdict = self.hub.connect(device)
            out[device.registration_id] = str(verdict.code)
        return out

    # -- shutting a device out, the Azure way ---------------------------------------------------

    def block(self, device: IoTDevice) -> tuple[str, str]:
        """Shut one device out as Azure documents it: a disabled individual enrollment, and its hub identity disabled.

        The disabled individual enrollment holds the device's certificate, so DPS refuses it even though the
        enrollment group would admit it; disabling the hub identity stops a device that is already provisioned
        (it connects to the hub directly, without DPS). Returns the two codes it now gets.
        """
        reg_id = device.registration_id
        if device.certificate is None:
            raise PolicyError(f"Device {reg_id!r} has no certificate, so there is nothing to block.")
        self.dps.add_individual_enrollment(reg_id, certificate=device.certificate)
        self.dps.disable(reg_id)
        if reg_id in self.hub.devices:
            self.hub.disable_device(reg_id)
        self.blocked.append(reg_id)
        return str(self.dps.register(device).verdict.code), str(self.hub.connect(device).code)

    def __repr__(self) -> str:
        return (f"<ProductLine {self.profile.product!r}: {len(self.factories)} factories, {len(self.devices)} devices, "
                f"{len(self.retired)} retired CAs>")


#: What the hub and DPS say of a device shut out the Azure way.
BLOCKED_CODES = (Code.ENROLLMENT_DISABLED, Code.DEVICE_DISABLED)
