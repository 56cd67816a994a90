"""A seeded mutation fuzzer for the lab's doors: loaders, describers, the DER reader, tamper, the validator, OCSP.

Usage: ``python tools/fuzz.py [--seconds 60] [--seed 1] [--inputs N]`` (``make fuzz SECONDS=...``).

The promise it checks (README, docs/reliability.md): whatever bytes come in, a public function of ``pki_lab``
either answers or raises one :class:`pki_lab.errors.PkiLabError` with a sentence; any other exception, and any
call that takes longer than :data:`HANG_SECONDS`, is a crash. Inputs are the shipped real certificates, CRLs and
OCSP responses (``pki_lab.data``), lab-made CSRs, CRLs and OCSP requests and responses, and fixed ML-DSA
certificates, a CRL and a CSR (:data:`ML_DSA_SEEDS`), mutated in two ways:

* on the bytes: bit flips, byte insertions and deletions, truncation, random length bytes;
* on the DER tree (:mod:`pki_lab.der`), re-encoded with correct lengths so that the X.509 parser reads deep into
  the structure: a primitive value flipped, cut, grown or retyped; a child dropped, duplicated (a duplicate
  extension), swapped or replaced by a node from another input.

The same run of mutations is reproducible from ``--seed``. At the end it prints the inputs tried per entry point
and the crashes by place (the exception type and the innermost ``pki_lab`` frame), and exits 1 if there was any.
``tests/test_robustness.py`` imports :func:`corpus`, :func:`mutate` and :data:`TARGETS` to run a small sample of
the same work in the unit suite.
"""

from __future__ import annotations

import argparse
import base64
import collections
import dataclasses
import functools
import random
import signal
import sys
import time
import traceback
import warnings
from collections.abc import Callable
from pathlib import Path

if __package__ in (None, ""):  # run as a script: the project root on the path
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cryptography import x509
from cryptography.x509 import ocsp

from pki_lab import clock, data
from pki_lab.ca import demo_hierarchy, make_csr
from pki_lab.der import Node, parse
from pki_lab.der import encode as encode_node
from pki_lab.der.encode import bit_string, children, sequence
from pki_lab.describe import describe, describe_crl, describe_csr, extension_table, thumbprint
from pki_lab.errors import PkiLabError
from pki_lab.keys import key_summary, named_key, sign_bytes
from pki_lab.loading import (
    load_certificate,
    load_certificates,
    load_crl,
    load_csr,
    load_objects,
    load_private_key,
    load_public_key,
    to_der,
    to_pem,
    tree_of,
)
from pki_lab.revocation import (
    OcspResponder,
    RevocationRegistry,
    build_crl,
    build_request,
    signed_by,
    summarize_response,
    verify_response,
)
from pki_lab.tamper import mystery_copy, signature_verifies, tamper, visible_fields
from pki_lab.validation import validate_chain

HANG_SECONDS = 5.0
#: Per door, the inputs that got past its loader (and so reached the describers, validate_chain, ...): how deep
#: the mutations reach. For OCSP: requests answered "successful", responses with a verdict other than "invalid".
ACCEPTED: collections.Counter[str] = collections.Counter()
# How often each kind of seed is mutated (there are many more certificates than CSRs or OCSP messages).
_KIND_WEIGHTS = {"certificate": 42, "crl": 15, "csr": 10, "ocsp-request": 12, "ocsp-response": 12, "key": 9}


@dataclasses.dataclass(frozen=True)
class Seed:
    """One well-formed input: its kind ("certificate", "crl", "csr", "ocsp-request", "ocsp-response") and DER."""

    kind: str
    name: str
    der: bytes
    signer: object = dataclasses.field(default=None, compare=False)  # the key that signed it (lab-made only)


@dataclasses.dataclass
class Lab:
    """The lab-made context the targets need: a hierarchy, a revoked certificate and an OCSP responder."""

    hierarchy: object
    responder: OcspResponder
    request: bytes


@functools.cache
def lab() -> Lab:
    h = demo_hierarchy()
    registry = RevocationRegistry(h.intermediate)
    revoked = h.intermediate.issue("old.example.com")
    registry.revoke(revoked, "keyCompromise")
    responder = OcspResponder(registry)
    return Lab(h, responder, build_request(h.leaf, h.intermediate.certificate, nonce=b"0123456789abcdef"))


@functools.cache
def corpus() -> tuple[Seed, ...]:
    """The inputs mutations start from: every shipped certificate, CRL and OCSP response, and lab-made ones."""
    seeds = []
    for name in data.files("roots") + data.files("intermediates") + data.files("chains"):
        if name.endswith(".pem"):
            seeds += [Seed("certificate", name, to_der(c)) for c in load_certificates(data.read_bytes(name))]
    for name in data.files("revocation"):
        kind = "ocsp-response" if "ocsp" in name else "crl"
        raw = data.read_bytes(name)
        seeds.append(Seed(kind, name, raw if kind == "ocsp-response" else to_der(load_crl(raw))))
    here = lab()
    h = here.hierarchy
    device, alice = named_key("device-1", "ec"), named_key("alice")
    seeds += [Seed("certificate", "lab leaf", to_der(h.leaf), h.intermediate.private_key),
              Seed("certificate", "lab issuing CA", to_der(h.intermediate.certificate), h.root.private_key),
              Seed("certificate", "lab root", to_der(h.root.certificate), h.root.private_key),
              Seed("csr", "lab CSR (EC)", to_der(make_csr(device, "device-1", ["device-1.example.com", "192.0.2.7"])),
                   device),
              Seed("csr", "lab CSR (RSA)", to_der(make_csr(alice, "alice", ["alice@example.com"])), alice),
              Seed("crl", "lab CRL", to_der(build_crl(h.intermediate, [(h.leaf, "keyCompromise"), 12345])),
                   h.intermediate.private_key),
              Seed("ocsp-request", "lab OCSP request", here.request),
              Seed("key", "lab EC private key", to_der(named_key("device-1", "ec"))),
              Seed("key", "lab RSA private key", to_der(named_key("alice"))),
              Seed("key", "lab EC public key", to_der(named_key("device-1", "ec").public_key())),
              Seed("key", "lab Ed25519 private key", to_der(named_key("device-2", "ed25519"))),
              Seed("ocsp-response", "lab OCSP response", here.responder.respond(here.request))]
    return tuple(seeds + _ml_dsa_seeds())


#: Fixed ML-DSA objects, made once: ML-DSA signs with fresh randomness, so new ones would change every run.
ML_DSA_SEEDS = Path(__file__).resolve().parent / "fuzz_seeds" / "ml-dsa.pem"
_KINDS = {x509.Certificate: "certificate", x509.CertificateRevocationList: "crl", x509.CertificateSigningRequest: "csr"}


def _ml_dsa_seeds() -> list[Seed]:
    """ML-DSA certificates (pure and under an ML-DSA CA), its CRL and CSR (tools/fuzz_seeds/ml-dsa.pem), and keys."""
    objects = load_objects(ML_DSA_SEEDS.read_bytes())
    seeds = [Seed(next(k for t, k in _KINDS.items() if isinstance(o, t)), f"ML-DSA seed {i + 1}", to_der(o))
             for i, o in enumerate(objects)]
    key = named_key("pq-device", "ml-dsa-44")
    return seeds + [Seed("key", "lab ML-DSA-44 private key", to_der(key)),
                    Seed("key", "lab ML-DSA-65 public key", to_der(named_key("pq", "ml-dsa-65").public_key()))]


# -- mutations ------------------------------------------------------------------------------------------------


def _byte_mutation(rng: random.Random, der: bytes) -> bytes:
    out = bytearray(der)
    op = rng.randrange(5)
    at = rng.randrange(len(out)) if out else 0
    if op == 0 and out:
        out[at] ^= 1 << rng.randrange(8)
    elif op == 1:
        out[at:at] = bytes(rng.randrange(256) for _ in range(rng.choice((1, 1, 2, 4))))
    elif op == 2 and out:
        del out[at:at + rng.choice((1, 1, 2, 8))]
    elif op == 3:
        del out[rng.randrange(len(out) + 1):]
    elif out:
        out[at] = rng.choice((0x00, 0x7F, 0x80, 0x81, 0x82, 0x84, 0xFF, out[at] + 1 & 0xFF, out[at] - 1 & 0xFF))
    return bytes(out)


_TAGS = (0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x0C, 0x13, 0x14, 0x16, 0x17, 0x18, 0x1E, 0x80, 0x81, 0x82, 0x86, 0x87)


def _primitive(rng: random.Random, node: Node) -> Node:
    content = bytearray(node.content)
    op = rng.randrange(6)
    if op == 0 and content:
        content[rng.randrange(len(content))] ^= 1 << rng.randrange(8)
    elif op == 1:
        del content[rng.randrange(len(content) + 1):]
    elif op == 2:
        content += bytes(rng.randrange(256) for _ in range(rng.choice((1, 8, 200))))
    elif op == 3 and content:
        content[rng.randrange(len(content))] = rng.choice((0x00, 0x80, 0xFF, 0x2E, 0x40, 0x2A, 0xC3))
    elif op == 4:
        first = rng.choice(_TAGS)
        return dataclasses.replace(node, tag_class=("universal", "application", "context", "private")[first >> 6],
                                   tag_number=first & 0x1F, encapsulated=False, children=())
    else:
        content = bytearray(bytes(rng.randrange(256) for _ in range(rng.randrange(0, 40))))
    return dataclasses.replace(node, content=bytes(content), encapsulated=False, children=())


def _constructed(rng: random.Random, node: Node, pool: list[Node]) -> Node:
    kids = list(node.children)
    op = rng.randrange(5)
    if op == 0 and kids:
        del kids[rng.randrange(len(kids))]
    elif op == 1 and kids:
        at = rng.randrange(len(kids))
        kids.insert(at, kids[at])
    elif op == 2 and len(kids) > 1:
        i, j = rng.sample(range(len(kids)), 2)
        kids[i], kids[j] = kids[j], kids[i]
    elif op == 3 and pool:
        kids.insert(rng.randrange(len(kids) + 1), rng.choice(pool))
    elif kids:
        kids[rng.randrange(len(kids))] = rng.choice(pool) if pool else kids[0]
    return dataclasses.replace(node, children=tuple(kids))


def _replace(node: Node, target: Node, new: Node) -> Node:
    if node is target:
        return new
    if not node.children:
        return node
    kids = tuple(_replace(c, target, new) for c in node.children)
    return dataclasses.replace(node, children=kids)


@functools.cache
def _trees() -> tuple[dict[bytes, Node], tuple[Node, ...]]:
    """Each seed's DER tree (read once), and a pool of small nodes to splice in from any seed."""
    roots = {s.der: parse(s.der).root for s in corpus()}
    pool = tuple(n for r in roots.values() for n in r.walk() if n.end - n.offset < 600)
    return roots, pool


def _tree_mutation(rng: random.Random, root: Node) -> Node:
    target = rng.choice(list(root.walk()))
    if target.children:
        new = _constructed(rng, target, list(_trees()[1]))
    else:
        new = _primitive(rng, target)
    return _replace(root, target, new)


def mutate(rng: random.Random, der: bytes, most: int = 3) -> bytes:
    """``der`` with one to ``most`` mutations (mostly one): on its DER tree (re-encoded with correct lengths), then
    on the bytes."""
    roots = _trees()[0]
    root = roots.get(der)
    if root is None:
        try:
            root = parse(der).root
        except PkiLabError:
            root = None
    count = min(most, rng.choice((1, 1, 1, 2, 3))) if most <= 3 else rng.randint(1, most)
    tree_ops = sum(rng.random() < 0.6 for _ in range(count)) if root is not None else 0
    for _ in range(tree_ops):
        root = _tree_mutation(rng, root)
    out = encode_node(root) if tree_ops else der
    for _ in range(count - tree_ops):
        out = _byte_mutation(rng, out)
    return out


def resign(der: bytes, key: object) -> bytes:
    """``der`` (a certificate, CSR or CRL) signed again over its first part with ``key``, so that a mutated
    ``tbsCertificate`` still verifies and the validator reads on past the signature; unchanged if not 3 parts."""
    try:
        parts = children(der)
    except PkiLabError:
        return der
    if len(parts) != 3:
        return der
    return sequence(parts[0], parts[1], bit_string(sign_bytes(key, parts[0])))


def mutate_seed(rng: random.Random, seed: Seed, most: int = 3) -> bytes:
    """A mutation of ``seed`` (:func:`mutate`); half the time a lab-made one is signed again by its issuer's key."""
    raw = mutate(rng, seed.der, most)
    if seed.signer is not None and rng.random() < 0.5:
        raw = resign(raw, seed.signer)
    return raw


# -- the entry points ---------------------------------------------------------------------------------------


def _made_elsewhere(raw: bytes, load: Callable[[bytes], object]) -> object:
    """What cryptography's own loader makes of ``raw`` (no field checked yet), or None if it refuses."""
    try:
        return load(raw)
    except Exception:  # noqa: BLE001 - whatever cryptography refuses is not an object to feed the doors
        return None


def _open(raw: bytes, rng: random.Random, loader: Callable[[object], object],
          elsewhere: Callable[[bytes], object]) -> object:
    """The object behind ``raw``: from the lab's loader (PkiLabError: None), or a third of the time from
    cryptography's, unchecked, as a learner's own code would make it (the describers and validate_chain must
    then find the damage themselves)."""
    if rng.random() < 0.33:
        return _made_elsewhere(raw, elsewhere)
    try:
        return loader(raw)
    except PkiLabError:
        return None


def _certificate_door(raw: bytes, rng: random.Random) -> None:
    h = lab().hierarchy
    source = raw if rng.random() < 0.8 else to_pem_text(raw)
    cert = _open(source, rng, load_certificate, lambda _: x509.load_der_x509_certificate(raw))
    if cert is None:
        return
    ACCEPTED["certificate"] += 1
    str(describe(cert))
    thumbprint(cert)
    visible_fields(cert)
    if rng.random() < 0.2:
        extension_table(cert)
    if rng.random() < 0.2:
        str(tamper(cert, rng.randrange(len(to_der(cert))), issuer=h.intermediate.certificate))
    if rng.random() < 0.1:
        mystery_copy(cert, rng.randrange(100))
    if rng.random() < 0.2:
        signature_verifies(cert, rng.choice((h.intermediate.certificate.public_key(), h.leaf_key.public_key())))
    at = clock.now()
    where = rng.randrange(4)  # the damaged certificate as leaf and anchor, intermediate, leaf, or anchor
    if where == 0:
        validate_chain(cert, trust=[cert], at=at, profile=rng.choice(("webpki", "rfc5280")),
                       name="www.example.com").summary()
    elif where == 1:
        validate_chain(h.leaf, [cert], trust=[h.root], at=at, name="www.example.com").summary()
    elif where == 2:
        validate_chain(cert, [h.intermediate.certificate], trust=[h.root], at=at, usage=None,
                       profile="rfc5280").summary()
    else:
        validate_chain(h.leaf, [h.intermediate.certificate], trust=[cert, h.root], at=at).summary()


def to_pem_text(der: bytes) -> str:
    body = base64.encodebytes(der).decode("ascii")
    return f"-----BEGIN CERTIFICATE-----\n{body}-----END CERTIFICATE-----\n"


def _crl_door(raw: bytes, rng: random.Random) -> None:
    h = lab().hierarchy
    crl = _open(raw, rng, load_crl, x509.load_der_x509_crl)
    if crl is None:
        return
    ACCEPTED["crl"] += 1
    str(describe_crl(crl))
    if rng.random() < 0.2:
        tree_of(crl)
    validate_chain(h.leaf, [h.intermediate.certificate], trust=[h.root], crls=[crl],
                   revocation=rng.choice(("require", "soft-fail", "hard-fail")), name="www.example.com").summary()


def _csr_door(raw: bytes, rng: random.Random) -> None:
    csr = _open(raw, rng, load_csr, x509.load_der_x509_csr)
    if csr is None:
        return
    ACCEPTED["csr"] += 1
    str(describe_csr(csr))
    tree_of(csr)


def _objects_door(raw: bytes, rng: random.Random) -> None:
    try:
        objects = load_objects(raw)
    except PkiLabError:
        return
    ACCEPTED["objects"] += 1
    for obj in objects:
        if isinstance(obj, x509.Certificate):
            str(describe(obj))
        elif isinstance(obj, x509.CertificateRevocationList):
            str(describe_crl(obj))
        elif isinstance(obj, x509.CertificateSigningRequest):
            str(describe_csr(obj))


def _der_door(raw: bytes, rng: random.Random) -> None:
    try:
        tree = parse(raw)
    except PkiLabError:
        return
    ACCEPTED["der"] += 1
    str(tree)
    if rng.random() < 0.2:
        tree_of(raw)
    if rng.random() < 0.2:
        str(tamper(raw, rng.randrange(len(raw))))


def _key_door(raw: bytes, rng: random.Random) -> None:
    for load in (load_private_key, load_public_key):
        try:
            key = load(raw if rng.random() < 0.8 else to_pem_text(raw).replace("CERTIFICATE", "PRIVATE KEY"))
        except PkiLabError:
            continue
        ACCEPTED["key"] += 1
        key_summary(key)
        to_pem(key)


def _ocsp_request_door(raw: bytes, rng: random.Random) -> None:
    answer = lab().responder.respond(raw, rng.choice(("POST", "GET")))
    if ocsp.load_der_ocsp_response(answer).response_status == ocsp.OCSPResponseStatus.SUCCESSFUL:
        ACCEPTED["ocsp-request"] += 1


def _ocsp_response_door(raw: bytes, rng: random.Random) -> None:
    h = lab().hierarchy
    answer = verify_response(raw, h.leaf, h.intermediate, nonce=b"0123456789abcdef" if rng.random() < 0.5 else None)
    if answer.status != "invalid":
        ACCEPTED["ocsp-response"] += 1
    if rng.random() < 0.5:
        summarize_response(raw)
    else:
        signed_by(raw, lab().responder.signer_cert)


# What each kind of input is fed to; every input is also read by the DER door and load_objects.
TARGETS: dict[str, Callable[[bytes, random.Random], None]] = {
    "certificate": _certificate_door,
    "crl": _crl_door,
    "csr": _csr_door,
    "ocsp-request": _ocsp_request_door,
    "ocsp-response": _ocsp_response_door,
    "key": _key_door,
    "der": _der_door,
    "objects": _objects_door,
}


def place(exc: BaseException) -> str:
    """Where a crash happened: the exception type and the innermost ``pki_lab`` frame (file:line function)."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "/pki_lab/" in f.filename.replace("\\", "/")]
    where = "outside pki_lab"
    if frames:
        f = frames[-1]
        where = f"{f.filename.replace(chr(92), '/').split('/pki_lab/')[-1]}:{f.lineno} {f.name}"
    return f"{type(exc).__name__} at pki_lab/{where}"


class _Hang(Exception):
    pass


def _alarm(signum, frame):
    raise _Hang(f"a call took more than {HANG_SECONDS} s")


def run_one(target: str, raw: bytes, rng: random.Random) -> BaseException | None:
    """Feed ``raw`` to one target; return the exception that escaped, if it is not a PkiLabError."""
    timer = hasattr(signal, "setitimer")
    if timer:
        signal.signal(signal.SIGALRM, _alarm)
        signal.setitimer(signal.ITIMER_REAL, HANG_SECONDS)
    try:
        TARGETS[target](raw, rng)
    except PkiLabError:
        return None
    except Exception as exc:  # noqa: BLE001 - every other exception is what the fuzzer looks for
        return exc
    finally:
        if timer:
            signal.setitimer(signal.ITIMER_REAL, 0)
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="how long to run (default 60)")
    parser.add_argument("--seed", type=int, default=1, help="the random seed (default 1)")
    parser.add_argument("--inputs", type=int, default=0, help="stop after this many inputs (default: no limit)")
    parser.add_argument("--most", type=int, default=3, help="the most mutations stacked on one input (default 3)")
    parser.add_argument("--show", type=int, default=1, help="tracebacks to print per crash place (default 1)")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")  # cryptography warns about negative serials and odd attribute lengths
    rng = random.Random(args.seed)
    seeds = corpus()
    by_kind = {kind: [s for s in seeds if s.kind == kind] for kind in _KIND_WEIGHTS}
    _trees()
    tried: collections.Counter[str] = collections.Counter()
    slowest: collections.defaultdict[str, float] = collections.defaultdict(float)
    crashes: collections.Counter[str] = collections.Counter()
    examples: dict[str, tuple[str, str, bytes, str]] = {}
    start = time.monotonic()
    total = 0
    while time.monotonic() - start < args.seconds and not (args.inputs and total >= args.inputs):
        kind = rng.choices(list(_KIND_WEIGHTS), weights=list(_KIND_WEIGHTS.values()))[0]
        signed = [s for s in by_kind[kind] if s.signer is not None]
        # A third of the time a lab-made seed, which mutate_seed may sign again: the validator then reads on.
        seed = rng.choice(signed if signed and rng.random() < 0.33 else by_kind[kind])
        raw = mutate_seed(rng, seed, args.most)
        second = rng.choice(("der", "objects", "objects"))
        for target in (seed.kind, second):
            tried[target] += 1
            began = time.perf_counter()
            exc = run_one(target, raw, random.Random(rng.random()))
            slowest[target] = max(slowest[target], time.perf_counter() - began)
            if exc is not None:
                where = place(exc)
                crashes[where] += 1
                if where not in examples:
                    examples[where] = (target, seed.name, raw, "".join(traceback.format_exception(exc)))
        total += 1
    elapsed = time.monotonic() - start
    calls = sum(tried.values())
    print(f"pki-lab fuzz: seed {args.seed}, {total:,} inputs from {len(seeds)} seeds, {calls:,} calls "
          f"in {elapsed:.0f} s ({calls / max(elapsed, 1e-9):,.0f} calls/s)")
    for target, count in sorted(tried.items()):
        print(f"  {target:<14} {count:>9,} calls, {ACCEPTED[target]:>8,} past the loader, "
              f"slowest {slowest[target] * 1000:,.0f} ms")
    print(f"crashes: {sum(crashes.values()):,} at {len(crashes)} place(s)")
    for where, count in crashes.most_common():
        target, name, raw, trace = examples[where]
        print(f"  {count:>7,}  {where}  (first: {target} door, mutated from {name}, {len(raw)} bytes: "
              f"{raw[:48].hex()}...)")
        if args.show:
            print("          " + trace.strip().replace("\n", "\n          ")[-1500:])
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main())
