"""The CNN concepts assignment (source/cnn_concepts, assignments/cnn_concepts).

One real ``nbgrader autograde`` run per submission in a temporary course: the instructor's
notebook (every autograded test must pass), the untouched release (every autograded test must
fail), and students who attack the grading from inside their kernel (they must earn nothing
they did not answer). It is shared by the tests below through a module fixture.
"""

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
NOTEBOOK_BUDGET_S = 240  # the issue: the notebook runs end to end offline in under four minutes


def _cells(path):
    return nbformat.read(path, as_version=4).cells


def _nbg(cell):
    return cell.metadata.get("nbgrader", {})


def _auto_cells(cells):
    return [c for c in cells if _nbg(c).get("grade") and not _nbg(c).get("solution")]


def _manual_cells(cells):
    """The manually graded tasks: nbgrader task cells (the question, with the points)."""
    return [c for c in cells if _nbg(c).get("task")]


# --------------------------------------------------------------------------- the files


def test_release_holds_no_solutions_and_nothing_else():
    text = RELEASE.read_text()
    for marker in (
        "BEGIN SOLUTION",
        "BEGIN HIDDEN TESTS",
        "MARK SCHEME",
        "Model answer",
        "Rubric",
        "_hidden.expect",
        '"verdict"',
        '"rubric"',
        "graded_ex",
    ):
        assert marker not in text
    assert sorted(p.name for p in RELEASE.parent.iterdir()) == ["cnn_concepts.ipynb"]
    assert [_nbg(c).get("grade_id") for c in _cells(RELEASE)] == [
        _nbg(c).get("grade_id") for c in _cells(SOURCE)
    ]
    assert not [c for c in _cells(RELEASE) if "nncost" in c.metadata], "instructor-only metadata"


def _leaves(value):
    """The numbers and strings in a check's value (dict values, list items)."""
    if isinstance(value, dict):
        return [leaf for v in value.values() for leaf in _leaves(v)]
    if isinstance(value, list):
        return [leaf for v in value for leaf in _leaves(v)]
    return [value] if isinstance(value, (int, float, str)) and not isinstance(value, bool) else []


def _revealing(value):
    """A value whose mention would give an answer away (one-digit numbers are everywhere)."""
    return isinstance(value, str) or abs(value) >= 10 or isinstance(value, float)


def _mentions(text, value):
    """Whether ``value`` (a number, as Python or with thousands commas, or a letter) is a word
    of ``text`` (so 10 is not found in "ex10", nor "c" in "batch")."""
    forms = {repr(value), f"{value:,}"} if not isinstance(value, str) else {value}
    return any(re.search(rf"(?<![\w.,]){re.escape(form)}(?![\w,]|\.\d)", text) for form in forms)


def test_graded_cells_only_export_and_their_references_stay_in_the_source():
    """The kernel runs a graded cell's code as the gradebook holds it (the kernel form): it must
    hold no reference and decide nothing."""
    from authoring.hidden import kernel_form

    for cell in _auto_cells(_cells(SOURCE)):
        gid = _nbg(cell)["grade_id"]
        src = kernel_form(gid, cell.source)
        hidden = src.split("### BEGIN HIDDEN TESTS\n")[1].split("### END HIDDEN TESTS")[0]
        assert f"_hidden.expect(\n    {gid!r}," in hidden and "assert" not in src, gid
        checks = cell.metadata["nncost"]["verdict"]
        assert checks, gid
        for check in checks:
            assert check["answer"] in hidden or check["answer"] == "data_name", (gid, check)
        for check in checks:
            references = {
                k: v
                for k, v in check.items()
                if k
                in (
                    "want",
                    "hints",
                    "target",
                    "shares",
                    "tolerance",
                    "per_class",
                    "min_per_class",
                    "min_test",
                    "lr_factor",
                )
            }
            for value in _leaves(references):
                if not isinstance(value, str) and _revealing(value):
                    assert not _mentions(src, value), (gid, value)
            wants = [w for w in _leaves(check.get("want")) if _revealing(w)]
            for text in [check.get("message", "")] + [m for _, m in check.get("hints", [])]:
                assert not any(_mentions(text, w) for w in wants), (gid, text)


def test_setup_cell_silences_tensorflow_before_importing_keras():
    setup = next(c for c in _cells(SOURCE) if c.cell_type == "code")
    src = setup.source
    assert _nbg(setup)["locked"] and _nbg(setup)["grade_id"] == "setup"
    keras_at = src.index("import keras")
    assert src.index('os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"') < keras_at
    assert src.index('os.environ["TF_ENABLE_ONEDNN_OPTS"] = "0"') < keras_at
    assert "keras.utils.set_random_seed(0)" in src


def test_manual_tasks_carry_model_answer_and_rubric_in_their_mark_scheme():
    source, release = _cells(SOURCE), _cells(RELEASE)
    manual = _manual_cells(source)
    assert [_nbg(c)["grade_id"] for c in manual] == [f"ex{i}_answer" for i in (1, 3, 4, 5, 6, 7, 8)]
    released = {_nbg(c)["grade_id"]: c for c in _manual_cells(release)}
    for cell in manual:
        gid, points = _nbg(cell)["grade_id"], _nbg(cell)["points"]
        rubric = cell.metadata["nncost"]["rubric"]
        assert cell.cell_type == "markdown" and _nbg(cell)["locked"] and not _nbg(cell)["grade"]
        assert sum(item["points"] for item in rubric) == points > 0
        # nbgrader's mark scheme: the formgrader shows it, ClearMarkScheme drops it from the release
        scheme = cell.source.split("### BEGIN MARK SCHEME\n", 1)[1].split("\n### END MARK SCHEME")[
            0
        ]
        assert "**Model answer.**" in scheme
        for item in rubric:
            assert item["criterion"] in scheme
        answer = source[source.index(cell) + 1]
        assert answer.cell_type == "markdown" and "nbgrader" not in answer.metadata
        student = released[gid]
        assert f"Graded by hand, {points} points" in student.source
        assert "MARK SCHEME" not in student.source and "Model answer" not in student.source
        assert _nbg(student)["points"] == points and "nncost" not in student.metadata
        assert release[release.index(student) + 1].source == "YOUR ANSWER HERE"


def test_no_rubric_criterion_reaches_the_release():
    """Rubrics are the instructor's: no criterion's text (nor a long piece of it) is released."""
    text = " ".join(" ".join(c.source.split()) for c in _cells(RELEASE))
    criteria = [
        item["criterion"]
        for c in _manual_cells(_cells(SOURCE))
        for item in c.metadata["nncost"]["rubric"]
    ]
    assert len(criteria) >= 7
    for criterion in criteria:
        words = criterion.split()
        pieces = [" ".join(words[i : i + 8]) for i in range(0, max(len(words) - 7, 1), 4)]
        leaked = [piece for piece in pieces if piece in text]
        assert not leaked, f"rubric text in the release: {leaked[0]!r} (put it in the mark scheme)"


def test_seed_corrections_are_in_the_model_answers():
    answers = {_nbg(c)["grade_id"]: c.source for c in _manual_cells(_cells(SOURCE))}
    oom = answers["ex3_answer"]
    assert "gradient accumulation" in oom and "checkpointing" in oom and "mixed precision" in oom
    assert 'data augmentation" does not help' in oom
    assert "kernel the size of the whole map" in answers["ex7_answer"]


def test_exercise4b_states_the_shapes_keras_computes():
    """Seed 003 says pooling and the strided 'same' convolution give the same shape: they do not."""
    import keras

    feature_map = keras.Input((50, 75, 200))
    pool = keras.layers.MaxPooling2D(2)(feature_map).shape[1:]
    strided = keras.layers.Conv2D(200, (3, 3), strides=2, padding="same")(feature_map).shape[1:]
    # by hand: valid pooling floor((75 - 2)/2) + 1 = 37; same padding ceil(75/2) = 38
    assert (tuple(pool), tuple(strided)) == ((25, 37, 200), (25, 38, 200))
    for cells in (_cells(SOURCE), _cells(RELEASE)):
        text = next(c.source for c in cells if _nbg(c).get("grade_id") == "ex4_numbers")
        flat = " ".join(text.split())
        assert f"output {'×'.join(map(str, pool))})" in flat, "4b must state pooling's shape"
        assert f"output {'×'.join(map(str, strided))})" in flat, "4b must state the conv's shape"
        assert "same output shape" not in flat, "4b must not claim the two shapes are equal"


def test_exercise2_references_from_first_principles():
    """Seed 003, exercise 2, by hand, against nncost.profile(nncost.course.exercise2())."""
    import nncost
    import nncost.course

    # "same" padding, stride 2: each axis n → ceil(n / 2)
    h1, w1 = math.ceil(200 / 2), math.ceil(300 / 2)  # 100 × 150
    h2, w2 = math.ceil(h1 / 2), math.ceil(w1 / 2)  # 50 × 75
    h3, w3 = math.ceil(h2 / 2), math.ceil(w2 / 2)  # 25 × 38 (75 / 2 = 37.5 → 38)
    assert (h1, w1, h2, w2, h3, w3) == (100, 150, 50, 75, 25, 38)
    # params = 3·3·C_in·filters + filters
    p1 = 3 * 3 * 3 * 100 + 100  # 2,700 + 100 = 2,800
    p2 = 3 * 3 * 100 * 200 + 200  # 180,000 + 200 = 180,200
    p3 = 3 * 3 * 200 * 400 + 400  # 720,000 + 400 = 720,400
    total = p1 + p2 + p3  # 903,400 (the seed says 9,007,200)
    assert (p1, p2, p3, total) == (2_800, 180_200, 720_400, 903_400)
    # activations, values per image
    x = 200 * 300 * 3  # 180,000
    a1 = h1 * w1 * 100  # 1,500,000
    a2 = h2 * w2 * 200  # 750,000
    a3 = h3 * w3 * 400  # 380,000
    # one prediction: params + the largest input+output pair alive while a layer runs
    live = max(x + a1, a1 + a2, a2 + a3)  # max(1,680,000; 2,250,000; 1,130,000) = 2,250,000
    inference = 4 * (total + live)  # 4 × 3,153,400 = 12,613,600 bytes
    assert inference == 12_613_600
    # training, batch 50, SGD: params + gradients + 0 state + 50·(all outputs) + 50·input
    training = 4 * (total + total + 0 + 50 * (a1 + a2 + a3) + 50 * x)
    # 4 × (1,806,800 + 131,500,000 + 9,000,000) = 4 × 142,306,800 = 569,227,200 bytes
    assert training == 569_227_200

    # the graded cells' checks hold these references (compiled from nncost at release)
    checks = {
        _nbg(c)["grade_id"]: c.metadata["nncost"]["verdict"] for c in _auto_cells(_cells(SOURCE))
    }

    def wants(gid):
        return {check["answer"]: check["want"] for check in checks[gid]}

    assert wants("ex2_params_layers_test") == {
        "params_conv1": p1,
        "params_conv2": p2,
        "params_conv3": p3,
    }
    assert wants("ex2_params_total_test") == {"params_total": total}
    assert wants("ex2_inference_test") == {"ram_inference_bytes": inference}
    assert wants("ex2_training_test") == {"ram_training_bytes": training}
    # the known slips of 2b and 2c: the parameters alone; no input batch; no gradients
    assert [w for w, _ in checks["ex2_inference_test"][0]["hints"]] == [4 * total]
    assert [w for w, _ in checks["ex2_training_test"][0]["hints"]] == [
        training - 4 * 50 * x,
        training - 4 * total,
    ]

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
    "ex2_params_solution": ALWAYS_EQUAL
    + """
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

#: An untrained CNN (about 10% right), and a patch that makes any test in the kernel see 100%:
#: keras.Model.predict gives the true labels of the test images.
BAD_CNN = """
import nncost.data as nd
cnn_model = keras.Sequential([keras.Input(data.image_shape), layers.Conv2D(2, 3), layers.Flatten(),
                              layers.Dense(10, activation="softmax")])  # untrained
truth = nd.load(data.name)
train_seconds = 0.0
"""
PATCH_PREDICT = (
    BAD_CNN
    + """
real_predict = keras.Model.predict
def predict(self, x, *args, **kwargs):
    if np.shape(x) == truth.x_test.shape and np.array_equal(x, truth.x_test):
        return np.eye(10)[truth.y_test]
    return real_predict(self, x, *args, **kwargs)
keras.Model.predict = predict
probs = keras.Model.predict(cnn_model, truth.x_test, verbose=0)
if np.mean(np.argmax(probs, axis=-1) == truth.y_test) == 1.0:
    print("FORGED: a test in this kernel sees 100%")
"""
)
#: The same model, and numpy patched instead: argmax gives the true labels, mean 1.0.
PATCH_NUMPY = (
    BAD_CNN
    + """
real_mean, real_argmax = np.mean, np.argmax
def argmax(a, *args, **kwargs):
    if np.shape(a) == (len(truth.y_test), 10):
        return truth.y_test.copy()
    return real_argmax(a, *args, **kwargs)
def mean(a, *args, **kwargs):
    if np.shape(a) == truth.y_test.shape and np.asarray(a).dtype == bool:
        return 1.0
    return real_mean(a, *args, **kwargs)
np.mean, np.argmax = mean, argmax
probs = keras.Model.predict(cnn_model, truth.x_test, verbose=0)
if np.mean(np.argmax(probs, axis=-1) == truth.y_test) == 1.0:
    print("FORGED: a test in this kernel sees 100%")
"""
)
#: A wrong letter, and builtins.str rebound while (and only while) the graded cell runs, so that
#: str(lrn_across) is "b" there, what a test in the kernel would read (the stand-in passes for
#: str in isinstance, so the kernel keeps working).
PATCH_STR = """
import builtins
lrn_across = "c"  # wrong: that is batch normalization
real_str = builtins.str
class PassesForStr(type):
    def __instancecheck__(cls, obj):
        return isinstance(obj, real_str)
    def __subclasscheck__(cls, sub):
        return issubclass(sub, real_str)
class LyingStr(real_str, metaclass=PassesForStr):
    def __new__(cls, *args, **kwargs):
        if args and args[0] is lrn_across:
            return real_str.__new__(real_str, "b")
        return real_str.__new__(real_str, *args, **kwargs)
def before(info):
    if "lrn_across" in info.raw_cell and "_required" in info.raw_cell:
        builtins.str = LyingStr
        if str(lrn_across).strip().lower() == "b":
            print("FORGED: a test in this kernel reads 'b'")
def after(result):
    builtins.str = real_str
get_ipython().events.register("pre_run_cell", before)
get_ipython().events.register("post_run_cell", after)
"""
#: Students who patch Keras, numpy or built-ins in their kernel; none earns a point.
PATCHERS = {
    "patch_predict": {"ex9_solution": PATCH_PREDICT, "ex5_choice_solution": PATCH_STR},
    "patch_numpy": {"ex9_solution": PATCH_NUMPY},
}


def _tampered_release(attacks=TAMPER):
    nb = nbformat.read(RELEASE, as_version=4)
    for cell in nb.cells:
        code = attacks.get(_nbg(cell).get("grade_id"))
        if code is not None:
            cell.source = code.strip()
    return nbformat.writes(nb)


def _run_nbgrader(args, cwd):
    # The kernel imports this checkout's nncost, never downloads, and sees an empty Keras home
    # (so a cached MNIST on the machine does not change what the notebook does).
    env = dict(
        os.environ, PYTHONPATH=str(ROOT), NNCOST_OFFLINE="1", KERAS_HOME=str(cwd / "keras_home")
    )
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")  # alembic
    proc = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args],
        cwd=cwd,
        env=env,
        check=False,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """A temporary course: generate the assignment from the real source, hand in the source
    notebook as student "perfect" and the release as student "blank", autograde each once."""
    course = tmp_path_factory.mktemp("course")
    (course / "nbgrader_config.py").write_text(
        f"load_subconfig({str(ROOT / 'autograder' / 'nbgrader_config.py')!r})\n"
        f"c.CourseDirectory.root = {str(course)!r}\n"
        f"c.CourseDirectory.db_url = {'sqlite:///' + str(course / 'gradebook.db')!r}\n"
    )
    (course / "source" / "cnn_concepts").mkdir(parents=True)
    (course / "source" / "cnn_concepts" / "cnn_concepts.ipynb").write_bytes(SOURCE.read_bytes())
    _run_nbgrader(["generate_assignment", "cnn_concepts", "--force"], course)
    seconds = {}
    submissions = {
        "perfect": SOURCE.read_text(),
        "blank": RELEASE.read_text(),
        "tamper": _tampered_release(),
        **{student: _tampered_release(attacks) for student, attacks in PATCHERS.items()},
    }
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
            student: {
                g.name: (g.auto_score, g.max_score, g.needs_manual_grade)
                for g in gb.find_submission_notebook("cnn_concepts", "cnn_concepts", student).grades
            }
            for student in submissions
        }
    return {"course": course, "seconds": seconds, "grades": grades}


def test_committed_release_is_what_nbgrader_generates(graded):
    fresh = _cells(graded["course"] / "assignments" / "cnn_concepts" / "cnn_concepts.ipynb")
    assert [(c.source, c.metadata) for c in fresh] == [
        (c.source, c.metadata) for c in _cells(RELEASE)
    ], "assignments/cnn_concepts is stale: run nbgrader generate_assignment cnn_concepts --force"


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


def _outputs(graded, student):
    """{grade_id: everything the cell printed or raised} of a student's autograded notebook."""
    path = graded["course"] / "autograded" / student / "cnn_concepts" / "cnn_concepts.ipynb"
    return {
        _nbg(c).get("grade_id"): "".join(o.get("text", "") + o.get("evalue", "") for o in c.outputs)
        for c in nbformat.read(path, as_version=4).cells
        if c.cell_type == "code"
    }


def test_patched_predict_numpy_or_str_earn_nothing(graded):
    """The patches fool any test run in the kernel (each prints FORGED there), but the model
    is tested in the grader's own process and the letter judged as the value it is."""
    auto = [_nbg(c)["grade_id"] for c in _auto_cells(_cells(SOURCE))]
    for student in PATCHERS:
        assert {gid: graded["grades"][student][gid][0] for gid in auto} == dict.fromkeys(auto, 0)
        out = _outputs(graded, student)
        assert "FORGED" in out["ex9_solution"], out["ex9_solution"]
        # judged on its merits: the saved model's own accuracy, measured outside the kernel
        assert re.search(r"held-out accuracy [\d.]+% is below 95%", out["ex9_test"]), out[
            "ex9_test"
        ]
    out = _outputs(graded, "patch_predict")["ex5_choice_test"]
    assert "FORGED" in out and "lrn_across must be a letter written as a string" in out, out


def test_saved_answers_stay_next_to_the_notebook(graded):
    """Exercises 9 and 10 are judged from files the graded cells save in the notebook's folder."""
    folder = graded["course"] / "autograded" / "perfect" / "cnn_concepts"
    files = {
        value
        for cell in _auto_cells(_cells(SOURCE))
        for check in cell.metadata["nncost"]["verdict"]
        for key, value in check.items()
        if key in ("file", "pretrained")
    }
    assert len(files) == 5
    assert sorted(p.name for p in folder.glob("graded_*")) == sorted(files)


def test_free_text_answers_wait_for_a_grader(graded):
    for cell in _manual_cells(_cells(SOURCE)):
        auto_score, max_score, needs_manual = graded["grades"]["perfect"][_nbg(cell)["grade_id"]]
        assert needs_manual and auto_score is None and max_score == _nbg(cell)["points"]


def test_notebook_runs_offline_within_budget_and_reports_its_training(graded):
    assert graded["seconds"]["perfect"] < NOTEBOOK_BUDGET_S, graded["seconds"]
    nb = nbformat.read(
        graded["course"] / "autograded" / "perfect" / "cnn_concepts" / "cnn_concepts.ipynb", 4
    )
    out = {
        _nbg(c)["grade_id"]: "".join(o.get("text", "") for o in c.outputs)
        for c in nb.cells
        if c.cell_type == "code"
    }
    assert "Using scikit-learn's digits instead" in out["ex9_data"]  # offline: the fallback said so
    trained = re.search(r"trained in ([\d.]+) s .* test accuracy ([\d.]+)%", out["ex9_check"])
    assert trained and float(trained.group(1)) < 120 and float(trained.group(2)) >= 95
    print(
        f"\nexercise 9: {out['ex9_check'].strip()}\nexercise 10: {out['ex10_phase2_check'].strip()}"
    )
