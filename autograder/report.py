"""What the instructor reads after grading: grades.csv, summary, per-question means,
histogram, and the progress line while grading runs."""

from __future__ import annotations

import csv
import statistics
import sys
import time
from pathlib import Path

#: nbgrader's CSV export columns (nbgrader.plugins.export.CsvExportPlugin)
CSV_COLUMNS = ["assignment", "duedate", "timestamp", "student_id", "last_name", "first_name",
               "email", "raw_score", "late_submission_penalty", "score", "max_score"]


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
        self.stream.write(f"\rgraded {self.done}/{self.total}  with problems {self.failed}  "
                          f"elapsed {_mmss(elapsed)}  ETA {eta_text} ")
        self.stream.flush()

    def close(self) -> None:
        self.stream.write("\n")
        self.stream.flush()


def _mmss(seconds: float) -> str:
    return f"{int(seconds // 60):02d}:{int(seconds % 60):02d}"


def totals(record: dict, assignment: str) -> tuple[float, float]:
    parts = [p for nb in record["assignments"].get(assignment, {}).values() for p in nb.values()]
    return sum(p["score"] for p in parts), sum(p["max"] for p in parts)


def write_outputs(records: list[dict], layout: dict[str, list[str]], out: Path) -> None:
    _grades_csv(records, layout, out / "grades.csv")
    means = _per_question(records, layout, out / "per_question.csv")
    _histogram(records, layout, out / "histogram.png")
    _summary(records, layout, means, out / "summary.md")


def _fmt(x: float) -> str:
    return f"{x:g}"


def _grades_csv(records, layout, path: Path) -> None:
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        for rec in records:
            for assignment in layout:
                score, max_score = totals(rec, assignment)
                writer.writerow({
                    "assignment": assignment, "duedate": "", "timestamp": "",
                    "student_id": rec["student"], "last_name": "", "first_name": "", "email": "",
                    "raw_score": _fmt(score), "late_submission_penalty": "0",
                    "score": _fmt(score), "max_score": _fmt(max_score),
                })


def _per_question(records, layout, path: Path) -> dict:
    means = {}
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["assignment", "notebook", "part", "max_score", "mean_score", "mean_percent"])
        for assignment, notebooks in layout.items():
            for nb in notebooks:
                names = []
                for rec in records:
                    names += [n for n in rec["assignments"].get(assignment, {}).get(nb, {}) if n not in names]
                for part in names:
                    scores = [rec["assignments"][assignment][nb][part]["score"] for rec in records
                              if part in rec["assignments"].get(assignment, {}).get(nb, {})]
                    maxes = [rec["assignments"][assignment][nb][part]["max"] for rec in records
                             if part in rec["assignments"].get(assignment, {}).get(nb, {})]
                    mean = statistics.fmean(scores) if scores else 0.0
                    top = maxes[0] if maxes else 0.0
                    means[(assignment, nb, part)] = (mean, top)
                    writer.writerow([assignment, nb, part, _fmt(top), f"{mean:.2f}",
                                     f"{100 * mean / top:.0f}" if top else ""])
    return means


def _histogram(records, layout, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(layout), figsize=(4 * len(layout), 3), squeeze=False)
    for ax, assignment in zip(axes[0], layout):
        scores = [totals(r, assignment)[0] for r in records]
        top = max((totals(r, assignment)[1] for r in records), default=1) or 1
        ax.hist(scores, bins=min(10, max(1, int(top))), range=(0, top), color="#4c72b0", edgecolor="white")
        ax.set_title(assignment)
        ax.set_xlabel(f"score (out of {_fmt(top)})")
        ax.set_ylabel("students")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _summary(records, layout, means, path: Path) -> None:
    lines = [f"# Class summary: {len(records)} students", ""]
    for assignment in layout:
        scores = [totals(r, assignment)[0] for r in records]
        top = max((totals(r, assignment)[1] for r in records), default=0)
        mean = statistics.fmean(scores) if scores else 0.0
        lines += [f"## {assignment}: mean {mean:.2f} / {_fmt(top)}", "",
                  "| part | mean | max | % |", "| --- | --- | --- | --- |"]
        worst = sorted(((m / t if t else 1, k) for k, (m, t) in means.items() if k[0] == assignment))
        for (a, nb, part), (m, t) in ((k, means[k]) for _, k in worst):
            lines.append(f"| {nb}/{part} | {m:.2f} | {_fmt(t)} | {100 * m / t:.0f} |" if t
                         else f"| {nb}/{part} | {m:.2f} | 0 | |")
        lines.append("")
    problems = [(r["student"], p) for r in records for p in r["problems"]]
    flags = [(r["student"], f) for r in records for f in r["flags"]]
    lines += ["## Problems (graded anyway; these parts scored 0)", ""]
    lines += [f"- {s}: {p}" for s, p in problems] or ["- none"]
    lines += ["", "## Flagged for review (tampering suspected; autograded parts scored 0)", ""]
    lines += [f"- {s}: {f}" for s, f in flags] or ["- none"]
    path.write_text("\n".join(lines) + "\n")
