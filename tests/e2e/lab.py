"""What the browser tests share: Debian's Chromium and its flags, a JupyterLab server from this
environment on a free localhost port, and the formgrader's manual-grade step."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium")  #: Debian's (make chromium), never a downloaded build
SHOTS = ROOT / "build" / "e2e"  #: the screenshots
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def give_manual_score(page, box, score: float) -> None:
    """Type ``score`` in a formgrader score ``box`` and wait until the formgrader saved it.

    The page binds its score boxes only once it has fetched the grades; a score typed before
    that is overwritten by the fetched (empty) one. It saves a score when the box loses focus
    (a PUT to its grade API)."""
    page.wait_for_function(
        "() => window.formgrader && formgrader.grades && formgrader.grades.loaded",
        timeout=60_000,
    )
    with page.expect_response(
        lambda r: "/formgrader/api/grade/" in r.url and r.request.method == "PUT",
        timeout=60_000,
    ) as saved:
        box.fill(f"{score:g}")
        box.press("Tab")
    assert saved.value.ok, saved.value.status


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(url: str, server: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            tail = "\n".join(log.read_text().splitlines()[-10:])
            raise RuntimeError(f"JupyterLab exited with code {server.returncode}:\n{tail}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"JupyterLab did not answer {url} within {timeout} s")


@contextlib.contextmanager
def serve(root: Path, home: Path):
    """JupyterLab serving ``root`` (started in it, so an ``nbgrader_config.py`` there is the
    course's), its settings in ``home``; yields ``{"base": url, "token": token}``."""
    # no "get notified about Jupyter news?" toast over the page (and no fetch of the news)
    notify = home / ".settings" / "@jupyterlab" / "apputils-extension"
    notify.mkdir(parents=True, exist_ok=True)
    (notify / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')
    tracker = home / ".settings" / "@jupyterlab" / "notebook-extension"
    tracker.mkdir(parents=True, exist_ok=True)  # every cell in the page, so each can be found
    (tracker / "tracker.jupyterlab-settings").write_text('{"windowingMode": "none"}')
    port, token = _free_port(), uuid.uuid4().hex
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(
            p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p
        ),  # the kernel imports this checkout's nncost
        "JUPYTERLAB_SETTINGS_DIR": str(home / ".settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(home / ".workspaces"),
        "JUPYTER_RUNTIME_DIR": str(home / ".runtime"),
        "PATH": os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")]),
    }
    log_path = home / "jupyterlab.log"
    log = open(log_path, "w")  # noqa: SIM115 — closed below
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            "--ip=127.0.0.1",
            f"--port={port}",
            "--ServerApp.port_retries=0",
            "--allow-root",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={root}",
            "--LabApp.news_url=",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        ],
        cwd=root,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(f"{base}/api/status?token={token}", server, log_path)
        yield {"base": base, "token": token}
    finally:
        try:  # a clean shutdown also stops the kernels it started
            request = urllib.request.Request(f"{base}/api/shutdown?token={token}", method="POST")
            urllib.request.urlopen(request, timeout=10).close()
            server.wait(timeout=20)
        except (OSError, subprocess.TimeoutExpired):
            server.terminate()
            server.wait(timeout=20)
        log.close()
