"""Warm kernels: a zygote process that has done the grading imports forks one kernel per notebook.

Starting a kernel and importing TensorFlow + Keras costs 6–8 s of CPU per notebook. A zygote
pays it once: it imports the modules a course's setup cells import (``keras``, ``nncost``…),
runs no TensorFlow op (TensorFlow is not fork-safe once an op has run), and waits. For each
notebook it forks a child that becomes an IPython kernel on the connection file nbclient
wrote; the child starts in its own session, with its own working directory, environment and
memory limit, runs one notebook and dies. No state is shared between students: each kernel
is a fresh process whose memory is a copy of the zygote's.

* :class:`Zygote` — start one (``Zygote.start(preload)``), ask it for kernels.
* :class:`WarmKernelManager` — a jupyter_client ``KernelManager`` whose kernels come from the
  zygote (``Execute.kernel_manager_class``, set by :mod:`autograder.grading`); everything else
  (ports, connection files, interrupts, kills) is jupyter_client's own.

Run as ``python -m autograder.zygote SOCKET MODULE…``.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from queue import Empty

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning import LocalProvisioner
from traitlets import DottedObjectName, Type

__all__ = ["WarmKernelManager", "Zygote"]


# --------------------------------------------------------------------------- the zygote process
#: what an IPython kernel imports as it starts (its debugger alone costs 0.1 s); none of them
#: starts a thread when imported, so they are safe to fork
KERNEL_MODULES = (
    "ipykernel.kernelapp",
    "ipykernel.ipkernel",
    "ipykernel.debugger",
    "ipykernel.zmqshell",
    "ipykernel.comm",
)


def _reap(*_) -> None:
    while True:
        try:
            pid, _status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _own_process(request: dict, cwd: str) -> None:
    """In a forked child: a session of its own (killed as a group), ``cwd``, the request's
    memory limit, and the default handling of its own children."""
    os.setsid()
    os.chdir(cwd)
    if request.get("memory_bytes"):
        import resource

        limit = int(request["memory_bytes"])
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    # Fresh randomness, as a new process has: Python's random module reseeds itself after a
    # fork, numpy's global generator (imported with Keras) does not.
    numpy_random = sys.modules.get("numpy.random")
    if numpy_random is not None:
        numpy_random.seed()


def _become_kernel(request: dict) -> None:
    """In the forked child: a fresh session, the notebook's directory, environment and limits,
    then an IPython kernel started with the kernel command's arguments (the connection file,
    and nbgrader's ``Execute.extra_arguments``). Never returns."""
    try:
        _own_process(request, request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        sys.argv = ["ipykernel_launcher", *request["arguments"]]
        from ipykernel.kernelapp import IPKernelApp

        app = IPKernelApp.instance()
        app.initialize(sys.argv[1:])
        app.start()
    finally:
        os._exit(0)


def _become_evaluator(request: dict) -> None:
    """In the forked child: :mod:`autograder.evaluate`'s clean process, answering on the Unix
    socket the judge listens on. Never returns.

    It is as clean as the ``python -I`` the judge otherwise starts: a copy of the zygote, which
    the grading command started and which has run no student's code; it imports nothing from
    the notebook's directory (an empty working directory of its own, no relative entry on
    ``sys.path``); it reads the answers' files itself."""
    try:
        _own_process(request, tempfile.mkdtemp(prefix="nncost-evaluate-"))
        sys.path[:] = [p for p in sys.path if p and os.path.isabs(p)]
        judge = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        judge.connect(request["socket"])
        os.dup2(judge.fileno(), 0)
        os.dup2(judge.fileno(), 1)
        judge.close()
        err = os.open(request["stderr"], os.O_WRONLY | os.O_APPEND)
        os.dup2(err, 2)
        os.close(err)
        import io

        sys.stdin = io.TextIOWrapper(io.FileIO(0, "r", closefd=False), encoding="utf-8")
        from autograder.evaluate import main

        main()
    finally:
        os._exit(0)


def serve(path: str, preload: list[str]) -> None:
    """Import ``preload``, then fork a kernel for every request on the Unix socket ``path``."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    # What ipykernel does as it starts: a kernel's default matplotlib backend is the inline one
    # (pyplot figures shown under their cell). matplotlib reads it once, when it is imported,
    # which is here (Keras imports pyplot), not in the kernel.
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    for module in [*KERNEL_MODULES, "autograder.evaluate", *preload]:
        try:
            __import__(module)
        except Exception as err:  # noqa: BLE001 — a kernel imports it again and reports it
            print(f"zygote: could not preload {module}: {err}", file=sys.stderr, flush=True)
    signal.signal(signal.SIGCHLD, _reap)
    parent = os.getppid()
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(16)
    server.settimeout(1.0)
    print("READY", flush=True)
    while True:
        try:
            conn, _ = server.accept()
        except (InterruptedError, TimeoutError):
            if os.getppid() != parent:  # the grading process is gone (killed): so are we;
                return  # its kernels follow (ipykernel polls for its parent, JPY_PARENT_PID)
            continue
        conn.settimeout(None)
        with conn:
            request = json.loads(conn.makefile().readline())
            if request.get("stop"):
                return
            if request.get("ping"):  # a grading process on this machine checks it is ready
                conn.sendall(b'{"pong": true}\n')
                continue
            pid = os.fork()
            if pid == 0:
                server.close()
                conn.close()
                if request.get("evaluator"):
                    _become_evaluator(request)
                _become_kernel(request)
            conn.sendall((json.dumps({"pid": pid}) + "\n").encode())


# --------------------------------------------------------------------------- the client side
class Zygote:
    """A running zygote process and the kernels it forks for this process.

    One per grading process, or one per machine: the grading command launches one and gives
    its socket to the local workers, which attach to it (one TensorFlow import for the
    machine instead of one per worker). Each client keeps the pids of its own kernels."""

    _current: Zygote | None = None
    #: what :meth:`prepare` or :meth:`start` asked for: (preload, memory_bytes, shared)
    _wanted: tuple[tuple[str, ...], int | None, str | None] | None = None
    _lock = threading.Lock()

    def __init__(self, process: subprocess.Popen | None, path: str, preload: tuple[str, ...]):
        self.process, self.path, self.preload = process, path, preload
        self.memory_bytes: int | None = None
        self.kernels: set[int] = set()  #: pids of the kernels forked and not known dead

    @classmethod
    def kill_kernels(cls) -> None:
        """Kill every kernel this process's zygote forked that still runs (the watchdog)."""
        zygote = cls._current
        for pid in list(zygote.kernels if zygote else ()):
            _Forked(pid).kill()

    @classmethod
    def start(
        cls,
        preload: tuple[str, ...],
        *,
        memory_bytes: int | None = None,
        timeout: float = 120,
        shared: str | None = None,
    ) -> Zygote:
        """This process's zygote: the running one if it has imported ``preload``; else the one
        listening on ``shared`` (a socket path from :meth:`launch`, in another process on this
        machine) if it answers; else a new one, started here."""
        with cls._lock:  # a warm-up and a first task may ask at once: one zygote
            current = cls._current
            if current and current.preload == tuple(preload) and current.alive():
                current.memory_bytes = memory_bytes
                return current
            if current:
                current.stop()
            zygote = cls._attach(shared, tuple(preload), timeout) if shared else None
            if zygote is None:
                zygote = cls.launch(preload)
                zygote.wait_ready(timeout)
            zygote.memory_bytes = memory_bytes
            cls._current = zygote
            cls._wanted = (tuple(preload), memory_bytes, shared)
            return zygote

    @classmethod
    def prepare(
        cls,
        preload: tuple[str, ...],
        *,
        memory_bytes: int | None = None,
        shared: str | None = None,
    ) -> None:
        """Say which zygote this process's kernels come from (as :meth:`start` takes it),
        without waiting for it: it is attached or started when a kernel is first asked for
        (:meth:`current`), so a grading task does nbgrader's work before its first kernel
        while a zygote that is still importing TensorFlow finishes."""
        cls._wanted = (tuple(preload), memory_bytes, shared)

    @classmethod
    def current(cls) -> Zygote | None:
        """This process's zygote, as :meth:`prepare` or :meth:`start` last asked for it
        (attached or started now if need be); None if neither was called."""
        if cls._wanted is None:
            return None
        preload, memory_bytes, shared = cls._wanted
        return cls.start(preload, memory_bytes=memory_bytes, shared=shared)

    @classmethod
    def launch(cls, preload: tuple[str, ...]) -> Zygote:
        """Start a zygote process importing ``preload``; it is ready after :meth:`wait_ready`.
        It stops with :meth:`stop`, or by itself when this process dies."""
        path = os.path.join(tempfile.mkdtemp(prefix="nncost-zygote-"), "socket")
        process = subprocess.Popen(
            [sys.executable, "-m", "autograder.zygote", path, *preload],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            start_new_session=True,
        )
        return cls(process, path, tuple(preload))

    def wait_ready(self, timeout: float = 120) -> None:
        """Wait for the zygote this process launched to finish its imports."""
        process = self.process
        assert process is not None and process.stdout is not None  # launch(): stdout a pipe
        timer = threading.Timer(timeout, process.kill)
        timer.start()
        try:
            line = process.stdout.readline()  # READY once the imports are done
        finally:
            timer.cancel()
        if line.strip() != "READY":
            process.kill()
            raise RuntimeError(f"the kernel zygote did not start (it said {line!r})")

    @classmethod
    def _attach(cls, path: str, preload: tuple[str, ...], timeout: float) -> Zygote | None:
        """A client of the zygote another process launched at ``path`` (None if it never
        answers: that process, or its zygote, is gone). The socket is bound once the imports
        are done, so the first connection that succeeds means ready; a socket that exists and
        refuses connections for half a second is a zygote that died."""
        deadline = time.monotonic() + timeout
        refused = 0
        while time.monotonic() < deadline:
            if not os.path.exists(os.path.dirname(path)):
                return None
            try:
                with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
                    conn.connect(path)
                    conn.sendall(b'{"ping": true}\n')
                    if json.loads(conn.makefile().readline()).get("pong"):
                        return cls(None, path, preload)
            except ConnectionRefusedError:
                refused += 1
                if refused >= 5:
                    return None
                time.sleep(0.1)
            except (OSError, ValueError):  # not bound yet: still importing
                time.sleep(0.1)
        return None

    def alive(self) -> bool:
        if self.process is not None:
            return self.process.poll() is None
        return self._attach(self.path, self.preload, timeout=2) is not None

    def fork(self, arguments: list[str], cwd: str, env: dict[str, str]) -> int:
        """A new kernel started with ``arguments`` (``-f CONNECTION_FILE``, and any other
        argument of the kernel's command line); returns its pid."""
        return self._fork(
            {
                "arguments": arguments,
                "cwd": cwd,
                "env": env,
                "memory_bytes": self.memory_bytes,
            }
        )

    def evaluator(self, judge_socket: str, stderr: str) -> int:
        """A new :mod:`autograder.evaluate` process that connects to the Unix socket
        ``judge_socket`` (its standard input and output) and appends its standard error to the
        file ``stderr``; returns its pid."""
        return self._fork(
            {
                "evaluator": True,
                "socket": judge_socket,
                "stderr": stderr,
                "memory_bytes": self.memory_bytes,
            }
        )

    def _fork(self, request: dict) -> int:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.connect(self.path)
            conn.sendall((json.dumps(request) + "\n").encode())
            pid = int(json.loads(conn.makefile().readline())["pid"])
        self.kernels = {k for k in self.kernels if _Forked(k).poll() is None} | {pid}
        return pid

    def stop(self) -> None:
        """Stop the zygote if this process launched it (a shared one is its launcher's)."""
        if self.process is not None and self.process.poll() is None:
            try:
                with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
                    conn.connect(self.path)
                    conn.sendall(b'{"stop": true}\n')
                self.process.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                self.process.kill()
        if self.process is not None:
            shutil.rmtree(os.path.dirname(self.path), ignore_errors=True)
        if Zygote._current is self:
            Zygote._current = Zygote._wanted = None


class _Forked:
    """A ``Popen``-like handle on a kernel the zygote forked (the zygote is its parent)."""

    stdin = stdout = stderr = None  # the kernel's standard streams are /dev/null

    def __init__(self, pid: int):
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                state = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
                if state in ("Z", "X"):
                    self.returncode = -1
            except (OSError, IndexError):
                self.returncode = -1
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        start = time.monotonic()
        while (returncode := self.poll()) is None:
            if timeout is not None and time.monotonic() > start + timeout:
                raise subprocess.TimeoutExpired(str(self.pid), timeout)
            time.sleep(0.05)
        return returncode

    def send_signal(self, signum: int) -> None:
        try:
            os.kill(self.pid, signum)
        except ProcessLookupError:
            pass

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


def _kernel_arguments(cmd: list[str]) -> list[str]:
    """The arguments ``ipykernel_launcher`` gets in the kernel's command ``cmd``: the
    connection file and what follows it (nbclient's in-memory history, nbgrader's
    ``Execute.extra_arguments``), with the kernelspec's own arguments before it."""
    for i, arg in enumerate(cmd):
        if arg in ("ipykernel_launcher", "ipykernel") or arg.endswith("ipykernel_launcher.py"):
            return cmd[i + 1 :]
    return cmd[cmd.index("-f") :]


class ZygoteProvisioner(LocalProvisioner):
    """jupyter_client's local provisioner, with the kernel forked by the zygote."""

    async def launch_kernel(self, cmd: list[str], **kwargs):
        zygote = Zygote.current()
        if zygote is None:
            raise RuntimeError("no kernel zygote: name one with Zygote.prepare() or start()")
        arguments = _kernel_arguments(cmd)
        cwd = str(kwargs.get("cwd") or os.getcwd())
        env = {k: str(v) for k, v in (kwargs.get("env") or os.environ).items()}
        try:
            pid = zygote.fork(arguments, cwd, env)
        except OSError:
            if zygote.process is not None:
                raise
            # the shared zygote is gone (its launcher died or stopped it): start our own
            own = Zygote.start(zygote.preload, memory_bytes=zygote.memory_bytes)
            own.kernels |= zygote.kernels
            pid = own.fork(arguments, cwd, env)
        # a Popen-like handle (poll, wait, send_signal, kill, terminate: all the provisioner
        # calls), not a Popen, which LocalProvisioner.process is declared as
        self.process = _Forked(pid)  # type: ignore[assignment]
        self.pid = self.pgid = pid  # the child called setsid()
        self.cwd = cwd
        return self.connection_info


class WarmKernelClient(AsyncKernelClient):
    """jupyter_client's asynchronous client, ready without waiting for a quiet IOPub.

    ``wait_for_ready`` waits, as jupyter_client's does, for the kernel's ``kernel_info`` reply
    on shell and then for a message on IOPub (IOPub is connected). jupyter_client then reads
    IOPub until it has been quiet for 0.2 s, to drop the status messages its requests caused;
    nbclient ignores every message that is not about the cell it runs, so here only what has
    already arrived is dropped: 0.2 s less for every notebook."""

    async def wait_for_ready(self, timeout: float | None = None) -> None:
        deadline = time.monotonic() + (float("inf") if timeout is None else timeout)
        while True:
            self.kernel_info()
            try:
                reply = await self.shell_channel.get_msg(timeout=1)
            except Empty:
                reply = None
            if reply is not None and reply["msg_type"] == "kernel_info_reply":
                try:
                    await self.iopub_channel.get_msg(timeout=0.2)
                except Empty:
                    pass
                else:
                    self._handle_kernel_info_reply(reply)
                    break
            if not await self._async_is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout} seconds")
        while True:  # what is already there
            try:
                await self.iopub_channel.get_msg(timeout=0)
            except Empty:
                return


class WarmKernelManager(AsyncKernelManager):
    """nbclient's ``AsyncKernelManager``, with kernels the running :class:`Zygote` forks, and
    clients that are ready as soon as the kernel answers (:class:`WarmKernelClient`)."""

    client_class = DottedObjectName("autograder.zygote.WarmKernelClient", config=True)
    client_factory = Type(WarmKernelClient, klass=AsyncKernelClient, config=True)

    async def _async_pre_start_kernel(self, **kw):
        if self.provisioner is None:
            self.kernel_id = self.kernel_id or kw.pop("kernel_id", str(uuid.uuid4()))
            self.provisioner = ZygoteProvisioner(
                kernel_id=self.kernel_id, kernel_spec=self.kernel_spec, parent=self
            )
        return await super()._async_pre_start_kernel(**kw)


if __name__ == "__main__":
    serve(sys.argv[1], sys.argv[2:])
    # Stopped: nothing of the zygote's needs flushing or closing (its kernels are processes of
    # their own), and Python's teardown of TensorFlow would keep the grading command waiting
    # 1.3 s for it.
    os._exit(0)
