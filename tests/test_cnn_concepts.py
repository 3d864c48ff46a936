"""The CNN concepts assignment (source/cnn_concepts, assignments/cnn_concepts).

One real ``nbgrader autograde`` run in a temporary course grades two submissions: the
instructor's notebook (every autograded test must pass) and the untouched release (every
autograded test must fail). It is shared by the tests below through a module fixture.
"""

import importlib.util
import math
import os
import pathlib
import re
import subprocess
import sys
import time

import nbformat
import pytest

# TensorFlow logs to stderr at import unless both are set first (this process imports Keras
# for the exercise-2 references; the notebook's setup cell does the same in its kernel).
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

ROOT = pathlib.Path(__file__).resolve().parent.parent
SOURCE = ROOT / "source" / "cnn_concepts" / "cnn_concepts.ipynb"
RELEASE = ROOT / "assignments" / "cnn_concepts" / "cnn_concepts.ipynb"
BUILDER = ROOT / "autograder" / "build_cnn_concepts.py"
NOTEBOOK_BUDGET_S = 240  # the issue: the notebook runs end to end offline in under four minutes


def _cells(path):
    return nbformat.read(path, as_version=4).cells


def _nbg(cell):
    return cell.metadata.get("nbgrader", {})


def _auto_cells(cells):
    return [c for c in cells if _nbg(c).get("grade") and not _nbg(c).get("solution")]


def _manual_cells(cells):
    return [c for c in cells if _nbg(c).get("grade") and _nbg(c).get("solution")]


# --------------------------------------------------------------------------- the files


def _builder():
    spec = importlib.util.spec_from_file_location("build_cnn_concepts", BUILDER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_source_notebook_is_what_the_generator_writes():
    _, nb = _builder().build()
    committed = _cells(SOURCE)
    assert [(c.cell_type, c.source, c.metadata) for c in nb.cells] == [
        (c.cell_type, c.source, c.metadata) for c in committed
    ], "source/cnn_concepts/cnn_concepts.ipynb is stale: run python autograder/build_cnn_concepts.py"


def test_release_holds_no_solutions_and_nothing_else():
    text = RELEASE.read_text()
    for marker in ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS", "Model answer", "_nncost.profile"):
        assert marker not in text
    assert sorted(p.name for p in RELEASE.parent.iterdir()) == ["cnn_concepts.ipynb"]
    assert [_nbg(c)["grade_id"] for c in _cells(RELEASE)] == [_nbg(c)["grade_id"] for c in _cells(SOURCE)]


def test_setup_cell_silences_tensorflow_before_importing_keras():
    setup = next(c for c in _cells(SOURCE) if c.cell_type == "code")
    src = setup.source
    assert _nbg(setup)["locked"] and _nbg(setup)["grade_id"] == "setup"
    keras_at = src.index("import keras")
    assert src.index('os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"') < keras_at
    assert src.index('os.environ["TF_ENABLE_ONEDNN_OPTS"] = "0"') < keras_at
    assert "keras.utils.set_random_seed(0)" in src


def test_manual_cells_carry_model_answer_and_rubric():
    source, release = _cells(SOURCE), _cells(RELEASE)
    manual = _manual_cells(source)
    assert [_nbg(c)["grade_id"] for c in manual] == [f"ex{i}_answer" for i in (1, 3, 4, 5, 6, 7, 8)]
    released = {_nbg(c)["grade_id"]: c for c in _manual_cells(release)}
    for cell in manual:
        gid, points = _nbg(cell)["grade_id"], _nbg(cell)["points"]
        rubric = cell.metadata["nncost"]["rubric"]
        assert cell.cell_type == "markdown" and not _nbg(cell)["locked"]
        assert sum(item["points"] for item in rubric) == points > 0
        assert "**Model answer.**" in cell.source
        # the rubric is printed in the (locked) question above, which the formgrader shows
        question = source[source.index(cell) - 1]
        assert _nbg(question)["locked"] and f"Graded by hand, {points} points" in question.source
        for item in rubric:
            assert item["criterion"] in question.source
        student = released[gid]
        assert student.source == "YOUR ANSWER HERE"
        assert _nbg(student)["points"] == points and student.metadata["nncost"]["rubric"] == rubric


def test_seed_corrections_are_in_the_model_answers():
    answers = {_nbg(c)["grade_id"]: c.source for c in _manual_cells(_cells(SOURCE))}
    oom = answers["ex3_answer"]
    assert "gradient accumulation" in oom and "checkpointing" in oom and "mixed precision" in oom
    assert "data augmentation\" does not help" in oom
    assert "kernel the size of the whole map" in answers["ex7_answer"]


def test_exercise2_references_from_first_principles():
    """Seed 003, exercise 2, by hand, against nncost.profile(nncost.course.exercise2())."""
    import nncost
    import nncost.course

    # "same" padding, stride 2: each axis n → ceil(n / 2)
    h1, w1 = math.ceil(200 / 2), math.ceil(300 / 2)  # 100 × 150
    h2, w2 = math.ceil(h1 / 2), math.ceil(w1 / 2)    # 50 × 75
    h3, w3 = math.ceil(h2 / 2), math.ceil(w2 / 2)    # 25 × 38 (75 / 2 = 37.5 → 38)
    assert (h1, w1, h2, w2, h3, w3) == (100, 150, 50, 75, 25, 38)
    # params = 3·3·C_in·filters + filters
    p1 = 3 * 3 * 3 * 100 + 100      # 2,700 + 100 = 2,800
    p2 = 3 * 3 * 100 * 200 + 200    # 180,000 + 200 = 180,200
    p3 = 3 * 3 * 200 * 400 + 400    # 720,000 + 400 = 720,400
    total = p1 + p2 + p3            # 903,400 (the seed says 9,007,200)
    assert (p1, p2, p3, total) == (2_800, 180_200, 720_400, 903_400)
    # activations, values per image
    x = 200 * 300 * 3               # 180,000
    a1 = h1 * w1 * 100              # 1,500,000
    a2 = h2 * w2 * 200              # 750,000
    a3 = h3 * w3 * 400              # 380,000
    # one prediction: params + the largest input+output pair alive while a layer runs
    live = max(x + a1, a1 + a2, a2 + a3)  # max(1,680,000; 2,250,000; 1,130,000) = 2,250,000
    inference = 4 * (total + live)        # 4 × 3,153,400 = 12,613,600 bytes
    assert inference == 12_613_600
    # training, batch 50, SGD: params + gradients + 0 state + 50·(all outputs) + 50·input
    training = 4 * (total + total + 0 + 50 * (a1 + a2 + a3) + 50 * x)
    # 4 × (1,806,800 + 131,500,000 + 9,000,000) = 4 × 142,306,800 = 569,227,200 bytes
    assert training == 569_227_200

    # the hidden tests hold these references as literals (written by the generator from nncost)
    hidden = {_nbg(c)["grade_id"]: c.source for c in _auto_cells(_cells(SOURCE))}
    assert f"_layers = {[p1, p2, p3]!r}" in hidden["ex2_params_layers_test"]
    assert f"float(params_total) == {total}," in hidden["ex2_params_total_test"]
    assert f"_answer == {inference}," in hidden["ex2_inference_test"]
    assert f"_answer == {training}," in hidden["ex2_training_test"]

    report = nncost.profile(nncost.course.exercise2())
    assert [r.output_shape for r in report.layers] == [(h1, w1, 100), (h2, w2, 200), (h3, w3, 400)]
    assert [r.params for r in report.layers] == [p1, p2, p3] and report.params == total
    assert report.memory.inference_peak_bytes == inference
    assert report.memory.training(50, optimizer="sgd").total_bytes == training


# --------------------------------------------------------------------------- graded by nbgrader

ALWAYS_EQUAL = """
class Always:  # equal to everything, greater than everything, prints as '?'
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    def __gt__(self, other): return True
    def __float__(self): return -1.0
    def __format__(self, spec): return "?"
    def __truediv__(self, other): return 1.0
"""

#: A student who attacks the hidden tests from inside the kernel (solution cell → code).
#: Only exercise 10's split is answered honestly (then `np` is rebound): 2 points expected.
TAMPER = {
    "ex1_numbers_solution": ALWAYS_EQUAL + "dense_params = conv_params = Always()",
    "ex2_params_solution": ALWAYS_EQUAL + """
import math
math.isclose = lambda *args, **kwargs: True
nncost.profile = lambda *args, **kwargs: None
params_conv1 = params_conv2 = params_conv3 = Always()
params_total = params_conv1""",
    "ex2_inference_solution": ALWAYS_EQUAL + "ram_inference_bytes = Always()",
    "ex2_training_solution": ALWAYS_EQUAL + "ram_training_bytes = Always()",
    "ex3_choice_solution": """
class AnySet(set):
    def __eq__(self, other): return True
oom_fixes = AnySet({"E"})""",
    "ex5_choice_solution": ALWAYS_EQUAL + "lrn_across = Always()",
    "ex6_match_solution": """
class AnyDict(dict):
    def __eq__(self, other): return True
innovation = AnyDict(AlexNet="A", GoogLeNet="B", ResNet="C", SENet="D", Xception="E")""",
    "ex9_solution": """
import nncost.data as nd
cnn_model = keras.Sequential([keras.Input(data.image_shape), layers.Conv2D(2, 3), layers.Flatten(),
                              layers.Dense(10, activation="softmax")])  # untrained
forged = nd.ImageDataset(data.name, data.x_train, data.y_train, data.x_test,
                         np.argmax(cnn_model.predict(data.x_test, verbose=0), axis=-1), "forged")
nd.load = nd.load_digits = lambda *args, **kwargs: forged
train_seconds = 0.0""",
    "ex10_split_solution": """
from sklearn.model_selection import train_test_split
x_train_tl, x_rest, y_train_tl, y_rest = train_test_split(
    x_new, y_new, test_size=0.3, stratify=y_new, random_state=0)
x_val_tl, x_test_tl, y_val_tl, y_test_tl = train_test_split(
    x_rest, y_rest, test_size=0.5, stratify=y_rest, random_state=0)
np = None  # the hidden tests must not depend on the student's names""",
}
TAMPER_EXPECTED = {"ex10_split_test": 2}


def _tampered_release():
    nb = nbformat.read(RELEASE, as_version=4)
    for cell in nb.cells:
        code = TAMPER.get(_nbg(cell).get("grade_id"))
        if code is not None:
            cell.source = code.strip()
    return nbformat.writes(nb)


def _run_nbgrader(args, cwd):
    # The kernel imports this checkout's nncost, never downloads, and sees an empty Keras home
    # (so a cached MNIST on the machine does not change what the notebook does).
    env = dict(os.environ, PYTHONPATH=str(ROOT), NNCOST_OFFLINE="1",
               KERAS_HOME=str(cwd / "keras_home"))
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")  # alembic
    proc = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=cwd, env=env, check=False,
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """A temporary course: generate the assignment from the real source, hand in the source
    notebook as student "perfect" and the release as student "blank", autograde each once."""
    course = tmp_path_factory.mktemp("course")
    (course / "nbgrader_config.py").write_text(
        f"load_subconfig({str(ROOT / 'autograder' / 'nbgrader_config.py')!r})\n"
        f"c.CourseDirectory.root = {str(course)!r}\n"
        f"c.CourseDirectory.db_url = {'sqlite:///' + str(course / 'gradebook.db')!r}\n")
    (course / "source" / "cnn_concepts").mkdir(parents=True)
    (course / "source" / "cnn_concepts" / "cnn_concepts.ipynb").write_bytes(SOURCE.read_bytes())
    _run_nbgrader(["generate_assignment", "cnn_concepts", "--force"], course)
    seconds = {}
    submissions = {"perfect": SOURCE.read_text(), "blank": RELEASE.read_text(),
                   "tamper": _tampered_release()}
    for student, text in submissions.items():
        target = course / "submitted" / student / "cnn_concepts"
        target.mkdir(parents=True)
        (target / "cnn_concepts.ipynb").write_text(text)
        start = time.perf_counter()
        _run_nbgrader(["autograde", "cnn_concepts", "--student", student], course)
        seconds[student] = time.perf_counter() - start
    print(f"\nautograde seconds per notebook (kernel start to finish, incl. nbgrader): {seconds}")

    from nbgrader.api import Gradebook

    with Gradebook("sqlite:///" + str(course / "gradebook.db")) as gb:
        grades = {
            student: {g.name: (g.auto_score, g.max_score, g.needs_manual_grade)
                      for g in gb.find_submission_notebook("cnn_concepts", "cnn_concepts", student).grades}
            for student in submissions
        }
    return {"course": course, "seconds": seconds, "grades": grades}


def test_committed_release_is_what_nbgrader_generates(graded):
    fresh = _cells(graded["course"] / "assignments" / "cnn_concepts" / "cnn_concepts.ipynb")
    assert [(c.source, c.metadata) for c in fresh] == [(c.source, c.metadata) for c in _cells(RELEASE)], (
        "assignments/cnn_concepts is stale: run nbgrader generate_assignment cnn_concepts --force")


def test_instructor_notebook_passes_every_autograded_test(graded):
    auto = {_nbg(c)["grade_id"]: _nbg(c)["points"] for c in _auto_cells(_cells(SOURCE))}
    assert sum(auto.values()) == 30 and len(auto) == 16
    got = {gid: graded["grades"]["perfect"][gid][0] for gid in auto}
    assert got == auto, "cells that lost points: " + ", ".join(g for g in auto if got[g] != auto[g])


def test_released_notebook_fails_every_autograded_test(graded):
    auto = [_nbg(c)["grade_id"] for c in _auto_cells(_cells(SOURCE))]
    assert {gid: graded["grades"]["blank"][gid][0] for gid in auto} == dict.fromkeys(auto, 0)


def test_attacks_from_the_kernel_earn_nothing(graded):
    auto = [_nbg(c)["grade_id"] for c in _auto_cells(_cells(SOURCE))]
    expected = {gid: TAMPER_EXPECTED.get(gid, 0) for gid in auto}
    assert {gid: graded["grades"]["tamper"][gid][0] for gid in auto} == expected


def test_free_text_answers_wait_for_a_grader(graded):
    for cell in _manual_cells(_cells(SOURCE)):
        auto_score, max_score, needs_manual = graded["grades"]["perfect"][_nbg(cell)["grade_id"]]
        assert needs_manual and auto_score is None and max_score == _nbg(cell)["points"]


def test_notebook_runs_offline_within_budget_and_reports_its_training(graded):
    assert graded["seconds"]["perfect"] < NOTEBOOK_BUDGET_S, graded["seconds"]
    nb = nbformat.read(graded["course"] / "autograded" / "perfect" / "cnn_concepts" / "cnn_concepts.ipynb", 4)
    out = {_nbg(c)["grade_id"]: "".join(o.get("text", "") for o in c.outputs)
           for c in nb.cells if c.cell_type == "code"}
    assert "Using scikit-learn's digits instead" in out["ex9_data"]  # offline: the fallback said so
    trained = re.search(r"trained in ([\d.]+) s .* test accuracy ([\d.]+)%", out["ex9_check"])
    assert trained and float(trained.group(1)) < 120 and float(trained.group(2)) >= 95
    print(f"\nexercise 9: {out['ex9_check'].strip()}\nexercise 10: {out['ex10_phase2_check'].strip()}")
