"""Progress file under contention: several processes recording at once, as kernels sharing a home folder do.

Each process records the same exercise in a loop (the worst case: every write changes the one entry the others
change too). Printed per number of processes: records written per second in total, the latency of one
``record()`` (p50 and p99: the lock wait, the read, two fsyncs), records skipped because the lock stayed taken
for more than ``progress.LOCK_TIMEOUT``, and records lost (written but missing from the final count: must be 0).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RECORDS = 200  # per process
WORKER = """
import json, sys, time, warnings
from types import SimpleNamespace
from pki_lab import progress
warnings.simplefilter("ignore")
times, written = [], 0
for _ in range(int(sys.argv[1])):
    start = time.perf_counter()
    written += progress.record(SimpleNamespace(exercise_id="00.1", status="incorrect"))
    times.append(time.perf_counter() - start)
print(json.dumps({"written": written, "times": times}))
"""


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def run(processes: int) -> str:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "progress.json"
        env = {**os.environ, "PKI_LAB_PROGRESS": str(path)}
        start = time.perf_counter()
        workers = [subprocess.Popen([sys.executable, "-c", WORKER, str(RECORDS)], env=env, stdout=subprocess.PIPE,
                                    text=True) for _ in range(processes)]
        results = [json.loads(w.communicate(timeout=300)[0]) for w in workers]
        elapsed = time.perf_counter() - start
        written = sum(r["written"] for r in results)
        times = [t for r in results for t in r["times"]]
        final = json.loads(path.read_text())["exercises"]["00.1"]["attempts"]
    return (f"{processes} processes x {RECORDS} records: {written / elapsed:6.0f} records/s, record() p50 "
            f"{_percentile(times, 0.5) * 1000:.1f} ms p99 {_percentile(times, 0.99) * 1000:.1f} ms, "
            f"skipped {processes * RECORDS - written}, lost {written - final}")


def main() -> None:
    for processes in (1, 2, 4):
        print(run(processes))


if __name__ == "__main__":
    main()
