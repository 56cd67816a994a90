"""How long `import pki_lab` takes in a fresh interpreter (target: well under 0.5 s).

    python benchmarks/import_time.py [runs]

Prints the median and the slowest of several runs, each in a new process, and the
same for bare Python as a baseline.
"""

from __future__ import annotations

import statistics
import subprocess
import sys

PROBE = "import time; t = time.perf_counter(); {stmt}; print(time.perf_counter() - t)"


def measure(stmt: str, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        result = subprocess.run([sys.executable, "-c", PROBE.format(stmt=stmt)], capture_output=True, text=True,
                                check=True)
        out.append(float(result.stdout))
    return out


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    for label, stmt in (("import pki_lab", "import pki_lab"),
                        ("import pki_lab + first certificate", "import pki_lab; pki_lab.demo_hierarchy()")):
        times = measure(stmt, runs)
        print(f"{label:<38} median {statistics.median(times) * 1000:7.1f} ms   "
              f"slowest {max(times) * 1000:7.1f} ms   ({runs} runs)")


if __name__ == "__main__":
    main()
