"""A classroom on a real JupyterHub, on loopback: N learners log in at once and run a chapter; figures and checks.

    python tools/hub_load.py [--learners 10] [--chapter 04] [--proxy PATH] [--keep] [--fault shared-home]

``make hub-load`` (mk/hub.mk) installs what this needs and runs it. What it starts, all bound to 127.0.0.1 on free
ports, in a temporary folder that is removed afterwards:

* **JupyterHub** (PyPI ``jupyterhub`` 6.x) with ``SharedPasswordAuthenticator`` (one class password, no system
  users; JupyterHub 5.3 deprecated ``DummyAuthenticator.password`` in its favour) allowing the N learners only, and
  ``SimpleLocalProcessSpawner``, which gives each learner a home folder of their own under the temporary folder;
* **configurable-http-proxy** (npm, 5.x), which the Hub starts and routes through, as in a real deployment.

Each learner, in a thread of their own and all released at the same moment, does what a browser does:

1. logs in through the Hub's login form (``POST /hub/login`` with the form's ``_xsrf``), asks the Hub's REST API for
   a token (``POST /hub/api/users/<name>/tokens``) and starts their server (``POST .../server``), then waits
   until the Hub reports it ready;
2. loads JupyterLab's page, uploads the chapter through the single-user server's contents API and opens it as
   JupyterLab does (``POST /api/sessions``: a kernel), then runs every code cell in order over the kernel's
   websocket channels (the Jupyter messaging protocol, messages made by jupyter_client's ``Session``), with each
   exercise's ``answer = ...`` replaced by its worked solution (the cells found by
   ``pki_lab.classroom.find_exercise_cells``, as ``tests/test_worked_solutions.py`` finds them); learner k first
   gives the chapter's first exercise k-1 unreadable answers (``None``), so each learner's file records a count
   of attempts no other learner's file has;
3. closes the notebook (its kernel stops) and stops their server through the Hub's API.

Then it checks, and exits 1 with one sentence per failure if any check fails: every learner's progress file exists
where ``pki_lab.progress.progress_path()`` puts it in their own kernel (``~/.pki_lab/progress.json`` under their own
home), holds the chapter's exercises and nothing else, all passed, with that learner's own count of attempts; no cell
raised except those tagged ``raises-exception``; every exercise cell said ``correct``; every listening socket of
the class's processes is on 127.0.0.1; a wrong password is refused; after the Hub is stopped no process of the run
is left (each process carries a marker in its environment, and ``/proc`` is searched for it).

It prints: the time to log in and spawn, the time to run the chapter per learner (min / median / max) and for the
whole class, the CPU time per learner, and the peak memory per learner (RSS, and PSS, which shares a library's
pages among the processes that map it, summed over the learner's single-user server and kernel, sampled from
/proc every 0.25 s), of the Hub and of the proxy. Linux only (/proc). No network is needed once installed.
Exit codes: 0 every check passed, 1 a check failed, 2 the test cannot run here (the sentence says what is missing),
130 interrupted (every process of the run is stopped on the way out). ``--fault shared-home`` gives the whole class
one home folder, as a misconfigured spawner would, and the progress check must then fail (tests/test_hub_load.py).

What it does not model: a real network (everything is on loopback, no TLS), a real authenticator (OAuth, LDAP),
the browser (JupyterLab's scripts are not fetched or run; widgets get no front end), learners' think time (cells
run back to back), isolation between learners (one system user, no memory or CPU limits, homes on a local disk
rather than a shared file system), containers (image pulls, pod start-up) and idle-server culling.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import ipaddress
import json
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # pki_lab from this checkout, even when the driver runs from elsewhere
    sys.path.insert(0, str(ROOT))

import nbformat  # noqa: E402

from pki_lab import exercises  # noqa: E402
from pki_lab import progress_file as store  # noqa: E402
from pki_lab.classroom import ExerciseCell, find_exercise_cells, solution_lines  # noqa: E402

MARKER = "PKI_LAB_HUB_LOAD_RUN"  # in the environment of every process the run starts, to find them all
TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
SAMPLE_EVERY = 0.25  # seconds between two memory samples
HTTP_TIMEOUT = 60.0  # one HTTP request, on a loaded 2-core machine
CELL_TIMEOUT = 180.0
SPAWN_TIMEOUT = 300.0  # the Hub's own start_timeout and http_timeout, and the learner's wait for "ready"


class LoadTestError(Exception):
    """What went wrong, as a sentence: a learner's step that failed, or a setup that cannot run."""


# --- /proc: processes, memory, CPU, sockets ---------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Proc:
    pid: int
    ppid: int
    pgid: int
    start: int  # start time in clock ticks since boot: with the pid, names one process even if the pid is reused
    cpu_ticks: int  # user + system time so far
    state: str = "R"  # "Z": a zombie, dead and waiting for its parent to read its exit status


def read_stat(pid: int) -> Proc | None:
    """One process's /proc/<pid>/stat, or None if it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2:].split()  # the command name, in parentheses, may hold spaces
    return Proc(pid, int(fields[1]), int(fields[2]), int(fields[19]), int(fields[11]) + int(fields[12]), fields[0])


def all_procs() -> dict[int, Proc]:
    procs = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit() and (proc := read_stat(int(entry.name))) is not None:
            procs[proc.pid] = proc
    return procs


def descendants(procs: dict[int, Proc], root: int) -> list[int]:
    """Every process below ``root`` in the parent tree (not ``root`` itself), parents before children."""
    children: dict[int, list[int]] = {}
    for proc in procs.values():
        children.setdefault(proc.ppid, []).append(proc.pid)
    found, todo = [], list(children.get(root, ()))
    while todo:
        pid = todo.pop(0)
        found.append(pid)
        todo.extend(children.get(pid, ()))
    return found


def memory_kib(pid: int) -> tuple[int, int]:
    """(RSS, PSS) of a process in KiB from /proc/<pid>/smaps_rollup; (0, 0) if it is gone."""
    rss = pss = 0
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            key, _, value = line.partition(":")
            if key == "Rss":
                rss = int(value.split()[0])
            elif key == "Pss":
                pss = int(value.split()[0])
    return rss, pss


def environ_of(pid: int) -> dict[str, str]:
    """A process's environment at its start ({} if it is gone or not ours to read)."""
    try:
        raw = Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return {}
    pairs = (item.decode(errors="replace").partition("=") for item in raw.split(b"\0") if item)
    return {key: value for key, _, value in pairs}


def command_of(pid: int) -> str:
    """A process's command line, as ps shows it ("" if it is gone)."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def marked(run_id: str) -> list[int]:
    """Every live process whose environment carries this run's marker."""
    return [pid for pid in all_procs() if environ_of(pid).get(MARKER) == run_id]


def listening_addresses(pids: Iterable[int]) -> dict[int, set[str]]:
    """The local addresses ("127.0.0.1:8000") of the TCP sockets each process listens on (IPv4 and IPv6)."""
    owner: dict[str, int] = {}  # socket inode -> pid
    for pid in pids:
        with contextlib.suppress(OSError):
            for fd in os.scandir(f"/proc/{pid}/fd"):
                with contextlib.suppress(OSError):
                    target = os.readlink(fd.path)
                    if target.startswith("socket:["):
                        owner[target[8:-1]] = pid
    found: dict[int, set[str]] = {pid: set() for pid in pids}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                cols = line.split()
                if cols[3] == "0A" and cols[9] in owner:  # 0A: LISTEN
                    found[owner[cols[9]]].add(decode_address(cols[1]))
    return found


def decode_address(hex_address: str) -> str:
    """/proc/net/tcp's "0100007F:1F90" as "127.0.0.1:8080" (IPv6 as "[::1]:8080")."""
    host, port = hex_address.split(":")
    raw = bytes.fromhex(host)
    if len(raw) == 4:
        return f"{socket.inet_ntop(socket.AF_INET, raw[::-1])}:{int(port, 16)}"
    words = b"".join(raw[i:i + 4][::-1] for i in range(0, 16, 4))  # four host-order 32-bit words
    return f"[{socket.inet_ntop(socket.AF_INET6, words)}]:{int(port, 16)}"


def network_interfaces() -> list[str]:
    """The network interfaces of this process's network namespace (``["lo"]`` alone: the run has no network).

    ``socket.if_nameindex`` asks the kernel for the current namespace's interfaces (/sys/class/net would show the
    namespace /sys was mounted in, which ``unshare -n`` does not change).
    """
    return sorted(name for _, name in socket.if_nameindex())


def is_loopback(address: str) -> bool:
    """Whether "127.0.0.1:8000" or "[::1]:8000" is a loopback address (an IPv4-mapped 127.x counts too)."""
    host = ipaddress.ip_address(address.rpartition(":")[0].strip("[]"))
    mapped = getattr(host, "ipv4_mapped", None)
    return host.is_loopback or (mapped is not None and mapped.is_loopback)


class Sampler(threading.Thread):
    """Samples the Hub's process tree every SAMPLE_EVERY seconds: peak memory and CPU time by owner and role.

    A process below the Hub belongs to the learner named in its environment (``JUPYTERHUB_USER``, which the Hub
    sets for a single-user server and its kernels inherit), as the ``server`` (the Hub's child) or a ``kernel``
    (the server's child); any other is the ``proxy``'s. Peaks are of each sample's sums, so a learner's peak is
    of their server and kernel together at one moment, and ``class_peak`` of every process of the run at once.
    """

    def __init__(self, hub_pid: int) -> None:
        super().__init__(daemon=True, name="sampler")
        self.hub_pid = hub_pid
        self.stop = threading.Event()
        self.peak: dict[tuple[str, str], tuple[int, int]] = {}  # (owner, role) -> (RSS, PSS) KiB; role "all" too
        self.class_peak = (0, 0)
        self.cpu: dict[tuple[int, int], tuple[str, str, int]] = {}  # (pid, start) -> (owner, role, cpu ticks)
        self.seen: dict[tuple[int, int], Proc] = {}
        self._roles: dict[tuple[int, int], tuple[str, str]] = {}

    def role(self, proc: Proc) -> tuple[str, str]:
        """(owner, role) of a process below the Hub: (learner, "server" or "kernel"), or ("proxy", "proxy")."""
        key = (proc.pid, proc.start)
        if key not in self._roles:
            user = environ_of(proc.pid).get("JUPYTERHUB_USER")
            if user:
                self._roles[key] = (user, "server" if proc.ppid == self.hub_pid else "kernel")
            else:
                self._roles[key] = ("proxy", "proxy")
        return self._roles[key]

    def sample(self) -> None:
        procs = all_procs()
        sums: dict[tuple[str, str], list[int]] = {("hub", "hub"): list(memory_kib(self.hub_pid))}
        if (hub := procs.get(self.hub_pid)) is not None:
            self.cpu[(hub.pid, hub.start)] = ("hub", "hub", hub.cpu_ticks)
        for pid in descendants(procs, self.hub_pid):
            proc = procs[pid]
            key = (pid, proc.start)
            self.seen[key] = proc
            owner, role = self.role(proc)
            self.cpu[key] = (owner, role, proc.cpu_ticks)
            rss, pss = memory_kib(pid)
            for slot in {(owner, role), (owner, "all")}:
                total = sums.setdefault(slot, [0, 0])
                total[0] += rss
                total[1] += pss
        for slot, (rss, pss) in sums.items():
            old = self.peak.get(slot, (0, 0))
            self.peak[slot] = (max(old[0], rss), max(old[1], pss))
        everything = [v for (_, role), v in sums.items() if role in ("hub", "proxy", "server", "kernel")]
        self.class_peak = (max(self.class_peak[0], sum(v[0] for v in everything)),
                           max(self.class_peak[1], sum(v[1] for v in everything)))

    def run(self) -> None:
        while not self.stop.wait(SAMPLE_EVERY):
            self.sample()

    def cpu_seconds(self) -> dict[tuple[str, str], float]:
        """CPU time (user + system) by (owner, role), and by (owner, "all"), as last sampled."""
        totals: dict[tuple[str, str], float] = {}
        for owner, role, ticks in self.cpu.values():
            for slot in {(owner, role), (owner, "all")}:
                totals[slot] = totals.get(slot, 0.0) + ticks / TICKS
        return totals


# --- Stopping everything ---------------------------------------------------------------------------------------

def alive(proc: Proc) -> bool:
    """Whether this very process still runs (a zombie does not: it is dead, only not yet reaped)."""
    now = read_stat(proc.pid)
    return now is not None and now.start == proc.start and now.state not in ("Z", "X")


def stop_all(hub: subprocess.Popen | None, seen: Iterable[Proc], run_id: str, grace: float = 8.0) -> list[int]:
    """Stop the Hub (which stops the servers and the proxy), then kill whatever of the run is left.

    SIGTERM to the Hub first (JupyterHub then stops every server and the proxy it started); after ``grace``
    seconds, SIGKILL to the process group of every process the sampler saw, and to every process that still
    carries the run's marker. Returns the pids that had to be killed (empty when the Hub cleaned up itself).
    """
    if hub is not None and hub.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            hub.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            hub.wait(grace)
    killed = []
    own_group = os.getpgrp()
    for proc in [*seen, *(p for pid in marked(run_id) if (p := read_stat(pid)) is not None)]:
        if alive(proc):
            killed.append(proc.pid)
            if proc.pgid not in (own_group, 0):
                with contextlib.suppress(OSError):
                    os.killpg(proc.pgid, signal.SIGKILL)
            with contextlib.suppress(OSError):
                os.kill(proc.pid, signal.SIGKILL)
    if hub is not None:
        with contextlib.suppress(OSError):
            os.killpg(hub.pid, signal.SIGKILL)  # the Hub's own group (it was started in a session of its own)
        with contextlib.suppress(subprocess.TimeoutExpired):
            hub.wait(5)
    deadline = time.monotonic() + 3
    while marked(run_id) and time.monotonic() < deadline:
        time.sleep(0.05)
    return sorted(set(killed))


# --- The Hub ---------------------------------------------------------------------------------------------------

def free_ports(count: int) -> list[int]:
    """Ports free on 127.0.0.1 now (held open together so they differ; a small race with other programs remains)."""
    held = []
    try:
        for _ in range(count):
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            held.append(sock)
        return [sock.getsockname()[1] for sock in held]
    finally:
        for sock in held:
            sock.close()


@dataclasses.dataclass
class Hub:
    folder: Path
    learners: list[str]
    password: str
    proxy_command: str
    run_id: str
    shared_home: bool = False  # the fault --fault shared-home injects: one home folder for the whole class
    ports: list[int] = dataclasses.field(default_factory=lambda: free_ports(3))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.ports[0]}"

    def home(self, name: str) -> Path:
        return self.folder / "homes" / ("shared" if self.shared_home else name)

    def config(self) -> str:
        """jupyterhub_config.py: loopback only, the class password, a home folder per learner, generous timeouts."""
        public, api, hub = self.ports
        singleuser = str(Path(sys.executable).with_name("jupyterhub-singleuser"))
        settings = {
            "JupyterHub.ip": "127.0.0.1", "JupyterHub.port": public,
            "JupyterHub.hub_ip": "127.0.0.1", "JupyterHub.hub_port": hub,
            "ConfigurableHTTPProxy.api_url": f"http://127.0.0.1:{api}",
            "ConfigurableHTTPProxy.command": [self.proxy_command],
            "ConfigurableHTTPProxy.pid_file": str(self.folder / "proxy.pid"),
            "JupyterHub.pid_file": str(self.folder / "hub.pid"),
            "JupyterHub.db_url": f"sqlite:///{self.folder / 'jupyterhub.sqlite'}",
            "JupyterHub.cookie_secret_file": str(self.folder / "jupyterhub_cookie_secret"),
            "JupyterHub.authenticator_class": "shared-password",
            "SharedPasswordAuthenticator.user_password": self.password,
            "Authenticator.allowed_users": sorted(self.learners),
            "JupyterHub.spawner_class": "simple",
            "SimpleLocalProcessSpawner.home_dir_template": str(self.home("{username}")),
            "Spawner.cmd": [singleuser],
            # Jupyter refuses to run as root unless told (containers, CI): the Makefile's ROOT_FLAG, here.
            "Spawner.args": ["--allow-root"] if os.getuid() == 0 else [],
            "Spawner.ip": "127.0.0.1",
            "Spawner.default_url": "/lab",
            "Spawner.environment": {MARKER: self.run_id, "JUPYTER_PLATFORM_DIRS": "1",
                                    "PYDEVD_DISABLE_FILE_VALIDATION": "1"},
            "Spawner.start_timeout": int(SPAWN_TIMEOUT), "Spawner.http_timeout": int(SPAWN_TIMEOUT),
            "JupyterHub.concurrent_spawn_limit": 0,  # no limit: the class logs in at once
        }
        lines = ["# Written by tools/hub_load.py for one load-test run.", "c = get_config()  # noqa"]
        lines += [f"c.{key} = {value!r}" for key, value in settings.items()]
        return "\n".join(lines) + "\n"

    def start(self) -> subprocess.Popen:
        (self.folder / "homes").mkdir(parents=True, exist_ok=True)
        (self.folder / "jupyterhub_config.py").write_text(self.config())
        env = {key: value for key, value in os.environ.items()
               if key not in ("PKI_LAB_PROGRESS", "PYTEST_CURRENT_TEST", "PKI_LAB_HIDE_SOLUTIONS")}
        env[MARKER] = self.run_id
        env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
        with (self.folder / "hub.log").open("wb") as log:  # the Hub writes to its own copy of the descriptor
            return subprocess.Popen([str(Path(sys.executable).with_name("jupyterhub")), "-f", "jupyterhub_config.py"],
                                    cwd=self.folder, env=env, stdout=log, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, start_new_session=True)

    def wait_up(self, hub: subprocess.Popen, timeout: float = 120) -> None:
        """Until the Hub answers through the proxy (GET /hub/api/ gives its version)."""
        import requests

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if hub.poll() is not None:
                raise LoadTestError(f"JupyterHub exited with code {hub.returncode} before it was up; "
                                    f"its log:\n{self.log_tail()}")
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"{self.url}/hub/api/", timeout=5).status_code == 200:
                    return
            time.sleep(0.2)
        raise LoadTestError(f"JupyterHub did not answer on {self.url} within {timeout:.0f} s; its log:\n"
                            f"{self.log_tail()}")

    def log_tail(self, lines: int = 30) -> str:
        with contextlib.suppress(OSError):
            return "\n".join((self.folder / "hub.log").read_text(errors="replace").splitlines()[-lines:])
        return "(no log)"


# --- A learner ---------------------------------------------------------------------------------------------------

@dataclasses.dataclass
class Cell:
    source: str
    exercise_id: str | None = None  # the exercise this cell checks, if it is an exercise cell
    raises: bool = False  # tagged raises-exception: an error is what it shows on purpose
    expect: str | None = None  # text the output must contain
    added: bool = False  # not one of the chapter's cells: a wrong answer the learner tries, the progress-path cell


@dataclasses.dataclass
class CellResult:
    cell: Cell
    text: str
    error: str | None


def answered(source: str, where: ExerciseCell) -> str:
    """An exercise cell's source with its ``answer = ...`` line replaced by the worked solution, as a learner
    who pastes ``solution()`` into the cell has it."""
    lines = source.splitlines()
    code = exercises.get(where.exercise_id).solution_code
    lines[where.line: where.line + 1] = [where.indent + text for text in solution_lines(code)]
    return "\n".join(lines)


def learner_cells(nb: nbformat.NotebookNode, chapter: str, wrong_first: int) -> list[Cell]:
    """The chapter's code cells as this learner runs them: solutions in place of ``answer = ...``, and
    ``wrong_first`` unreadable answers (``None``) to the chapter's first exercise before its exercise cell;
    last, a cell that prints where this kernel's progress file is."""
    found, problems = find_exercise_cells(nb.cells)
    if problems or not found:
        raise LoadTestError(f"chapter {chapter}'s exercise cells cannot be answered: "
                            f"{'; '.join(problems) or 'there are none'}")
    where = {c.index: c for c in found}
    first = exercises.chapter(chapter)[0].id
    cells = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        exercise = where.get(index)
        if exercise and exercise.exercise_id == first:
            wrong = f'from pki_lab import exercises as _ex\n_ex.get("{first}").check(None)'
            cells += [Cell(wrong, expect=f"Exercise {first}: cannot check", added=True)] * wrong_first
        source = answered(cell.source, exercise) if exercise else cell.source
        cells.append(Cell(source, exercise and exercise.exercise_id,
                          "raises-exception" in cell.metadata.get("tags", []),
                          f"Exercise {exercise.exercise_id}: correct" if exercise else None))
    cells.append(Cell("from pki_lab import progress\nprint(progress.progress_path())", added=True))
    return cells


def decode_frame(raw: str | bytes) -> dict[str, Any]:
    """A kernel message from a websocket frame: JSON text, or Jupyter's binary framing (a count of buffers,
    their offsets, then the JSON message and the buffers)."""
    if isinstance(raw, str):
        return json.loads(raw)
    count = int.from_bytes(raw[:4], "big")
    offsets = [int.from_bytes(raw[4 * (i + 1):4 * (i + 2)], "big") for i in range(count)]
    end = offsets[1] if count > 1 else len(raw)
    return json.loads(raw[offsets[0]:end])


def output_text(message: dict[str, Any]) -> tuple[str, str | None]:
    """(text shown, error) of one iopub message."""
    kind, content = message.get("msg_type") or message["header"]["msg_type"], message.get("content", {})
    if kind == "stream":
        return content.get("text", ""), None
    if kind in ("execute_result", "display_data"):
        return content.get("data", {}).get("text/plain", ""), None
    if kind == "error":
        return "", f"{content.get('ename')}: {content.get('evalue')}"
    return "", None


@dataclasses.dataclass
class Learner:
    number: int  # 1, 2, ...
    name: str
    hub: Hub
    cells: list[Cell]
    chapter_file: Path
    login_spawn: float | None = None
    run_time: float | None = None
    run_began: float | None = None
    kernel_ready: float | None = None  # when the kernel first answered (kernel_info_reply)
    stop_time: float | None = None
    results: list[CellResult] = dataclasses.field(default_factory=list)
    failure: str | None = None
    progress_path: str | None = None

    def __post_init__(self) -> None:
        import requests

        self.http = requests.Session()
        self.token = ""

    def api(self, method: str, path: str, expect: Iterable[int], **kwargs: Any) -> Any:
        kwargs.setdefault("timeout", HTTP_TIMEOUT)
        if self.token:
            kwargs.setdefault("headers", {})["Authorization"] = f"token {self.token}"
        response = self.http.request(method, f"{self.hub.url}{path}", **kwargs)
        if response.status_code not in tuple(expect):
            raise LoadTestError(f"{method} {path} answered {response.status_code} "
                                f"({response.text[:200].strip() or 'no body'})")
        return response.json() if response.content and "json" in response.headers.get("Content-Type", "") else None

    def log_in(self) -> None:
        """The login form as a browser fills it (its _xsrf cookie and field), then a token from the Hub's API."""
        self.api("GET", "/hub/login", (200,))
        xsrf = self.http.cookies.get("_xsrf", "")
        self.api("POST", "/hub/login", (302,), allow_redirects=False,
                 data={"username": self.name, "password": self.hub.password, "_xsrf": xsrf})
        self.api("GET", "/hub/home", (200,))  # where the login sends the browser; the session's own _xsrf
        xsrf = self.http.cookies.get("_xsrf", "")
        token = self.api("POST", f"/hub/api/users/{self.name}/tokens", (200, 201), headers={"X-XSRFToken": xsrf},
                         json={"note": "pki-lab classroom load test", "expires_in": 3600})
        self.token = token["token"]

    def spawn(self) -> None:
        self.api("POST", f"/hub/api/users/{self.name}/server", (201, 202))
        deadline = time.monotonic() + SPAWN_TIMEOUT
        while time.monotonic() < deadline:
            server = self.api("GET", f"/hub/api/users/{self.name}", (200,))["servers"].get("", {})
            if server.get("ready"):
                return
            time.sleep(0.25)
        raise LoadTestError(f"the server was not ready {SPAWN_TIMEOUT:.0f} s after it was started")

    def open_notebook(self) -> tuple[str, str]:
        """Load JupyterLab's page (its HTML, not the scripts a browser then fetches), upload the chapter (contents
        API) and open it as JupyterLab does: (session id, kernel id)."""
        base, name = f"/user/{self.name}/api", self.chapter_file.name
        page = self.http.get(f"{self.hub.url}/user/{self.name}/lab", timeout=HTTP_TIMEOUT,
                             headers={"Authorization": f"token {self.token}"})
        if page.status_code != 200 or "jupyter-config-data" not in page.text:
            raise LoadTestError(f"GET /user/{self.name}/lab answered {page.status_code} without JupyterLab's page")
        content = json.loads(self.chapter_file.read_text())
        self.api("PUT", f"{base}/contents/{name}", (200, 201), json={"type": "notebook", "format": "json",
                                                                     "content": content})
        session = self.api("POST", f"{base}/sessions", (201,),
                           json={"path": name, "type": "notebook", "name": name, "kernel": {"name": "python3"}})
        return session["id"], session["kernel"]["id"]

    def run_chapter(self, kernel_id: str) -> None:
        import websocket
        from jupyter_client.jsonutil import json_default
        from jupyter_client.session import Session

        session = Session(username=self.name)
        url = (f"ws://127.0.0.1:{self.hub.ports[0]}/user/{self.name}/api/kernels/{kernel_id}/channels"
               f"?session_id={session.session}")
        ws = websocket.create_connection(url, header=[f"Authorization: token {self.token}"], timeout=CELL_TIMEOUT)
        try:
            def send(kind: str, content: dict[str, Any]) -> str:
                message = session.msg(kind, content)
                message["channel"] = "shell"
                ws.send(json.dumps(message, default=json_default))
                return message["header"]["msg_id"]

            self.wait_reply(ws, send("kernel_info_request", {}))
            self.kernel_ready = time.monotonic()
            for cell in self.cells:
                msg_id = send("execute_request", {"code": cell.source, "silent": False, "store_history": True,
                                                  "user_expressions": {}, "allow_stdin": False,
                                                  "stop_on_error": False})
                text, error = self.wait_reply(ws, msg_id)
                self.results.append(CellResult(cell, text, error))
        finally:
            ws.close()

    @staticmethod
    def wait_reply(ws: Any, msg_id: str) -> tuple[str, str | None]:
        """Read the channels until the request's reply and the kernel's idle status: (text shown, error)."""
        texts, error, replied, idle = [], None, False, False
        deadline = time.monotonic() + CELL_TIMEOUT
        while not (replied and idle):
            if time.monotonic() > deadline:
                raise LoadTestError(f"a cell ran for more than {CELL_TIMEOUT:.0f} s")
            message = decode_frame(ws.recv())
            if message.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind = message.get("msg_type") or message["header"]["msg_type"]
            if message.get("channel") == "shell" and kind.endswith("_reply"):
                replied = True
            elif kind == "status":
                idle = message["content"].get("execution_state") == "idle"
            else:
                text, failed = output_text(message)
                texts.append(text)
                error = error or failed
        return "\n".join(t for t in texts if t), error

    def stop(self, session_id: str) -> None:
        """Close the notebook (its kernel stops), then stop the server through the Hub and wait until it is gone."""
        self.api("DELETE", f"/user/{self.name}/api/sessions/{session_id}", (204,))
        self.api("DELETE", f"/hub/api/users/{self.name}/server", (202, 204))
        deadline = time.monotonic() + 60
        while self.api("GET", f"/hub/api/users/{self.name}", (200,))["servers"]:
            if time.monotonic() > deadline:
                raise LoadTestError("the server was still running 60 s after it was asked to stop")
            time.sleep(0.2)

    def lesson(self, start: threading.Barrier) -> None:
        """The whole visit; a failure is kept as a sentence naming the step, never raised out of the thread."""
        step = "waiting for the class"
        try:
            start.wait()
            began = time.monotonic()
            step = "logging in"
            self.log_in()
            step = "starting the server"
            self.spawn()
            self.login_spawn = time.monotonic() - began
            step = "opening the chapter"
            session_id, kernel_id = self.open_notebook()
            self.run_began = time.monotonic()
            step = "running the chapter"
            self.run_chapter(kernel_id)
            self.run_time = time.monotonic() - self.run_began
            self.progress_path = self.results[-1].text.strip() if self.results else None
            began = time.monotonic()
            step = "stopping the server"
            self.stop(session_id)
            self.stop_time = time.monotonic() - began
        except Exception as exc:  # noqa: BLE001 - any failure of one learner is reported, the others go on
            self.failure = f"{self.name}: {step} failed: {type(exc).__name__}: {exc}"


# --- Checks ------------------------------------------------------------------------------------------------------

def cell_problems(learner: Learner) -> list[str]:
    """A cell that raised without being tagged raises-exception, or an exercise cell that did not say correct."""
    problems = []
    for number, result in enumerate(learner.results, 1):
        cell = result.cell
        if result.error and not cell.raises:
            problems.append(f"{learner.name}: cell {number} raised {result.error[:200]}")
        if cell.expect and cell.expect not in result.text:
            problems.append(f"{learner.name}: cell {number} should show {cell.expect!r}, "
                            f"showed {' '.join(result.text.split())[:200]!r}")
    if learner.results and len(learner.results) != len(learner.cells):
        problems.append(f"{learner.name}: {len(learner.results)} of {len(learner.cells)} cells ran")
    return problems


def progress_problems(name: str, path: Path, shown: str | None, expected_ids: list[str],
                      first_attempts: int) -> list[str]:
    """What is wrong with a learner's progress file: missing, elsewhere than the kernel said, not clean, an entry
    missing or extra, not passed, or a count of attempts that is not this learner's."""
    if shown is not None and Path(shown) != path:
        return [f"{name}: the kernel's progress file is {shown}, not {path} in the learner's own home"]
    raw = store.read(path)
    if raw is None:
        return [f"{name}: no progress file at {path}"]
    document = store.parse(raw)
    problems = [f"{name}: the progress file needed repairs when read ({', '.join(document.repairs)})"
                for _ in [1] if document.repairs or not document.canonical]
    entries = document.exercises
    if sorted(entries) != sorted(expected_ids):
        problems.append(f"{name}: the progress file holds {sorted(entries)}, not exactly {sorted(expected_ids)}")
    for exercise_id in expected_ids:
        entry = entries.get(exercise_id) or {}
        attempts = first_attempts if exercise_id == expected_ids[0] else 1
        if entry.get("status") != "correct" or entry.get("passed") is not True:
            problems.append(f"{name}: exercise {exercise_id} is recorded as {entry or 'nothing'}, not passed")
        elif entry.get("attempts") != attempts:
            problems.append(f"{name}: exercise {exercise_id} records {entry.get('attempts')} attempts, not this "
                            f"learner's {attempts} (another learner's answers in this file, or some lost)")
    return problems


def wrong_password_refused(hub: Hub) -> list[str]:
    """The failure twin of logging in: a learner's name with a wrong password gets no session."""
    import requests

    http = requests.Session()
    http.get(f"{hub.url}/hub/login", timeout=HTTP_TIMEOUT)
    response = http.post(f"{hub.url}/hub/login", allow_redirects=False, timeout=HTTP_TIMEOUT,
                         data={"username": hub.learners[0], "password": hub.password + "x",
                               "_xsrf": http.cookies.get("_xsrf", "")})
    if response.status_code == 302:
        return [f"a wrong password logged {hub.learners[0]} in (answer {response.status_code})"]
    return []


# --- Figures -----------------------------------------------------------------------------------------------------

def spread(values: Iterable[float], unit: str = "s", digits: int = 1) -> str:
    """ "min 1.0 s, median 2.0 s, max 3.0 s" """
    values = sorted(values)
    if not values:
        return "no value"
    return ", ".join(f"{label} {value:.{digits}f} {unit}" for label, value in
                     (("min", values[0]), ("median", statistics.median(values)), ("max", values[-1])))


def mib(kib: float) -> float:
    return kib / 1024


def report_lines(learners: list[Learner], sampler: Sampler | None, timing: dict[str, float], chapter: str,
                 versions: str) -> list[str]:
    """The figures, one line each: times, CPU, memory (``timing``: "load" before the run, "whole", "chapters")."""
    peak = sampler.peak if sampler else {}
    cpu = sampler.cpu_seconds() if sampler else {}

    def memory(role: str, kind: int) -> str:
        return spread((mib(peak.get((lr.name, role), (0, 0))[kind]) for lr in learners), "MiB", 0)

    hub, proxy = peak.get(("hub", "hub"), (0, 0)), peak.get(("proxy", "proxy"), (0, 0))
    whole_rss, whole_pss = sampler.class_peak if sampler else (0, 0)
    return [
        f"Classroom load test: {'1 learner runs' if len(learners) == 1 else f'{len(learners)} learners run'} "
        f"chapter {chapter} at once on {versions}",
        f"  machine: {os.cpu_count()} cores, load average {timing.get('load', 0.0):.1f} before the run "
        "(other work on the machine slows every time below)",
        f"  network interfaces: {', '.join(network_interfaces()) or 'none'}"
        f"{' (loopback only: no network)' if network_interfaces() == ['lo'] else ''}",
        f"  log in and start a server: {spread(lr.login_spawn for lr in learners if lr.login_spawn is not None)}",
        f"  run chapter {chapter} ({sum(not c.added for c in learners[0].cells)} code cells): "
        f"{spread(lr.run_time for lr in learners if lr.run_time is not None)}",
        f"  close the notebook and stop the server: "
        f"{spread(lr.stop_time for lr in learners if lr.stop_time is not None)}",
        f"  whole class: {timing.get('whole', 0.0):.1f} s from the first login to the last server stopped; "
        f"the chapters ran within {timing.get('chapters', 0.0):.1f} s (first cell to last)",
        f"  CPU per learner (server + kernel): {spread(cpu.get((lr.name, 'all'), 0.0) for lr in learners)}; "
        f"Hub {cpu.get(('hub', 'all'), 0.0):.1f} s, proxy {cpu.get(('proxy', 'all'), 0.0):.1f} s",
        f"    the single-user server alone: {spread(cpu.get((lr.name, 'server'), 0.0) for lr in learners)}; "
        f"the kernel alone: {spread(cpu.get((lr.name, 'kernel'), 0.0) for lr in learners)}",
        f"  peak memory per learner (server + kernel), RSS: {memory('all', 0)}",
        f"  peak memory per learner (server + kernel), PSS: {memory('all', 1)}",
        f"    the single-user server (JupyterLab) alone, RSS: {memory('server', 0)}",
        f"    the kernel alone, RSS: {memory('kernel', 0)}",
        f"  peak memory of the Hub: RSS {mib(hub[0]):.0f} MiB (PSS {mib(hub[1]):.0f}); of the proxy: RSS "
        f"{mib(proxy[0]):.0f} MiB (PSS {mib(proxy[1]):.0f})",
        f"  the whole class at its peak (every process at one moment): RSS {mib(whole_rss):.0f} MiB, "
        f"PSS {mib(whole_pss):.0f} MiB",
    ]


def versions_text(proxy: str) -> str:
    from importlib.metadata import version

    chp = subprocess.run([proxy, "--version"], capture_output=True, text=True, timeout=30).stdout.strip()
    return (f"JupyterHub {version('jupyterhub')}, configurable-http-proxy {chp}, jupyter_server "
            f"{version('jupyter_server')}, Python {sys.version.split()[0]}")


# --- The run -------------------------------------------------------------------------------------------------------

def find_proxy(given: str | None) -> str:
    """configurable-http-proxy's path: ``given``, or .cache/npm's, or the one on PATH."""
    candidates = [given] if given else [str(ROOT / ".cache" / "npm" / "node_modules" / ".bin" /
                                            "configurable-http-proxy"), shutil.which("configurable-http-proxy")]
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return str(Path(candidate).resolve())
    where = f"at {given}" if given else "in .cache/npm or on PATH"
    raise LoadTestError(f"configurable-http-proxy was not found {where}: install it with `npm install --prefix "
                        ".cache/npm configurable-http-proxy@5` (Node.js 20 or newer), or run `make hub-load`.")


def check_setup() -> None:
    missing = []
    for module in ("jupyterhub", "websocket", "requests", "jupyter_server", "ipykernel"):
        try:
            __import__(module)
        except ImportError:
            missing.append(module)
    if missing:
        raise LoadTestError(f"{', '.join(missing)} cannot be imported by {sys.executable}: install the hub extra "
                            "(`pip install -e '.[hub]'`), or run `make hub-load`.")
    if not Path("/proc/self/smaps_rollup").exists():
        raise LoadTestError("this load test reads /proc (Linux 4.14 or newer); it cannot run here.")


@contextlib.contextmanager
def terminated_on_sigterm() -> Iterator[None]:
    """SIGTERM (a CI timeout, kill) becomes an exception, so the cleanup in ``finally`` still runs."""
    def handler(signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@dataclasses.dataclass
class Classroom:
    """One run: the Hub, the learners, what was measured and what went wrong."""

    hub: Hub
    learners: list[Learner]
    expected_ids: list[str]
    chapter: str
    problems: list[str] = dataclasses.field(default_factory=list)
    timing: dict[str, float] = dataclasses.field(default_factory=dict)
    sampler: Sampler | None = None
    left: list[int] = dataclasses.field(default_factory=list)

    @classmethod
    def prepare(cls, learner_count: int, chapter: str, proxy: str, fault: str | None = None) -> Classroom:
        chapter_file = next(iter(sorted((ROOT / "notebooks").glob(f"{chapter}_*.ipynb"))), None)
        if chapter_file is None or chapter not in exercises.chapters():
            raise LoadTestError(f"chapter {chapter!r} has no notebook with exercises in notebooks/.")
        notebook = nbformat.read(chapter_file, as_version=4)
        names = [f"learner{n:02d}" for n in range(1, learner_count + 1)]
        folder = Path(tempfile.mkdtemp(prefix="pki-lab-hub-"))
        hub = Hub(folder, names, secrets.token_urlsafe(12), proxy, uuid.uuid4().hex, fault == "shared-home")
        learners = [Learner(n, name, hub, learner_cells(notebook, chapter, n - 1), chapter_file)
                    for n, name in enumerate(names, 1)]
        return cls(hub, learners, [ex.id for ex in exercises.chapter(chapter)], chapter)

    def drive(self) -> None:
        """Start the Hub, release the class, wait for every learner; always stop every process of the run."""
        process = None
        self.timing["load"] = os.getloadavg()[0]
        try:
            with terminated_on_sigterm():
                process = self.hub.start()
                self.sampler = Sampler(process.pid)
                self.sampler.start()
                self.hub.wait_up(process)
                self.problems += wrong_password_refused(self.hub)
                self.lessons(process)
        finally:
            if self.sampler is not None:
                self.sampler.stop.set()
                self.sampler.join()
            stopping = time.monotonic()
            killed = stop_all(process, self.sampler.seen.values() if self.sampler else (), self.hub.run_id)
            self.timing["stop"] = time.monotonic() - stopping
            self.left = marked(self.hub.run_id)
        if killed:
            self.problems.append(f"the Hub did not stop every process itself: {len(killed)} had to be killed "
                                 f"(pids {killed[:10]})")
        if self.left:
            self.problems.append(f"{len(self.left)} processes of the run are still alive (pids {self.left[:10]})")

    def lessons(self, process: subprocess.Popen) -> None:
        start = threading.Barrier(len(self.learners) + 1)
        threads = [threading.Thread(target=lr.lesson, args=(start,), name=lr.name, daemon=True)
                   for lr in self.learners]
        for thread in threads:
            thread.start()
        start.wait()
        began = time.monotonic()
        loopback = threading.Thread(target=lambda: self.problems.extend(
            loopback_problems(process, self.learners)))
        loopback.start()
        for thread in threads:
            thread.join()
        self.timing["whole"] = time.monotonic() - began
        loopback.join()
        ran = [lr for lr in self.learners if lr.run_time is not None]
        if ran:
            self.timing["chapters"] = (max(lr.run_began + lr.run_time for lr in ran)
                                       - min(lr.run_began for lr in ran))

    def judge(self) -> dict[str, list[str]]:
        """Each learner's problems: a failed step, cells, the progress file."""
        found = {}
        for learner in self.learners:
            problems = [learner.failure] if learner.failure else []
            problems += cell_problems(learner)
            if learner.failure is None:
                path = self.hub.home(learner.name) / ".pki_lab" / "progress.json"
                problems += progress_problems(learner.name, path, learner.progress_path, self.expected_ids,
                                              learner.number)
            found[learner.name] = problems
        return found

    def report(self, versions: str, keep: bool, out: Callable[[str], None] = print) -> int:
        """Print the figures and the verdict; returns the exit code (0 when every check passed, else 1)."""
        by_learner = self.judge()
        problems = [p for learner in by_learner.values() for p in learner] + self.problems
        for line in report_lines(self.learners, self.sampler, self.timing, self.chapter, versions):
            out(line)
        out(f"  stopping the Hub and the proxy: {self.timing.get('stop', 0.0):.1f} s; processes of the run left "
            f"afterwards: {len(self.left) or 'none'}")
        good = sum(1 for learner in by_learner.values() if not learner)
        out(f"  learners with every cell as expected and a progress file of their own holding exactly chapter "
            f"{self.chapter}'s {len(self.expected_ids)} exercises, passed: {good} of {len(self.learners)}")
        if keep:
            out(f"  kept: {self.hub.folder} (the Hub's log is hub.log, the learners' homes are in homes/)")
        else:
            shutil.rmtree(self.hub.folder, ignore_errors=True)
        if problems:
            out(f"FAILED: {len(problems)} problems")
            for problem in problems:
                out(f"  - {problem}")
            return 1
        out("OK: every check passed")
        return 0


def run(learner_count: int, chapter: str, proxy: str, keep: bool, out: Callable[[str], None] = print,
        fault: str | None = None) -> int:
    """The whole load test; returns the exit code (0: every check passed, 1: a check failed).

    ``fault="shared-home"`` gives every learner the same home folder, as a misconfigured spawner would: the
    progress check must then fail (each file has the whole class's attempts), which proves it can.
    """
    classroom = Classroom.prepare(learner_count, chapter, proxy, fault)
    versions = versions_text(proxy)
    try:
        classroom.drive()
    except KeyboardInterrupt as exc:
        if not keep:
            shutil.rmtree(classroom.hub.folder, ignore_errors=True)
        raise KeyboardInterrupt(f"{exc or 'Ctrl+C'}; processes of the run left: "
                                f"{len(classroom.left) or 'none'}") from None
    except BaseException:
        if not keep:
            shutil.rmtree(classroom.hub.folder, ignore_errors=True)
        raise
    return classroom.report(versions, keep, out)


def loopback_problems(process: subprocess.Popen, learners: list[Learner]) -> list[str]:
    """While the class runs, every listening socket of the run must be on 127.0.0.1 (the Hub, the proxy, each
    single-user server and each kernel's five ZeroMQ ports), and each of them must be seen listening."""
    deadline = time.monotonic() + SPAWN_TIMEOUT
    while time.monotonic() < deadline and any(lr.kernel_ready is None and lr.failure is None for lr in learners):
        time.sleep(0.5)
    procs = all_procs()
    pids = [process.pid, *descendants(procs, process.pid)]
    listening = listening_addresses(pids)
    outside = sorted(a for addresses in listening.values() for a in addresses if not is_loopback(a))
    problems = [f"listening beyond loopback: {', '.join(outside)}"] if outside else []
    roles = Sampler(process.pid)
    for pid in pids:
        owner, role = ("hub", "hub") if pid == process.pid else roles.role(procs[pid])
        least = {"hub": 1, "proxy": 2, "server": 1, "kernel": 5}[role]
        if len(listening[pid]) < least and (role != "proxy" or pid == _first_proxy(pids, roles, procs)):
            problems.append(f"the {role} of {owner} (pid {pid}, {command_of(pid)[:80]!r}) listens on "
                            f"{len(listening[pid])} ports, not at least {least}: /proc did not show its sockets")
    return problems


def _first_proxy(pids: list[int], roles: Sampler, procs: dict[int, Proc]) -> int | None:
    """The proxy's own process (its node may have helper children that listen on nothing)."""
    return next((pid for pid in pids[1:] if roles.role(procs[pid])[1] == "proxy"), None)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, default=10, help="how many learners log in at once (default 10)")
    parser.add_argument("--chapter", default="04", help="the chapter they run (default 04)")
    parser.add_argument("--proxy", help="configurable-http-proxy's path (default: .cache/npm, then PATH)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (homes, the Hub's log)")
    parser.add_argument("--fault", choices=["shared-home"],
                        help="inject a fault the checks must catch: shared-home gives the class one home folder")
    args = parser.parse_args(argv)
    if args.learners < 1:
        parser.error("--learners must be at least 1")
    try:
        check_setup()
        return run(args.learners, args.chapter, find_proxy(args.proxy), args.keep, fault=args.fault)
    except LoadTestError as exc:
        print(f"hub_load: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:  # Ctrl+C or SIGTERM: the run's processes were stopped on the way out
        print(f"hub_load: interrupted ({exc or 'Ctrl+C'}); the Hub was stopped.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
