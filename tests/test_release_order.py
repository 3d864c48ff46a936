"""Nothing a student sees before a task may hold that task's answer.

For every graded cell of every source notebook, the references it is judged against
(``metadata.nncost.verdict``, the build-time numbers) must not appear in the RELEASED notebook
before the task's answer cell: not in a cell's text, not in an output, and not in what a code cell
would print when it is run — a figure or report of a course model (``nncost.course.q1()``) shows
that model's parameters, FLOPs and size.
"""

import ast
import os
import pathlib
import re

import nbformat
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

ROOT = pathlib.Path(__file__).resolve().parent.parent
RELEASES = sorted((ROOT / "assignments").glob("*/*.ipynb"))

#: numbers below this are the questions' own data (layer sizes, kernel sides, strides, points),
#: which a question must state; an answer worth hiding is a count, a size or a time.
SMALLEST_ANSWER = 10

COURSE_CALL = re.compile(r"nncost\.course\.(\w+)\(([^()]*)\)")
DISPLAY = re.compile(r"nncost\.(plot|widgets|profile|report)\b|\bprint\(|\.explain\(|\.summary\(")


def _source_of(release: pathlib.Path) -> pathlib.Path:
    return ROOT / "source" / release.parent.name / release.name


def _numbers(value):
    """The numbers in a check's reference (dict values, list items), booleans left out."""
    if isinstance(value, dict):
        return [n for v in value.values() for n in _numbers(v)]
    if isinstance(value, (list, tuple)):
        return [n for v in value for n in _numbers(v)]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return [value]
    return []


def _answers(check: dict) -> set:
    """The answers a check holds: numbers, and shapes as tuples (a model check's sizes, like the
    dimensions of a shape, are the question's data)."""
    kind, want = check["kind"], check.get("want")
    if kind == "model" or kind in ("accuracy", "split", "frozen", "finetune"):
        return set()
    if kind == "numbers":
        return {tuple(want)}
    if kind == "items" and check.get("of") == "shape":
        # a one-axis shape after a map is what Flatten computes; the ones after it are the
        # Dense layers' units, which the question gives
        return {
            tuple(item) if len(item) > 1 else item[0]
            for i, item in enumerate(want)
            if len(item) > 1 or (i and len(want[i - 1]) > 1)
        }
    return {
        n
        for n in _numbers(want)
        if abs(n) >= SMALLEST_ANSWER or (isinstance(n, float) and not n.is_integer())
    }


def _spellings(answer) -> set[str]:
    """How an answer may be written: 121930, 121,930, 0.2578125, 1.21e-07, 15×15×32, (15, 15, 32)."""
    if isinstance(answer, tuple):
        return {
            "×".join(map(str, answer)),
            "\\times".join(map(str, answer)),
            str(answer),
            str(list(answer)),
            ", ".join(map(str, answer)),
        }
    if isinstance(answer, float) and not answer.is_integer():
        return {repr(answer), f"{answer:g}"}
    n = int(answer)
    return {str(n), f"{n:,}", f"{n:_}"}


def _mentions(text: str, answer) -> bool:
    edge = "×" if isinstance(answer, tuple) else ""  # 7×7 is not in 7×7×512; 32 is in 32×
    return any(
        re.search(rf"(?<![\w.,{edge}]){re.escape(s)}(?![\w{edge}]|[.,]\d)", text)
        for s in _spellings(answer)
    )


def _shown_by(code: str) -> set:
    """What the course models called in ``code`` would print. A figure, report, explorer or
    print shows the totals, size, time and per-layer costs; a check (``nncost.checks``) shows at
    most the parameter count Keras gives anyway; anything else (``len(compute(...))``) nothing."""
    import nncost
    import nncost.course

    shown = set()
    for line in code.splitlines():
        for name, args in COURSE_CALL.findall(line):
            model = getattr(nncost.course, name)(*ast.literal_eval(f"({args},)" if args else "()"))
            steps = re.search(r"seq_len=(\d+)", line)  # explore(q7(), seq_len=5)
            report = nncost.profile(model, seq_len=int(steps.group(1)) if steps else None)
            if "nncost.checks." in line:
                shown.add(report.params)
            if not DISPLAY.search(line):
                continue
            shown |= {
                report.params,
                report.flops,
                report.model_size_bytes,
                report.model_size_bytes / 1024,
                report.inference_time(1e9),
            }
            shown |= {row.params for row in report.layers} | {row.flops for row in report.layers}
    return shown


def _cell_text(cell) -> str:
    outputs = cell.get("outputs", [])
    parts = [cell.source]
    for out in outputs:
        parts.append(out.get("text", ""))
        parts.extend(str(v) for v in out.get("data", {}).values())
    return "\n".join(parts)


def _tasks(source_cells, release_cells):
    """(grade_id, answers, index of the task's answer cell in the release) per graded cell."""
    ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in release_cells]
    for cell in source_cells:
        checks = cell.metadata.get("nncost", {}).get("verdict")
        if not checks:
            continue
        gid = cell.metadata["nbgrader"]["grade_id"]
        at = ids.index(gid)
        answer = max(
            i for i in range(at) if release_cells[i].metadata.get("nbgrader", {}).get("solution")
        )
        answers = set().union(*(_answers(c) for c in checks))
        # a count the task's own question states (Dense(200) → 200 filters) is its data
        question = next(
            c.source for c in reversed(release_cells[:answer]) if c.cell_type == "markdown"
        )
        stated = {a for a in answers if not isinstance(a, tuple) and _mentions(question, a)}
        yield gid, answers - stated, answer


@pytest.mark.parametrize("release", RELEASES, ids=[p.parent.name for p in RELEASES])
def test_no_answer_is_shown_before_its_task(release):
    release_cells = nbformat.read(release, as_version=4).cells
    source_cells = nbformat.read(_source_of(release), as_version=4).cells
    shown_cache: dict[int, set] = {}
    leaks = []
    for gid, answers, answer_at in _tasks(source_cells, release_cells):
        for i, cell in enumerate(release_cells[:answer_at]):
            text = _cell_text(cell)
            for number in sorted(answers, key=str):
                if _mentions(text, number):
                    leaks.append(f"{gid}: {number} in cell {i} ({cell.source[:60]!r})")
            if cell.cell_type == "code" and COURSE_CALL.search(cell.source):
                if i not in shown_cache:
                    shown_cache[i] = _shown_by(cell.source)
                for number in sorted(answers & shown_cache[i], key=str):
                    leaks.append(f"{gid}: cell {i} would print {number} ({cell.source[:60]!r})")
    assert not leaks, (
        "answers shown before their task — move the cell after the task's graded cell "
        "(source/<assignment>/<assignment>.ipynb):\n" + "\n".join(leaks)
    )


def test_the_scan_finds_a_figure_placed_before_its_task():
    """The check above can fail: Q1's network figure before Task 1.1 prints Q1's answers."""
    import nncost.course

    shown = _shown_by("nncost.plot.network(nncost.course.q1())")
    q1 = nncost.profile(nncost.course.q1())
    # by hand: 5*5+5 + 5*5+5 + 5*1+1 = 66 parameters, 66*4 = 264 bytes
    assert q1.params == 66 and {66, 264, q1.flops} <= shown
    assert _mentions("66 parameters × 4 bytes = 264 bytes", 264)
    assert not _mentions("2640 bytes", 264) and not _mentions("1.264", 264)
    assert _mentions("a 15×15×32 map", (15, 15, 32)) and not _mentions("115×15×32", (15, 15, 32))
    assert _mentions("[(30, 30, 32), …]", (30, 30, 32)) and not _mentions("7×7×512", (7, 7))
    assert _mentions("32× smaller than the image", 32)
    checked = _shown_by('nncost.checks.check_model(nncost.course.q1(), "q1")')
    assert 66 in checked and q1.flops not in checked
    assert not _shown_by("assert len(compute(nncost.course.q1())) == 2")
