"""Exercises of chapter 08, Certificate transparency."""

from __future__ import annotations

from .. import data
from ..ca import CertificateAuthority
from ..hashing import sha256_hex
from ..merkle import MerkleTree, leaf_hash
from ..transparency import CTLog, Monitor, embedded_scts
from . import Exercise, normalize_hex, register


def _path_length() -> int:
    tree = MerkleTree()
    for i in range(1000):
        tree.append(i.to_bytes(4, "big"))
    return len(tree.inclusion_proof(5, 1000))


register(Exercise(
    id="08.1",
    prompt="Build a MerkleTree of 1000 entries (for example i.to_bytes(4, 'big') for i in range(1000)). How many "
           "hashes are in the audit path of entry 5? Answer with a whole number.",
    expected=_path_length,
    accepts=(int,),
    hints=(
        "tree.inclusion_proof(index, size) returns the list of hashes.",
        "An audit path has about log2(size) hashes: one per level of the tree.",
    ),
    solution_code=(
        "tree = MerkleTree()\n"
        "for i in range(1000):\n"
        "    tree.append(i.to_bytes(4, 'big'))\n"
        "len(tree.inclusion_proof(5, 1000))"
    ),
    explanation="One sibling per level: ceil(log2(1000)) = 10 hashes prove one entry among a thousand, and only "
                "20 among a million. That is why anyone can audit a huge log cheaply.",
    coach=lambda a, e: "That is the number of entries, not of hashes in a path." if a == 1000 else None,
))


def _hello_leaf() -> str:
    return leaf_hash(b"hello").hex()


register(Exercise(
    id="08.2",
    prompt="Compute the RFC 6962 leaf hash of the entry b'hello' (hex text or bytes).",
    expected=_hello_leaf,
    accepts=(str, bytes),
    normalize=normalize_hex,
    hints=(
        "A leaf hash is not the plain SHA-256 of the entry: RFC 6962 puts one byte in front.",
        "hashlib.sha256(b'\\x00' + b'hello').hexdigest(), or pki_lab.merkle.leaf_hash(b'hello').",
    ),
    solution_code="leaf_hash(b'hello').hex()",
    explanation="SHA-256(0x00 || entry) for leaves and SHA-256(0x01 || left || right) for nodes: the prefixes keep "
                "a leaf from ever being passed off as an interior node (a second-preimage attack).",
    coach=lambda a, e: ("That is the plain SHA-256 of the entry: which byte does RFC 6962 put first?"
                        if normalize_hex(a) == sha256_hex(b"hello").upper() else None),
))


def _alert_index() -> int:
    good, rogue = CertificateAuthority.create_root("Good CA"), CertificateAuthority.create_root("Rogue CA")
    log = CTLog("Exercise Log")
    monitor = Monitor(log.public_key, ["shop.example"], [good.name])
    for cert in (good.issue("shop.example"), good.issue("blog.example"), rogue.issue("blog.example"),
                 rogue.issue("pay.shop.example"), good.issue("www.shop.example")):
        log.submit(cert)
    return monitor.poll(log).alerts[0].index


register(Exercise(
    id="08.3",
    prompt="In a CTLog('Exercise Log'), submit in this order: good_ca.issue('shop.example'), "
           "good_ca.issue('blog.example'), rogue_ca.issue('blog.example'), rogue_ca.issue('pay.shop.example'), "
           "good_ca.issue('www.shop.example'). You own shop.example and use only Good CA. At which entry index "
           "does a Monitor raise its alert? Answer with a whole number.",
    expected=_alert_index,
    accepts=(int,),
    hints=(
        "Monitor(log.public_key, ['shop.example'], [good_ca.name]).poll(log) scans every entry.",
        "The rogue certificate for blog.example is not about your name; a subdomain of shop.example is.",
    ),
    solution_code=(
        "log = CTLog('Exercise Log')\n"
        "for cert in (good_ca.issue('shop.example'), good_ca.issue('blog.example'), rogue_ca.issue('blog.example'),\n"
        "             rogue_ca.issue('pay.shop.example'), good_ca.issue('www.shop.example')):\n"
        "    log.submit(cert)\n"
        "Monitor(log.public_key, ['shop.example'], [good_ca.name]).poll(log).alerts[0].index"
    ),
    explanation="Only entry 3 names your domain (a subdomain) and comes from a CA you do not use. The monitor "
                "cannot stop the issuance, but it tells you within one log scan.",
    coach=lambda a, e: ("That certificate is from a rogue CA, but for someone else's name."
                        if a == 2 else None),
))


def _log_ids_per_leaf() -> list[set]:
    return [{sct.log_id for sct in embedded_scts(chain.leaf)} for chain in data.chains()]


def _distinct_logs() -> int:
    return len(set().union(*_log_ids_per_leaf()))


def _coach_logs(answer: int, expected: int) -> str | None:
    if answer == sum(len(ids) for ids in _log_ids_per_leaf()):
        return "That adds up each certificate's count: could one log have signed for more than one certificate?"
    if answer < expected:
        return "Too few: collect the log IDs of every leaf into one set before counting."
    return None


register(Exercise(
    id="08.4",
    prompt="Take every real leaf certificate of the course (chain.leaf for chain in data.chains()). How many "
           "different CT logs signed at least one of their embedded SCTs, all certificates together? Answer with "
           "a whole number.",
    expected=_distinct_logs,
    accepts=(int,),
    hints=(
        "The loop above prints a count per certificate; a log that signed for two certificates must be counted "
        "once.",
        "Gather {sct.log_id for sct in embedded_scts(chain.leaf)} for every chain into one set, then take its len().",
    ),
    solution_code=(
        "log_ids = set()\n"
        "for chain in data.chains():\n"
        "    log_ids |= {sct.log_id for sct in embedded_scts(chain.leaf)}\n"
        "len(log_ids)"
    ),
    explanation="One log signed SCTs for both Let's Encrypt's stackoverflow.com certificate and DigiCert's "
                "facebook.com one: a log records certificates from every CA, and each CA submits to logs of "
                "several operators, because browsers ask for SCTs from distinct log operators.",
    coach=_coach_logs,
))
