"""Certificate transparency: RFC 6962 hashing and proofs against the published vectors, the lab log, the monitor."""

from __future__ import annotations

import hashlib

import pytest

from pki_lab import data
from pki_lab.ca import CertificateAuthority
from pki_lab.errors import ParameterError, PolicyError, WrongTypeError
from pki_lab.merkle import (
    EMPTY_ROOT,
    MerkleTree,
    leaf_hash,
    node_hash,
    root_from_inclusion,
    verify_consistency,
    verify_inclusion,
)
from pki_lab.transparency import (
    CTLog,
    Monitor,
    check_inclusion,
    embedded_scts,
    verify_receipt,
    verify_tree_head,
)

V = data.vectors("rfc6962_merkle_test_vectors")
H = bytes.fromhex


@pytest.fixture(scope="module")
def tree():
    t = MerkleTree()
    for entry in V["leaf_inputs"]:
        t.append(H(entry))
    return t


# -- RFC 6962 vectors -------------------------------------------------------------------------------


@pytest.mark.parametrize("vector", V["hasher_unit_vectors"], ids=lambda v: v["desc"][:40])
def test_rfc6962_hasher_vectors(vector):
    if "leaf_input" in vector:
        got = leaf_hash(H(vector["leaf_input"]))
    elif "left" in vector:
        got = node_hash(H(vector["left"]), H(vector["right"]))
    else:
        got = EMPTY_ROOT
    assert got.hex() == vector["expected"]


def test_rfc6962_leaf_hashes_use_the_0x00_prefix(tree):
    assert [tree.leaf_hash_at(i).hex() for i in range(8)] == V["leaf_hashes"]
    assert leaf_hash(b"") == hashlib.sha256(b"\x00").digest() != hashlib.sha256(b"").digest()


@pytest.mark.parametrize("size", range(9))
def test_rfc6962_root_for_every_tree_size(tree, size):
    assert tree.root(size).hex() == V["root_hashes_by_tree_size"][str(size)]


def test_rfc6962_complete_subtree_hashes(tree):
    for level, hashes in enumerate(V["node_hashes_by_level"]["levels"]):
        for i, expected in enumerate(hashes):
            assert tree._subtree(i << level, 1 << level).hex() == expected


INCLUSION = V["inclusion_proofs"] + V["derived_complete_tables"]["inclusion"]
CONSISTENCY = V["consistency_proofs"] + V["derived_complete_tables"]["consistency"]


@pytest.mark.parametrize("case", INCLUSION, ids=lambda c: f"rfc6962-path-{c['leaf_index']}-of-{c['tree_size']}")
def test_rfc6962_inclusion_proofs_match_and_verify(tree, case):
    index, size = case["leaf_index"], case["tree_size"]
    proof = tree.inclusion_proof(index, size)
    assert [p.hex() for p in proof] == case["proof"]
    root = H(V["root_hashes_by_tree_size"][str(size)])
    assert verify_inclusion(H(V["leaf_hashes"][index]), index, size, [H(p) for p in case["proof"]], root)


@pytest.mark.parametrize("case", CONSISTENCY, ids=lambda c: f"rfc6962-proof-{c['size1']}-to-{c['size2']}")
def test_rfc6962_consistency_proofs_match_and_verify(tree, case):
    m, n = case["size1"], case["size2"]
    assert [p.hex() for p in tree.consistency_proof(m, n)] == case["proof"]
    roots = V["root_hashes_by_tree_size"]
    assert verify_consistency(m, n, H(roots[str(m)]), H(roots[str(n)]), [H(p) for p in case["proof"]])


# -- failure twins: proofs that must not verify -----------------------------------------------------------


def test_rfc9162_inclusion_rejects_a_wrong_leaf_index_size_or_tampered_path(tree):
    proof, root, leaf = tree.inclusion_proof(5, 8), tree.root(8), tree.leaf_hash_at(5)
    assert verify_inclusion(leaf, 5, 8, proof, root)
    assert not verify_inclusion(tree.leaf_hash_at(4), 5, 8, proof, root)  # another leaf
    assert not verify_inclusion(leaf, 4, 8, proof, root)  # another position
    assert not verify_inclusion(leaf, 5, 6, proof, root)  # another size (a different path shape)
    assert not verify_inclusion(leaf, 8, 8, proof, root)  # index out of range
    assert not verify_inclusion(leaf, 5, 8, proof[:-1], root)  # path too short
    assert not verify_inclusion(leaf, 5, 8, proof + [root], root)  # path too long
    bad = [bytes([proof[0][0] ^ 1]) + proof[0][1:]] + proof[1:]
    assert not verify_inclusion(leaf, 5, 8, bad, root)
    assert root_from_inclusion(leaf, 5, 8, proof) == root


def test_rfc9162_consistency_rejects_swapped_roots_wrong_sizes_and_empty_paths(tree):
    proof = tree.consistency_proof(3, 7)
    r3, r7 = tree.root(3), tree.root(7)
    assert verify_consistency(3, 7, r3, r7, proof)
    assert not verify_consistency(3, 7, r7, r3, proof)
    assert not verify_consistency(4, 7, r3, r7, proof)
    assert not verify_consistency(3, 9, r3, r7, proof)  # a size whose proof has another shape
    assert not verify_consistency(3, 7, r3, r7, [])
    assert not verify_consistency(7, 3, r7, r3, proof)
    assert verify_consistency(0, 7, EMPTY_ROOT, r7, [])
    assert verify_consistency(7, 7, r7, r7, []) and not verify_consistency(7, 7, r7, r3, [])


def test_tree_refuses_out_of_range_sizes_and_indexes_with_a_sentence(tree):
    with pytest.raises(ParameterError, match="tree size must be a whole number from 0 to 8"):
        tree.root(9)
    with pytest.raises(ParameterError, match="leaf index must be a whole number from 0 to 2"):
        tree.inclusion_proof(3, 3)
    with pytest.raises(ParameterError, match="`old_size` must be a whole number from 0 to the new size 4"):
        tree.consistency_proof(5, 4)
    with pytest.raises(WrongTypeError, match="must be bytes"):
        leaf_hash("text")
    with pytest.raises(ParameterError, match="32 bytes"):
        MerkleTree().append_hash(b"short")


def test_a_larger_tree_agrees_with_the_rfc_definition_computed_naively():
    """Every proof of a 37-leaf tree verifies, and the root equals a direct recursive MTH."""
    entries = [bytes([i]) * (i % 5) for i in range(37)]

    def mth(d):  # RFC 6962 2.1, written as literally as possible
        if not d:
            return hashlib.sha256(b"").digest()
        if len(d) == 1:
            return hashlib.sha256(b"\x00" + d[0]).digest()
        k = 1
        while k * 2 < len(d):
            k *= 2
        return hashlib.sha256(b"\x01" + mth(d[:k]) + mth(d[k:])).digest()

    t = MerkleTree()
    for e in entries:
        t.append(e)
    for n in range(38):
        assert t.root(n) == mth(entries[:n])
    for n in range(1, 38):
        for m in range(n):
            assert verify_inclusion(t.leaf_hash_at(m), m, n, t.inclusion_proof(m, n), t.root(n))
            assert verify_consistency(m, n, t.root(m), t.root(n), t.consistency_proof(m, n))


# -- the lab log -------------------------------------------------------------------------------------------


@pytest.fixture()
def world():
    good = CertificateAuthority.create_root("Good CA")
    rogue = CertificateAuthority.create_root("Rogue CA")
    log = CTLog("Test Log")
    certs = [good.issue(f"host{i}.example.com") for i in range(5)]
    return good, rogue, log, certs


def test_receipt_and_tree_head_signatures_verify_and_fail_for_other_data(world):
    good, _, log, certs = world
    receipt = log.submit(certs[0])
    assert receipt.leaf_index == 0 and receipt.log_id == hashlib.sha256(
        log.public_key.public_bytes(*_spki())).digest()
    assert verify_receipt(receipt, certs[0], log.public_key)
    assert not verify_receipt(receipt, certs[1], log.public_key)
    assert not verify_receipt(receipt, certs[0], CTLog("Other Log").public_key)
    sth = log.tree_head()
    assert verify_tree_head(sth, log.public_key)
    forged = type(sth)(sth.log_id, sth.tree_size + 1, sth.timestamp, sth.root_hash, sth.signature)
    assert not verify_tree_head(forged, log.public_key)


def _spki():
    from cryptography.hazmat.primitives import serialization

    return serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo


def test_log_is_deterministic(world):
    _, _, log, certs = world
    other = CTLog("Test Log")
    for c in certs:
        assert log.submit(c) == other.submit(c)
    assert log.tree_head() == other.tree_head()


def test_inclusion_of_every_logged_certificate_and_refusal_of_an_unlogged_one(world):
    good, _, log, certs = world
    for c in certs[:4]:
        log.submit(c)
    sth = log.tree_head()
    assert all(check_inclusion(log, c, sth) for c in certs[:4])
    with pytest.raises(PolicyError, match="not in the log"):
        log.prove_inclusion(certs[4])
    with pytest.raises(WrongTypeError, match="accepts certificates"):
        log.submit(b"bytes")


def test_monitor_alerts_on_a_rogue_certificate_for_a_watched_name_only(world):
    good, rogue, log, certs = world
    monitor = Monitor(log.public_key, ["example.com"], [good.name])
    for c in certs:
        log.submit(c)
    first = monitor.poll(log)
    assert first.consistent and first.alerts == () and first.tree_size == 5
    log.submit(rogue.issue("www.example.com"))
    log.submit(rogue.issue("www.example.org"))  # not a watched name
    second = monitor.poll(log)
    assert second.previous_size == 5 and second.tree_size == 7
    assert [a.index for a in second.alerts] == [5]
    assert "ALERT: entry 5" in second.alerts[0].sentence() and "Rogue CA" in second.alerts[0].sentence()
    assert "Tree grew from 5 to 7 entries, consistently" in second.sentence()
    assert monitor.poll(log).sentence() == "No new entries: the log still has 7 entries, the same tree as before."


def test_rewriting_history_breaks_consistency_and_the_monitor_says_so(world):
    good, rogue, log, certs = world
    monitor = Monitor(log.public_key, ["example.com"], [good.name])
    rogue_cert = rogue.issue("www.example.com")
    for c in certs[:3] + [rogue_cert]:
        log.submit(c)
    before = log.tree_head()
    monitor.poll(log)
    forged = log.rewrite_history(3, certs[3])  # hide the rogue certificate
    forged.submit(certs[4])
    after = forged.tree_head()
    assert verify_tree_head(after, log.public_key)  # the signature alone cannot tell
    proof = forged.prove_consistency(before.tree_size, after.tree_size)
    assert not verify_consistency(before.tree_size, after.tree_size, before.root_hash, after.root_hash, proof)
    report = monitor.poll(forged)
    assert not report.consistent and "rewrote history" in report.sentence()
    honest = log
    honest.submit(certs[4])
    assert monitor.poll(honest).consistent


def test_monitor_rejects_a_tree_head_signed_by_another_key(world):
    good, _, log, certs = world
    monitor = Monitor(CTLog("Other Log").public_key, ["example.com"], [good.name])
    log.submit(certs[0])
    report = monitor.poll(log)
    assert not report.signature_valid and "does not verify" in report.sentence()


# -- SCTs in real certificates -----------------------------------------------------------------------------


@pytest.mark.parametrize("chain", data.chains(), ids=lambda c: c.name)
def test_real_leaves_carry_scts_from_at_least_two_logs(chain):
    scts = embedded_scts(chain.leaf)
    assert len({s.log_id for s in scts}) >= 2
    issued = chain.leaf.not_valid_before_utc
    assert all(abs((s.timestamp - issued).total_seconds()) < 86400 for s in scts)


def test_embedded_scts_of_a_lab_certificate_and_of_a_non_certificate(world):
    assert embedded_scts(world[3][0]) == []
    with pytest.raises(WrongTypeError, match="reads a certificate"):
        embedded_scts("pem text")


# -- chapter 08's drawing and widget -------------------------------------------------------------------------


def test_tree_shape_inclusion_and_consistency_nodes_name_the_proof_hashes(tree):
    from pki_lab.merkle import consistency_nodes, inclusion_nodes, tree_shape

    for n in range(1, 9):
        assert len(tree_shape(n)) == 2 * n - 1
        for m in range(n):
            path, siblings = inclusion_nodes(m, n)
            assert path[0] == (m, 1) and path[-1] == (0, n)
            assert [tree._subtree(*s) for s in siblings] == tree.inclusion_proof(m, n)
            assert [tree._subtree(*s) for s in consistency_nodes(m, n)] == tree.consistency_proof(m, n)
    with pytest.raises(ParameterError, match="whole number of leaves >= 1"):
        tree_shape(0)


def test_proof_steps_rebuild_the_root(tree):
    from pki_lab.widgets.transparency import node_label, proof_steps

    lines = proof_steps(tree, 5, 7)
    assert lines[0].startswith("start: leaf hash of d5 = " + tree.leaf_hash_at(5).hex()[:12])
    assert lines[1].startswith("hash with d4 on the left") and lines[2].startswith("hash with d6 on the right")
    assert lines[3].endswith(f"d[0:7] = {tree.root(7).hex()[:12]}...")
    assert lines[-1] == "3 hashes from the log; the result matches the root of the 7-entry tree."
    assert node_label((4, 4)) == "d[4:8]"


def test_draw_merkle_tree_and_the_proof_explorer(tree):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from pki_lab.widgets.transparency import draw_merkle_tree, proof_explorer

    ax = draw_merkle_tree(tree, 7, index=5)
    assert "audit path of entry 5" in ax.get_title()
    ax = draw_merkle_tree(tree, 8, old_size=3)
    assert "consistency proof 3 -> 8" in ax.get_title()
    plt.close("all")
    tryit = proof_explorer(tree)
    assert bytes(tryit.parts["picture"].value).startswith(b"\x89PNG")
    tryit.parts["size"].value = 4
    assert tryit.parts["index"].max == 3
    assert "the root of the 4-entry tree" in tryit.parts["steps"].value
