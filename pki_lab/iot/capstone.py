"""Chapter 12's capstone: a PKI for a product line, built, run, rotated and revoked through the simulator.

:class:`ProductPKI` is the learner's design: an offline root, one issuing CA per
factory (pathLenConstraint 0), a device profile (client authentication, a lifetime
shorter than its issuer's) and one CRL per issuing CA, published from chapter 07's
:class:`~pki_lab.revocation.RevocationRegistry`. :func:`check_design` lists what
is wrong with a design in sentences; the milestones of the chapter check each step
with it and with the simulated provisioning service and hub.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence

from cryptography import x509

from ..ca import CertificateAuthority
from ..errors import ParameterError
from ..loading import to_der
from ..names import certificate_label
from ..revocation import RevocationRegistry
from .device import IoTDevice, manufacture
from .dps import ProvisioningService
from .hub import IoTHub

__all__ = ["ProductPKI", "design_pki", "check_design", "design_report", "prove_possession", "connect_services",
           "fleet_status", "draw_summary"]


@dataclasses.dataclass
class ProductPKI:
    """A product line's PKI: root, current issuing CA per factory, retired CAs, revocations."""

    product: str
    root: CertificateAuthority
    issuing: dict[str, CertificateAuthority]
    device_days: int
    retired: list[CertificateAuthority] = dataclasses.field(default_factory=list)
    registries: dict[str, RevocationRegistry] = dataclasses.field(default_factory=dict)
    made: int = 0

    def make_device(self, factory: str) -> IoTDevice:
        """A device built in ``factory``: key made inside, certificate from the factory's current issuing CA."""
        ca = self._factory(factory)
        self.made += 1
        device_id = f"{self.product.lower().replace(' ', '-')}-{factory.lower()[:3]}-{self.made:04d}"
        return manufacture(device_id, ca, days=self.device_days)

    def rotate(self, factory: str, *, days: float = 1825) -> CertificateAuthority:
        """Replace the factory's issuing CA with a new one (new key, new name), and retire the old one.

        Devices already issued keep their certificates: they chain to the same root, so an
        enrollment group on the root admits them until they expire.
        """
        old = self._factory(factory)
        old_name = certificate_label(old.certificate)
        generation = sum(1 for ca in self.retired if certificate_label(ca.certificate).startswith(old_name[:20])) + 2
        base = old_name.split(" G")[0]
        new = self.root.create_intermediate(f"{base} G{generation}", organization=self.product, days=days)
        self.retired.append(old)
        self.issuing[factory] = new
        return new

    def revoke(self, device: IoTDevice, reason: str = "keyCompromise") -> x509.CertificateRevocationList:
        """Record the revocation with the device's issuing CA (RFC 5280 5.3.1 reason code); return its new CRL."""
        registry = self.registry(self._issuer_of(device.certificate))
        registry.revoke(device.certificate, reason)
        return registry.publish_crl()

    def registry(self, issuer: CertificateAuthority) -> RevocationRegistry:
        """The revocation registry of an issuing CA (chapter 07's :class:`~pki_lab.revocation.RevocationRegistry`)."""
        return self.registries.setdefault(certificate_label(issuer.certificate), RevocationRegistry(issuer))

    @property
    def crl_numbers(self) -> dict[str, int]:
        """The number of the last CRL each issuing CA published."""
        return {name: registry.crl_number for name, registry in self.registries.items()}

    def all_cas(self) -> list[CertificateAuthority]:
        return list(self.issuing.values()) + list(self.retired)

    def _factory(self, factory: str) -> CertificateAuthority:
        if factory not in self.issuing:
            raise ParameterError(f"{self.product} has no factory {factory!r}; factories: {', '.join(self.issuing)}.")
        return self.issuing[factory]

    def _issuer_of(self, cert: x509.Certificate) -> CertificateAuthority:
        for ca in self.all_cas():
            if cert.issuer == ca.certificate.subject:
                return ca
        raise ParameterError(f"{certificate_label(cert)!r} was not issued by any of {self.product}'s issuing CAs.")


def design_pki(product: str = "Contoso Thermo", factories: Sequence[str] = ("Shenzhen", "Guadalajara"), *,
               root_days: float = 7300, issuing_days: float = 1825, device_days: int = 1095) -> ProductPKI:
    """Build the design: a root (kept offline), one issuing CA per factory, and the device lifetime."""
    if not factories:
        raise ParameterError("A product line needs at least one factory, e.g. factories=('Shenzhen',).")
    root = CertificateAuthority.create_root(f"{product} Root CA", organization=product, days=root_days,
                                            path_length=1)
    issuing = {f: root.create_intermediate(f"{product} {f} Issuing CA", organization=product, days=issuing_days)
               for f in factories}
    return ProductPKI(product, root, issuing, device_days)


def _constraints(cert: x509.Certificate) -> x509.BasicConstraints | None:
    try:
        return cert.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        return None


def check_design(pki: ProductPKI) -> list[str]:
    """What is wrong with a design, one sentence per problem (an empty list: nothing)."""
    problems = []
    root = pki.root.certificate
    if root.issuer != root.subject or not (_constraints(root) and _constraints(root).ca):
        problems.append("The root must be a self-signed CA certificate.")
    if not pki.issuing:
        problems.append("Give each factory its own issuing CA; the root must not sign devices itself.")
    keys = set()
    for factory, ca in pki.issuing.items():
        cert = ca.certificate
        bc = _constraints(cert)
        if cert.issuer != root.subject:
            problems.append(f"The issuing CA of {factory} must be signed by the root.")
        if bc is None or not bc.ca or bc.path_length != 0:
            problems.append(f"The issuing CA of {factory} should be a CA with pathLenConstraint 0, so it can only "
                            "sign devices (RFC 5280 4.2.1.9).")
        if cert.not_valid_after_utc > root.not_valid_after_utc:
            problems.append(f"The issuing CA of {factory} outlives the root; no certificate should outlive its issuer.")
        device_end = cert.not_valid_before_utc.timestamp() + pki.device_days * 86400
        if device_end > cert.not_valid_after_utc.timestamp():
            problems.append(f"Device certificates ({pki.device_days} days) would outlive the issuing CA of {factory}; "
                            "make the device lifetime shorter than the issuing CA's.")
        keys.add(to_der(cert.public_key()))
    if len(keys) != len(pki.issuing):
        problems.append("Each factory needs its own key, so that one compromised factory can be cut off alone.")
    return problems


def design_report(factories: int = 2, issuing_days: float = 1825, device_days: int = 1095) -> str:
    """Build a design with these numbers and say what is wrong with it (the try-it widget's pure function)."""
    if isinstance(factories, bool) or not isinstance(factories, int) or factories < 0:
        raise ParameterError(f"`factories` must be a whole number of factories, 0 or more, not {factories!r}.")
    names = ["Porto", "Brno", "Pune", "Austin", "Kyoto", "Lagos"][:factories]
    if not names:
        return "No factory: the root would have to sign devices itself. Add at least one issuing CA."
    pki = design_pki("Widget Co", names, issuing_days=issuing_days, device_days=device_days)
    problems = check_design(pki)
    head = f"{factories} factories, issuing CAs for {issuing_days:g} days, devices for {device_days} days: "
    return head + ("no problems found." if not problems else " ".join(problems))


def prove_possession(service, name: str, ca: CertificateAuthority):
    """The key ceremony for a CA: get the service's code, sign it with the CA's key, return the service's verdict."""
    code = service.verification_code(name)
    return service.verify_ca(name, ca.issue(f"CN={code}", profile="client"))


def connect_services(pki: ProductPKI, dps: ProvisioningService, hub: IoTHub) -> None:
    """Register the product's root with DPS (with proof of possession) and one enrollment group on it."""
    dps.link_hub(hub)
    name = certificate_label(pki.root.certificate)
    dps.upload_ca(pki.root.certificate, name)
    prove_possession(dps, name, pki.root)
    dps.add_enrollment_group(f"{pki.product} fleet", name, hub=hub.name)


def fleet_status(dps: ProvisioningService, devices: Iterable[IoTDevice]) -> dict[str, str]:
    """Register every device again and return ``{device ID: verdict code}`` ("ok" for an accepted one).

    The codes are plain strings (a :class:`~pki_lab.iot.trust.Code`'s value), so the dict prints as text.
    """
    return {d.registration_id: str(dps.register(d).verdict.code) for d in devices}


def draw_summary(pki: ProductPKI, devices: Sequence[IoTDevice], status: dict[str, str] | None = None,
                 title: str = "What you built"):
    """The PKI as a graph: root, issuing CAs (retired in grey), devices (rejected in red), with networkx."""
    import matplotlib.pyplot as plt
    import networkx as nx

    status = status or {}
    graph = nx.DiGraph()
    root = certificate_label(pki.root.certificate)
    graph.add_node(root, level=0, colour="#0969da")
    cas = pki.all_cas()
    for ca in cas:
        graph.add_node(certificate_label(ca.certificate), level=1, colour="#8c959f" if ca in pki.retired else "#1a7f37")
        graph.add_edge(root, certificate_label(ca.certificate))
    for d in devices:
        ok = status.get(d.registration_id, "ok") == "ok"
        graph.add_node(d.registration_id, level=2, colour="#1a7f37" if ok else "#cf222e")
        graph.add_edge(certificate_label(d.certificate.issuer), d.registration_id)
    pos = {}
    for level in (0, 1, 2):
        row = [n for n, data in graph.nodes(data=True) if data["level"] == level]
        if level == 1:
            row.sort()
        if level == 2:  # devices under their issuer
            row.sort(key=lambda n: (pos[next(iter(graph.predecessors(n)))][0], n))
        for i, node in enumerate(row):
            pos[node] = ((i + 0.5) / len(row), -level)
    fig, ax = plt.subplots(figsize=(11, 4.8))
    nx.draw_networkx_edges(graph, pos, ax=ax, arrows=True, edge_color="#8c959f")
    nx.draw_networkx_nodes(graph, pos, ax=ax, node_size=260,
                           node_color=[data["colour"] for _, data in graph.nodes(data=True)])
    labels = {n: n.replace(" Issuing CA", "\nIssuing CA") for n in graph.nodes}
    above = {n: (x, y + 0.12) for n, (x, y) in pos.items()}
    nx.draw_networkx_labels(graph, above, labels=labels, ax=ax, font_size=7, verticalalignment="bottom")
    ax.set_ylim(-2.3, 0.5)
    ax.set_title(title)
    ax.axis("off")
    fig.tight_layout()
    return fig
