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

Each student is graded by a real ``nbgrader autograde`` in a course directory of their
own (a copy of the template gradebook, and no instructor notebook: the verdicts' references
reach the grading process on a pipe), in a subprocess with a wall-clock limit and a memory
limit, so a notebook that loops, crashes its kernel or exhausts memory costs only its own
points. A student whose results file exists is not graded again: rerunning resumes, and
gives the same grades.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
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


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    env.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def assignment_layout(source: Path) -> dict[str, list[str]]:
    """{assignment: [notebook names]} from an nbgrader source directory."""
    layout = {}
    for adir in sorted(p for p in source.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))):
        notebooks = sorted(p.stem for p in adir.glob("*.ipynb"))
        if notebooks:
            layout[adir.name] = notebooks
    return layout


# --------------------------------------------------------------------------- collect
@dataclasses.dataclass
class Submission:
    student: str
    notebooks: dict[str, dict[str, Path]]  # assignment → notebook → path
    problems: list[str]


def _unzip(archive: Path, into: Path) -> Path:
    with zipfile.ZipFile(archive) as zf:
        for member in zf.namelist():
            target = (into / member).resolve()
            if not str(target).startswith(str(into.resolve())):
                raise ValueError(f"{archive}: unsafe path {member!r} in the zip")
        zf.extractall(into)
    entries = [p for p in into.iterdir() if not p.name.startswith("__MACOSX")]
    return entries[0] if len(entries) == 1 and entries[0].is_dir() and _looks_nested(entries[0]) else into


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
    for sdir in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))):
        sub = Submission(sdir.name, {}, [])
        for adir in sorted(p for p in sdir.iterdir() if p.is_dir()):
            if adir.name not in layout:
                sub.problems.append(f"unknown assignment folder {adir.name!r} (expected one of "
                                    f"{', '.join(layout)}): not graded")
                continue
            expected = layout[adir.name]
            found = {p.stem: p for p in adir.glob("*.ipynb") if not p.name.startswith(".")}
            for name, path in found.items():
                if name not in expected:
                    sub.problems.append(
                        f"{adir.name}/{path.name}: misnamed (expected {', '.join(n + '.ipynb' for n in expected)}); "
                        "scored 0 — rename it and regrade")
                    continue
                try:
                    nbformat.read(path, as_version=4)
                except Exception as err:  # noqa: BLE001 — any unreadable file is one problem line
                    sub.problems.append(f"{adir.name}/{path.name}: not a valid notebook ({type(err).__name__}); scored 0")
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
        named_regexp=rf"^(?P<student_id>.+)_(?P<file_id>{names})\.ipynb$")


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


def write_course_config(course: Path, limits: Limits) -> None:
    (course / "nbgrader_config.py").write_text(_COURSE_CONFIG.format(
        course_config=str(COURSE_CONFIG), root=str(course), db=str(course / "gradebook.db"),
        cell_timeout=limits.cell_timeout))


def _nbgrader(args: list[str], course: Path, limits: Limits) -> subprocess.CompletedProcess:
    return _run_limited([sys.executable, "-m", "nbgrader", *args], course, limits)


def _run_limited(cmd: list[str], course: Path, limits: Limits, timeout: float | None = None,
                 stdin: str = "") -> subprocess.CompletedProcess:
    """Run ``cmd`` in ``course`` under the memory limit; kill its whole group on timeout."""
    limit = str(int(limits.memory_gb * 1024**3))
    cmd = [sys.executable, "-m", "autograder.limit", limit, "--", *cmd]
    proc = subprocess.Popen(cmd, cwd=course, env=_env(), stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    try:
        out, _ = proc.communicate(input=stdin, timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        raise TimeoutError(out) from None
    return subprocess.CompletedProcess(cmd, proc.returncode, out, "")


def read_references(source: Path, layout: dict[str, list[str]]) -> dict:
    """``{assignment: {notebook: {grade_id: checks}}}`` from the instructor's notebooks."""
    from autograder.verdict import references

    return {a: {nb: references(nbformat.read(source / a / f"{nb}.ipynb", as_version=4))
                for nb in nbs} for a, nbs in layout.items()}


def prepare_template(source: Path, work: Path, layout: dict[str, list[str]], limits: Limits) -> Path:
    """A course directory whose gradebook knows every assignment (generate_assignment).

    Its ``source/`` keeps only the assignments' other files (what autograde copies next to a
    submission): the instructor notebooks, which hold the verdicts' references, are removed once
    the assignment is generated, so no student's kernel can find them in the grading folders.
    """
    template = work / "_template"
    digest = _source_digest(source)
    stamp = template / "source.sha256"
    if stamp.exists() and stamp.read_text() == digest and (template / "gradebook.db").exists():
        return template
    shutil.rmtree(template, ignore_errors=True)
    template.mkdir(parents=True)
    shutil.copytree(source, template / "source")
    write_course_config(template, limits)
    for assignment in layout:
        done = _nbgrader(["generate_assignment", assignment, "--force"], template, limits)
        if done.returncode != 0:
            raise SystemExit(f"nbgrader generate_assignment {assignment} failed:\n{done.stdout}")
    for path in (template / "source").rglob("*.ipynb"):
        path.unlink()
    stamp.write_text(digest)
    return template


def released(template: Path, assignment: str, notebook: str):
    """The student version of ``notebook``, as the template released it."""
    return nbformat.read(template / "assignments" / assignment / f"{notebook}.ipynb", as_version=4)


# --------------------------------------------------------------------------- one student
def _read_grades(db: Path, assignment: str, notebooks: list[str], student: str) -> dict:
    from nbgrader.api import Gradebook, MissingEntry

    out = {}
    with Gradebook(f"sqlite:///{db}") as gb:
        for nb in notebooks:
            parts = {}
            for cell in gb.find_notebook(nb, assignment).grade_cells:
                try:
                    g = gb.find_grade(cell.name, nb, assignment, student)
                    score = g.score
                    needs_manual = bool(g.needs_manual_grade)
                except MissingEntry:
                    score, needs_manual = 0.0, False
                parts[cell.name] = {"score": float(score or 0), "max": float(cell.max_score),
                                    "manual": needs_manual}
            out[nb] = parts
    return out


def grade_student(sub: Submission, template: Path, work: Path, out: Path,
                  layout: dict[str, list[str]], limits: Limits, references: dict) -> dict:
    """Autograde one student's every assignment; returns and writes the results record.

    Scores are nbgrader's (judged by :mod:`autograder.verdict`). The tamper audit only adds
    flags for the instructor to review: it never changes a score.
    """
    course = work / sub.student
    shutil.rmtree(course, ignore_errors=True)
    course.mkdir(parents=True)
    shutil.copy2(template / "gradebook.db", course / "gradebook.db")
    os.symlink(template / "source", course / "source")
    write_course_config(course, limits)
    record = {"student": sub.student, "assignments": {}, "problems": list(sub.problems),
              "flags": [], "seconds": 0.0}
    start = time.perf_counter()
    for assignment, expected in layout.items():
        given = sub.notebooks.get(assignment, {})
        for nb, path in given.items():
            dest = course / "submitted" / sub.student / assignment / f"{nb}.ipynb"
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, dest)
            flags = audit_notebook(nbformat.read(path, as_version=4),
                                   instructor_code(released(template, assignment, nb)))
            if flags:
                record["flags"].append(f"{assignment}/{nb}.ipynb: " + "; ".join(flags[:5])
                                       + (f" (+{len(flags) - 5} more)" if len(flags) > 5 else ""))
        if given:
            _autograde(course, assignment, sub.student, given, out, limits, record,
                       references.get(assignment, {}))
        grades = (_read_grades(course / "gradebook.db", assignment, expected, sub.student) if given
                  else _zero_grades(template, assignment, expected))
        for nb, parts in grades.items():
            if not (nb in given and _autograded(course, sub.student, assignment, nb)):
                for part in parts.values():  # missing, unreadable or stopped: nothing ran
                    part["score"] = 0.0
        record["assignments"][assignment] = grades
    record["seconds"] = round(time.perf_counter() - start, 2)
    _write_json(out / "results" / f"{sub.student}.json", record)
    return record


def _autograded(course: Path, student: str, assignment: str, nb: str) -> bool:
    return (course / "autograded" / student / assignment / f"{nb}.ipynb").exists()


def _zero_grades(template: Path, assignment: str, notebooks: list[str]) -> dict:
    """Every graded part of ``notebooks`` at score 0, with its maximum from the gradebook."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{template / 'gradebook.db'}") as gb:
        return {nb: {c.name: {"score": 0.0, "max": float(c.max_score), "manual": False}
                     for c in gb.find_notebook(nb, assignment).grade_cells} for nb in notebooks}


def _autograde(course: Path, assignment: str, student: str, given: dict, out: Path,
               limits: Limits, record: dict, references: dict) -> None:
    """nbgrader autograde + generate_feedback in a limited subprocess; problems → record."""
    seconds = limits.notebook_timeout * len(given)
    try:
        done = _run_limited([sys.executable, "-m", "autograder.worker", str(course), assignment, student],
                            course, limits, timeout=seconds, stdin=json.dumps(references))
    except TimeoutError:
        record["problems"].append(f"{assignment}: stopped after {seconds} s (wall-clock limit: an "
                                  "endless loop?); parts that did not finish score 0")
        return
    result = next((json.loads(line.split(" ", 1)[1]) for line in done.stdout.splitlines()
                   if line.startswith("AUTOGRADER-RESULT ")), None)
    if result is None or not result["autograde"]:
        log = result["log"] if result else done.stdout
        record["problems"].append(f"{assignment}: nbgrader could not finish autograding (kernel died "
                                  f"or exited?); parts that did not run score 0. {_tail(log)}")
        return
    for path in sorted((course / "autograded" / student / assignment).glob("*.ipynb")):
        record["problems"] += _execution_problems(assignment, path, limits)
    src = course / "feedback" / student / assignment
    if not result["feedback"] or not src.exists():
        record["problems"].append(f"{assignment}: feedback could not be generated")
        return
    dest = out / "feedback" / student / assignment
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(src, dest)


def _execution_problems(assignment: str, path: Path, limits: Limits) -> list[str]:
    """Lines for the summary: a cell that timed out, a kernel that died."""
    nb = nbformat.read(path, as_version=4)
    problems = []
    for index, cell in enumerate(nb.cells):
        names = {o.get("ename") for o in cell.get("outputs", []) if o.get("output_type") == "error"}
        if "CellTimeoutError" in names:
            problems.append(f"{assignment}/{path.name}: cell {index} ran longer than "
                            f"{limits.cell_timeout} s and was stopped; it scores 0")
        if any(o.get("evalue") == "the kernel died while running this cell"
               for o in cell.get("outputs", []) if o.get("ename") == "KernelDied"):
            problems.append(f"{assignment}/{path.name}: the kernel died in cell {index}; later "
                            "cells did not run and score 0")
    return problems


def _tail(text: str, n: int = 3) -> str:
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    return " | ".join(lines[-n:])[-400:]


def _write_json(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True))
    os.replace(tmp, path)  # atomic: an interrupted run never leaves half a record


# --------------------------------------------------------------------------- whole class
def _record_in_course(course: Path, work: Path, sub: Submission,
                      layout: dict[str, list[str]]) -> None:
    """Write the student's notebooks and scores into the course gradebook."""
    from autograder import gradebook

    for assignment, notebooks in layout.items():
        given = sub.notebooks.get(assignment, {})
        autograded = {nb: work / sub.student / "autograded" / sub.student / assignment / f"{nb}.ipynb"
                      for nb in given}
        autograded = {nb: p for nb, p in autograded.items() if p.exists()}
        gradebook.record(course, sub.student, assignment, notebooks, given, autograded)


def grade(submissions: Path, out: Path, *, course: Path = REPO, workers: int | None = None,
          limits: Limits = Limits(), progress=None) -> list[dict]:
    """Grade every student into ``course``'s gradebook; resume from ``out/results``; write
    grades, feedback and the summary to ``out``."""
    from autograder import gradebook, report

    course = course.resolve()
    source = course / "source"
    out = out.resolve()
    layout = assignment_layout(source) if source.is_dir() else {}
    if not layout:
        raise SystemExit(f"no assignments found in {source}: --course must be an nbgrader course "
                         "directory with source/<assignment>/<notebook>.ipynb")
    work = out / "work"
    work.mkdir(parents=True, exist_ok=True)
    subs = collect(submissions.resolve(), layout, work / "_unzipped")
    template = prepare_template(source, work, layout, limits)
    references = read_references(source, layout)
    gradebook.ensure_assignments(course, template, layout)
    records = {}
    todo = []
    for sub in subs:
        existing = out / "results" / f"{sub.student}.json"
        if existing.exists():
            records[sub.student] = json.loads(existing.read_text())
        else:
            todo.append(sub)
    workers = workers or os.cpu_count() or 1
    bar = progress or report.Progress(len(subs), already=len(records))
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {pool.submit(grade_student, s, template, work, out, layout, limits, references): s
                   for s in todo}
        for fut in concurrent.futures.as_completed(futures):
            sub = futures[fut]
            try:
                rec = fut.result()
            except Exception as err:  # noqa: BLE001 — one student's failure never stops the class
                rec = {"student": sub.student,
                       "assignments": {a: _zero_grades(template, a, nbs) for a, nbs in layout.items()},
                       "problems": [*sub.problems, f"grading failed: {type(err).__name__}: {err}"],
                       "flags": [], "seconds": 0.0}
                _write_json(out / "results" / f"{sub.student}.json", rec)
            records[sub.student] = rec
            bar.update(failed=bool(rec["problems"] or rec["flags"]))
    bar.close()
    ordered = [records[s.student] for s in subs]
    for sub, rec in zip(subs, ordered):  # one process writes the gradebook, student by student
        if not rec.get("recorded"):  # once per grading: a rerun leaves manual grading alone
            _record_in_course(course, work, sub, layout)
            rec["recorded"] = True
            _write_json(out / "results" / f"{sub.student}.json", rec)
        rec["assignments"] = {a: gradebook.read_scores(course, sub.student, a, nbs)
                              for a, nbs in layout.items()}
    gradebook.export_csv(course, out / "grades.csv")
    report.write_outputs(ordered, layout, out)
    return ordered


# --------------------------------------------------------------------------- command line
def add_arguments(parser) -> None:
    """The options of ``python -m autograder grade``."""
    parser.add_argument("submissions", type=Path,
                        help="folder <student>/<assignment>/<notebook>.ipynb, or a zip")
    parser.add_argument("--out", type=Path, required=True, help="folder for grades, feedback, summary")
    parser.add_argument("--course", type=Path, default=REPO,
                        help="nbgrader course directory: its source/ is graded against and its "
                             "gradebook.db receives the scores (default: this repository)")
    parser.add_argument("--workers", type=int, default=None, help="students graded at once (default: cores)")
    parser.add_argument("--cell-timeout", type=int, default=Limits.cell_timeout, help="seconds per cell")
    parser.add_argument("--notebook-timeout", type=int, default=Limits.notebook_timeout,
                        help="wall-clock seconds per notebook")
    parser.add_argument("--memory-gb", type=float, default=Limits.memory_gb,
                        help="memory limit of a grading process and its kernels")


def run(args) -> int:
    if not args.submissions.exists():
        raise SystemExit(f"{args.submissions}: no such folder or zip")
    if args.workers is not None and args.workers < 1:
        raise SystemExit("--workers must be at least 1")
    limits = Limits(args.cell_timeout, args.notebook_timeout, args.memory_gb)
    records = grade(args.submissions, args.out, course=args.course, workers=args.workers,
                    limits=limits)
    problems = sum(bool(r["problems"]) for r in records)
    flagged = sum(bool(r["flags"]) for r in records)
    print(f"graded {len(records)} students into {args.course.resolve() / 'gradebook.db'}: "
          f"{args.out / 'grades.csv'}; {problems} with problems, {flagged} flagged for review "
          f"(see {args.out / 'summary.md'})")
    return 0
