"""The classroom load test's own parts (tools/hub_load.py), and its checks failing where they must.

The pure parts run everywhere, with no JupyterHub: reading /proc (a child process of the test is found, measured,
listened on 127.0.0.1 and killed with its marker), the kernel messages off a websocket, the cells a learner runs,
and the progress check, fed a good file and each way a file can be wrong.

The test at the end starts a real JupyterHub and configurable-http-proxy (`make hub-load` runs it): it needs
the `hub` extra and .cache/npm, takes about a minute of two cores, and so runs only when PKI_LAB_HUB_TESTS=1
(without it, it skips, saying so; with it, a missing JupyterHub or proxy fails instead of skipping). That a class
passes is what `make hub-load` itself shows, with ten learners.
"""

from __future__ import annotations

import contextlib
import importlib.util
import ipaddress
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid

import nbformat
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pki_lab import exercises
from pki_lab import progress_file as store

from .conftest import ROOT

_spec = importlib.util.spec_from_file_location("pki_lab_hub_load", ROOT / "tools" / "hub_load.py")
hub_load = importlib.util.module_from_spec(_spec)
sys.modules["pki_lab_hub_load"] = hub_load
_spec.loader.exec_module(hub_load)

CHAPTER_04 = ROOT / "notebooks" / "04_chain_of_trust.ipynb"
IDS_04 = [ex.id for ex in exercises.chapter("04")]
linux_only = pytest.mark.skipif(not os.path.exists("/proc/self/smaps_rollup"), reason="reads /proc (Linux only)")


# --- /proc ---------------------------------------------------------------------------------------------------------

def _child(run_id: str | None = None, code: str = "import time; time.sleep(60)") -> subprocess.Popen:
    env = dict(os.environ)
    if run_id:
        env[hub_load.MARKER] = run_id
    return subprocess.Popen([sys.executable, "-c", code], env=env, start_new_session=True,
                            stdout=subprocess.PIPE, text=True)


@linux_only
def test_a_child_is_found_below_its_parent_with_its_memory_and_environment():
    run_id = uuid.uuid4().hex
    child = _child(run_id)
    try:
        time.sleep(0.2)
        procs = hub_load.all_procs()
        assert child.pid in hub_load.descendants(procs, os.getpid())
        assert os.getpid() not in hub_load.descendants(procs, os.getpid())
        assert procs[child.pid].ppid == os.getpid() and procs[child.pid].pgid == child.pid  # a session of its own
        rss, pss = hub_load.memory_kib(child.pid)
        assert 1000 < rss < 10**6 and 0 < pss <= rss  # a Python interpreter: megabytes, not nothing, not gigabytes
        assert hub_load.environ_of(child.pid)[hub_load.MARKER] == run_id
        assert hub_load.marked(run_id) == [child.pid]
        assert "time.sleep(60)" in hub_load.command_of(child.pid)
    finally:
        child.kill()
        child.wait()
    assert hub_load.read_stat(child.pid) is None and hub_load.memory_kib(child.pid) == (0, 0)
    assert hub_load.marked(run_id) == []


@linux_only
def test_stop_all_kills_a_marked_process_the_hub_left_and_its_group():
    """A process of the run that outlived the Hub (here: one no Hub ever stopped) is killed, and reported."""
    run_id = uuid.uuid4().hex
    code = ("import subprocess, sys, time; subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']); "
            "print('ready', flush=True); time.sleep(60)")
    leader = _child(run_id, code)
    try:
        assert leader.stdout.readline().strip() == "ready"
        grandchild = hub_load.descendants(hub_load.all_procs(), leader.pid)
        assert len(grandchild) == 1 and hub_load.environ_of(grandchild[0])[hub_load.MARKER] == run_id
        started = time.monotonic()
        killed = hub_load.stop_all(None, [], run_id)
        assert time.monotonic() - started < 4
        assert leader.pid in killed
        leader.wait(5)
        assert hub_load.marked(run_id) == []  # the grandchild went with its process group
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(leader.pid, signal.SIGKILL)
    # Nothing of the group runs (an orphan may stay a zombie until init reaps it: dead, holding no memory).
    assert not [p for p in hub_load.all_procs().values() if p.pgid == leader.pid and hub_load.alive(p)]


@linux_only
def test_a_listening_socket_is_found_with_its_address():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    other = socket.socket()
    other.bind(("127.0.0.1", 0))  # bound, not listening: not counted
    try:
        found = hub_load.listening_addresses([os.getpid()])[os.getpid()]
        assert f"127.0.0.1:{server.getsockname()[1]}" in found
        assert f"127.0.0.1:{other.getsockname()[1]}" not in found
        assert all(hub_load.is_loopback(address) for address in found)
    finally:
        server.close()
        other.close()


@linux_only
def test_the_sampler_counts_a_learners_server_and_kernel_and_the_proxy_apart():
    """test process (as the Hub) -> server (JUPYTERHUB_USER=learner07) -> kernel; and a proxy (no user)."""
    env = {**os.environ, "JUPYTERHUB_USER": "learner07"}
    code = ("import subprocess, sys, time; k = subprocess.Popen([sys.executable, '-c', "
            "'import time; x = bytearray(40 * 2**20); print(\"filled\", flush=True); time.sleep(60)']); "
            "print('ready', flush=True); time.sleep(60)")
    server = subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, text=True,
                              start_new_session=True)
    proxy = _child()
    try:
        assert sorted(server.stdout.readline().strip() for _ in range(2)) == ["filled", "ready"]  # kernel: 40 MiB
        sampler = hub_load.Sampler(os.getpid())
        sampler.sample()
        peak = sampler.peak
        server_rss, kernel_rss = peak[("learner07", "server")][0], peak[("learner07", "kernel")][0]
        assert kernel_rss > server_rss + 30 * 1024  # the kernel holds 40 MiB more than its server
        assert peak[("learner07", "all")][0] == server_rss + kernel_rss
        assert peak[("proxy", "proxy")][0] > 0 and peak[("hub", "hub")][0] > 0
        assert sampler.class_peak[0] >= server_rss + kernel_rss + peak[("proxy", "proxy")][0]
        cpu = sampler.cpu_seconds()
        assert cpu[("learner07", "all")] == pytest.approx(cpu[("learner07", "server")] + cpu[("learner07", "kernel")])
        assert {p.pid for p in sampler.seen.values()} >= {server.pid, proxy.pid}
    finally:
        for child in (server, proxy):
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()


@given(st.ip_addresses(), st.integers(0, 65535))
def test_any_address_in_procs_hex_form_decodes_to_itself(address, port):
    """/proc/net/tcp{,6} write an address as host-order 32-bit words in hex, then the port: decoding inverts it."""
    packed = address.packed
    words = b"".join(packed[i:i + 4][::-1] for i in range(0, len(packed), 4))
    decoded = hub_load.decode_address(f"{words.hex().upper()}:{port:04X}")
    host, _, shown_port = decoded.rpartition(":")
    assert ipaddress.ip_address(host.strip("[]")) == address and int(shown_port) == port
    assert host.startswith("[") is (address.version == 6)
    mapped = address.version == 6 and address.ipv4_mapped is not None and address.ipv4_mapped.is_loopback
    assert hub_load.is_loopback(decoded) is (address.is_loopback or mapped)


@pytest.mark.parametrize("raw, address, loopback", [
    ("0100007F:1F90", "127.0.0.1:8080", True),
    ("00000000:0050", "0.0.0.0:80", False),
    ("0102A8C0:01BB", "192.168.2.1:443", False),
    ("00000000000000000000000001000000:1F90", "[::1]:8080", True),
    ("00000000000000000000000000000000:0016", "[::]:22", False),
    ("0000000000000000FFFF00000100007F:0035", "[::ffff:127.0.0.1]:53", True),
    ("0000000000000000FFFF00000302007F:0035", "[::ffff:127.0.2.3]:53", True),
], ids=["ipv4-loopback", "ipv4-any", "ipv4-lan", "ipv6-loopback", "ipv6-any", "ipv4-mapped-loopback",
        "ipv4-mapped-127-net"])
def test_proc_net_addresses_decode_and_only_loopback_counts_as_loopback(raw, address, loopback):
    assert hub_load.decode_address(raw) == address
    assert hub_load.is_loopback(address) is loopback


def test_free_ports_are_distinct_and_bindable_on_loopback():
    ports = hub_load.free_ports(3)
    assert len(set(ports)) == 3
    for port in ports:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", port))


# --- Kernel messages -------------------------------------------------------------------------------------------------

def test_a_frame_is_read_as_json_text_or_as_jupyters_binary_framing():
    message = {"header": {"msg_type": "comm_msg"}, "parent_header": {"msg_id": "m1"}, "content": {}}
    assert hub_load.decode_frame(json.dumps(message)) == message
    body, buffer = json.dumps(message).encode(), b"\x00\x01binary"
    offsets = [4 * 3, 4 * 3 + len(body)]  # two buffers: the message, then one binary buffer
    frame = (2).to_bytes(4, "big") + b"".join(o.to_bytes(4, "big") for o in offsets) + body + buffer
    assert hub_load.decode_frame(frame) == message


@pytest.mark.parametrize("message, shown", [
    ({"msg_type": "stream", "content": {"name": "stdout", "text": "hello\n"}}, ("hello\n", None)),
    ({"msg_type": "execute_result", "content": {"data": {"text/plain": "42", "text/html": "<b>42</b>"}}},
     ("42", None)),
    ({"msg_type": "display_data", "content": {"data": {"image/png": "..."}}}, ("", None)),
    ({"msg_type": "error", "content": {"ename": "NameError", "evalue": "name 'leaf' is not defined"}},
     ("", "NameError: name 'leaf' is not defined")),
    ({"header": {"msg_type": "execute_input"}, "content": {"code": "1"}}, ("", None)),
], ids=["stream", "result", "picture", "error", "input"])
def test_what_an_iopub_message_shows(message, shown):
    assert hub_load.output_text(message) == shown


# --- The learner's cells -------------------------------------------------------------------------------------------

def test_a_learner_runs_every_code_cell_with_the_solutions_and_their_own_wrong_answers_first():
    nb = nbformat.read(CHAPTER_04, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    plain = hub_load.learner_cells(nb, "04", 0)
    third = hub_load.learner_cells(nb, "04", 2)
    assert len(plain) == len(code) + 1 and len(third) == len(code) + 3  # + the progress-path cell, + 2 wrong answers
    assert sum(not c.added for c in third) == len(code)
    assert [c.exercise_id for c in plain if c.exercise_id] == IDS_04
    assert all(c.expect == f"Exercise {c.exercise_id}: correct" for c in plain if c.exercise_id)
    for cell in (c for c in plain if c.exercise_id):
        assert "answer = ..." not in cell.source and "answer = (" in cell.source
    first = next(i for i, c in enumerate(third) if c.exercise_id == IDS_04[0])
    assert [c.source for c in third[first - 2:first]] == [
        f'from pki_lab import exercises as _ex\n_ex.get("{IDS_04[0]}").check(None)'] * 2
    assert third[first - 1].expect == f"Exercise {IDS_04[0]}: cannot check"
    assert "progress.progress_path()" in plain[-1].source
    assert nbformat.read(CHAPTER_04, as_version=4) == nb  # the chapter itself is not changed
    raises = [c for c, stored in zip(plain, (c for c in code), strict=False)
              if "raises-exception" in stored.metadata.get("tags", [])]
    assert all(c.raises for c in raises)


def test_a_chapter_whose_exercise_cells_cannot_be_mapped_is_refused():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("answer = 1\nex9.check(answer)")])
    with pytest.raises(hub_load.LoadTestError, match="cannot be answered: cell 0: ex9.check"):
        hub_load.learner_cells(nb, "04", 0)


def test_cell_problems_name_an_unexpected_error_and_an_exercise_that_is_not_correct():
    learner = hub_load.Learner.__new__(hub_load.Learner)
    learner.name = "learner01"
    good, bad, on_purpose = (hub_load.Cell("x", "04.1", expect="Exercise 04.1: correct"), hub_load.Cell("1/0"),
                             hub_load.Cell("load('junk')", raises=True))
    learner.cells = [good, bad, on_purpose]
    learner.results = [hub_load.CellResult(good, "Exercise 04.1: incorrect", None),
                       hub_load.CellResult(bad, "", "ZeroDivisionError: division by zero"),
                       hub_load.CellResult(on_purpose, "", "MalformedInputError: not a certificate")]
    assert hub_load.cell_problems(learner) == [
        "learner01: cell 1 should show 'Exercise 04.1: correct', showed 'Exercise 04.1: incorrect'",
        "learner01: cell 2 raised ZeroDivisionError: division by zero"]
    learner.results = learner.results[:1]
    assert "learner01: 1 of 3 cells ran" in hub_load.cell_problems(learner)


# --- The progress check ----------------------------------------------------------------------------------------------

def _write(path, entries):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(store.dump(store.Document({"format": store.FORMAT, "exercises": entries}, entries)))


def _passed(attempts=1):
    return {"status": "correct", "passed": True, "attempts": attempts}


@pytest.fixture
def learner_file(tmp_path):
    return tmp_path / "homes" / "learner03" / ".pki_lab" / "progress.json"


def test_a_learners_own_file_passes(learner_file):
    _write(learner_file, {i: _passed(3 if i == IDS_04[0] else 1) for i in IDS_04})
    assert hub_load.progress_problems("learner03", learner_file, str(learner_file), IDS_04, 3) == []


@pytest.mark.parametrize("change, sentence", [
    (lambda e: e.pop(IDS_04[1]), "holds ['04.1', '04.3', '04.4', '04.5'], not exactly"),
    (lambda e: e.update({"00.1": _passed()}), "holds ['00.1', '04.1', '04.2', '04.3', '04.4', '04.5'], not exactly"),
    (lambda e: e.update({IDS_04[0]: _passed(5)}), "04.1 records 5 attempts, not this learner's 3 (another"),
    (lambda e: e.update({IDS_04[2]: _passed(2)}), "04.3 records 2 attempts, not this learner's 1"),
    (lambda e: e.update({IDS_04[2]: {"status": "incorrect", "passed": False, "attempts": 1}}),
     "exercise 04.3 is recorded as {'status': 'incorrect', 'passed': False, 'attempts': 1}, not passed"),
], ids=["one-missing", "another-chapter", "mixed-attempts", "extra-attempt", "not-passed"])
def test_each_way_a_file_can_be_wrong_is_named(learner_file, change, sentence):
    entries = {i: _passed(3 if i == IDS_04[0] else 1) for i in IDS_04}
    change(entries)
    _write(learner_file, entries)
    problems = hub_load.progress_problems("learner03", learner_file, str(learner_file), IDS_04, 3)
    assert any(sentence in p for p in problems), problems


def test_a_missing_file_and_a_file_elsewhere_are_named(learner_file, tmp_path):
    assert hub_load.progress_problems("learner03", learner_file, None, IDS_04, 3) == [
        f"learner03: no progress file at {learner_file}"]
    elsewhere = tmp_path / "shared" / ".pki_lab" / "progress.json"
    assert hub_load.progress_problems("learner03", learner_file, str(elsewhere), IDS_04, 3) == [
        f"learner03: the kernel's progress file is {elsewhere}, not {learner_file} in the learner's own home"]


def test_a_file_that_needed_repairs_is_named(learner_file):
    _write(learner_file, {i: _passed(3 if i == IDS_04[0] else 1) for i in IDS_04})
    learner_file.write_bytes(learner_file.read_bytes() + b"trailing junk")
    problems = hub_load.progress_problems("learner03", learner_file, None, IDS_04, 3)
    assert problems and "needed repairs when read (text after the JSON object" in problems[0]


# --- Figures and the Hub's configuration ---------------------------------------------------------------------------

def test_spread_gives_min_median_max():
    assert hub_load.spread([3.0, 1.0, 2.0, 10.0]) == "min 1.0 s, median 2.5 s, max 10.0 s"
    assert hub_load.spread([], "MiB") == "no value"
    assert hub_load.spread([1024.4], "MiB", 0) == "min 1024 MiB, median 1024 MiB, max 1024 MiB"


def test_the_hub_config_binds_loopback_gives_each_learner_a_home_and_allows_only_the_class(tmp_path):
    hub = hub_load.Hub(tmp_path, ["learner01", "learner02"], "a-class-password", "/x/chp", "run1")
    config = _settings(hub.config())
    assert config["JupyterHub.ip"] == config["JupyterHub.hub_ip"] == config["Spawner.ip"] == "127.0.0.1"
    assert config["ConfigurableHTTPProxy.api_url"] == f"http://127.0.0.1:{hub.ports[1]}"
    assert config["JupyterHub.port"] == hub.ports[0] and hub.url == f"http://127.0.0.1:{hub.ports[0]}"
    assert config["Authenticator.allowed_users"] == ["learner01", "learner02"]
    assert config["JupyterHub.authenticator_class"] == "shared-password"
    assert config["SimpleLocalProcessSpawner.home_dir_template"].format(username="learner02") == str(
        hub.home("learner02")) == str(tmp_path / "homes" / "learner02")
    assert config["Spawner.environment"][hub_load.MARKER] == "run1"
    assert str(tmp_path) in config["JupyterHub.db_url"]  # nothing written where the Hub was started from
    shared = hub_load.Hub(tmp_path, ["learner01"], "a-class-password", "/x/chp", "run1", shared_home=True)
    assert _settings(shared.config())["SimpleLocalProcessSpawner.home_dir_template"] == str(tmp_path / "homes" /
                                                                                           "shared")


def _settings(text: str) -> dict:
    """The c.Section.name = value lines of a jupyterhub_config.py, read as JupyterHub reads them (traitlets)."""
    from traitlets.config import Config

    config = Config()
    exec(compile(text, "jupyterhub_config.py", "exec"), {"get_config": lambda: config})
    return {f"{section}.{name}": value for section, names in config.items() for name, value in names.items()}


def test_a_missing_proxy_is_one_sentence_saying_how_to_install_it(tmp_path, capsys):
    with pytest.raises(hub_load.LoadTestError, match=rf"configurable-http-proxy was not found at {tmp_path}/no-such"
                                                      r"-proxy: install it with `npm install --prefix .cache/npm "
                                                      r"configurable-http-proxy@5` \(Node.js 20 or newer\)"):
        hub_load.find_proxy(str(tmp_path / "no-such-proxy"))
    with pytest.raises(SystemExit) as stop:
        hub_load.main(["--learners", "0"])
    assert stop.value.code == 2 and "--learners must be at least 1" in capsys.readouterr().err


def test_the_report_lists_each_problem_and_exits_1_and_counts_the_learners_that_passed(tmp_path):
    """Two learners: one whose file is right, one whose kernel wrote nowhere; the report says which."""
    hub = hub_load.Hub(tmp_path, ["learner01", "learner02"], "a-class-password", "/x/chp", "run1")
    nb = nbformat.read(CHAPTER_04, as_version=4)
    learners = [hub_load.Learner(n, name, hub, hub_load.learner_cells(nb, "04", n - 1), CHAPTER_04)
                for n, name in enumerate(hub.learners, 1)]
    for learner in learners:
        learner.results = [hub_load.CellResult(c, c.expect or "", None) for c in learner.cells]
        learner.login_spawn, learner.run_time, learner.stop_time = 3.0, 10.0 + learner.number, 1.0
    _write(hub.home("learner01") / ".pki_lab" / "progress.json", {i: _passed() for i in IDS_04})
    classroom = hub_load.Classroom(hub, learners, IDS_04, "04", timing={"whole": 20.0, "chapters": 12.0})
    lines: list[str] = []
    assert classroom.report("JupyterHub (test)", keep=True, out=lines.append) == 1
    text = "\n".join(lines)
    code_cells = sum(c.cell_type == "code" for c in nb.cells)
    assert f"run chapter 04 ({code_cells} code cells): min 11.0 s, median 11.5 s, max 12.0 s" in text
    assert "passed: 1 of 2" in text and "FAILED: 1 problems" in text
    assert f"learner02: no progress file at {hub.home('learner02') / '.pki_lab' / 'progress.json'}" in text
    _write(hub.home("learner02") / ".pki_lab" / "progress.json",
           {i: _passed(2 if i == IDS_04[0] else 1) for i in IDS_04})
    lines.clear()
    assert classroom.report("JupyterHub (test)", keep=False, out=lines.append) == 0
    assert lines[-1] == "OK: every check passed" and not tmp_path.exists()  # without --keep the folder goes


# --- On a real JupyterHub (make hub-load) ----------------------------------------------------------------------------

REAL_HUB = os.environ.get("PKI_LAB_HUB_TESTS") == "1"


@pytest.fixture
def proxy():
    if not REAL_HUB:
        pytest.skip("starts a real JupyterHub for about a minute of two cores: runs under `make hub-load` "
                    "(PKI_LAB_HUB_TESTS=1)")
    try:
        hub_load.check_setup()
        return hub_load.find_proxy(None)
    except hub_load.LoadTestError as exc:
        pytest.fail(f"PKI_LAB_HUB_TESTS=1, but the load test cannot run: {exc}")


def test_real_hub_a_shared_home_is_caught_as_mixed_progress(proxy, monkeypatch):
    """The fault a misconfigured spawner makes: two learners, one home. Both kernels write the same file (its
    lock loses nothing: the attempts add up), and the check must say that each file has another's entries."""
    monkeypatch.delenv("PKI_LAB_PROGRESS", raising=False)  # the Hub's environment drops it anyway
    lines: list[str] = []
    assert hub_load.run(2, "04", proxy, keep=False, out=lines.append, fault="shared-home") == 1
    text = "\n".join(lines)
    assert "learner01: exercise 04.1 records 3 attempts, not this learner's 1 (another learner's answers" in text
    assert "learner02: exercise 04.1 records 3 attempts, not this learner's 2" in text
    assert "raised" not in text and "processes of the run left afterwards: none" in text
