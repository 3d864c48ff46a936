"""What the instructor reads after grading: summary, per-question means, histogram, and the
progress line while grading runs. (``grades.csv`` is nbgrader's own export of the gradebook:
:func:`autograder.gradebook.export_csv`.)

Parts graded by a person that no one has graded yet are *awaiting manual grading*: they are
counted apart, never reported as a 0 the student earned.
"""

from __future__ import annotations

import csv
import statistics
import sys
import time
from pathlib import Path


class Progress:
    """One line on stderr: done / failed / elapsed / ETA."""

    def __init__(self, total: int, already: int = 0, stream=sys.stderr):
        self.total, self.done, self.failed = total, already, 0
        self.start, self.fresh, self.stream = time.perf_counter(), 0, stream
        self._draw()

    def update(self, failed: bool = False) -> None:
        self.done += 1
        self.fresh += 1
        self.failed += int(failed)
        self._draw()

    def _draw(self) -> None:
        elapsed = time.perf_counter() - self.start
        left = self.total - self.done
        eta_text = _mmss(elapsed / self.fresh * left) if self.fresh else "--:--"
        self.stream.write(
            f"\rgraded {self.done}/{self.total}  with problems {self.failed}  "
            f"elapsed {_mmss(elapsed)}  ETA {eta_text} "
        )
        self.stream.flush()

    def close(self) -> None:
        self.stream.write("\n")
        self.stream.flush()


def _mmss(seconds: float) -> str:
    return f"{int(seconds // 60):02d}:{int(seconds % 60):02d}"


def _parts(record: dict, assignment: str) -> list[dict]:
    return [p for nb in record["assignments"].get(assignment, {}).values() for p in nb.values()]


def totals(record: dict, assignment: str) -> tuple[float, float]:
    """(score, max score) of ``assignment`` in ``record``, as nbgrader totals them."""
    parts = _parts(record, assignment)
    return sum(p["score"] for p in parts), sum(p["max"] for p in parts)


def awaiting(record: dict, assignment: str, flag: str = "awaiting") -> tuple[int, float]:
    """(parts, points) of ``assignment`` that still wait for a person to grade them
    (``flag="review"``: that a person graded, autograded again since)."""
    parts = [p for p in _parts(record, assignment) if p.get(flag)]
    return len(parts), sum(p["max"] for p in parts)


def _parts_text(n: int, points: float) -> str:
    return f"{n} part{'s' if n != 1 else ''}, {_fmt(points)} point{'s' if points != 1 else ''}"


def handed_in(records: list[dict], assignment: str) -> list[dict]:
    """The records of the students who handed ``assignment`` in."""
    return [r for r in records if assignment in r.get("assignments", {})]


def write_outputs(records: list[dict], layout: dict[str, list[str]], out: Path) -> None:
    """per_question.csv, histogram.png and summary.md, of the assignments someone handed in
    (each over the students who handed it in)."""
    layout = {a: nbs for a, nbs in layout.items() if handed_in(records, a)}
    means = _per_question(records, layout, out / "per_question.csv")
    _histogram(records, layout, out / "histogram.png")
    _summary(records, layout, means, out / "summary.md")


def _fmt(x: float) -> str:
    return f"{x:g}"


def _per_question(records, layout, path: Path) -> dict:
    means = {}
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(
            ["assignment", "notebook", "part", "max_score", "mean_score", "mean_percent"]
        )
        for assignment, notebooks in layout.items():
            for nb in notebooks:
                names = []
                for rec in records:
                    names += [
                        n
                        for n in rec["assignments"].get(assignment, {}).get(nb, {})
                        if n not in names
                    ]
                for part in names:
                    graded = [
                        rec["assignments"][assignment][nb][part]
                        for rec in records
                        if part in rec["assignments"].get(assignment, {}).get(nb, {})
                    ]
                    maxes = [p["max"] for p in graded]
                    # a part no one has graded yet has no score to average
                    scores = [p["score"] for p in graded if not p.get("awaiting")]
                    if not scores:
                        continue
                    mean = statistics.fmean(scores) if scores else 0.0
                    top = maxes[0] if maxes else 0.0
                    means[(assignment, nb, part)] = (mean, top)
                    writer.writerow(
                        [
                            assignment,
                            nb,
                            part,
                            _fmt(top),
                            f"{mean:.2f}",
                            f"{100 * mean / top:.0f}" if top else "",
                        ]
                    )
    return means


def prepare() -> None:
    """Import what drawing the histogram imports (matplotlib, 0.4 s), in a thread of its own:
    the grading process does it while it waits for the workers' first results, not after
    the last one."""
    import threading

    def load() -> None:
        import matplotlib.backends.backend_agg  # what Figure.savefig uses
        import matplotlib.figure  # noqa: F401

    threading.Thread(target=load, name="summary-prepare", daemon=True).start()


def _histogram(records, layout, path: Path) -> None:
    from matplotlib.figure import Figure  # no pyplot: no global backend, no figure manager

    fig = Figure(figsize=(4 * len(layout), 3))
    axes = fig.subplots(1, len(layout), squeeze=False)
    for ax, assignment in zip(axes[0], layout):
        scores = [totals(r, assignment)[0] for r in handed_in(records, assignment)]
        top = max((totals(r, assignment)[1] for r in records), default=1) or 1
        ax.hist(
            scores,
            bins=min(10, max(1, int(top))),
            range=(0, top),
            color="#4c72b0",
            edgecolor="white",
        )
        ax.set_title(assignment)
        ax.set_xlabel(f"score (out of {_fmt(top)})")
        ax.set_ylabel("students")
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def _summary(records, layout, means, path: Path) -> None:
    lines = [f"# Class summary: {len(records)} students", ""]
    for assignment in layout:
        scores = [totals(r, assignment)[0] for r in handed_in(records, assignment)]
        top = max((totals(r, assignment)[1] for r in records), default=0)
        mean = statistics.fmean(scores) if scores else 0.0
        heading = (
            f"## {assignment}: mean {mean:.2f} / {_fmt(top)} "
            f"({len(scores)} of {len(records)} students handed it in)"
        )
        lines += [heading, ""]
        waiting = [awaiting(r, assignment) for r in records]
        n_parts, n_points = sum(w[0] for w in waiting), sum(w[1] for w in waiting)
        if n_parts:
            students = sum(1 for w in waiting if w[0])
            note = (
                f"**awaiting manual grading: {_parts_text(n_parts, n_points)}** "
                f"({students} students; grade them in Nbgrader → Formgrader, then run "
                "`nbgrader export`); the mean counts them as 0 until then."
            )
            lines += [note, ""]
        review = [awaiting(r, assignment, "review") for r in records]
        if any(n for n, _ in review):
            n_parts, n_points = sum(w[0] for w in review), sum(w[1] for w in review)
            note = (
                f"**to review: {_parts_text(n_parts, n_points)}** graded by a person and "
                "autograded again since; the person's scores stand (Formgrader)."
            )
            lines += [note, ""]
        lines += ["| part | mean | max | % |", "| --- | --- | --- | --- |"]
        worst = sorted(
            ((m / t if t else 1, k) for k, (m, t) in means.items() if k[0] == assignment)
        )
        for (a, nb, part), (m, t) in ((k, means[k]) for _, k in worst):
            lines.append(
                f"| {nb}/{part} | {m:.2f} | {_fmt(t)} | {100 * m / t:.0f} |"
                if t
                else f"| {nb}/{part} | {m:.2f} | 0 | |"
            )
        lines.append("")
    problems = [(r["student"], p) for r in records for p in r["problems"]]
    flags = [(r["student"], f) for r in records for f in r["flags"]]
    lines += ["## Problems (graded anyway; these parts scored 0)", ""]
    lines += [f"- {s}: {p}" for s, p in problems] or ["- none"]
    lines += [
        "",
        "## Flagged for review (the scores stand as graded: read the lines, then decide)",
        "",
    ]
    lines += [f"- {s}: {f}" for s, f in flags] or ["- none"]
    path.write_text("\n".join(lines) + "\n")
