"""Run the pipeline's `python -m stages.X` commands in processes forked from a warm one.

A stage process spends 2-3 s importing torch, its compiler, dvclive, pandas, ... before its
first line of work; over a pipeline of many small stages that is most of a `dvc repro`.
`python -m qae.runner dvc repro` imports those packages once, runs `dvc repro` with
$QAE_RUNNER naming a private socket, and serves each stage that DVC starts: the stage's
process (stages/__init__.py calls `client`) hands over its command line, working directory,
environment and stdin/stdout/stderr, the runner forks a child that runs the stage as
`python -m` would, and the stage's process exits as the child did. DVC sees the same
process, output and exit status.

What runs is the code on disk: the runner holds no module of qae or stages, so an edit
between two stages is seen by the second. What it computes is what a fresh process
computes, which is not automatic: a library reads some of its environment when it loads
(libgomp reads OMP_NUM_THREADS, so a child would keep the runner's thread count), so a
stage is served only if everything such a library could have read is the runner's too:
the interpreter and its flags, sys.path, the working directory, the environment except
variables read only when used (those of `PER_STAGE_ENV`, $QAE_*), the CPU affinity, the
resource limits, the cgroup. Any other stage runs plainly, in its own process: never worse
than without the runner. Nothing here changes a number (tests/test_runner.py compares a
trained model's bytes), which is why dvc.yaml does not list this module.

Not for: systems other than Linux (fork without exec is unsafe with macOS's system
libraries; there the runner runs its command without serving); touching the GPU (the
runner never initializes CUDA, so each child can). Knobs, read by the runner only:
QAE_RUNNER_PRELOAD (comma-separated modules instead of `PRELOAD`; empty: none),
QAE_RUNNER_VERBOSE=1 (what was preloaded, in how long, and each stage served).

The client half runs first in every stage process, so this module imports only the
standard library, and at module level only what the client needs.
"""

from __future__ import annotations

import builtins
import contextlib
import gc
import json
import os
import signal
import socket
import struct
import sys
import types

SOCKET_ENV = "QAE_RUNNER"
PRELOAD_ENV, VERBOSE_ENV = "QAE_RUNNER_PRELOAD", "QAE_RUNNER_VERBOSE"

# Imported once by the runner if installed. Measured on a 2-core CPU (Linux, torch 2.14):
# none starts a thread that outlives a fork (numpy's and scipy's OpenBLAS start one each,
# and shut them down before every fork) and none initializes CUDA; the runner checks both.
PRELOAD = (
    "torch",
    "torch._dynamo",  # the optimizers import it on their first step
    "torch._inductor.config",  # torch.use_deterministic_algorithms imports it
    "numpy",
    "yaml",
    "pandas",
    "matplotlib",
    "matplotlib.pyplot",
    "dvclive",
    "sklearn.manifold",
    "sklearn.mixture",
    "sklearn.cluster",
    "threadpoolctl",
    "constriction",
    "PIL.Image",
    "tqdm",
    "vector_quantize_pytorch",
)

# Variables a stage's environment may hold other values of than the runner's: DVC sets them
# per stage and the shell per command, and no preloaded library reads them at import.
# ($QAE_* may differ too: only qae reads them, and every child imports qae afresh.)
PER_STAGE_ENV = frozenset(
    {"DVC_ROOT", "DVC_STAGE", "DVC_EXP_BASELINE_REV", "DVC_EXP_NAME", "PWD", "OLDPWD", "SHLVL", "_"}
)

# The client forwards these to its stage's child. Those a terminal sends to a whole process
# group go to the child's group (the child leads one), as the terminal would have sent them.
_TO_GROUP = ("SIGINT", "SIGQUIT", "SIGHUP", "SIGCONT")
_TO_CHILD = ("SIGTERM",)
_FORWARDED = (*_TO_GROUP, *_TO_CHILD, "SIGTSTP")
_HEADER = struct.Struct("!I")  # the request's length, before its JSON


def _say(message: str) -> None:
    print(f"qae.runner: {message}", file=sys.stderr, flush=True)


def _per_stage(name: str) -> bool:
    return name in PER_STAGE_ENV or name.startswith("QAE_")


def _unbuffered() -> bool:
    """Whether this interpreter was started unbuffered (-u, $PYTHONUNBUFFERED): its stdout
    writes through, which sys.flags does not say."""
    return bool(getattr(sys.__stdout__, "write_through", False))


def _context(environ: dict[str, str]) -> dict[str, object]:
    """What a preloaded library could have read about its process when it loaded, as JSON
    values: a stage is served only where its own is the runner's."""
    import resource

    path = sys.path if getattr(sys.flags, "safe_path", False) else sys.path[1:]  # path[0] is the stage's cwd
    try:
        with open("/proc/self/cgroup") as f:
            cgroup = f.read()
    except OSError:
        cgroup = ""
    limits = {name: resource.getrlimit(getattr(resource, name)) for name in dir(resource) if name.startswith("RLIMIT_")}
    context = {
        "interpreter": [sys.executable, sys.version],
        "flags": [list(sys.flags), sys.warnoptions, sys._xoptions, _unbuffered()],
        "path": path,
        "cwd": os.getcwd(),  # matplotlib reads ./matplotlibrc when it loads
        "environ": {k: v for k, v in environ.items() if not _per_stage(k)},
        "affinity": sorted(os.sched_getaffinity(0)),  # libgomp's default thread count
        "limits": limits,
        "priority": os.getpriority(os.PRIO_PROCESS, 0),
        "ids": [os.getuid(), os.geteuid(), os.getgid(), os.getegid(), sorted(os.getgroups())],
        "cgroup": cgroup,
    }
    return json.loads(json.dumps(context))  # tuples as lists, as the other side will see them


# ── Client: the stage's own process ───────────────────────────────────────────────────────


def _stage_module() -> str | None:
    """The stage module `python -m` is starting in this process, or None."""
    argv, tail = sys.orig_argv, sys.argv[1:]
    head = argv[: len(argv) - len(tail)]
    if sys.argv[:1] != ["-m"] or argv[len(head) :] != tail or len(head) < 2:
        return None
    if head[-2] == "-m":
        name = head[-1]
    elif head[-1].startswith("-m"):
        name = head[-1][2:]  # python -mstages.x
    else:
        return None
    return name if name.startswith("stages.") else None


def _request(module: str) -> dict[str, object]:
    umask = os.umask(0)
    os.umask(umask)
    return {
        "module": module,
        "argv": sys.argv,
        "orig_argv": sys.orig_argv,
        "path0": sys.path[0],
        "cwd": os.getcwd(),
        "environ": dict(os.environ),
        "umask": umask,
        "ignored": [int(s) for s in signal.valid_signals() if signal.getsignal(s) == signal.SIG_IGN],
        "mask": sorted(int(s) for s in signal.pthread_sigmask(signal.SIG_BLOCK, [])),
        "context": _context(dict(os.environ)),
    }


def _send(sock: socket.socket, request: dict[str, object]) -> None:
    data = json.dumps(request).encode()
    data = _HEADER.pack(len(data)) + data
    sent = socket.send_fds(sock, [data], [0, 1, 2])  # the fds travel with the first bytes
    sock.sendall(data[sent:])


def _reply(sock: socket.socket, buffer: bytearray) -> str | None:
    """The next line from the runner, or None if the connection closed first."""
    while b"\n" not in buffer:
        chunk = sock.recv(256)
        if not chunk:
            return None
        buffer += chunk
    line, _, rest = bytes(buffer).partition(b"\n")
    buffer[:] = rest
    return line.decode()


def _forward_signals(pid: int) -> None:
    def forward(signum: int, frame: object) -> None:
        try:
            if signum == signal.SIGTSTP:
                # The child's process group is orphaned (its parent, the runner, is in
                # another session), where SIGTSTP does nothing: stop it, then this process.
                os.killpg(pid, signal.SIGSTOP)
                os.kill(os.getpid(), signal.SIGSTOP)
            elif signal.Signals(signum).name in _TO_GROUP:
                os.killpg(pid, signum)
            else:
                os.kill(pid, signum)
        except ProcessLookupError:  # the child has not made its group yet, or is gone
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGSTOP if signum == signal.SIGTSTP else signum)

    for name in _FORWARDED:
        sig = getattr(signal, name)
        if signal.getsignal(sig) != signal.SIG_IGN:  # ignored here: ignored by the child too
            signal.signal(sig, forward)


def _exit_as(status: int) -> None:
    """End this process as one whose wait status was `status` ended: with its exit code, or
    killed by its signal (so that a parent sees exactly what it would have seen)."""
    for stream in (sys.stdout, sys.stderr):
        if stream is not None:
            stream.flush()
    if os.WIFSIGNALED(status):
        import resource

        sig = os.WTERMSIG(status)
        # The child dumped its own core, if any; a core of this process would be noise.
        resource.setrlimit(resource.RLIMIT_CORE, (0, resource.getrlimit(resource.RLIMIT_CORE)[1]))
        signal.signal(sig, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, [sig])
        os.kill(os.getpid(), sig)
        os._exit(128 + sig)  # a signal that does not end a process by default: as a shell reports it
    os._exit(os.waitstatus_to_exitcode(status))


def client() -> None:
    """Run this `python -m stages.X` process's stage in the runner named by $QAE_RUNNER, and
    exit as the runner's child did. Return, for the stage to run here as usual, when the
    runner cannot take it: none listening, another interpreter or environment, ..."""
    path = os.environ.get(SOCKET_ENV)
    module = _stage_module()
    if not path or module is None or sys.platform != "linux":
        return
    sock, buffer = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM), bytearray()
    try:
        sock.connect(path)  # first: without a runner, the stage should lose no time
    except OSError:
        sock.close()
        return
    request = _request(module)
    # Until the child's pid is known a signal has nowhere to go: hold it, then forward it,
    # or, if the runner declines, let it reach this process as if nothing had happened.
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, [getattr(signal, n) for n in _FORWARDED])
    try:
        _send(sock, request)
        reply = _reply(sock, buffer)
        if reply is None or not reply.startswith("pid "):  # declined
            sock.close()
            return
        pid = int(reply.split()[1])
        _forward_signals(pid)
    except OSError:  # the runner went away
        sock.close()
        return
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
    try:
        reply = _reply(sock, buffer)
    except OSError:
        reply = None
    if reply is None or not reply.startswith("status "):
        _say(f"lost the runner while it ran {module} (pid {pid})")
        _exit_as(1 << 8)
    _exit_as(int(reply.split()[1]))


# ── The child: becomes the stage's process ────────────────────────────────────────────────


def _fresh_stdio() -> None:
    """sys.stdin, stdout and stderr made anew on fds 0-2, as the interpreter makes them at
    start: a terminal gets line buffering, a pipe or file block buffering."""
    import io

    buffered = not _unbuffered()
    for fd, name in enumerate(("stdin", "stdout", "stderr")):
        old = getattr(sys, name)
        raw = io.FileIO(fd, "rb" if fd == 0 else "wb", closefd=False)
        raw.name = f"<{name}>"
        if fd == 0:
            binary = io.BufferedReader(raw)  # stdin is buffered even under -u
        elif buffered:
            binary = io.BufferedWriter(raw)
        else:
            binary = raw
        stream = io.TextIOWrapper(
            binary,
            encoding=getattr(old, "encoding", None),
            errors=getattr(old, "errors", None),
            newline="\n",
            line_buffering=buffered and (raw.isatty() or fd == 2),
            write_through=not buffered,
        )
        stream.mode = "r" if fd == 0 else "w"
        setattr(sys, name, stream)
        setattr(sys, f"__{name}__", stream)


class _Stage:
    """A stage request, in the child the runner forked for it."""

    def __init__(self, request: dict, fds: list[int], environ: dict[str, str], inherited: list[int]) -> None:
        self.request, self.fds, self.environ, self.inherited = request, fds, environ, inherited

    def run(self) -> None:
        """Become the stage's process as `python -m` would have made it, run the stage, and
        end the process as the interpreter would have (exit status, traceback, atexit)."""
        import importlib
        import runpy

        r = self.request
        os.setsid()  # out of the terminal's reach: the client forwards its signals, once
        for target, fd in enumerate(self.fds):
            os.dup2(fd, target)
        for fd in {*self.fds, *self.inherited} - {0, 1, 2}:
            with contextlib.suppress(OSError):
                os.close(fd)
        ignored = set(r["ignored"])
        for sig in signal.valid_signals():
            if sig in (signal.SIGKILL, signal.SIGSTOP):
                continue
            with contextlib.suppress(OSError, ValueError):  # some are the C library's
                signal.signal(sig, signal.SIG_IGN if sig in ignored else signal.SIG_DFL)
        if signal.SIGINT not in ignored:
            signal.signal(signal.SIGINT, signal.default_int_handler)
        os.umask(r["umask"])
        os.chdir(r["cwd"])
        os.environ.clear()
        os.environ.update(self.environ)
        sys.argv[:] = r["argv"]
        sys.orig_argv[:] = r["orig_argv"]
        if not getattr(sys.flags, "safe_path", False):
            sys.path[0] = r["path0"]
        for name in [m for m in sys.modules if m == "qae" or m.startswith("qae.")]:
            del sys.modules[name]  # this file and qae/__init__.py too: the stage imports them afresh
        importlib.invalidate_caches()
        if "numpy.random" in sys.modules:
            sys.modules["numpy.random"].seed()  # a fresh process seeds numpy's global generator anew
        _fresh_stdio()
        gc.enable()  # the runner ran without it, to fork with its objects frozen
        # The stage runs where `python -m` runs it: in a fresh __main__ module that stays in
        # sys.modules, through the function the interpreter itself calls for -m.
        main = sys.modules["__main__"] = types.ModuleType("__main__")
        main.__builtins__, main.__annotations__ = builtins, {}
        loaded = set(sys.modules)
        signal.pthread_sigmask(signal.SIG_SETMASK, r["mask"])
        status, interrupted = 0, False
        try:
            runpy._run_module_as_main(r["module"])
        except SystemExit as e:
            status = _exit_code(e.code)
        except BaseException as e:
            status, interrupted = 1, isinstance(e, KeyboardInterrupt)
            _print_exception(e)
        _end(status, interrupted, [main] + [sys.modules[m] for m in sys.modules if m not in loaded])


def _exit_code(code: object) -> int:
    """The exit status the interpreter gives SystemExit(code), printing a code that is not a number."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF if -(2**63) <= code < 2**63 else 0xFF
    print(code, file=sys.stderr)
    return 1


def _print_exception(e: BaseException) -> None:
    """Report an exception that ended a stage as the interpreter would, its traceback starting
    where `python -m`'s does (the runner's frames would only mislead)."""
    import runpy

    start = e.__traceback__
    while start is not None and start.tb_frame.f_code is not runpy._run_module_as_main.__code__:
        start = start.tb_next
    start = start or e.__traceback__
    e.with_traceback(start)
    sys.last_type, sys.last_value, sys.last_traceback = type(e), e, start
    sys.excepthook(type(e), e, start)


def _end(status: int, interrupted: bool, modules: list[types.ModuleType]) -> None:
    """End the stage's process as the interpreter ends a plain one, but for tearing down
    the preloaded modules (seconds, and nothing a stage's outputs depend on): wait for its
    threads, run its atexit functions, clear `modules` (its __main__ and what it imported,
    newest first) so that what they held is finalized (a file never closed gets written),
    flush, and exit; after a KeyboardInterrupt, by SIGINT."""
    import atexit
    import ctypes
    import threading

    threading._shutdown()
    atexit._run_exitfuncs()
    for module in reversed(modules):
        namespace = getattr(module, "__dict__", {})
        # As the interpreter clears a module: names with one leading underscore first,
        # then the rest, replaced by None, __builtins__ kept.
        for first in (True, False):
            for name in list(namespace):
                if name != "__builtins__" and (name.startswith("_") and not name.startswith("__")) == first:
                    namespace[name] = None
    gc.collect()
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None and not stream.closed:
                stream.flush()
        except (OSError, ValueError):
            status = 120  # the interpreter's status when it cannot flush them
    ctypes.CDLL(None).fflush(None)  # C libraries' buffered output, which exit() would write
    if interrupted:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)
        status = 128 + signal.SIGINT
    os._exit(status)


# ── Server: the warm process ──────────────────────────────────────────────────────────────


def _open_fds() -> list[int]:
    """This process's open file descriptors above 2."""
    fds = []
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        try:
            os.fstat(fd)  # the listing's own descriptor is closed by now
        except OSError:
            continue
        if fd > 2:
            fds.append(fd)
    return fds


def _threads() -> int:
    """This process's OS threads."""
    return len(os.listdir("/proc/self/task"))


def preload(modules: tuple[str, ...] | list[str]) -> tuple[list[tuple[str, float, int]], str | None]:
    """Import those of `modules` that are installed. Returns (name, seconds, OS threads it
    started) for each, and why the runner must not serve if one failed to import (it may
    have left half of itself in sys.modules), else None."""
    import importlib.util
    import time

    loaded = []
    for name in modules:
        if importlib.util.find_spec(name.partition(".")[0]) is None:
            continue
        threads, start = _threads(), time.perf_counter()
        try:
            if name == "matplotlib.pyplot":
                import matplotlib

                matplotlib.use("Agg")  # files only; pyplot would otherwise look for a display
            importlib.import_module(name)
        except Exception as e:  # the stages that import it will fail on it as they would anyway
            return loaded, f"importing {name} failed ({type(e).__name__}: {e})"
        loaded.append((name, time.perf_counter() - start, _threads() - threads))
    return loaded, None


def project_modules(modules: dict[str, object] | list[str]) -> list[str]:
    """The modules of qae (but the runner and its package) and of stages among `modules`: a
    runner holding one would run it as it was when loaded, not as it is on disk."""
    return sorted(
        m for m in modules if (m.startswith("qae.") and m != "qae.runner") or m == "stages" or m.startswith("stages.")
    )


def _unsafe_to_fork() -> str | None:
    """Why this process must not serve stages after its preload, or None."""
    import threading

    held = project_modules(sys.modules)
    if held:
        return f"it holds {', '.join(held)}"
    if threading.active_count() > 1:
        return f"{threading.active_count() - 1} Python threads are running"
    torch = sys.modules.get("torch")
    if torch is not None and torch.cuda.is_initialized():
        return "CUDA is initialized"
    with open("/proc/self/maps") as f:
        # The driver, loaded by a call such as torch.cuda.is_available(), which initializes
        # it without torch counting CUDA as initialized: a child could not use CUDA then.
        if "/libcuda.so" in f.read():
            return "the CUDA driver is loaded"
    # Some libraries stop their threads before a fork (OpenBLAS does): fork once to see
    # what is left once they have.
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
    if _threads() > 1:
        return f"{_threads() - 1} OS threads survive a fork"
    return None


class _Client:
    """One connection: its request arriving, then the child that runs it."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock, self.data, self.fds = sock, bytearray(), []
        self.pid, self.module = 0, ""

    def reply(self, line: str) -> None:
        with contextlib.suppress(OSError):  # the client is gone: nobody to tell
            self.sock.sendall(f"{line}\n".encode())

    def close(self) -> None:
        for fd in self.fds:
            os.close(fd)
        self.fds = []
        self.sock.close()


class _Server:
    """The runner's single-threaded event loop over the listening socket, a pipe that
    signals write to, and one connection per stage."""

    def __init__(self, environ: dict[str, str], context: dict, changes: dict[str, str | None], inherited: list[int]):
        self.environ = environ  # as the runner started: the command's, and what stages must match
        self.context = context
        self.changes = changes  # what the preload did to os.environ, which a fresh stage would redo
        self.inherited = inherited  # fds the runner was started with: a stage's process has none
        self.verbose = environ.get(VERBOSE_ENV, "") not in ("", "0")
        self.pid = os.getpid()
        self.clients: dict[int, _Client] = {}  # child pid -> its client
        self.declined: set[str] = set()
        self.command_pid = 0
        self.status: int | None = None

    def listen(self) -> None:
        """Make the socket stages connect to, in a new private folder."""
        import tempfile

        self.dir = tempfile.mkdtemp(prefix="qae-runner-")  # mode 0700: only this user connects
        self.path = os.path.join(self.dir, "socket")
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            self.listener.bind(self.path)  # fails if $TMPDIR makes the path too long (108 bytes)
            self.listener.listen(64)
        except OSError:
            self.listener.close()
            os.rmdir(self.dir)
            raise
        self.listener.setblocking(False)

    def run(self, command: list[str]) -> int | _Stage:
        """Run `command`, serving stages until it has exited and so have the children it
        asked for; return its wait status. In a forked child, return the stage instead."""
        import selectors

        self.wake_r, self.wake_w = os.pipe()
        os.set_blocking(self.wake_r, False)
        os.set_blocking(self.wake_w, False)
        self.selector = selectors.DefaultSelector()
        self.selector.register(self.listener, selectors.EVENT_READ)
        self.selector.register(self.wake_r, selectors.EVENT_READ)
        try:
            signal.set_wakeup_fd(self.wake_w)
            for sig in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP):
                signal.signal(sig, lambda signum, frame: None)  # the loop reads them from the pipe
            try:
                self.command_pid = os.posix_spawnp(
                    command[0],
                    command,
                    {**self.environ, SOCKET_ENV: self.path},
                    setsigdef=(signal.SIGPIPE, signal.SIGXFSZ),  # ignored by Python, not by a command
                )
            except OSError as e:
                _say(f"{command[0]}: {e.strerror}")
                return 127 << 8
            signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the command too: it decides
            while self.status is None or self.clients:
                for key, _ in self.selector.select():
                    if key.fileobj is self.listener:
                        self._accept()
                    elif key.fileobj == self.wake_r:
                        self._signals()
                    else:
                        stage = self._read(key.data)
                        if stage is not None:
                            return stage
            return self.status
        finally:
            if os.getpid() == self.pid:
                self._close()

    def _accept(self) -> None:
        import selectors

        while True:
            try:
                sock, _ = self.listener.accept()
            except BlockingIOError:
                return
            _, uid, _ = struct.unpack("3i", sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12))
            if uid != os.getuid():
                sock.close()
                continue
            sock.setblocking(False)
            self.selector.register(sock, selectors.EVENT_READ, _Client(sock))

    def _signals(self) -> None:
        try:
            received = os.read(self.wake_r, 512)
        except BlockingIOError:
            return
        for sig in set(received):
            if sig in (signal.SIGTERM, signal.SIGHUP) and self.status is None:
                os.kill(self.command_pid, sig)
        self._reap()

    def _reap(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            if pid == self.command_pid:
                self.status = status
                self._stop_listening()
            elif pid in self.clients:
                client = self.clients.pop(pid)
                if self.verbose:
                    _say(f"{client.module} (pid {pid}) ended: wait status {status}")
                client.reply(f"status {status}")
                self._drop(client)

    def _drop(self, client: _Client) -> None:
        if client.sock.fileno() >= 0:
            self.selector.unregister(client.sock)
        client.close()

    def _read(self, client: _Client) -> _Stage | None:
        """Read what `client` sent; fork once its request is whole (returns the stage, in
        the child). After that, only its end matters."""
        import array

        try:
            data, ancdata, _, _ = client.sock.recvmsg(1 << 16, socket.CMSG_SPACE(3 * 4))
        except BlockingIOError:
            return None
        except OSError:
            data, ancdata = b"", []
        for level, kind, fds in ancdata:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                client.fds += array.array("i", fds[: len(fds) - len(fds) % 4])
        if client.pid:
            if not data:
                # Only SIGKILL ends a client without its forwarding the signal: do what
                # killing a plain stage's process would have done.
                os.kill(client.pid, signal.SIGKILL)
                self.selector.unregister(client.sock)
                client.sock.close()
            return None
        client.data += data
        size = _HEADER.unpack_from(client.data)[0] if len(client.data) >= _HEADER.size else None
        if not data or size is None or len(client.data) < _HEADER.size + size:
            if not data:  # gone before its request was whole
                self._drop(client)
            return None
        try:
            request = json.loads(client.data[_HEADER.size :])
            reason = self._refusal(request, client.fds)
        except (ValueError, KeyError, TypeError, AttributeError):
            request, reason = {}, "its request was malformed"
        if reason is None:
            return self._fork(client, request)
        if self.verbose or reason not in self.declined:  # once per reason: many stages may share one
            self.declined.add(reason)
            _say(f"running {request.get('module')} plainly: {reason}")
        client.reply("refused")
        self._drop(client)
        return None

    def _refusal(self, request: dict, fds: list[int]) -> str | None:
        """Why the runner cannot run `request` as a fresh process would, or None."""
        if len(fds) != 3:
            return "its request came without stdin, stdout and stderr"
        theirs = request["context"]
        if theirs.get("interpreter") != self.context["interpreter"]:
            return f"its interpreter is not the runner's ({sys.executable}, Python {sys.version.split()[0]})"
        differ = [k for k in self.context if theirs.get(k) != self.context[k]]
        if differ == ["environ"]:
            ours, env = self.context["environ"], theirs["environ"]
            names = sorted(k for k in {*ours, *env} if ours.get(k) != env.get(k))
            return f"its environment differs from the runner's in {', '.join(names)}"
        if differ:
            return f"its {', '.join(differ)} differ from the runner's"
        return None

    def _fork(self, client: _Client, request: dict) -> _Stage | None:
        environ = {k: v for k, v in request["environ"].items() if k != SOCKET_ENV}  # no nested use
        for name, value in self.changes.items():
            if value is None:
                environ.pop(name, None)
            else:
                environ[name] = value
        sys.stdout.flush()
        sys.stderr.flush()
        gc.freeze()  # a child's collections then leave the runner's objects (and their pages) alone
        # A signal the client forwards before the child has set its dispositions waits for them.
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, signal.valid_signals())
        pid = os.fork()
        if pid == 0:
            stage = _Stage(request, client.fds, environ, self.inherited)
            client.fds = []  # the stage's now
            self._close()
            return stage
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        for fd in client.fds:
            os.close(fd)
        client.fds, client.pid, client.module = [], pid, request["module"]
        self.clients[pid] = client
        if self.verbose:
            _say(f"{client.module} (pid {pid}) started: {' '.join(request['argv'][1:])}")
        client.reply(f"pid {pid}")
        return None

    def _stop_listening(self) -> None:
        """Stop taking stages: the command has ended. Requests still arriving are declined."""
        self.selector.unregister(self.listener)
        self.listener.close()
        self._remove_socket()
        for key in list(self.selector.get_map().values()):
            if isinstance(key.data, _Client) and not key.data.pid:
                self._drop(key.data)

    def _remove_socket(self) -> None:
        for remove, target in ((os.unlink, self.path), (os.rmdir, self.dir)):
            with contextlib.suppress(FileNotFoundError):
                remove(target)

    def _close(self) -> None:
        """Close all the loop holds (in a child: none of it is the stage's), and in the
        runner remove the socket."""
        signal.set_wakeup_fd(-1)
        for client in [key.data for key in self.selector.get_map().values()] + list(self.clients.values()):
            if isinstance(client, _Client):
                client.close()
        self.selector.close()
        os.close(self.wake_r)
        os.close(self.wake_w)
        self.listener.close()
        if os.getpid() == self.pid:
            self._remove_socket()


def _run_plain(command: list[str], environ: dict[str, str]) -> None:
    """Become `command`: what the runner does where it cannot serve."""
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        os.execvpe(command[0], command, environ)
    except OSError as e:
        _say(f"{command[0]}: {e.strerror}")
        os._exit(127)


def main(argv: list[str] | None = None) -> int:
    """`python -m qae.runner COMMAND [ARGS...]`: run COMMAND, serving the `python -m stages.X`
    processes it starts, and end as COMMAND ended. In a forked child, run a stage."""
    command = sys.argv[1:] if argv is None else argv
    if not command:
        _say("usage: python -m qae.runner COMMAND [ARGS...], e.g. python -m qae.runner dvc repro")
        return 2
    environ = dict(os.environ)
    if sys.platform != "linux":
        _say(f"not serving stages on {sys.platform} (fork without exec is unsafe there): running {command[0]} plainly")
        _run_plain(command, environ)
    gc.disable()  # from the start: the preload's objects stay packed, for the children to share
    inherited, context = _open_fds(), _context(environ)
    names = os.environ[PRELOAD_ENV].split(",") if PRELOAD_ENV in os.environ else PRELOAD
    loaded, problem = preload([n.strip() for n in names if n.strip()])
    changes = {k: os.environ.get(k) for k in {*environ, *os.environ} if environ.get(k) != os.environ.get(k)}
    server = _Server(environ, context, changes, inherited)
    if server.verbose:
        for name, seconds, threads in loaded:
            _say(f"preloaded {name} in {seconds:.2f} s" + (f", starting {threads} OS thread(s)" if threads else ""))
    problem = problem or _unsafe_to_fork()
    if problem is None:
        try:
            server.listen()
        except OSError as e:
            problem = f"no socket: {e}"
    if problem is not None:
        _say(f"not serving stages ({problem}): running {command[0]} plainly")
        _run_plain(command, environ)
    outcome = server.run(command)
    if isinstance(outcome, _Stage):
        outcome.run()  # as the stage, in a forked child: ends the process
    _exit_as(outcome)
    return 1  # not reached


if __name__ == "__main__":
    sys.exit(main())
