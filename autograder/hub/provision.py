"""Set a machine up for the course's JupyterHub (run as root; every step is idempotent).

What nbgrader's "nbgrader with JupyterHub" setup asks for, with one instructor:

* local system users, one home each (mode 700): the instructor and the students, each with a
  password of their own (JupyterHub's PAM authenticator checks it);
* nbgrader's exchange root, writable by everyone (nbgrader makes its ``inbound/`` write-only and
  its ``feedback/`` unlistable, so students cannot see each other's submissions);
* each user's ``~/.jupyter/nbgrader_config.py`` naming the course and the exchange, and the
  nbgrader extensions of their role (students: Assignments only);
* the instructor's course directory ``~/nncost`` (``source/`` from this repository and an
  ``nbgrader_config.py`` that loads the course's ``autograder/nbgrader_config.py``);
* the users run the repository's own ``.venv`` (this project, nbgrader, JupyterLab): every
  directory above it and above its interpreter gets ``o+x``, pass through and never list. With
  a pyenv Python that includes ``/root``: the demo machine's trade-off; a real hub installs the
  environment system-wide (``/opt/conda``) or in the single-user image instead;
* ``configurable-http-proxy`` from the npm registry in the hub's state directory (root only).

Students must not read the instructor's files: the repository's solutions (``source/``,
``autograder/``, ``tests/``, …) are closed to other users; ``autograder/`` is opened to the
group of instructors, whose nbgrader configuration loads it.
"""

from __future__ import annotations

import dataclasses
import grp
import json
import os
import pwd
import secrets
import shutil
import stat
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
STATE = REPO / "build" / "hub"
COURSE_ID = "nncost"
INSTRUCTORS = "nncost-instructors"  #: the group that may read the repository's autograder/
#: from the npm registry, into STATE/node_modules; 5.1 is the last that runs on Node 18
#: (Debian 12's `apt-get install nodejs npm`), 5.2 and later need Node 20
PROXY = "configurable-http-proxy@5.1.0"
#: what every user may read in the repository (the package, the released notebooks, the venv);
#: every other top-level entry is closed to them
PUBLIC = {
    ".venv",
    "nncost",
    "nncost.egg-info",
    "assignments",
    "examples",
    "README.md",
    "pyproject.toml",
    "environment.yml",
    "Makefile",
    "LICENSE",
}
#: nbgrader's lab extensions (JupyterLab plugin ids) and server extensions students do not get
STUDENT_OFF_LAB = (
    "@jupyter/nbgrader:formgrader",
    "@jupyter/nbgrader:create-assignment",
    "@jupyter/nbgrader:course-list",
)
STUDENT_OFF_SERVER = (
    "nbgrader.server_extensions.formgrader",
    "nbgrader.server_extensions.course_list",
)


@dataclasses.dataclass(frozen=True)
class Hub:
    """Who is on the hub and where its files are; ``STATE/hub.json`` for jupyterhub_config.py."""

    state: Path = STATE  #: the hub's database, secrets, passwords and proxy (root only)
    exchange: Path = Path("/srv/nbgrader/exchange")
    instructor: str = "instructor"
    students: tuple[str, ...] = ("studenta", "studentb")
    port: int = 8000  #: where people open the hub (the proxy)
    hub_port: int = 8081  #: the hub's own API, for the proxy and the single-user servers
    proxy_api_port: int = 8001

    @property
    def users(self) -> tuple[str, ...]:
        return (self.instructor, *self.students)

    @property
    def course(self) -> Path:
        return home(self.instructor) / COURSE_ID

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def passwords(self) -> dict[str, str]:
        return json.loads((self.state / "passwords.json").read_text())

    def python(self) -> Path:
        return Path(json.loads((self.state / "hub.json").read_text())["python"])


def home(user: str) -> Path:
    return Path("/home") / user


def run(cmd: list, **kw) -> subprocess.CompletedProcess:
    done = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, check=False, **kw)
    if done.returncode:
        raise SystemExit(
            f"{' '.join(map(str, cmd))} failed ({done.returncode}):\n{done.stdout}{done.stderr}"
        )
    return done


def as_user(
    user: str, cmd: list, *, python: Path, cwd: Path | None = None, check: bool = True
) -> subprocess.CompletedProcess:
    """``cmd`` as ``user`` (``runuser``), with their home and the users' Python first on PATH."""
    env = [
        "env",
        f"HOME={home(user)}",
        f"USER={user}",
        f"PATH={python.parent}:/usr/local/bin:/usr/bin:/bin",
    ]
    wrapped = ["runuser", "-u", user, "--", *env, *cmd]
    if check:
        return run(wrapped, cwd=cwd or home(user))
    return subprocess.run(
        [str(c) for c in wrapped],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd or home(user),
    )


# --------------------------------------------------------------------------- users
def ensure_user(user: str, groups: tuple[str, ...] = ()) -> None:
    """A local user with a private home (``useradd``); added to ``groups``."""
    try:
        pwd.getpwnam(user)
    except KeyError:
        run(["useradd", "--create-home", "--user-group", "--shell", "/bin/bash", user])
    for group in groups:
        run(["usermod", "--append", "--groups", group, user])
    if not home(user).exists():  # an existing user whose home was removed
        home(user).mkdir(parents=True)
        run(["chown", f"{user}:{user}", home(user)])
    os.chmod(home(user), 0o700)


def ensure_group(group: str) -> None:
    try:
        grp.getgrnam(group)
    except KeyError:
        run(["groupadd", group])


def ensure_passwords(hub: Hub) -> None:
    """One random password per user, kept in ``STATE/passwords.json`` (root only), set with
    ``chpasswd`` (what JupyterHub's PAM authenticator checks)."""
    path = hub.state / "passwords.json"
    known = json.loads(path.read_text()) if path.exists() else {}
    for user in hub.users:
        known.setdefault(user, secrets.token_urlsafe(12))
    path.write_text(json.dumps(known, indent=1))
    path.chmod(0o600)
    lines = "".join(f"{u}:{known[u]}\n" for u in hub.users)
    run(["chpasswd"], input=lines)


# --------------------------------------------------------------------------- files
def close_repository() -> list[str]:
    """Let other users reach the repository's package and venv, and nothing else of it.

    Every directory above the repository gets o+x (pass through, not list); the top-level
    entries outside ``PUBLIC`` (``build/`` too: the hub's state and passwords) lose every
    permission for others; ``authoring/`` and ``autograder/`` are opened to the group of
    instructors. Returns what
    it changed.
    """
    changed = []
    for parent in [*reversed(REPO.parents), REPO]:
        mode = parent.stat().st_mode
        if not mode & stat.S_IXOTH:
            parent.chmod(mode | stat.S_IXOTH)
            changed.append(f"o+x {parent}")
    for entry in REPO.iterdir():
        if entry.name in PUBLIC or entry.is_symlink():
            continue
        mode = entry.stat().st_mode
        if mode & 0o007:
            entry.chmod(mode & ~0o007)
            changed.append(f"o-rwx {entry}")
    for package in ("authoring", "autograder"):  # the instructor's release and grading import them
        path = REPO / package
        os.chown(path, -1, grp.getgrnam(INSTRUCTORS).gr_gid)
        path.chmod(path.stat().st_mode | stat.S_IRGRP | stat.S_IXGRP)
    return changed


def ensure_state(hub: Hub) -> None:
    """The hub's state directory (its database, cookie secret, the users' passwords): root's."""
    hub.state.mkdir(parents=True, exist_ok=True)
    hub.state.chmod(0o700)


def ensure_exchange(hub: Hub) -> None:
    """nbgrader's exchange root: everyone may write (nbgrader's docs, "nbgrader with
    JupyterHub"); nbgrader itself sets the modes of the course's folders in it."""
    hub.exchange.mkdir(parents=True, exist_ok=True)
    for parent in hub.exchange.parents:  # everyone passes through to it
        if not parent.stat().st_mode & stat.S_IXOTH:
            parent.chmod(parent.stat().st_mode | stat.S_IXOTH)
    hub.exchange.chmod(0o777)


def ensure_proxy(hub: Hub) -> Path:
    """``configurable-http-proxy`` installed with the machine's npm into ``STATE``."""
    name, _, version = PROXY.rpartition("@")
    package = hub.state / "node_modules" / name / "package.json"
    if not package.exists() or json.loads(package.read_text()).get("version") != version:
        npm = shutil.which("npm")
        if npm is None:
            raise SystemExit(
                "npm not found: `make npm` (Node.js 18 or newer with npm; "
                "configurable-http-proxy comes from the npm registry)"
            )
        run([npm, "install", "--prefix", hub.state, "--no-audit", "--no-fund", PROXY])
    return hub.state / "node_modules" / ".bin" / name


# --------------------------------------------------------------------------- Python
def _runs_for(user: str, python: Path) -> bool:
    """Whether ``user`` can run ``python`` and import from its site-packages (this project and
    jupyterhub: 0.1 s; nbgrader, beside them, takes 4 s to import)."""
    done = as_user(
        user, [python, "-c", "import nncost, jupyterhub"], python=python, check=False, cwd=Path("/")
    )
    return done.returncode == 0


def open_python() -> list[str]:
    """Let other users pass through to this venv's interpreter and its standard library.

    A venv made from a Python under root's home (pyenv's, ``/root/.pyenv``) is out of other
    users' reach: ``/root`` is mode 700. Each directory above ``sys.base_prefix`` (and above
    the interpreter the venv's ``python`` links to) gets ``o+x``: others may pass through it to
    a path they know, never list it. That is this demo machine's trade-off, to run the
    repository's own ``.venv``; a real hub installs the environment system-wide (``/opt/conda``,
    ``/usr/local``) or in the single-user image, and needs none of it. Returns what it changed.
    """
    changed = []
    interpreter = (Path(sys.prefix) / "bin" / "python").resolve()
    for folder in (Path(sys.base_prefix).resolve(), interpreter.parent):
        for parent in reversed(folder.parents):
            mode = parent.stat().st_mode
            if not mode & stat.S_IXOTH:
                parent.chmod(mode | stat.S_IXOTH)
                changed.append(f"o+x {parent}")
    return changed


def users_python(hub: Hub) -> Path:
    """The Python the users' servers and kernels run: this venv's, checked as a student."""
    python = Path(sys.prefix) / "bin" / "python"
    probe = hub.students[0]
    if not _runs_for(probe, python):
        raise SystemExit(
            f"{python} does not import nncost and jupyterhub as {probe}: "
            f"every directory above {REPO} and {Path(sys.base_prefix).resolve()} "
            "needs o+x, and their files o+r"
        )
    return python


# --------------------------------------------------------------------------- per user
_USER_CONFIG = """\
# Written by autograder/hub/provision.py (`make hub` rewrites it): the nncost course on this hub.
c = get_config()  # noqa: F821
c.CourseDirectory.course_id = {course_id!r}
c.Exchange.root = {exchange!r}
"""

_EXCHANGE_CONFIG = """\
# Written by autograder/hub/provision.py: the course and its exchange on this hub.
c.CourseDirectory.course_id = {course_id!r}
c.Exchange.root = {exchange!r}
"""


def configure_user(hub: Hub, user: str) -> None:
    """The user's nbgrader settings and the nbgrader extensions of their role.

    The two JSON files are what ``jupyter labextension disable --level=user`` and ``jupyter
    server extension disable --user`` write, as nbgrader's docs do it (written here: the second
    command refuses an extension that is not yet listed at user level, and each takes a second).
    """
    config = home(user) / ".jupyter"
    (config / "labconfig").mkdir(parents=True, exist_ok=True)
    text = _USER_CONFIG.format(course_id=COURSE_ID, exchange=str(hub.exchange))
    if user == hub.instructor:  # the formgrader's buttons grade and give feedback as the
        # course does (hidden tests' code kept out of feedback), wherever the server started
        text += f"load_subconfig({str(hub.course / 'nbgrader_config.py')!r})  # noqa: F821\n"
    (config / "nbgrader_config.py").write_text(text)
    student = user != hub.instructor
    lab = {"disabledExtensions": {plugin: student for plugin in STUDENT_OFF_LAB}}
    (config / "labconfig" / "page_config.json").write_text(json.dumps(lab, indent=2))
    server = {
        "ServerApp": {"jpserver_extensions": {ext: not student for ext in STUDENT_OFF_SERVER}}
    }
    (config / "jupyter_server_config.json").write_text(json.dumps(server, indent=2))
    quiet = config / "lab" / "user-settings" / "@jupyterlab" / "apputils-extension"
    quiet.mkdir(parents=True, exist_ok=True)  # no "get Jupyter news?" question on first start
    (quiet / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')
    run(["chown", "-R", f"{user}:{user}", config])


def ensure_course(hub: Hub) -> None:
    """The instructor's course directory: the repository's ``source/`` (assignments already
    there are kept: they may have been edited) and its ``nbgrader_config.py``."""
    course = hub.course
    (course / "source").mkdir(parents=True, exist_ok=True)
    for assignment in sorted((REPO / "source").iterdir()):
        target = course / "source" / assignment.name
        if assignment.is_dir() and not target.exists():
            shutil.copytree(assignment, target, ignore=shutil.ignore_patterns(".*", "__pycache__"))
    from autograder.grading import write_course_config

    write_course_config(course)  # the course's configuration, as grade writes it
    with (course / "nbgrader_config.py").open("a") as fh:
        fh.write(_EXCHANGE_CONFIG.format(course_id=COURSE_ID, exchange=str(hub.exchange)))
    run(["chown", "-R", f"{hub.instructor}:{hub.instructor}", course])


def write_state(hub: Hub, python: Path, proxy: Path) -> None:
    """``STATE/hub.json``: what ``jupyterhub_config.py`` reads."""
    data = {
        "port": hub.port,
        "hub_port": hub.hub_port,
        "proxy_api_port": hub.proxy_api_port,
        "instructor": hub.instructor,
        "students": list(hub.students),
        "exchange": str(hub.exchange),
        "course": str(hub.course),
        "python": str(python),
        "proxy": str(proxy),
    }
    (hub.state / "hub.json").write_text(json.dumps(data, indent=1))


def provision(hub: Hub = Hub(), log=print) -> Hub:
    """Everything above, in order; safe to run again."""
    if os.geteuid() != 0:
        raise SystemExit("the hub's setup creates system users: run it as root (sudo make hub)")
    ensure_state(hub)
    ensure_group(INSTRUCTORS)
    ensure_user(hub.instructor, (INSTRUCTORS,))
    for student in hub.students:
        ensure_user(student)
    ensure_passwords(hub)
    for change in [*close_repository(), *open_python()]:
        log(f"  {change}")
    ensure_exchange(hub)
    proxy = ensure_proxy(hub)
    python = users_python(hub)
    for user in hub.users:
        configure_user(hub, user)
    ensure_course(hub)
    write_state(hub, python, proxy)
    log(
        f"hub ready: {', '.join(hub.users)} (instructor: {hub.instructor}); passwords in "
        f"{hub.state / 'passwords.json'}; course {hub.course}; exchange {hub.exchange}"
    )
    return hub
