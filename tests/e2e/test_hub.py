"""A semester on a real JupyterHub, in a real browser (issue 11; README "Teach with it").

``autograder/hub/provision.py`` sets the machine up for a hub of this test's own (its users
``e2e-instructor``, ``e2e-studenta``, ``e2e-studentb``; its state in ``build/hub-e2e/``, its
exchange in ``/srv/nbgrader/e2e-exchange``; free ports), and JupyterHub runs with the
repository's ``jupyterhub_config.py``. Then, as on a course's hub:

1. the instructor generates and releases ``dense`` and ``cnn_concepts`` with the formgrader's
   buttons (their API: the same ``nbgrader`` commands, in the instructor's server);
2. student A logs in, fetches both in the Assignments tab of her JupyterLab, answers them right
   (the instructor's solutions, written through her own server's contents API; all but
   cnn_concepts' two training exercises, graded in tests/test_cnn_concepts.py) and submits
   them there; student B fetches and submits ``dense`` with a mistake (nbgrader's command line);
3. the instructor collects, grades the course's ``submitted/`` with this project's grader
   (``python -m autograder grade submitted --course . --out graded``), gives a free-text
   answer of A's its points in the formgrader, then generates and releases feedback;
4. A fetches her feedback in the Assignments tab and reads it: her scores and the checks'
   messages, and none of the hidden tests' code.

Student B cannot list the exchange's submissions or feedback, nor read A's home (her work, her
feedback, the secrets that name her feedback in the exchange) or the instructor's (collected
submissions, source notebooks), nor the repository's solutions. Screenshots of each step:
``build/e2e/hub-*.png``. Needs root (it creates system users), Debian's chromium and npm.
"""

from __future__ import annotations

import html
import json
import os
import pwd
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
import warnings
from pathlib import Path

import nbformat
import pytest

from tests.e2e.lab import CHROMIUM, FLAGS, ROOT, SHOTS, _free_port, give_manual_score

INSTRUCTOR, A, B = "e2e-instructor", "e2e-studenta", "e2e-studentb"
EXCHANGE = Path("/srv/nbgrader/e2e-exchange")
RELEASED = ("dense", "cnn_concepts")
FREE_TEXT = "ex1_answer"  #: a cnn_concepts part graded by hand (3 points)
#: B's mistake (tests/test_grade_course.py): compute's FLOPs without the activations, which
#: costs compute's FLOPs, both times, the chart and the comparison: 2 + 1 + 1 + 1 + 1 points
B_MISTAKE = ("compute_answer", "flops += 2 * n_in * n_out + n_out * a", "flops += 2 * n_in * n_out")
B_LOSES = 6
#: what A leaves unanswered: cnn_concepts' two training exercises (a minute of training to
#: grade; tests/test_cnn_concepts.py grades them)
A_SKIPS = ("ex9_", "ex10_")

pytestmark = [
    pytest.mark.skipif(
        os.geteuid() != 0, reason="the hub's setup creates system users: run as root (CI does)"
    ),
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="Debian's chromium is not installed: run `make e2e` (it installs it with apt-get)",
    ),
    pytest.mark.skipif(
        shutil.which("npm") is None,
        reason="npm is missing (configurable-http-proxy comes from npm): run `make npm`",
    ),
]


def _processes_of(users: tuple[str, ...]) -> list[int]:
    uids = {pwd.getpwnam(u).pw_uid for u in users}
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid in uids:
                    found.append(int(entry.name))
            except FileNotFoundError:
                continue
    return found


def _wait_for(url: str, server: subprocess.Popen, log: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(
                f"JupyterHub exited ({server.returncode}):\n{log.read_text()[-3000:]}"
            )
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"JupyterHub did not answer {url} within {timeout} s")


@pytest.fixture(scope="module")
def hub():
    from autograder.hub import provision

    state = ROOT / "build" / "hub-e2e"
    shutil.rmtree(EXCHANGE, ignore_errors=True)  # a new semester: nothing released, no one
    for user in (INSTRUCTOR, A, B):
        shutil.rmtree(provision.home(user), ignore_errors=True)
    spec = provision.Hub(
        state=state,
        exchange=EXCHANGE,
        instructor=INSTRUCTOR,
        students=(A, B),
        port=_free_port(),
        hub_port=_free_port(),
        proxy_api_port=_free_port(),
    )
    provision.provision(spec, log=lambda line: None)
    log_path = state / "jupyterhub.log"
    for stale in ("jupyterhub.sqlite", "jupyterhub.pid"):
        (state / stale).unlink(missing_ok=True)
    with open(log_path, "w") as log:
        server = subprocess.Popen(
            [
                Path(sys.prefix) / "bin" / "jupyterhub",
                "-f",
                ROOT / "autograder" / "hub" / "jupyterhub_config.py",
            ],
            cwd=state,
            env={**os.environ, "NNCOST_HUB_STATE": str(state)},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            _wait_for(f"{spec.url}/hub/api", server, log_path)
            yield spec
        finally:
            server.send_signal(signal.SIGTERM)  # the hub stops every user's server and the proxy
            try:
                server.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
            for pid in _processes_of(spec.users):  # anything the users' servers left behind
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass


def _as(hub, user: str, *cmd, cwd: Path | None = None, check: bool = True):
    from autograder.hub import provision

    return provision.as_user(user, list(cmd), python=hub.python(), cwd=cwd, check=check)


def _denied(hub, user: str, path: Path) -> None:
    tried = _as(hub, user, "ls", path, check=False, cwd=Path("/tmp"))
    assert tried.returncode != 0 and "Permission denied" in tried.stderr, (path, tried.stderr)


def _log_in(browser, hub, user: str):
    """A browser of its own for ``user``, logged in: the hub starts their server (a page that
    waits for it; :func:`_lab` waits for JupyterLab)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(f"{hub.url}/hub/login")
    page.fill("#username_input", user)
    page.fill("#password_input", hub.passwords()[user])
    page.click("#login_submit")
    return page


def _lab(page):
    page.wait_for_selector(".jp-LabShell", timeout=180_000)  # spawned, JupyterLab loaded
    return page


def _formgrader_page(page, user: str, where: str):
    """Once ``user``'s server is up, the formgrader's page ``where`` instead of JupyterLab."""
    page.wait_for_url(f"**/user/{user}/lab*", wait_until="commit", timeout=180_000)
    page.goto(f"{page.url.split('/user/')[0]}/user/{user}/formgrader/{where}")
    return page


def _xsrf(page, user: str) -> str:
    """The user's server's XSRF token (its cookie's path is the server's, not the hub's)."""
    return next(
        c["value"]
        for c in page.context.cookies()
        if c["name"] == "_xsrf" and c["path"].startswith(f"/user/{user}")
    )


def _answered(
    released: nbformat.NotebookNode, solution: nbformat.NotebookNode, skip: tuple[str, ...] = ()
):
    """``released`` with every answer cell holding the instructor's solution, but those whose
    grade id starts with one of ``skip`` (left as released)."""
    answers = {
        c.metadata.nbgrader["grade_id"]: c.source
        for c in solution.cells
        if c.metadata.get("nbgrader", {}).get("solution")
        and not c.metadata.nbgrader["grade_id"].startswith(skip)
    }
    for cell in released.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution") and meta["grade_id"] in answers:
            cell.source = answers[meta["grade_id"]]
    return released


def _contents(page, hub, user: str, path: str, body: dict | None = None) -> dict:
    """GET (or PUT ``body``) ``path`` through the user's own server's contents API."""
    url = f"{hub.url}/user/{user}/api/contents/{path}"
    if body is None:
        response = page.request.get(url)
    else:
        response = page.request.put(
            url,
            data=json.dumps(body),
            headers={"X-XSRFToken": _xsrf(page, user), "Content-Type": "application/json"},
        )
    assert response.ok, (response.status, response.text()[:500])
    return response.json()


def _formgrader(page, hub, assignment: str, action: str) -> None:
    """What a button of Formgrader → Manage Assignments does: POST to the formgrader's API,
    which runs the ``nbgrader`` command (``assign`` is *Generate*) in the instructor's server."""
    response = page.request.post(
        f"{hub.url}/user/{INSTRUCTOR}/formgrader/api/assignment/{assignment}/{action}",
        headers={"X-XSRFToken": _xsrf(page, INSTRUCTOR)},
        timeout=120_000,
    )
    assert response.ok, (action, assignment, response.status, response.text()[:500])
    done = response.json()
    assert done["success"], (action, assignment, done.get("error"), done.get("log"))


def _rows(page, name: str, count: int):
    from playwright.sync_api import expect

    rows = page.locator(f"#{name}_assignments_list > .list_item")
    expect(rows).to_have_count(count, timeout=120_000)
    return rows


def _scores(course: Path, student: str, assignment: str) -> tuple[float, float]:
    from nbgrader.api import Gradebook

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
            sub = gb.find_submission(assignment, student)
            return sub.score, sub.max_score


def _autograded(notebook: Path) -> list[str]:
    """The grade ids of an instructor notebook's autograded test cells."""
    return [
        c.metadata.nbgrader["grade_id"]
        for c in nbformat.read(notebook, as_version=4).cells
        if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")
    ]


def _region_lines(notebook: Path, region: str) -> list[str]:
    """The lines of every ``### BEGIN {region}`` … ``### END {region}`` region of an
    instructor notebook."""
    pattern = rf"### BEGIN {region}\n(.*?)### END {region}"
    return [
        line
        for cell in nbformat.read(notebook, as_version=4).cells
        for found in re.findall(pattern, cell.source, flags=re.DOTALL)
        for line in found.splitlines()
    ]


def _hidden_lines(notebook: Path) -> list[str]:
    """The lines of every hidden-test region of an instructor notebook."""
    lines = (line.strip() for line in _region_lines(notebook, "HIDDEN TESTS"))
    return [line for line in lines if len(line) > 12]


def _rubric_lines(notebook: Path) -> list[str]:
    """The start of every line of every mark-scheme region (rubric, model answer) of an
    instructor notebook, as a browser shows the rendered Markdown (no `*`, `` ` `` or list
    dash): what must not be on a feedback page."""
    found = []
    for line in _region_lines(notebook, "MARK SCHEME"):
        shown = re.sub(r"[*`]", "", line).strip().removeprefix("- ").strip()
        if len(shown) > 15 and not re.search(r"[$\\\[\]<>]", shown):
            found.append(shown[:40])
    assert any(line.startswith("Rubric (") for line in found) or "cnn_concepts" not in str(notebook)
    return found


def _student_b_submits_a_mistake(hub, failures: list) -> None:
    """B, on the command line: fetches ``dense``, makes the mistake, submits."""
    try:
        _as(hub, B, "nbgrader", "fetch_assignment", "dense")
        mine = Path("/home") / B / "dense" / "dense.ipynb"
        nb = _answered(
            nbformat.read(mine, as_version=4),
            nbformat.read(ROOT / "source" / "dense" / "dense.ipynb", as_version=4),
        )
        cell = next(
            c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == B_MISTAKE[0]
        )
        assert cell.source.count(B_MISTAKE[1]) == 1
        cell.source = cell.source.replace(B_MISTAKE[1], B_MISTAKE[2])
        nbformat.write(nb, mine)
        shutil.chown(mine, B, B)
        _as(hub, B, "nbgrader", "submit", "dense")
    except BaseException as error:  # noqa: BLE001 — raised again in the test's thread
        failures.append(error)


def test_a_semester_on_the_hub(hub):
    from playwright.sync_api import expect, sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    course = hub.course
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        shot = student_b = None
        try:
            # --- 1. the instructor generates and releases two assignments
            teacher = _log_in(browser, hub, INSTRUCTOR)
            student = _log_in(browser, hub, A)  # both servers start at once
            shot = _formgrader_page(teacher, INSTRUCTOR, "manage_assignments")
            for assignment in RELEASED:
                _formgrader(teacher, hub, assignment, "assign")
                _formgrader(teacher, hub, assignment, "release")
            failures: list[BaseException] = []
            student_b = threading.Thread(target=_student_b_submits_a_mistake, args=(hub, failures))
            student_b.start()  # while A logs in
            teacher.reload()
            for assignment in RELEASED:
                row = teacher.locator("tbody tr").filter(
                    has=teacher.locator(f"a:text-is('{assignment}')")
                )
                expect(row).to_contain_text("released", timeout=60_000)
            teacher.screenshot(path=str(SHOTS / "hub-1-released.png"), full_page=True)

            # --- 2. student A: fetch both in the Assignments tab, answer, submit there
            shot = _lab(student)
            # a student's JupyterLab has nbgrader's Assignments and no formgrader
            student.locator("#jp-menu-panel div.lm-MenuBar-itemLabel:text('Nbgrader')").click()
            menu = student.locator("#jp-mainmenu-nbgrader")
            assignments = menu.locator("li[data-command='nbgrader:open-assignment-list']")
            expect(assignments).to_be_visible()
            for off in ("open-formgrader", "open-create-assignment", "open-course-list"):
                expect(menu.locator(f"li[data-command='nbgrader:{off}']")).to_be_hidden()
            student.screenshot(path=str(SHOTS / "hub-2-student-menu.png"))
            assert student.request.get(f"{hub.url}/user/{A}/formgrader").status == 404
            assignments.click()  # Nbgrader → Assignments
            released = _rows(student, "released", 2)
            for left in (1, 0):
                released.first.locator(".item_status button:text('Fetch')").click()
                _rows(student, "released", left)
            _rows(student, "fetched", 2)
            student.screenshot(path=str(SHOTS / "hub-3-fetched.png"), full_page=True)
            for assignment in RELEASED:
                path = f"{assignment}/{assignment}.ipynb"
                fetched = nbformat.from_dict(_contents(student, hub, A, path)["content"])
                solution = nbformat.read(ROOT / "source" / assignment / f"{assignment}.ipynb", 4)
                _contents(
                    student,
                    hub,
                    A,
                    path,
                    {
                        "type": "notebook",
                        "format": "json",
                        "content": _answered(fetched, solution, A_SKIPS),
                    },
                )
            fetched = _rows(student, "fetched", 2)
            for i in range(2):
                fetched.nth(i).locator(".item_status button:text('Submit')").click()
                expect(student.locator("#submitted_assignments_list > .list_item")).to_have_count(
                    i + 1, timeout=60_000
                )
            student.screenshot(path=str(SHOTS / "hub-4-submitted.png"), full_page=True)
            student_b.join()
            student_b = None
            if failures:
                raise failures[0]

            # --- student B cannot read A's work, the instructor's, or the repository's solutions
            inbound = hub.exchange / "nncost" / "inbound"
            assert len(list(inbound.iterdir())) == 3  # A's two submissions and B's one
            for path in (
                inbound,
                Path("/home") / A / "dense" / "dense.ipynb",
                Path("/home") / A / ".local" / "share" / "jupyter" / "nbgrader_cache",
                course / "source" / "dense" / "dense.ipynb",
                ROOT / "source" / "dense" / "dense.ipynb",
                ROOT / "autograder" / "notebooks.py",
                hub.state / "passwords.json",
            ):
                _denied(hub, B, path)

            # --- 3. the instructor collects and grades with this project's grader
            for assignment in RELEASED:
                _formgrader(teacher, hub, assignment, "collect")
            graded = _as(
                hub,
                INSTRUCTOR,
                "env",
                "NNCOST_OFFLINE=1",
                "python",
                "-m",
                "autograder",
                "grade",
                "submitted",
                "--course",
                ".",
                "--out",
                "graded",
                "--workers",
                "2",
                cwd=course,
            )
            assert "graded 2 students" in graded.stdout, graded.stdout + graded.stderr
            score, most = _scores(course, A, "dense")
            assert score == most > 0
            assert _scores(course, B, "dense") == (most - B_LOSES, most)
            before, concepts_max = _scores(course, A, "cnn_concepts")

            shot = teacher
            teacher.goto(
                f"{hub.url}/user/{INSTRUCTOR}/formgrader/gradebook/cnn_concepts/cnn_concepts"
            )
            row = teacher.locator("tbody tr", has_text=A)
            expect(row).to_have_count(1, timeout=60_000)
            teacher.screenshot(path=str(SHOTS / "hub-5-graded.png"), full_page=True)
            row.locator("a[href*='/formgrader/submissions/']").first.click()
            box = teacher.locator(f"input.score#{FREE_TEXT}")
            expect(box).to_be_visible(timeout=60_000)
            give_manual_score(teacher, box, 3)
            teacher.screenshot(path=str(SHOTS / "hub-6-manual-grade.png"))  # the box in view
            assert _scores(course, A, "cnn_concepts") == (before + 3, concepts_max)

            for assignment in RELEASED:
                _formgrader(teacher, hub, assignment, "generate_feedback")
                _formgrader(teacher, hub, assignment, "release_feedback")

            # --- 4. A fetches her feedback in the Assignments tab and reads it
            shot = student
            student.locator("#refresh_assignments_list").click()
            submitted = _rows(student, "submitted", 2)
            for i in range(2):
                submitted.nth(i).locator(".item_status button:text('Fetch Feedback')").click()
            views = student.locator("#submitted_assignments_list a:text('(view feedback)')")
            expect(views).to_have_count(2, timeout=60_000)
            student.screenshot(path=str(SHOTS / "hub-7-feedback-fetched.png"), full_page=True)
            views.first.click()  # the file browser goes to the feedback's folder
            expect(student.locator(".jp-DirListing-itemText", has_text=".html")).to_have_count(
                1, timeout=30_000
            )
            for assignment in RELEASED:
                folder = _contents(student, hub, A, f"{assignment}/feedback")["content"]
                stamp = folder[0]["name"]
                page = student.context.new_page()  # the file browser's "Open in New Browser Tab"
                page.goto(
                    f"{hub.url}/user/{A}/files/{assignment}/feedback/{stamp}/{assignment}.html"
                )
                text = page.locator("body").inner_text()
                raw = html.unescape(page.content())
                score, most = _scores(course, A, assignment)
                assert re.search(rf"Score:\s*{score:g}(\.0+)?\s*/\s*{most:g}", text), text[:500]
                source = course / "source" / assignment / f"{assignment}.ipynb"
                for part in _autograded(source):  # each check's message, right or not
                    expected = (
                        "no answer was recorded for grading"
                        if part.startswith(A_SKIPS)
                        else f"✓ {part}: passed"
                    )
                    assert expected in text, (assignment, part)
                for line in _hidden_lines(source):
                    assert line not in raw, (assignment, line)
                for line in _rubric_lines(source):  # the free-text model answers neither
                    assert line not in text, (assignment, line)
                page.screenshot(path=str(SHOTS / f"hub-8-feedback-{assignment}.png"))  # scores
                page.close()

            # --- B cannot list the exchange's feedback (named by A's secret) nor read A's
            feedback = hub.exchange / "nncost" / "feedback"
            assert len(list(feedback.iterdir())) == 3  # A's two notebooks and B's one
            for path in (feedback, Path("/home") / A / "dense" / "feedback"):
                _denied(hub, B, path)
        except Exception:
            if shot is not None:
                shot.screenshot(path=str(SHOTS / "hub-failure.png"), full_page=True)
            raise
        finally:
            if student_b is not None:  # the test failed while B was submitting
                student_b.join()
            browser.close()
