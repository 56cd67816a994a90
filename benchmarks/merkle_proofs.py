"""How long RFC 6962 inclusion and consistency proofs take in a Merkle log of 10^3 .. 10^6 entries.

    python benchmarks/merkle_proofs.py [largest_power_of_ten]

For each size, builds a log of that many leaf hashes (SHA-256 of a counter, with
the 0x00 leaf prefix), then times building and verifying 200 inclusion proofs and
200 consistency proofs at random positions (``random.Random(1)``). The lab's tree
stores every complete subtree's hash, so a proof costs O(log n) lookups.
"""

from __future__ import annotations

import random
import statistics
import sys
import time

from pki_lab.merkle import MerkleTree, leaf_hash, verify_consistency, verify_inclusion

QUERIES = 200


def _median_ms(fn, args_list) -> float:
    times = []
    for args in args_list:
        t = time.perf_counter()
        fn(*args)
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000


def main() -> None:
    top = int(sys.argv[1]) if len(sys.argv) > 1 else 6
    print(f"{'entries':>9} {'build s':>8} {'root ms':>8} {'incl. proof ms':>15} {'verify ms':>10} "
          f"{'cons. proof ms':>15} {'verify ms':>10} {'path len':>9}")
    for power in range(3, top + 1):
        n = 10**power
        rng = random.Random(1)
        t = time.perf_counter()
        tree = MerkleTree()
        tree.extend_hashes(leaf_hash(i.to_bytes(8, "big")) for i in range(n))
        build = time.perf_counter() - t
        root = tree.root()
        root_ms = _median_ms(tree.root, [()] * 20)
        idx = [(rng.randrange(n), n) for _ in range(QUERIES)]
        proofs = [tree.inclusion_proof(i, s) for i, s in idx]
        incl_ms = _median_ms(tree.inclusion_proof, idx)
        checks = [(tree.leaf_hash_at(i), i, n, p, root) for (i, _), p in zip(idx, proofs, strict=True)]
        assert all(verify_inclusion(*c) for c in checks)
        vinc_ms = _median_ms(verify_inclusion, checks)
        olds = [(rng.randrange(1, n), n) for _ in range(QUERIES)]
        cons = [tree.consistency_proof(m, s) for m, s in olds]
        cons_ms = _median_ms(tree.consistency_proof, olds)
        cchecks = [(m, n, tree.root(m), root, p) for (m, _), p in zip(olds, cons, strict=True)]
        assert all(verify_consistency(*c) for c in cchecks)
        vcon_ms = _median_ms(verify_consistency, cchecks)
        print(f"{n:>9,} {build:>8.2f} {root_ms:>8.3f} {incl_ms:>15.3f} {vinc_ms:>10.3f} {cons_ms:>15.3f} "
              f"{vcon_ms:>10.3f} {len(proofs[0]):>9}")
    print(f"(median of {QUERIES} random queries per size; every proof was verified)")


if __name__ == "__main__":
    main()
