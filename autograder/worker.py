"""``python -m autograder.worker COURSE ASSIGNMENT STUDENT``: autograde one submission and
generate its feedback in one process, with nbgrader's own API.

Run by :mod:`autograder.grading` under a wall-clock and a memory limit. Reads the verdicts'
references as JSON on standard input (``{notebook: {grade_id: checks}}``), so they never sit
in a file the student's kernel could open. Prints one line:
``AUTOGRADER-RESULT {"autograde": bool, "feedback": bool, "log": "…"}``.
"""

import json
import os
import sys


def main(course: str, assignment: str, student: str) -> int:
    references = json.loads(sys.stdin.read() or "{}")
    os.chdir(course)
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=course).load_config()
    config.Judge.references = references
    api = NbGraderAPI(CourseDirectory(config=config), config=config)
    graded = api.autograde(assignment, student, force=True)
    result = {"autograde": bool(graded["success"]), "feedback": False,
              "log": (graded.get("error") or graded.get("log") or "")[-2000:]}
    if graded["success"]:
        fed = api.generate_feedback(assignment, student, force=True)
        result["feedback"] = bool(fed["success"])
        if not fed["success"]:
            result["log"] += (fed.get("error") or "")[-1000:]
    print("AUTOGRADER-RESULT " + json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
