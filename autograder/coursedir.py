"""nbgrader on the course directory: configuration, release, autograde.

Everything goes through nbgrader's Python API (:class:`nbgrader.apps.api.NbGraderAPI`) with the
course's own configuration file, so that ``release`` here and ``nbgrader generate_assignment``
from the repository root produce the same notebooks.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIG_FILE = Path(__file__).resolve().parent / "nbgrader_config.py"


class ReleaseError(RuntimeError):
    """nbgrader could not generate an assignment; the message holds its log."""


def _nbgrader_path() -> None:
    """nbgrader shells out to ``alembic``: make the running venv's scripts findable."""
    bindir = os.path.dirname(sys.executable)
    if bindir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")


def course_config(root: Path | str = ROOT):
    """The course's nbgrader configuration, with the course directory moved to ``root``."""
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader(CONFIG_FILE.name, path=str(CONFIG_FILE.parent)).load_config()
    root = Path(root).resolve()
    config.CourseDirectory.root = str(root)
    config.CourseDirectory.db_url = "sqlite:///" + str(root / "gradebook.db")
    return config


def api(root: Path | str = ROOT):
    """An :class:`~nbgrader.apps.api.NbGraderAPI` on the course directory ``root``."""
    _nbgrader_path()
    from nbgrader.apps.api import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    from autograder.gradebook import create

    create(Path(root).resolve() / "gradebook.db")  # in this process, not in nbgrader's subprocess
    config = course_config(root)
    coursedir = CourseDirectory(config=config)
    return NbGraderAPI(coursedir=coursedir, config=config)


def assignment_names(root: Path | str = ROOT) -> list[str]:
    """Every assignment in ``root/source`` (a folder holding at least one notebook)."""
    source = Path(root) / "source"
    return sorted(p.name for p in source.iterdir() if p.is_dir() and any(p.glob("*.ipynb")))


def _check(result: dict, what: str) -> None:
    if not result.get("success"):
        raise ReleaseError(f"{what} failed:\n{result.get('error', '')}\n{result.get('log', '')}")


def release(root: Path | str = ROOT, *, quiet: bool = False) -> list[str]:
    """Regenerate ``root/assignments/<name>/`` from ``root/source/<name>/`` for every assignment:
    first each source notebook is synced with its text twin and its hidden tests' references
    are compiled with nncost as installed now (:mod:`authoring.build`), then nbgrader writes the
    student versions."""
    from authoring.build import compile_notebook, sync

    names = assignment_names(root)
    for name in names:
        for notebook in sorted((Path(root) / "source" / name).glob("*.ipynb")):
            done = sync(notebook)  # with its text twin: the one edited last wins
            if done != "in sync" and not quiet:
                print(f"{notebook}: {done}")
            if compile_notebook(notebook) and not quiet:
                print(f"compiled the references of {notebook}")
    grader = api(root)
    for name in names:
        _check(grader.generate_assignment(name, force=True, create=True), f"releasing {name!r}")
        if not quiet:
            print(f"released {name}: {Path(root) / 'assignments' / name}")
    return names


def release_zip(root: Path | str, path: Path | str, names: list[str] | None = None) -> Path:
    """A zip of the released student notebooks, ``<assignment>/<file>``, to upload to an LMS
    (Canvas, Moodle) when there is no hub: what ``release`` wrote to ``root/assignments``."""
    import zipfile

    released = Path(root) / "assignments"
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in names or assignment_names(root):
            for file in sorted((released / name).rglob("*")):
                if file.is_file() and ".ipynb_checkpoints" not in file.parts:
                    zf.write(file, file.relative_to(released).as_posix())
    return path


def autograde(root: Path | str, assignment: str) -> None:
    """Autograde every submission of ``assignment`` under ``root/submitted`` (one nbgrader run)."""
    grader = api(root)
    _check(
        grader.autograde(assignment, "*", force=True, create=True), f"autograding {assignment!r}"
    )
