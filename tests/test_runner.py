"""The stage runner (qae/runner.py): a stage it serves behaves as the same stage run
directly, bytes, exit status and signals included, and it serves only what it can.

Each test runs a probe stage in a temporary project (the repo's stages/__init__.py and
a probe written here) directly and through one runner shared by the module, or says why
it needs a runner of its own.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from qae.runner import PRELOAD_ENV, SOCKET_ENV, project_modules
from tests.helpers import ROOT

PROBE = '''"""A stage for the runner's tests: reports what its process sees, does what it is asked."""

import json
import os
import sys
import time

PRELOADED = "torch" in sys.modules  # before this module imports anything
VERSION = "first"


def train():
    """A few deterministic steps of Adam on random data: (the weights' bytes, threads)."""
    import io

    import torch

    torch.manual_seed(0)
    torch.use_deterministic_algorithms(True)
    model = torch.nn.Sequential(torch.nn.Linear(16, 32), torch.nn.Tanh(), torch.nn.Linear(32, 4))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    x, y = torch.randn(256, 16), torch.randn(256, 4)
    for _ in range(10):
        optimizer.zero_grad()
        torch.nn.functional.mse_loss(model(x), y).backward()
        optimizer.step()
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    return buffer.getvalue(), torch.get_num_threads()


def main(out, *requests):
    report = {
        "cwd": os.getcwd(),
        "argv": sys.argv,
        "path0": sys.path[0],
        "env": os.environ.get("PROBE_VALUE"),
        "stdout_isatty": sys.stdout.isatty(),
        "version": VERSION,
    }
    if "threads" in requests:
        import torch

        report["threads"] = torch.get_num_threads()
    if "train" in requests:
        weights, report["threads"] = train()
        with open(os.path.join(out, "weights.pt"), "wb") as f:
            f.write(weights)
    with open(os.path.join(out, "report.json"), "w") as f:
        json.dump(report, f)
    with open(os.path.join(out, "where.json"), "w") as f:
        json.dump({"pid": os.getpid(), "ppid": os.getppid(), "preloaded": PRELOADED}, f)
    print("to stdout")
    print("to stderr", file=sys.stderr)
    for request in requests:
        if request.startswith(("sleep=", "until=")):
            open(os.path.join(out, "started"), "w").close()
        if request.startswith("sleep="):
            time.sleep(float(request[6:]))
        if request.startswith("until="):  # a file appears
            while not os.path.exists(request[6:]):
                time.sleep(0.01)
    if "unclosed" in requests:  # left for the interpreter to finalize at exit
        global LEFT_OPEN
        LEFT_OPEN = open(os.path.join(out, "unclosed.txt"), "w")
        LEFT_OPEN.write("buffered, never flushed by the probe\\n")
    if "raise" in requests:
        raise RuntimeError("the probe was asked to fail")
    if "interrupt" in requests:
        raise KeyboardInterrupt
    return next((int(r[5:]) for r in requests if r.startswith("exit=")), 0)


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
'''

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the runner serves stages on Linux only")

# The tests' environment, the runner's and its stages' alike: qae.runner from this worktree.
ENV = {k: v for k, v in os.environ.items() if not k.startswith("QAE_RUNNER")}
ENV.update(PYTHONPATH=str(ROOT), PROBE_VALUE="from the test")


class Runner:
    """A runner started by a test: its process, socket and stderr."""

    def __init__(self, process: subprocess.Popen, socket_path: str, log: Path) -> None:
        self.process, self.socket, self.log = process, socket_path, log

    @property
    def pid(self) -> int:
        return self.process.pid


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A project folder holding the repo's stages/__init__.py and the probe stage."""
    root = tmp_path_factory.mktemp("project")
    (root / "stages").mkdir()
    shutil.copy(ROOT / "stages" / "__init__.py", root / "stages" / "__init__.py")
    (root / "stages" / "probe.py").write_text(PROBE)
    return root


def wait_for(condition, timeout: float = 60, what: str = "a condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


@pytest.fixture(scope="module")
def runner(project, tmp_path_factory):
    """A runner with the default preload, whose command waits until the tests are done
    (closing its stdin) and meanwhile leaves the socket's path in a file."""
    log = tmp_path_factory.mktemp("runner") / "stderr.txt"
    path_file = project / "runner-socket"
    command = ["sh", "-c", f'printf %s "${SOCKET_ENV}" > {path_file.name}; exec cat > /dev/null']
    with log.open("w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "qae.runner", *command], cwd=project, env=ENV, stdin=subprocess.PIPE, stderr=stderr
        )
    try:
        wait_for(lambda: path_file.exists() and path_file.read_text(), what="the runner to start its command")
        yield Runner(process, path_file.read_text(), log)
        process.stdin.close()
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.fixture(params=["direct", "served"])
def via(request, runner) -> Runner | None:
    """Each test twice: the probe run directly, and served by the runner."""
    return runner if request.param == "served" else None


def probe_command(out: Path, *requests: str, module: str = "stages.probe") -> list[str]:
    return [sys.executable, "-m", module, str(out), *requests]


def stage_env(via: Runner | None, **extra: str) -> dict[str, str]:
    return {**ENV, **({SOCKET_ENV: via.socket} if via else {}), **extra}


def run_probe(project: Path, out: Path, *requests: str, via: Runner | None = None, env=None, module="stages.probe"):
    """Run the probe to completion in `project`, writing into a fresh `out`."""
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    return subprocess.run(
        probe_command(out, *requests, module=module),
        cwd=project,
        env=stage_env(via) if env is None else env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def where(out: Path) -> dict:
    return json.loads((out / "where.json").read_text())


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_a_served_stage_writes_the_same_bytes_as_a_direct_one(project, runner, tmp_path):
    """Weights trained deterministically, thread count, cwd, argv, sys.path[0], environment."""
    out = tmp_path / "out"
    outputs = []
    for via in (None, runner):
        assert run_probe(project, out, "train", via=via).returncode == 0
        outputs.append({name: (out / name).read_bytes() for name in ("weights.pt", "report.json")})
    assert outputs[0] == outputs[1]
    assert json.loads(outputs[1]["report.json"])["threads"] >= 1


def test_a_served_stage_runs_in_a_child_of_the_runner_that_has_torch_imported(project, runner, tmp_path):
    run_probe(project, tmp_path, via=runner)
    assert where(tmp_path)["ppid"] == runner.pid
    assert where(tmp_path)["preloaded"]


def test_stdout_and_stderr_pass_through(project, via, tmp_path):
    result = run_probe(project, tmp_path, via=via)
    assert (result.stdout, result.stderr) == ("to stdout\n", "to stderr\n")


@pytest.mark.parametrize(("requests", "code"), [((), 0), (("exit=3",), 3), (("interrupt",), -signal.SIGINT)])
def test_the_exit_status_passes_through(project, via, tmp_path, requests, code):
    """KeyboardInterrupt: Python ends its process with SIGINT, so that a shell stops too."""
    assert run_probe(project, tmp_path, *requests, via=via).returncode == code


def test_an_uncaught_exception_exits_1_with_the_same_traceback(project, runner, tmp_path):
    direct, served = (run_probe(project, tmp_path, "raise", via=via) for via in (None, runner))
    assert where(tmp_path)["ppid"] == runner.pid
    assert direct.returncode == served.returncode == 1
    assert served.stderr == direct.stderr
    assert served.stderr.splitlines()[-1] == "RuntimeError: the probe was asked to fail"


def test_a_missing_stage_module_is_reported_as_python_m_reports_it(project, runner, tmp_path):
    direct, served = (run_probe(project, tmp_path, via=via, module="stages.missing") for via in (None, runner))
    assert direct.returncode == served.returncode == 1
    assert served.stderr == direct.stderr == f"{sys.executable}: No module named stages.missing\n"


def test_a_file_the_stage_never_closed_is_written_as_at_a_plain_exit(project, via, tmp_path):
    run_probe(project, tmp_path, "unclosed", via=via)
    assert (tmp_path / "unclosed.txt").read_text() == "buffered, never flushed by the probe\n"


def test_sigterm_to_the_stage_process_ends_the_stage(project, via, tmp_path):
    process = subprocess.Popen(probe_command(tmp_path, "sleep=60"), cwd=project, env=stage_env(via))
    try:
        wait_for((tmp_path / "started").exists, what="the probe to start")
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == -signal.SIGTERM
        wait_for(lambda: gone(where(tmp_path)["pid"]), timeout=10, what="the stage to end")
    finally:
        process.kill()
        process.wait()


def test_a_killed_client_takes_its_stage_with_it(project, runner, tmp_path):
    """SIGKILL cannot be forwarded: the runner sees the connection drop and kills the child."""
    process = subprocess.Popen(probe_command(tmp_path, "sleep=60"), cwd=project, env=stage_env(runner))
    try:
        wait_for((tmp_path / "started").exists, what="the probe to start")
        process.kill()
        process.wait()
        wait_for(lambda: gone(where(tmp_path)["pid"]), timeout=10, what="the stage to end")
    finally:
        process.kill()
        process.wait()


def test_the_runner_serves_stages_side_by_side(project, runner, tmp_path):
    """Two stages that each wait for a file only the test makes once both have started."""
    outs, release = [tmp_path / "a", tmp_path / "b"], tmp_path / "release"
    for out in outs:
        out.mkdir()
    env = stage_env(runner)
    processes = [subprocess.Popen(probe_command(out, f"until={release}"), cwd=project, env=env) for out in outs]
    try:
        wait_for(lambda: all((out / "started").exists() for out in outs), timeout=30, what="both probes to start")
        release.touch()
        assert [p.wait(timeout=30) for p in processes] == [0, 0]
        assert [where(out)["ppid"] for out in outs] == [runner.pid, runner.pid]
    finally:
        release.touch()
        for p in processes:
            p.kill()
            p.wait()


@pytest.mark.parametrize("listening", ["no file", "nobody listening"])
def test_a_stage_runs_plainly_where_no_runner_listens(project, tmp_path, listening):
    path = tmp_path / "socket"
    if listening == "nobody listening":
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as dead:
            dead.bind(str(path))  # the file stays, the listener goes
    out = tmp_path / "out"
    result = run_probe(project, out, env={**ENV, SOCKET_ENV: str(path)})
    assert (result.returncode, result.stdout, result.stderr) == (0, "to stdout\n", "to stderr\n")
    assert not where(out)["preloaded"]


def test_a_stage_edited_between_two_runs_runs_as_edited(project, runner, tmp_path):
    """The runner holds no stages module: each child imports the file as it is now."""
    stage = project / "stages" / "edited.py"
    versions = []
    for version in ("first", "the second"):  # a new size too: Python's bytecode cache checks size and mtime
        stage.write_text(PROBE.replace('VERSION = "first"', f"VERSION = {version!r}"))
        run_probe(project, tmp_path, via=runner, module="stages.edited")
        assert where(tmp_path)["ppid"] == runner.pid
        versions.append(json.loads((tmp_path / "report.json").read_text())["version"])
    assert versions == ["first", "the second"]


def test_the_runner_declines_another_interpreter_and_the_stage_runs_plainly(project, runner, tmp_path):
    script = f"""
import sys
from qae import runner
sys.orig_argv, sys.argv = [sys.executable, "-m", "stages.probe", {str(tmp_path)!r}], ["-m", {str(tmp_path)!r}]
sys.executable = "/opt/another/bin/python3"
runner.client()
print("ran here")
"""
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=project, env=stage_env(runner), capture_output=True, text=True, timeout=60
    )
    assert (result.returncode, result.stdout) == (0, "ran here\n")
    assert not (tmp_path / "where.json").exists()  # the runner ran nothing
    assert "its interpreter is not the runner's" in runner.log.read_text()


def test_a_stage_whose_environment_differs_where_libraries_read_it_runs_plainly(project, runner, tmp_path):
    """libgomp reads OMP_NUM_THREADS when torch loads it: a child of the runner would keep the
    runner's thread count, so the stage runs in its own process, with its own."""
    env = {**stage_env(runner), "OMP_NUM_THREADS": "1"}
    result = subprocess.run(probe_command(tmp_path, "threads"), cwd=project, env=env, capture_output=True, timeout=120)
    assert result.returncode == 0
    assert where(tmp_path)["ppid"] != runner.pid
    assert json.loads((tmp_path / "report.json").read_text())["threads"] == 1
    assert "its environment differs from the runner's in OMP_NUM_THREADS" in runner.log.read_text()


@pytest.mark.parametrize(("command", "code"), [("exit 3", 3), ("exit 0", 0), ("kill -TERM $$", -signal.SIGTERM)])
def test_the_runner_exits_as_its_command_did(project, command, code):
    env = {**ENV, PRELOAD_ENV: ""}  # nothing to serve: no need to wait for torch
    result = subprocess.run([sys.executable, "-m", "qae.runner", "sh", "-c", command], cwd=project, env=env, timeout=60)
    assert result.returncode == code


def test_importing_stages_otherwise_does_not_contact_the_runner(project, tmp_path):
    """Only `python -m stages.X` is handed over; `import stages` (a test's, say) is not."""
    path = tmp_path / "socket"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listener:
        listener.bind(str(path))
        listener.listen()
        listener.setblocking(False)
        env = {**ENV, SOCKET_ENV: str(path)}
        code = "import stages, stages.probe"
        assert subprocess.run([sys.executable, "-c", code], cwd=project, env=env, timeout=60).returncode == 0
        with pytest.raises(BlockingIOError):
            listener.accept()


def test_the_runner_must_not_hold_modules_of_qae_or_stages():
    held = project_modules(["torch", "qae", "qae.runner", "qae.models", "stages", "stages.split", "qaex"])
    assert held == ["qae.models", "stages", "stages.split"]
