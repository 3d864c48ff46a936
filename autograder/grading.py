"""Grade a whole class with nbgrader: collect, autograde in parallel, record, feed back, export.

Every score ends up in the course's nbgrader gradebook (the one ``nbgrader_config.py`` names
and the formgrader shows), with the submitted and autograded notebooks in the course's
``submitted/`` and ``autograded/`` folders, so the instructor grades the manual parts in the
formgrader. A grade a person gave is never overwritten by a regrade (nbgrader's own
``SaveAutoGrades`` records the scores, and it keeps manual scores).

Layout of ``--out DIR``::

    DIR/grades.csv              nbgrader's own CSV export of the course gradebook
    DIR/feedback/<student>/<assignment>/<notebook>.html
    DIR/summary.md              per-question means, problems and flags, one line each
    DIR/per_question.csv        mean score of every graded part
    DIR/histogram.png           distribution of total scores per assignment
    DIR/results/<student>.json  one file per graded student, written atomically (resume)
    DIR/work/                   nbgrader course directories (template + one per student)

Each student is graded by nbgrader's own autograde, on a Dask worker, in a course directory
of their own (a copy of the template gradebook, and no instructor notebook: the verdicts'
references reach the worker as data), each notebook in a kernel of its own with a wall-clock
limit and a memory limit, so a notebook that loops, crashes its kernel or exhausts memory
costs only its own points. A student whose results file records what they handed in now is not graded again:
rerunning resumes, and gives the same grades.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import shutil
import sys
import tempfile
import uuid
import zipfile
from pathlib import Path

import nbformat

from autograder.audit import audit_notebook, instructor_code

__all__ = ["Limits", "assignment_layout", "collect", "grade"]

REPO = Path(__file__).resolve().parents[1]


@dataclasses.dataclass(frozen=True)
class Limits:
    cell_timeout: int = 120  #: seconds per cell (nbgrader's Execute.timeout)
    notebook_timeout: int = 300  #: wall-clock seconds per notebook
    memory_gb: float = 8.0  #: address-space limit of the grading process and its kernels


def assignment_layout(source: Path) -> dict[str, list[str]]:
    """{assignment: [notebook names]} from an nbgrader source directory."""
    layout = {}
    for adir in sorted(
        p for p in source.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))
    ):
        notebooks = sorted(p.stem for p in adir.glob("*.ipynb"))
        if notebooks:
            layout[adir.name] = notebooks
    return layout


# --------------------------------------------------------------------------- collect
@dataclasses.dataclass
class Submission:
    student: str
    notebooks: dict[str, dict[str, Path]]  # assignment → notebook → path (the readable ones)
    problems: list[str]
    #: assignment → the folder handed in (with nbgrader's timestamp.txt when it was collected)
    folders: dict[str, Path] = dataclasses.field(default_factory=dict)

    def digest(self) -> str:
        """What was handed in, as one hash: a record of another digest is graded again."""
        h = hashlib.sha256()
        for assignment, folder in sorted(self.folders.items()):
            for path in sorted(
                p for p in folder.rglob("*") if p.is_file() and ".ipynb_checkpoints" not in p.parts
            ):
                h.update(f"{assignment}/{path.relative_to(folder)}".encode())
                h.update(path.read_bytes())
        return h.hexdigest()

    def timestamp(self, assignment: str) -> str | None:
        """nbgrader's ``timestamp.txt`` beside the submission, when there is a readable one."""
        from autograder.gradebook import timestamp

        folder = self.folders.get(assignment)
        return (
            (folder / "timestamp.txt").read_text().strip() if folder and timestamp(folder) else None
        )


def _unzip(archive: Path, into: Path) -> Path:
    with zipfile.ZipFile(archive) as zf:
        for member in zf.namelist():
            target = (into / member).resolve()
            if not str(target).startswith(str(into.resolve())):
                raise ValueError(f"{archive}: unsafe path {member!r} in the zip")
        zf.extractall(into)
    entries = [p for p in into.iterdir() if not p.name.startswith("__MACOSX")]
    return (
        entries[0]
        if len(entries) == 1 and entries[0].is_dir() and _looks_nested(entries[0])
        else into
    )


def _looks_nested(folder: Path) -> bool:
    # a zip of one folder that itself holds <student>/<assignment>/ folders
    return any(sub.is_dir() and any(x.is_dir() for x in sub.iterdir()) for sub in folder.iterdir())


def collect(submissions: Path, layout: dict[str, list[str]], scratch: Path) -> list[Submission]:
    """Read ``<student>/<assignment>/<notebook>.ipynb`` (a folder, or a zip of one).

    Flat zips as nbgrader's zip_collect takes them, ``<student>_<notebook>.ipynb``, are
    accepted too. Problems (bad JSON, wrong names, unknown assignments) become lines in
    the summary; nothing here stops the class from being graded.
    """
    root = submissions
    if submissions.is_file() and zipfile.is_zipfile(submissions):
        scratch.mkdir(parents=True, exist_ok=True)
        root = _unzip(submissions, Path(tempfile.mkdtemp(dir=scratch)))
        if not any(p.is_dir() for p in root.iterdir()):
            root = _flat_to_tree(root, layout)
    if not root.is_dir():
        raise SystemExit(f"{submissions}: not a folder or a zip of submissions")
    result = []
    for sdir in sorted(
        p for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))
    ):
        sub = Submission(sdir.name, {}, [])
        for adir in sorted(p for p in sdir.iterdir() if p.is_dir()):
            if adir.name not in layout:
                sub.problems.append(
                    f"unknown assignment folder {adir.name!r} (expected one of "
                    f"{', '.join(layout)}): not graded"
                )
                continue
            sub.folders[adir.name] = adir
            expected = layout[adir.name]
            found = {p.stem: p for p in adir.glob("*.ipynb") if not p.name.startswith(".")}
            for name, path in found.items():
                if name not in expected:
                    sub.problems.append(
                        f"{adir.name}/{path.name}: misnamed (expected {', '.join(n + '.ipynb' for n in expected)}); "
                        "scored 0 — rename it and regrade"
                    )
                    continue
                try:
                    nbformat.read(path, as_version=4)
                except Exception as err:  # noqa: BLE001 — any unreadable file is one problem line
                    sub.problems.append(
                        f"{adir.name}/{path.name}: not a valid notebook ({type(err).__name__}); scored 0"
                    )
                    continue
                sub.notebooks.setdefault(adir.name, {})[name] = path
            for name in expected:
                if name not in found:
                    sub.problems.append(f"{adir.name}/{name}.ipynb: missing; scored 0")
        result.append(sub)
    return result


def _flat_name_plugin(layout: dict[str, list[str]]):
    """nbgrader's zip_collect file-name plugin, matching ``<student>_<notebook>.ipynb``.

    The notebook names are the course's, matched at the end of the name, so a student id may
    hold ``_`` itself (``ann_lee_dense.ipynb`` is ``ann_lee``'s ``dense``).
    """
    import re

    from nbgrader.plugins import FileNameCollectorPlugin

    names = "|".join(re.escape(nb) for nbs in layout.values() for nb in sorted(nbs, key=len)[::-1])
    return FileNameCollectorPlugin(
        named_regexp=rf"^(?P<student_id>.+)_(?P<file_id>{names})\.ipynb$"
    )


def _flat_to_tree(folder: Path, layout: dict[str, list[str]]) -> Path:
    owner = {nb: a for a, nbs in layout.items() for nb in nbs}
    plugin = _flat_name_plugin(layout)
    tree = folder / "_tree"
    for path in sorted(folder.rglob("*.ipynb")):  # listed before the tree is written into folder
        found = plugin.collect(path.name)
        if found:
            student, stem = found["student_id"], found["file_id"]
            dest = tree / student / owner[stem] / f"{stem}.ipynb"
        else:  # not one of the course's notebooks: kept under its name, reported as misnamed
            student, _, rest = path.name.partition("_")
            dest = tree / student / "unknown" / rest
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, dest)
    return tree


# --------------------------------------------------------------------------- template
def _source_digest(source: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(source.rglob("*.ipynb")):
        h.update(str(path.relative_to(source)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()


_COURSE_CONFIG = """\
# Written by autograder/grading.py: the course's configuration, in this directory.
c = get_config()  # noqa: F821
load_subconfig({course_config!r})  # noqa: F821
c.CourseDirectory.root = {root!r}
c.CourseDirectory.db_url = "sqlite:///" + {db!r}
c.Execute.timeout = {cell_timeout}
"""

COURSE_CONFIG = REPO / "autograder" / "nbgrader_config.py"


def write_course_config(course: Path, cell_timeout: int = Limits.cell_timeout) -> None:
    """An ``nbgrader_config.py`` in ``course``: the course's configuration, moved there."""
    (course / "nbgrader_config.py").write_text(
        _COURSE_CONFIG.format(
            course_config=str(COURSE_CONFIG),
            root=str(course),
            db=str(course / "gradebook.db"),
            cell_timeout=cell_timeout,
        )
    )


def instructor_notebooks(source: Path, layout: dict[str, list[str]]) -> dict[str, dict]:
    """``{assignment: {notebook: node}}``: the instructor's notebooks, read once per run."""
    return {
        a: {nb: nbformat.read(source / a / f"{nb}.ipynb", as_version=4) for nb in nbs}
        for a, nbs in layout.items()
    }


def read_references(notebooks: dict[str, dict]) -> dict:
    """``{assignment: {notebook: {grade_id: checks}}}`` of the instructor's notebooks."""
    from autograder.verdict import references

    return {
        a: {name: references(nb, f"{a}/{name}") for name, nb in nbs.items()}
        for a, nbs in notebooks.items()
    }


def prepare_template(
    source: Path, work: Path, layout: dict[str, list[str]], limits: Limits = Limits()
) -> Path:
    """A course directory whose gradebook knows every assignment (generate_assignment).

    Its ``source/`` keeps only the assignments' other files (what autograde copies next to a
    submission): the instructor notebooks, which hold the verdicts' references, are removed once
    the assignment is generated, so no student's kernel can find them in the grading folders.
    """
    from authoring.build import TWIN_SUFFIX
    from autograder.coursedir import api

    template = work / "_template"
    digest = _source_digest(source)
    stamp = template / "source.sha256"
    if stamp.exists() and stamp.read_text() == digest and (template / "gradebook.db").exists():
        return template
    shutil.rmtree(template, ignore_errors=True)
    template.mkdir(parents=True)
    shutil.copytree(source, template / "source")
    write_course_config(template, limits.cell_timeout)
    nbgrader = api(template)
    for assignment in layout:
        done = nbgrader.generate_assignment(assignment, force=True, create=True)
        if not done.get("success"):
            raise SystemExit(
                f"nbgrader generate_assignment {assignment} failed:\n"
                f"{done.get('error', '')}\n{done.get('log', '')}"
            )
    for pattern in ("*.ipynb", "*" + TWIN_SUFFIX):  # the instructor notebooks and their twins
        for path in (template / "source").rglob(pattern):
            path.unlink()
    stamp.write_text(digest)
    return template


def _held(data):
    """``data`` itself: a task whose result the cluster can compute again, from the task."""
    return data


def _template_files(template: Path) -> dict[str, bytes]:
    """What a worker needs of the template course: its gradebook and the assignments' files."""
    files = {"gradebook.db": (template / "gradebook.db").read_bytes()}
    for path in sorted((template / "source").rglob("*")):
        if path.is_file():
            files[str(path.relative_to(template))] = path.read_bytes()
    return files


def preload_modules(notebooks: dict[str, dict]) -> tuple[str, ...]:
    """The modules the locked setup cells of the course's notebooks import: what a kernel
    zygote imports once, so each student's kernel starts with them done."""
    import ast

    modules: set[str] = set()
    for nbs in notebooks.values():
        for nb in nbs.values():
            for cell in nb.cells:
                meta = cell.get("metadata", {}).get("nbgrader", {})
                if cell.cell_type != "code" or not meta.get("locked") or meta.get("grade"):
                    continue
                try:
                    tree = ast.parse(cell.source)
                except SyntaxError:
                    continue
                for node in tree.body:  # top-level imports only: what every run does first
                    if isinstance(node, ast.Import):
                        modules |= {alias.name for alias in node.names}
                    elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                        modules.add(node.module)
    return tuple(sorted(modules))


def released(template: Path, assignment: str, notebook: str):
    """The student version of ``notebook``, as the template released it."""
    return nbformat.read(template / "assignments" / assignment / f"{notebook}.ipynb", as_version=4)


# --------------------------------------------------------------------------- one student
def _task(
    sub: Submission,
    references: dict,
    limits: Limits,
    preload: tuple[str, ...],
    zygote: str | None = None,
) -> dict:
    """What a worker needs to grade ``sub`` (see :func:`autograder.worker.grade_submission`)."""
    return {
        "student": sub.student,
        "references": references,
        "zygote": zygote,
        "limits": dataclasses.asdict(limits),
        "preload": list(preload),
        "timestamps": {a: stamp for a in sub.notebooks if (stamp := sub.timestamp(a))},
        "submitted": {
            a: {nb: path.read_bytes() for nb, path in nbs.items()}
            for a, nbs in sub.notebooks.items()
        },
    }


def _autograded_dir(work: Path, student: str, assignment: str) -> Path:
    """Where a student's autograded notebooks of ``assignment`` are kept between the worker's
    result and the gradebook."""
    return work / student / "autograded" / student / assignment


def _store(
    result: dict,
    sub: Submission,
    work: Path,
    out: Path,
    layout: dict[str, list[str]],
    instructor: dict[tuple[str, str], set[str]],
) -> dict:
    """Write a worker's result here (autograded notebooks, feedback); audit; the record.

    The record holds no scores: they are the gradebook's, read when the class is recorded.
    ``instructor``: the instructor's locked code of each (assignment, notebook), for the audit.
    """
    record = {
        "student": sub.student,
        "digest": sub.digest(),
        "problems": [*sub.problems, *result["problems"]],
        "flags": [],
        "seconds": result.get("seconds", 0.0),
        "worker": result.get("worker"),
    }
    for assignment in layout:
        folder = _autograded_dir(work, sub.student, assignment)
        shutil.rmtree(folder, ignore_errors=True)
        for nb, data in result["autograded"].get(assignment, {}).items():
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{nb}.ipynb").write_bytes(data)
        feedback = out / "feedback" / sub.student / assignment
        shutil.rmtree(feedback, ignore_errors=True)
        for nb, data in result["feedback"].get(assignment, {}).items():
            feedback.mkdir(parents=True, exist_ok=True)
            (feedback / f"{nb}.html").write_bytes(data)
        for nb, path in sub.notebooks.get(assignment, {}).items():
            flags = audit_notebook(nbformat.read(path, as_version=4), instructor[assignment, nb])
            if flags:
                record["flags"].append(
                    f"{assignment}/{nb}.ipynb: "
                    + "; ".join(flags[:5])
                    + (f" (+{len(flags) - 5} more)" if len(flags) > 5 else "")
                )
    return record


def _write_json(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True))
    os.replace(tmp, path)  # atomic: an interrupted run never leaves half a record


# --------------------------------------------------------------------------- whole class
def _record_in_course(
    course: Path, work: Path, sub: Submission, layout: dict[str, list[str]]
) -> None:
    """Write the student's notebooks and scores into the course gradebook: the assignments
    the student handed in (a folder of it), not the others."""
    from autograder import gradebook

    for assignment, notebooks in layout.items():
        if assignment not in sub.folders:
            continue
        given = sub.notebooks.get(assignment, {})
        folder = _autograded_dir(work, sub.student, assignment)
        autograded = {nb: folder / f"{nb}.ipynb" for nb in given}
        autograded = {nb: p for nb, p in autograded.items() if p.exists()}
        gradebook.record(
            course, sub.student, assignment, notebooks, sub.folders[assignment], autograded
        )


def _scores(course: Path, sub: Submission, layout: dict[str, list[str]]) -> dict:
    """``{assignment: {notebook: {part: …}}}`` of ``sub`` as the course gradebook holds them
    (a person's score where there is one), for the assignments the student handed in."""
    from autograder import gradebook

    return {
        a: gradebook.read_scores(course, sub.student, a, nbs)
        for a, nbs in layout.items()
        if a in sub.folders
    }


def _record_once(
    course: Path, work: Path, sub: Submission, layout: dict[str, list[str]], rec: dict, out: Path
) -> None:
    """Record ``sub`` in the course once per grading: a rerun leaves manual grading alone."""
    if not rec.get("recorded"):
        _record_in_course(course, work, sub, layout)
        rec["recorded"] = True
        _write_json(out / "results" / f"{sub.student}.json", rec)


_FORK = sys.platform == "linux"  # local workers fork from the grading process (see cluster)


@contextlib.contextmanager
def cluster(workers: int, scheduler: str | None = None):
    """A Dask client: on the cluster at ``scheduler``, or on a local cluster of ``workers``
    single-threaded worker processes (one student at a time each).

    On Linux the local workers are forked from this process, not spawned: they start with what
    it has imported (nbgrader, 1.8 s of CPU a process) and the feedback templates it has
    compiled, instead of doing both again. This process has run no student's code and holds no
    gradebook open when they fork; a worker that dies is started again by its nanny the same
    way."""
    import logging

    import dask
    from distributed import Client, LocalCluster

    if scheduler:
        with Client(scheduler, timeout="60s") as client:
            yield client
        return
    with (
        dask.config.set(
            {
                # (macOS cannot fork a process that has threads safely: spawned there)
                "distributed.worker.multiprocessing-method": "fork" if _FORK else "spawn",
                # Dask samples every task's stack 100 times a second for its dashboard's
                # profile, which this cluster does not serve
                "distributed.worker.profile.enabled": False,
                # Every Dask server (the scheduler, each nanny, each worker) checks its event
                # loop for stalls every 20 ms and each nanny reads its worker's memory every
                # 100 ms: 12% of a core on 2 workers, idle, taken from the kernels. Once a
                # second is enough for a class (a grading task lasts seconds): 2%.
                "distributed.admin.tick.interval": "1s",
                "distributed.worker.memory.monitor-interval": "1s",
            }
        ),
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        ) as local,
        Client(local) as client,
    ):
        yield client


async def _warm(preload: tuple[str, ...], memory_gb: float, shared: str | None) -> None:
    """On a worker, before its first student: import what grading uses, compile the feedback
    templates (unless it forked from a grading process that did), and attach to the machine's
    kernel zygote (or start one), in a thread (the worker's event loop goes on). All of it is
    done while the zygote imports TensorFlow."""
    import asyncio
    import functools

    def warm() -> None:
        import nbgrader.apps  # noqa: F401 — nbgrader's autograde and feedback, paid once

        from autograder import feedback
        from autograder.coursedir import course_config
        from autograder.zygote import Zygote

        if not feedback.COMPILED:  # else forked from the grading process, which warmed them
            feedback.warm(course_config())

        Zygote.start(tuple(preload), memory_bytes=int(memory_gb * 1024**3), shared=shared)

    await asyncio.get_running_loop().run_in_executor(None, functools.partial(warm))


def _failed(sub: Submission, err: BaseException) -> dict:
    """The record of a student whose task failed: nothing ran, so the gradebook gives 0."""
    return {
        "student": sub.student,
        "digest": sub.digest(),
        "problems": [*sub.problems, f"grading failed: {type(err).__name__}: {err}"],
        "flags": [],
        "seconds": 0.0,
    }


def grade(
    submissions: Path,
    out: Path,
    *,
    course: Path = REPO,
    workers: int | None = None,
    scheduler: str | None = None,
    limits: Limits = Limits(),
    progress=None,
) -> list[dict]:
    """Grade every student into ``course``'s gradebook; resume from ``out/results``; write
    grades, feedback and the summary to ``out``.

    Each student is one task on a Dask cluster (:func:`autograder.worker.grade_submission`):
    a local one of ``workers`` processes (default: one per core), or the one at ``scheduler``.
    Results come back as data and are written here, by this one process.
    """
    from autograder import gradebook, summary

    course = course.resolve()
    source = course / "source"
    out = out.resolve()
    layout = assignment_layout(source) if source.is_dir() else {}
    if not layout:
        raise SystemExit(
            f"no assignments found in {source}: --course must be an nbgrader course "
            "directory with source/<assignment>/<notebook>.ipynb"
        )
    from authoring.build import StaleReferences, check_fresh

    sources = instructor_notebooks(source, layout)
    try:  # before anything starts: hidden tests edited since the last release stop the run here
        for a, nbs in sources.items():
            for name, nb in nbs.items():
                check_fresh(nb, f"{a}/{name}")
    except StaleReferences as stale:
        raise SystemExit(str(stale)) from None
    preload = preload_modules(sources)
    with contextlib.ExitStack() as stack:
        zygote = None
        if not scheduler:  # a local cluster: one zygote for this machine's workers, started
            from autograder.zygote import Zygote  # first: its TensorFlow import is the longest

            zygote = Zygote.launch(preload)
            stack.callback(zygote.stop)
        work = out / "work"
        work.mkdir(parents=True, exist_ok=True)
        subs = collect(submissions.resolve(), layout, work / "_unzipped")
        records, todo = {}, []
        scores: dict[str, dict] = {}  # of the students recorded in this run, read back
        for s in subs:  # resume: a student graded before, on what they handed in now, is done
            path = out / "results" / f"{s.student}.json"
            rec = json.loads(path.read_text()) if path.exists() else None
            if rec and rec.get("digest") == s.digest():
                records[s.student] = rec
            else:
                todo.append(s)
        bar = progress or summary.Progress(len(subs), already=len(records))
        gradebook.quiet_orm_warnings()  # recording here calls nbgrader's add_submission
        if todo:  # the workers start and warm up while the template is made here
            from distributed import as_completed

            from autograder.worker import grade_submission

            shared = zygote.path if zygote else None
            import nbgrader.apps  # noqa: F401 — before the cluster: its local workers fork with it

            if _FORK and not scheduler:  # once here, not once in each worker
                from autograder import feedback
                from autograder.coursedir import course_config

                feedback.warm(course_config())

            client = stack.enter_context(cluster(workers or os.cpu_count() or 1, scheduler))
            client.run(_warm, preload, limits.memory_gb, shared, wait=False)
        template = prepare_template(source, work, layout, limits)
        gradebook.ensure_assignments(course, template, layout)
        if todo:
            references = read_references(sources)
            # the template course as a task's result, not scattered: scattered data lives on the
            # workers present when it is sent, and dies with them; a task's result is computed
            # again (its data stays in the task) when the workers that held it are gone
            files = client.submit(
                _held, _template_files(template), key=f"template-{uuid.uuid4().hex[:8]}"
            )
            instructor = {
                (a, nb): instructor_code(released(template, a, nb))
                for a, nbs in layout.items()
                for nb in nbs
            }
            futures = {
                client.submit(
                    grade_submission,
                    _task(s, references, limits, preload, shared),
                    files,
                    key=f"grade-{s.student}-{uuid.uuid4().hex[:8]}",
                    pure=False,
                ): s
                for s in todo
            }
            summary.prepare()  # its imports, while the first students are graded
            for fut in as_completed(futures):
                sub = futures[fut]
                try:
                    rec = _store(fut.result(), sub, work, out, layout, instructor)
                except Exception as err:  # noqa: BLE001 — one student never stops the class
                    rec = _failed(sub, err)
                _write_json(out / "results" / f"{sub.student}.json", rec)
                records[sub.student] = rec
                # recorded and read back now, while the workers grade the next students
                _record_once(course, work, sub, layout, rec, out)
                scores[sub.student] = _scores(course, sub, layout)
                bar.update(failed=bool(rec["problems"] or rec["flags"]))
    bar.close()
    ordered = [records[s.student] for s in subs]
    for sub, rec in zip(subs, ordered):  # one process writes the gradebook, student by student
        if sub.student not in scores:  # graded in an earlier run (its scores may have changed)
            _record_once(course, work, sub, layout, rec, out)  # a run stopped before recording
            scores[sub.student] = _scores(course, sub, layout)
        rec["assignments"] = scores[sub.student]
    gradebook.export_csv(course, out / "grades.csv")
    summary.write_outputs(ordered, layout, out)
    return ordered


# --------------------------------------------------------------------------- command line
def add_arguments(parser) -> None:
    """The options of ``python -m autograder grade``."""
    parser.add_argument(
        "submissions", type=Path, help="folder <student>/<assignment>/<notebook>.ipynb, or a zip"
    )
    parser.add_argument(
        "--out", type=Path, required=True, help="folder for grades, feedback, summary"
    )
    parser.add_argument(
        "--course",
        type=Path,
        default=REPO,
        help="nbgrader course directory: its source/ is graded against and its "
        "gradebook.db receives the scores (default: this repository)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="processes of the local Dask cluster: students graded at once (default: one per core)",
    )
    parser.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="grade on an existing Dask cluster (tcp://host:8786) instead of a "
        "local one; its workers need this package installed",
    )
    parser.add_argument(
        "--cell-timeout", type=int, default=Limits.cell_timeout, help="seconds per cell"
    )
    parser.add_argument(
        "--notebook-timeout",
        type=int,
        default=Limits.notebook_timeout,
        help="wall-clock seconds per notebook",
    )
    parser.add_argument(
        "--memory-gb",
        type=float,
        default=Limits.memory_gb,
        help="memory limit of a grading process and its kernels",
    )


def run(args) -> int:
    if not args.submissions.exists():
        raise SystemExit(f"{args.submissions}: no such folder or zip")
    if args.workers is not None and args.workers < 1:
        raise SystemExit("--workers must be at least 1")
    limits = Limits(args.cell_timeout, args.notebook_timeout, args.memory_gb)
    records = grade(
        args.submissions,
        args.out,
        course=args.course,
        workers=args.workers,
        scheduler=args.scheduler,
        limits=limits,
    )
    problems = sum(bool(r["problems"]) for r in records)
    flagged = sum(bool(r["flags"]) for r in records)
    print(
        f"graded {len(records)} students into {args.course.resolve() / 'gradebook.db'}: "
        f"{args.out / 'grades.csv'}; {problems} with problems, {flagged} flagged for review "
        f"(see {args.out / 'summary.md'})"
    )
    return 0
