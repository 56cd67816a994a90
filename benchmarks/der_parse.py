"""How fast the teaching DER reader walks real certificates (chapter 03).

    python benchmarks/der_parse.py [rounds]

Parses every root of certifi's bundle (with X.509 field paths) and re-encodes it,
and reports the time per certificate, beside ``cryptography``'s own loader as a baseline.
The reader is written for clarity (frozen nodes, a second pass for field paths), not
speed: a few milliseconds per certificate is plenty for a notebook or a widget.
"""

from __future__ import annotations

import base64
import re
import statistics
import sys
import time
import warnings

import certifi
from cryptography import x509

from pki_lab.der import encode, parse


def _roots() -> list[bytes]:
    text = open(certifi.where(), "rb").read()
    blocks = re.findall(rb"-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", text, re.DOTALL)
    return [base64.b64decode(b"".join(b.split())) for b in blocks]


def _time(func, ders: list[bytes], rounds: int) -> list[float]:
    out = []
    for _ in range(rounds):
        start = time.perf_counter()
        for der in ders:
            func(der)
        out.append((time.perf_counter() - start) / len(ders))
    return out


def main() -> None:
    warnings.simplefilter("ignore")  # a few certifi roots have a non-positive serial; cryptography warns about it
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    ders = _roots()
    size = sum(map(len, ders)) / len(ders)
    for label, func in (("pki_lab.der.parse (with field paths)", parse),
                        ("pki_lab.der.parse + encode", lambda d: encode(parse(d).root)),
                        ("cryptography load_der_x509_certificate", x509.load_der_x509_certificate)):
        times = _time(func, ders, rounds)
        print(f"{label:<40} median {statistics.median(times) * 1e6:8.1f} us/cert   "
              f"({len(ders)} certifi roots, mean {size:.0f} bytes, {rounds} rounds)")


if __name__ == "__main__":
    main()
