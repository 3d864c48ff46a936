"""Build the instructor notebook ``source/cnn_concepts/cnn_concepts.ipynb`` (seed 003's ten questions).

Run from the repository root::

    python autograder/build_cnn_concepts.py            # writes source/cnn_concepts/cnn_concepts.ipynb
    nbgrader generate_assignment cnn_concepts --force  # writes assignments/cnn_concepts/

This script lives outside ``source/cnn_concepts/`` on purpose: nbgrader copies every file of an
assignment's source folder into the student release, and this file holds the solutions.

The notebook is generated: edit this file, never the notebook. Each task is description →
solution cell → visible check → locked graded cell; free-text questions are nbgrader manually
graded *task* cells (the question, locked, with the points) followed by a free Markdown cell for
the answer; the rubric and a model answer are the task's mark scheme (``### BEGIN MARK SCHEME``),
which nbgrader removes from the release and the formgrader shows, and the rubric is stored in the
task's metadata too (``metadata.nncost.rubric``, instructor-only like the references below).

A graded cell decides nothing in the student's kernel. Its hidden part only hands the answers
to the grader with :func:`nncost.answers.export`; exercises 9 and 10, whose answers are trained
models and a data split, first save them next to the notebook (a ``.keras`` or ``.npz`` file).
The references (expected values, hints for known slips, accuracy targets) are checks in the
cell's metadata, ``metadata.nncost.verdict``: the kernel never sees them, the release drops
them, and :mod:`autograder.verdict` judges the exported answers with them after the kernel has
finished; saved files are tested in a clean process of their own (:mod:`autograder.evaluate`).
"""

from __future__ import annotations

import pathlib
import textwrap

import nbformat

ROOT = pathlib.Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "source" / "cnn_concepts" / "cnn_concepts.ipynb"

#: Held-out accuracy a student's model must reach, per data set actually loaded (the grader
#: loads the data set itself and reads the target from the cell's metadata).
EX9_TARGET = {"mnist": 0.96, "digits": 0.95}
EX10_TARGET = {"mnist": 0.90, "digits": 0.85}
#: Exercise 10's new task: these digits, relabelled 0–4, at most this many of each.
NEW_CLASSES = [5, 6, 7, 8, 9]
NEW_PER_CLASS = 300

#: Files the hidden parts of exercises 9 and 10 save next to the notebook for the grader.
FILES = {
    "ex9": "graded_ex9_test.keras",
    "split": "graded_ex10_split_test.npz",
    "pretrained": "graded_ex10_pretrained.npz",
    "frozen": "graded_ex10_frozen_test.keras",
    "finetune": "graded_ex10_finetune_test.keras",
}

# The numeric references are computed here, by nncost and Keras, when the notebook is built,
# and written into the graded cells' metadata as checks; tests/test_cnn_concepts.py checks
# that the notebook is what this script writes and that the references agree with a
# derivation by hand.


def references() -> dict:
    """The autograded numbers, from nncost (the course's conventions) and Keras."""
    import os

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    import keras

    import nncost
    import nncost.course
    from nncost import formulas

    report = nncost.profile(nncost.course.exercise2())
    training = report.memory.training(50, optimizer="sgd")
    side = 224
    for _ in range(5):
        side = formulas.conv_output_length(side, 3, stride=2, padding="same")
    fcn_side = formulas.conv_output_length(14, 7)  # valid, stride 1
    feature_map = keras.Input((50, 75, 200))
    pool_shape = keras.layers.MaxPooling2D(2)(feature_map).shape[1:]
    strided_shape = keras.layers.Conv2D(200, (3, 3), strides=2, padding="same")(feature_map).shape[
        1:
    ]
    separable = keras.layers.SeparableConv2D(400, (3, 3))
    separable.build((None, *strided_shape))
    return {
        "dense_params": formulas.dense_params(200 * 300 * 3, 100),
        "conv_params": formulas.conv_params((3, 3), 3, 100),
        "ex2_layers": [row.params for row in report.layers],
        "ex2_total": report.params,
        "ex2_params_bytes": report.model_size_bytes,
        "ex2_inference": report.memory.inference_peak_bytes,
        "ex2_training": training.total_bytes,
        "ex2_training_without_input": training.total_bytes - training.input_bytes,
        "ex2_training_without_gradients": training.total_bytes - training.gradients_bytes,
        "strided_conv_params": formulas.conv_params((3, 3), 200, 200),
        "ex4_pool_shape": [int(d) for d in pool_shape],  # Keras: 'valid' rounds 75/2 down
        "ex4_strided_shape": [int(d) for d in strided_shape],  # Keras: 'same' rounds 75/2 up
        "separable_params": separable.count_params(),
        "fcn_output_shape": [fcn_side, fcn_side, 200],
        "segmentation_side": side,
        "upsampling": 224 // side,
    }


def number(answer: str, want, message: str, hints=()) -> dict:
    """A ``number`` check (autograder/verdict.py): ``answer`` equals ``want``; ``hints`` are
    (known wrong value, message) pairs."""
    check = {"kind": "number", "answer": answer, "want": int(want), "message": message}
    if hints:
        check["hints"] = [[int(wrong), text] for wrong, text in hints]
    return check


def _src(text: str) -> str:
    return textwrap.dedent(text).strip("\n")


class Builder:
    """Collects cells with their nbgrader metadata."""

    def __init__(self):
        self.cells = []
        self.points = []  # (grade_id, kind, points)

    def _meta(self, grade_id, *, grade=False, solution=False, locked=False, points=None):
        meta = {
            "grade": grade,
            "grade_id": grade_id,
            "locked": locked,
            "schema_version": 3,
            "solution": solution,
        }
        if points is not None:
            meta["points"] = points
        return {"nbgrader": meta}

    def md(self, grade_id, text):
        """Read-only text (task descriptions)."""
        self.cells.append(
            nbformat.v4.new_markdown_cell(_src(text), metadata=self._meta(grade_id, locked=True))
        )

    def given(self, grade_id, code):
        """Read-only code the student runs but does not write (setup, data, pretraining)."""
        self.cells.append(
            nbformat.v4.new_code_cell(_src(code), metadata=self._meta(grade_id, locked=True))
        )

    def solution(self, grade_id, code):
        """The student's code cell; the part between the markers is the model solution."""
        self.cells.append(
            nbformat.v4.new_code_cell(_src(code), metadata=self._meta(grade_id, solution=True))
        )

    def check(self, grade_id, code):
        """A visible, ungraded check that tells the student what a good value looks like."""
        self.given(grade_id, code)

    def graded(self, grade_id, points, required, answers, checks, save=""):
        """A locked autograded cell; its visible line fails until the variables ``required``
        exist. The hidden part (not in the release) runs ``save`` (which saves the answers the
        grader tests as files next to the notebook), then exports ``answers`` ({name:
        expression}) with :func:`nncost.answers.export`; the ``checks`` that judge them
        (autograder/verdict.py) go into the cell's metadata, which the kernel never sees."""
        names = required if "," in required else required + ","
        exported = ", ".join(f"{name}={expr}" for name, expr in answers.items())
        hidden = "\n".join(
            [
                "import nncost.answers as _answers",
                *([_src(save)] if save else []),
                "",
                "# Hand the answers to the grader, which judges them outside this kernel.",
                f"_answers.export({grade_id!r}, {exported})",
            ]
        )
        body = (
            f"_required = ({names})  # a NameError here: run your solution cells first\n"
            f"# Graded ({points} point{'s' if points != 1 else ''}) outside this kernel when the "
            "notebook is graded.\n### BEGIN HIDDEN TESTS\n" + hidden + "\n### END HIDDEN TESTS"
        )
        cell = nbformat.v4.new_code_cell(
            body, metadata=self._meta(grade_id, grade=True, locked=True, points=points)
        )
        cell.metadata["nncost"] = {"verdict": checks}
        self.cells.append(cell)
        self.points.append((grade_id, "auto", points))

    def free_text(self, grade_id, question, rubric, model_answer):
        """A manually graded task: the question (a locked nbgrader *task* cell holding the points)
        and a free Markdown cell below it for the student's answer.

        The rubric and the model answer are the task's mark scheme (``### BEGIN MARK SCHEME``):
        nbgrader's ``ClearMarkScheme`` removes it from the release, and the formgrader shows it
        next to the student's answer. The rubric is also in ``metadata.nncost.rubric``.
        """
        points = sum(p for p, _ in rubric)
        lines = "\n".join(f"- **{p} pt** — {criterion}" for p, criterion in rubric)
        meta = self._meta(grade_id, locked=True, points=points)
        meta["nbgrader"]["task"] = True
        cell = nbformat.v4.new_markdown_cell(
            _src(question)
            + f"\n\n*Graded by hand, {points} points: write your answer in the cell below.*"
            + "\n\n### BEGIN MARK SCHEME\n"
            + f"**Rubric ({points} points).**\n\n{lines}\n\n**Model answer.** {_src(model_answer)}"
            + "\n### END MARK SCHEME",
            metadata=meta,
        )
        cell.metadata["nncost"] = {"rubric": [{"points": p, "criterion": c} for p, c in rubric]}
        self.cells.append(cell)
        self.cells.append(nbformat.v4.new_markdown_cell("YOUR ANSWER HERE"))
        self.points.append((grade_id, "manual", points))

    def notebook(self):
        nb = nbformat.v4.new_notebook(cells=self.cells)
        nb.metadata["kernelspec"] = {
            "name": "python3",
            "display_name": "Python 3",
            "language": "python",
        }
        nb.metadata["language_info"] = {"name": "python"}
        nb.metadata["nncost"] = {
            "generated_by": "autograder/build_cnn_concepts.py (edit it and run it; do not edit this file)"
        }
        return nb


def header(b: Builder, ref: dict):
    b.md(
        "intro",
        """
    <!-- Generated by autograder/build_cnn_concepts.py: edit that file and run it, not this notebook. -->
    # CNN concepts — ten exercises

    Ten questions on convolutional networks: why they beat dense networks on images, what they
    cost in parameters and memory, the architectures that shaped them, and two models you train
    yourself. Free-text answers are graded by hand (write them in the cell under each question);
    the other parts are graded automatically by hidden tests when you hand in.

    **How to work.** Run the cells in order. Write your code where it says `YOUR CODE HERE`
    (delete the `raise NotImplementedError()` line) and your text where it says `YOUR ANSWER
    HERE`. After each code cell a *check* cell tells you whether your answer is plausible; the
    *graded* cell after it runs more tests when the notebook is graded. Before handing in:
    *Kernel → Restart & Run All* and make sure nothing fails.

    **Offline.** Exercise 9 uses MNIST when it is on this machine (or can be downloaded within a
    few seconds); otherwise it says so and uses scikit-learn's 8×8 digits, which ship with the
    package. Exercise 10 uses ImageNet weights only when they are already on disk; otherwise it
    pretrains its own base network here. Every number is the same on every run (fixed seeds).
    """,
    )
    b.given(
        "setup",
        """
    # Setup (read-only). TensorFlow writes log lines to stderr when it is imported unless both
    # variables are set first, and a graded cell that writes to stderr scores 0.
    import os
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    os.environ["TF_ENABLE_ONEDNN_OPTS"] = "0"

    import time

    import keras
    import numpy as np
    from keras import layers

    import nncost
    import nncost.course
    import nncost.data
    import nncost.pretrained

    keras.utils.set_random_seed(0)  # Python, NumPy and TensorFlow: the same numbers on every run
    print(f"Keras {keras.__version__}, nncost {nncost.__version__}")
    """,
    )


def exercise1(b: Builder, ref: dict):
    b.free_text(
        "ex1_answer",
        """
    ## Exercise 1 — CNNs versus dense networks

    What are the advantages of a CNN over a fully connected deep network for image classification?
    """,
        [
            (
                1,
                (
                    "Sparse (local) connectivity: each unit sees a small neighbourhood, so the network "
                    "learns local patterns (edges, textures) and uses the 2-D structure of the image."
                ),
            ),
            (
                1,
                (
                    "Weight sharing: one kernel slides over the whole image, so far fewer parameters "
                    "than a dense layer (less memory, less data needed, less overfitting), and input size "
                    "does not fix the parameter count."
                ),
            ),
            (
                1,
                (
                    "Translation equivariance of convolutions (a feature found anywhere is detected "
                    "everywhere), made partly invariant by pooling; a hierarchy of features from low-level "
                    "to high-level with growing receptive fields."
                ),
            ),
        ],
        """
    A dense layer connects every pixel to every unit: it ignores that nearby pixels belong
    together and must learn the same pattern separately at every position. A convolutional layer
    connects each unit only to a small window (**local connectivity**) and reuses the same kernel
    at every position (**weight sharing**). Consequences: (1) far fewer parameters — a 3×3
    convolution with 100 filters on an RGB image has 2,800 parameters whatever the image size,
    a dense layer to 100 units from a 200×300×3 image has about 18 million — so less memory,
    less training data and less overfitting; (2) **translation equivariance**: a pattern learnt
    in one place is recognised everywhere, and pooling adds some invariance to small shifts;
    (3) stacking layers grows the receptive field, giving a **hierarchy** of features (edges →
    parts → objects) that matches how images are composed. Dense networks can in principle do
    the same but need much more data and compute to learn it.

    *Grader's note:* translation invariance comes mostly from weight sharing (equivariance) plus
    pooling/global pooling, not from pooling alone as the seed says; accept either if explained.
    """,
    )
    b.md(
        "ex1_numbers",
        """
    **1b (autograded).** Put a number on weight sharing. A dense layer maps a flattened
    200×300×3 image to 100 units (with biases); a `Conv2D(100, (3, 3))` layer produces 100
    feature maps from the same image. Set `dense_params` and `conv_params` to their parameter
    counts (whole numbers; work them out, don't build the layers).
    """,
    )
    b.solution(
        "ex1_numbers_solution",
        """
    ### BEGIN SOLUTION
    dense_params = 200 * 300 * 3 * 100 + 100   # every pixel value to every unit, plus a bias per unit
    conv_params = 3 * 3 * 3 * 100 + 100        # a 3×3×3 kernel per filter, plus a bias per filter
    ### END SOLUTION
    """,
    )
    b.check(
        "ex1_numbers_check",
        """
    print(f"dense: {dense_params:,} parameters, convolution: {conv_params:,}")
    assert dense_params > conv_params, "the dense layer should need far more parameters"
    print(f"weight sharing saves a factor of about {dense_params / conv_params:,.0f}")
    """,
    )
    b.graded(
        "ex1_numbers_test",
        1,
        "dense_params, conv_params",
        {"dense_params": "dense_params", "conv_params": "conv_params"},
        [
            number(
                "dense_params", ref["dense_params"], "dense: inputs × units + one bias per unit"
            ),
            number(
                "conv_params",
                ref["conv_params"],
                "conv: kernel height × width × input channels × filters + biases",
            ),
        ],
    )


def exercise2(b: Builder, ref: dict):
    b.md(
        "ex2_intro",
        """
    ## Exercise 2 — parameters and memory of a small CNN

    A CNN has three convolutional layers, each with 3×3 kernels, stride 2 and `"same"` padding
    (ReLU). The lowest outputs 100 feature maps, the middle one 200, the top one 400. The inputs
    are RGB images of 200×300 pixels. (It is `nncost.course.exercise2()`.)

    **The memory model** (nncost's, stated so that everyone gets the same numbers). Every value
    is a float32: **4 bytes**. Answer in **bytes** (not KB or MB).

    - *Output size.* With `"same"` padding and stride *s*, an axis of length *n* becomes
      ⌈*n*/*s*⌉.
    - *Parameters* of a convolution: kernel height × kernel width × input channels × filters,
      plus one bias per filter.
    - *One prediction (inference), one image:* the parameters, plus the largest set of
      activation tensors that must be in memory **at the same time**. When a layer runs, its
      input and its output are both alive; once a tensor's last consumer has run it is freed.
      The input image counts as a tensor. Nothing is kept for backpropagation.
    - *Training on a mini-batch of B images with plain SGD:* the parameters, **one gradient per
      trainable parameter**, the optimizer's state (**none for SGD**; momentum keeps 1 value per
      parameter, Adam 2), **every layer's output for all B images** (backpropagation needs them
      all), and the **input batch** itself.

    Real frameworks add workspace buffers, fused or in-place operations and allocator overhead;
    the model above is the part that follows from the network, and it is enough to see what
    dominates. Work the numbers out with Python as a calculator; afterwards the last cell of this
    exercise shows nncost's worked derivation to compare with.

    **2a.** Set `params_conv1`, `params_conv2`, `params_conv3` (parameters of each layer) and
    `params_total`.
    """,
    )
    b.solution(
        "ex2_params_solution",
        """
    ### BEGIN SOLUTION
    params_conv1 = 3 * 3 * 3 * 100 + 100      # 2,800
    params_conv2 = 3 * 3 * 100 * 200 + 200    # 180,200
    params_conv3 = 3 * 3 * 200 * 400 + 400    # 720,400
    params_total = params_conv1 + params_conv2 + params_conv3
    ### END SOLUTION
    """,
    )
    b.check(
        "ex2_params_check",
        """
    for name, value in [("conv1", params_conv1), ("conv2", params_conv2), ("conv3", params_conv3)]:
        print(f"{name}: {value:,} parameters")
    print(f"total: {params_total:,} parameters")
    assert params_total == params_conv1 + params_conv2 + params_conv3, "the total is the sum of the layers"
    assert params_conv3 > params_conv2 > params_conv1, "each layer has more input channels and filters"
    """,
    )
    layers = ref["ex2_layers"]  # nncost.profile(nncost.course.exercise2()), per layer
    b.graded(
        "ex2_params_layers_test",
        3,
        "params_conv1, params_conv2, params_conv3",
        {f"params_conv{i}": f"params_conv{i}" for i in (1, 2, 3)},
        [
            number(
                "params_conv1",
                layers[0],
                "conv1: 3×3 kernel × 3 input channels × 100 filters + 100 biases",
            ),
            number("params_conv2", layers[1], "conv2: its input has 100 channels (conv1's maps)"),
            number("params_conv3", layers[2], "conv3: its input has 200 channels"),
        ],
    )
    b.graded(
        "ex2_params_total_test",
        1,
        "params_total",
        {"params_total": "params_total"},
        [
            number("params_total", ref["ex2_total"], "add the three layers' parameters"),
        ],
    )
    b.md(
        "ex2_inference",
        """
    **2b.** Set `ram_inference_bytes`: the memory, in bytes, to make **one prediction** for one
    image under the model above (parameters + the largest set of activations alive at once).
    Hint: write down the shape of each layer's output first.
    """,
    )
    b.solution(
        "ex2_inference_solution",
        """
    ### BEGIN SOLUTION
    input_values = 200 * 300 * 3
    out1 = 100 * 150 * 100        # ceil(200/2) × ceil(300/2) × 100 maps
    out2 = 50 * 75 * 200
    out3 = 25 * 38 * 400          # ceil(75/2) = 38
    live_values = max(input_values + out1, out1 + out2, out2 + out3)   # while each layer runs
    ram_inference_bytes = 4 * (params_total + live_values)
    ### END SOLUTION
    """,
    )
    b.check(
        "ex2_inference_check",
        """
    print(f"one prediction: {ram_inference_bytes:,} bytes = {ram_inference_bytes / 1024**2:.2f} MB (1 MB = 1024² bytes)")
    assert ram_inference_bytes > 4 * params_total, "the parameters alone take 4 bytes each; activations come on top"
    assert ram_inference_bytes < 1e9, "one image should need megabytes, not gigabytes: bytes, not bits?"
    """,
    )
    b.graded(
        "ex2_inference_test",
        2,
        "ram_inference_bytes",
        {"ram_inference_bytes": "ram_inference_bytes"},
        [
            number(
                "ram_inference_bytes",
                ref["ex2_inference"],
                "parameters × 4 bytes + the largest input + output pair of one layer × 4 bytes",
                hints=[
                    (
                        ref["ex2_params_bytes"],
                        "the activations alive at once count too, not only the parameters",
                    )
                ],
            ),
        ],
    )
    b.md(
        "ex2_training",
        """
    **2c.** Set `ram_training_bytes`: the memory, in bytes, to **train on a mini-batch of 50
    images with plain SGD** (no momentum) under the model above.
    """,
    )
    b.solution(
        "ex2_training_solution",
        """
    ### BEGIN SOLUTION
    batch = 50
    ram_training_bytes = 4 * (
        params_total                       # parameters
        + params_total                     # one gradient each
        + 0                                # plain SGD keeps no optimizer state
        + batch * (out1 + out2 + out3)     # every layer output, kept for backprop
        + batch * input_values             # the input batch
    )
    ### END SOLUTION
    """,
    )
    b.check(
        "ex2_training_check",
        """
    print(f"training, batch of 50, SGD: {ram_training_bytes:,} bytes = {ram_training_bytes / 1024**2:,.1f} MB")
    assert ram_training_bytes > 50 * 4 * 200 * 300 * 3, "the input batch alone takes 50 × 200×300×3 × 4 bytes"
    """,
    )
    b.graded(
        "ex2_training_test",
        2,
        "ram_training_bytes",
        {"ram_training_bytes": "ram_training_bytes"},
        [
            number(
                "ram_training_bytes",
                ref["ex2_training"],
                "parameters + gradients + (no SGD state) + 50 × every layer output + 50 input "
                "images, × 4 bytes",
                hints=[
                    (ref["ex2_training_without_input"], "the input batch is in memory too"),
                    (
                        ref["ex2_training_without_gradients"],
                        "backprop keeps one gradient per parameter",
                    ),
                ],
            ),
        ],
    )
    b.given(
        "ex2_nncost",
        """
    # Compare with nncost (read-only): the table, then the worked derivation, then training memory.
    report = nncost.profile(nncost.course.exercise2())
    print(report)
    print(report.explain())
    print(report.memory.training(50, optimizer="sgd"))
    print("with Adam instead:", f"{report.memory.training(50, optimizer='adam').total_bytes:,} bytes")
    """,
    )
    b.md(
        "ex2_note",
        """
    **What the numbers say.** One prediction needs about 12 MB, under a third of it parameters.
    Training on 50 images needs about 45 times more, and almost all of it is the activations
    kept for backpropagation — they grow with the batch, the parameters do not. That is why the
    fixes in exercise 3 go after activations first. (A common mistake, also in this exercise's
    original sample answer, is to multiply the *parameters* by the batch size.)
    """,
    )


def exercise3(b: Builder, ref: dict):
    b.free_text(
        "ex3_answer",
        """
    ## Exercise 3 — out of GPU memory

    If your GPU runs out of memory while training a CNN, what are five things you could try to
    solve the problem? Say briefly why each one helps (which part of the memory of 2c it cuts).
    """,
        [
            (
                1,
                (
                    "Smaller mini-batch (activations scale with the batch), optionally with gradient "
                    "accumulation over several small batches to keep the effective batch size."
                ),
            ),
            (
                1,
                (
                    "Activation (gradient) checkpointing / rematerialisation: store fewer activations, "
                    "recompute them in the backward pass."
                ),
            ),
            (
                1,
                "Mixed precision (float16/bfloat16 activations and gradients) halves most of the memory.",
            ),
            (
                1,
                (
                    "A smaller model: fewer filters/layers, larger strides or pooling early, smaller "
                    "input images (crop/downscale); or a lighter optimizer (SGD instead of Adam: no slots)."
                ),
            ),
            (
                1,
                (
                    "Another valid, explained remedy: distribute over several GPUs (data/model "
                    "parallelism), offload to CPU, free other memory (other processes, cached tensors), "
                    "or a GPU with more memory. No credit for data augmentation or more data: they do "
                    "not reduce memory."
                ),
            ),
        ],
        """
    Most of the memory of a training step is activations kept for backprop (exercise 2c), then
    parameters, gradients and optimizer state. Remedies: (1) **reduce the mini-batch size** —
    activations scale linearly with it; (2) **gradient accumulation** — run several small batches
    and sum their gradients before one update, to keep a large effective batch; (3) **activation
    checkpointing** — keep only some layers' outputs and recompute the others during the backward
    pass (compute for memory); (4) **mixed precision** — float16/bfloat16 activations halve them
    (float32 master weights keep training stable); (5) **a smaller model or smaller inputs** —
    fewer filters or layers, a stride or pooling early on, downscaled or cropped images; also
    **a lighter optimizer** (SGD keeps no state, Adam two values per parameter), **several GPUs**
    (split the batch or the model), or **a GPU with more memory**.

    *Grader's note:* the seed's "data augmentation" does not help (it generates images on the fly
    but the memory of a training step is unchanged), and "TensorFlow memory growth" only stops TF
    from reserving all memory up front; it does not make a model fit. No credit for either.
    """,
    )
    b.md(
        "ex3_choice",
        """
    **3b (autograded).** Which of these reduce the memory one training step needs? Set
    `oom_fixes` to the set of letters, e.g. `{"A", "C"}`.

    - **A** Use a smaller mini-batch
    - **B** Accumulate gradients over several small batches instead of one big one
    - **C** Recompute activations in the backward pass instead of storing them (checkpointing)
    - **D** Train with mixed precision (float16 activations)
    - **E** Add data augmentation
    - **F** Switch the optimizer from Adam to plain SGD
    - **G** Use a larger learning rate
    - **H** Add more training images
    """,
    )
    b.solution(
        "ex3_choice_solution",
        """
    ### BEGIN SOLUTION
    oom_fixes = {"A", "B", "C", "D", "F"}
    ### END SOLUTION
    """,
    )
    b.check(
        "ex3_choice_check",
        """
    assert isinstance(oom_fixes, set), 'give a set of letters, e.g. {"A", "C"}'
    assert {str(x).upper() for x in oom_fixes} <= set("ABCDEFGH"), "use only the letters A–H"
    print("your choice:", sorted(oom_fixes))
    """,
    )
    b.graded(
        "ex3_choice_test",
        2,
        "oom_fixes",
        {"oom_fixes": "oom_fixes"},
        [
            {
                "kind": "choices",
                "answer": "oom_fixes",
                "want": ["A", "B", "C", "D", "F"],
                "hints": [["E", "augmentation changes the images, not the memory of a step"]],
                "message": "think of each part of 2c: which does each option shrink?",
            },
        ],
    )


def exercise4(b: Builder, ref: dict):
    b.free_text(
        "ex4_answer",
        """
    ## Exercise 4 — max pooling or a strided convolution?

    Why would you want to add a max pooling layer rather than a convolutional layer with the same
    stride?
    """,
        [
            (
                1,
                (
                    "A max pooling layer has no parameters (nothing to learn or store, no gradients, no "
                    "optimizer state) and costs fewer FLOPs than a convolution of the same stride."
                ),
            ),
            (
                1,
                (
                    "It keeps the strongest activation in each window: some invariance to small shifts and "
                    "distortions, while each channel is down-sampled separately (channels are not mixed)."
                ),
            ),
            (
                1,
                (
                    "Trade-off stated: a strided convolution learns how to down-sample and can do better "
                    "(many modern nets use it), max pooling is a cheap, fixed choice that also discards "
                    "information."
                ),
            ),
        ],
        """
    A max pooling layer down-samples with **no parameters**: nothing to learn, no gradients or
    optimizer state, no risk of overfitting, and fewer FLOPs (a comparison per input value, no
    multiply-adds across channels). It keeps the **strongest response** in each window, which
    gives a little **invariance to small translations** and distortions, and it works on each
    channel separately, so the number of maps is unchanged. A convolution with the same stride
    down-samples too, but adds kernel × in-channels × filters weights and the compute to match
    (see 4b); in exchange it **learns** how to down-sample, which many modern architectures
    (ResNet, all-convolutional nets) prefer. Pooling is the cheap, fixed choice; it also throws
    away 3 of 4 values in a 2×2 window, which hurts tasks that need precise positions
    (segmentation, exercise 8).
    """,
    )
    pool, strided = ("×".join(map(str, ref[k])) for k in ("ex4_pool_shape", "ex4_strided_shape"))
    b.md(
        "ex4_numbers",
        f"""
    **4b (autograded).** On a 50×75×200 feature map, compare a `MaxPooling2D(2)` layer (stride 2,
    output {pool}) with a `Conv2D(200, (3, 3), strides=2, padding="same")` layer (output
    {strided}). Both halve the map, but not to the same shape: pooling's `"valid"` windows round
    75/2 down, `padding="same"` rounds it up. Set `pool_params` and `strided_conv_params` to
    their parameter counts.
    """,
    )
    b.solution(
        "ex4_numbers_solution",
        """
    ### BEGIN SOLUTION
    pool_params = 0
    strided_conv_params = 3 * 3 * 200 * 200 + 200
    ### END SOLUTION
    """,
    )
    b.check(
        "ex4_numbers_check",
        """
    print(f"max pooling: {pool_params:,} parameters, strided convolution: {strided_conv_params:,}")
    assert strided_conv_params > 100_000, "the convolution mixes all 200 channels in each 3×3 window"
    """,
    )
    b.graded(
        "ex4_numbers_test",
        1,
        "pool_params, strided_conv_params",
        {"pool_params": "pool_params", "strided_conv_params": "strided_conv_params"},
        [
            number("pool_params", 0, "pooling takes a maximum: there is nothing to learn"),
            number(
                "strided_conv_params",
                ref["strided_conv_params"],
                "3×3 × 200 input channels × 200 filters + 200 biases",
            ),
        ],
    )


def exercise5(b: Builder, ref: dict):
    b.free_text(
        "ex5_answer",
        """
    ## Exercise 5 — local response normalization

    When would you want to add a local response normalization (LRN) layer?
    """,
        [
            (
                1,
                (
                    "What it does: normalises each activation by the activity of the same position in "
                    "neighbouring feature maps (channels) — lateral inhibition: strong activations "
                    "suppress their neighbours, so maps specialise."
                ),
            ),
            (
                1,
                (
                    "When: after ReLU layers with unbounded activations, as in AlexNet/GoogLeNet, to help "
                    "generalisation; today mostly replaced by batch normalization (VGG found LRN did "
                    "not help), so used mainly to reproduce those architectures."
                ),
            ),
        ],
        """
    LRN (AlexNet, 2012) divides each activation by a term that grows with the squared
    activations **at the same pixel in the neighbouring feature maps** — a form of *lateral
    inhibition*, as in biological neurons: the most strongly activated map suppresses the maps
    next to it, which pushes different maps to specialise in different features and improves
    generalisation a little. You would add it after a convolution with **ReLU** (unbounded
    outputs), typically in the lower layers, as AlexNet and GoogLeNet did. In practice the gain
    was small (the VGG paper found none), and **batch normalization** has replaced it; today
    you would use LRN mainly to reproduce those architectures (`tf.nn.local_response_normalization`;
    Keras has no LRN layer).
    """,
    )
    b.md(
        "ex5_choice",
        """
    **5b (autograded).** LRN normalises each activation using the activations of … Set
    `lrn_across` to one letter.

    - **a** neighbouring pixels of the same feature map
    - **b** the same pixel in neighbouring feature maps
    - **c** the same feature map in every image of the mini-batch
    - **d** every feature of the layer for the same image
    """,
    )
    b.solution(
        "ex5_choice_solution",
        """
    ### BEGIN SOLUTION
    lrn_across = "b"
    ### END SOLUTION
    """,
    )
    b.check(
        "ex5_choice_check",
        """
    assert str(lrn_across).lower() in {"a", "b", "c", "d"}, "one letter: a, b, c or d"
    print("your choice:", lrn_across)
    """,
    )
    b.graded(
        "ex5_choice_test",
        1,
        "lrn_across",
        {"lrn_across": "lrn_across"},
        [
            {
                "kind": "choice",
                "answer": "lrn_across",
                "want": "b",
                "hints": [
                    ["c", "that is batch normalization"],
                    ["d", "that is layer normalization"],
                ],
                "message": "LRN is 'across channels': think of the depth axis",
            },
        ],
    )


def exercise6(b: Builder, ref: dict):
    b.free_text(
        "ex6_answer",
        """
    ## Exercise 6 — landmark architectures

    Can you name the main innovations in AlexNet, compared to LeNet-5? What about the main
    innovations in GoogLeNet, ResNet, SENet, and Xception?
    """,
        [
            (
                1,
                (
                    "AlexNet vs LeNet-5: much larger and deeper, convolutional layers stacked directly on "
                    "each other (no pooling between), ReLU, dropout, data augmentation, LRN, trained on "
                    "GPUs (any three)."
                ),
            ),
            (
                1,
                (
                    "GoogLeNet: inception modules — parallel 1×1, 3×3, 5×5 convolutions and pooling, "
                    "concatenated — with 1×1 bottleneck layers, so far fewer parameters (~6 M vs AlexNet's "
                    "~60 M); global average pooling instead of big dense layers."
                ),
            ),
            (
                1,
                (
                    "ResNet: residual units with skip (identity) connections: layers learn a residual "
                    "f(x) − x, which lets very deep nets (152 layers) train; with batch norm."
                ),
            ),
            (
                1,
                (
                    "SENet: squeeze-and-excitation blocks — global average pooling, then a small "
                    "bottleneck of two dense layers with a sigmoid — rescale each feature map; added to "
                    "inception or residual units."
                ),
            ),
            (
                1,
                (
                    "Xception: replaces inception modules with depthwise separable convolutions (a "
                    "spatial filter per channel, then a 1×1 convolution across channels): far fewer "
                    "parameters and FLOPs."
                ),
            ),
        ],
        """
    **AlexNet** (2012) vs LeNet-5: much larger and deeper, and the first to **stack
    convolutional layers directly** on top of each other; **ReLU** instead of tanh/sigmoid;
    **dropout** and **data augmentation** against overfitting; **LRN**; trained on **two GPUs**.
    **GoogLeNet** (2014): **inception modules** — 1×1, 3×3 and 5×5 convolutions and max pooling
    in parallel, outputs concatenated — with **1×1 bottleneck** convolutions that cut the
    channels first; ~6 M parameters instead of AlexNet's ~60 M, global average pooling instead
    of large dense layers. **ResNet** (2015): **residual units** with **skip connections** that
    add a block's input to its output, so a block only learns a residual; signals and gradients
    flow through the shortcuts and networks of 152 layers train (the degradation problem of
    deep plain nets disappears); batch norm throughout. **SENet** (2017): **squeeze-and-
    excitation blocks** — global average pooling squeezes each map to one number, two dense
    layers (bottleneck, then sigmoid) output one weight per map, and the maps are rescaled:
    the network learns which features matter for this image; added to inception or residual
    units. **Xception** (2016): **depthwise separable convolutions** throughout, the extreme
    of the inception idea — a spatial filter per channel, then 1×1 convolutions across
    channels — with skip connections; far fewer parameters and FLOPs (see 6c).
    """,
    )
    b.md(
        "ex6_match",
        """
    **6b (autograded).** Match each architecture with its main innovation. Set `innovation` to a
    dict from architecture name to letter.

    - **A** squeeze-and-excitation blocks that rescale each feature map
    - **B** depthwise separable convolutions replacing inception modules
    - **C** ReLU, dropout and stacked convolutions trained on GPUs
    - **D** skip connections that add a block's input to its output
    - **E** inception modules with 1×1 bottleneck convolutions
    """,
    )
    b.solution(
        "ex6_match_solution",
        """
    ### BEGIN SOLUTION
    innovation = {"AlexNet": "C", "GoogLeNet": "E", "ResNet": "D", "SENet": "A", "Xception": "B"}
    ### END SOLUTION
    """,
    )
    b.check(
        "ex6_match_check",
        """
    assert set(innovation) == {"AlexNet", "GoogLeNet", "ResNet", "SENet", "Xception"}, (
        "one key per architecture, spelled AlexNet, GoogLeNet, ResNet, SENet, Xception")
    assert len(set(innovation.values())) == 5, "each letter belongs to one architecture"
    print(innovation)
    """,
    )
    b.graded(
        "ex6_match_test",
        2,
        "innovation",
        {"innovation": "innovation"},
        [
            {
                "kind": "mapping",
                "answer": "innovation",  # its message: "not yet right: <the keys>"
                "want": {
                    "AlexNet": "C",
                    "GoogLeNet": "E",
                    "ResNet": "D",
                    "SENet": "A",
                    "Xception": "B",
                },
            },
        ],
    )
    b.md(
        "ex6_separable",
        """
    **6c (autograded).** Xception's building block is the depthwise separable convolution:
    a 3×3 filter per input channel (with no bias), then a 1×1 convolution across channels (with a
    bias per filter). Set `separable_params` to the parameters of
    `SeparableConv2D(400, (3, 3))` on a 200-channel input — the same job as the top layer of
    exercise 2, which needs 720,400.
    """,
    )
    b.solution(
        "ex6_separable_solution",
        """
    ### BEGIN SOLUTION
    separable_params = 3 * 3 * 200 + 200 * 400 + 400   # depthwise + pointwise + biases
    ### END SOLUTION
    """,
    )
    b.check(
        "ex6_separable_check",
        """
    print(f"separable: {separable_params:,} parameters, {720_400 / separable_params:.1f}× fewer than Conv2D")
    assert separable_params < 720_400, "it should be much cheaper than the full convolution"
    """,
    )
    b.graded(
        "ex6_separable_test",
        1,
        "separable_params",
        {"separable_params": "separable_params"},
        [
            # reference: keras.layers.SeparableConv2D(400, (3, 3)) on 200 channels, count_params()
            number(
                "separable_params",
                ref["separable_params"],
                "3×3 per channel + 200×400 pointwise + 400 biases",
            ),
        ],
    )


def exercise7(b: Builder, ref: dict):
    b.free_text(
        "ex7_answer",
        """
    ## Exercise 7 — fully convolutional networks

    What is a fully convolutional network? How can you convert a dense layer into a convolutional
    layer?
    """,
        [
            (
                1,
                (
                    "An FCN contains only convolutional (and pooling/up-sampling) layers, no dense "
                    "layers, so it accepts images of any size and outputs a map (one prediction per "
                    "region or pixel) instead of one vector."
                ),
            ),
            (
                1,
                (
                    "A dense layer on top of an h×w×c feature map becomes a convolution with as many "
                    "filters as units, kernel size h×w (the whole map), 'valid' padding; a dense layer on a "
                    "1×1 map (or on another dense layer) becomes a 1×1 convolution."
                ),
            ),
            (
                1,
                (
                    "The weights are the same numbers reshaped (same parameter count), so a trained "
                    "classifier can be converted; on a larger image it slides over the image and outputs "
                    "a grid of predictions in one pass (as in YOLO / FCN for segmentation)."
                ),
            ),
        ],
        """
    A **fully convolutional network** (FCN) has no dense layers: only convolutions (and pooling,
    up-sampling). Because a convolution does not care about the input size, an FCN takes images
    of any size and outputs feature **maps** — e.g. one class score per region or per pixel —
    instead of a single vector. To **convert a dense layer** that sits on an h×w×c feature map,
    replace it by a convolution with **as many filters as the dense layer has units** and a
    **kernel the size of the whole map (h×w)**, with "valid" padding: on that map it computes
    exactly the same dot products (the dense weights reshaped to h×w×c×units; same parameter
    count) and outputs 1×1×units. Following dense layers become **1×1** convolutions. On a
    larger image the converted network slides the original classifier across the image and
    returns a grid of predictions in one pass, far cheaper than cropping windows.

    *Grader's note:* the seed answers "use a 1×1 convolution" for every dense layer; that is
    right only for a dense layer whose input is a 1×1 map or a vector. The first dense layer
    after a Flatten needs a kernel the size of the feature map.
    """,
    )
    b.md(
        "ex7_numbers",
        """
    **7b (autograded).** A network ends with `Flatten()` then `Dense(200)` on a 7×7×512 feature
    map. Convert the dense layer: set `fcn_kernel_size` (a tuple) and `fcn_filters`. Then feed
    the network an image twice as large, so that the map is 14×14×512: set `fcn_output_shape`
    to the converted layer's output shape (height, width, channels; stride 1, "valid").
    """,
    )
    b.solution(
        "ex7_numbers_solution",
        """
    ### BEGIN SOLUTION
    fcn_kernel_size = (7, 7)
    fcn_filters = 200
    fcn_output_shape = (14 - 7 + 1, 14 - 7 + 1, 200)
    ### END SOLUTION
    """,
    )
    b.check(
        "ex7_numbers_check",
        """
    print("kernel", tuple(fcn_kernel_size), "filters", fcn_filters, "output on 14×14×512:", tuple(fcn_output_shape))
    assert len(tuple(fcn_kernel_size)) == 2 and len(tuple(fcn_output_shape)) == 3, "(h, w) and (h, w, c)"
    """,
    )
    b.graded(
        "ex7_numbers_test",
        2,
        "fcn_kernel_size, fcn_filters, fcn_output_shape",
        {name: name for name in ("fcn_kernel_size", "fcn_filters", "fcn_output_shape")},
        [
            number("fcn_filters", 200, "one filter per unit of the dense layer"),
            {
                "kind": "numbers",
                "answer": "fcn_kernel_size",
                "want": [7, 7],
                "message": "the kernel covers the whole 7×7 map",
            },
            {
                "kind": "numbers",
                "answer": "fcn_output_shape",
                "want": ref["fcn_output_shape"],
                "message": "valid: 14 − 7 + 1 per axis",
            },
        ],
    )


def exercise8(b: Builder, ref: dict):
    b.free_text(
        "ex8_answer",
        """
    ## Exercise 8 — semantic segmentation

    What is the main technical difficulty of semantic segmentation?
    """,
        [
            (
                1,
                (
                    "Names the difficulty: a CNN loses spatial resolution as it goes up (strides, "
                    "pooling), so its top feature maps are coarse (e.g. 32× smaller than the image), "
                    "yet every pixel needs a class."
                ),
            ),
            (
                1,
                (
                    "How it is solved: up-sampling (transposed convolutions) with skip connections "
                    "from lower, high-resolution layers (FCN, U-Net), or dilated convolutions that keep "
                    "resolution."
                ),
            ),
        ],
        """
    Semantic segmentation must give **every pixel** a class, but a classification CNN
    **loses spatial resolution** as it goes up: each stride-2 layer or pooling halves the map,
    so after five of them a 224×224 image is a 7×7 map — the network knows *what* is there but
    only roughly *where*. The difficulty is recovering pixel-accurate boundaries from those
    coarse maps. Solutions: **up-sampling** layers (transposed convolutions) that bring the map
    back to the image size, with **skip connections** from lower layers that still have fine
    spatial detail (FCN, U-Net), or **dilated (atrous) convolutions** that grow the receptive
    field without down-sampling (DeepLab). (Class imbalance between pixels and object
    boundaries are secondary difficulties.)

    *Grader's note:* the seed's answer ("assign the correct label to each pixel") restates the
    task; give the first point only for the loss of resolution.
    """,
    )
    b.md(
        "ex8_numbers",
        """
    **8b (autograded).** A 224×224 image goes through five stride-2 stages (each halves height
    and width). Set `segmentation_map_side` to the side of the final feature map and
    `upsampling_factor` to how much it must be up-sampled to give one prediction per pixel.
    """,
    )
    b.solution(
        "ex8_numbers_solution",
        """
    ### BEGIN SOLUTION
    segmentation_map_side = 224 // 2**5
    upsampling_factor = 2**5
    ### END SOLUTION
    """,
    )
    b.check(
        "ex8_numbers_check",
        """
    print(f"final map: {segmentation_map_side}×{segmentation_map_side}, up-sample ×{upsampling_factor}")
    assert segmentation_map_side * upsampling_factor == 224, "up-sampling should give back 224 pixels"
    """,
    )
    b.graded(
        "ex8_numbers_test",
        1,
        "segmentation_map_side, upsampling_factor",
        {
            "segmentation_map_side": "segmentation_map_side",
            "upsampling_factor": "upsampling_factor",
        },
        [
            number("segmentation_map_side", ref["segmentation_side"], "halve 224 five times"),
            number("upsampling_factor", ref["upsampling"], "image side / map side"),
        ],
    )


def exercise9(b: Builder, ref: dict):
    t = EX9_TARGET
    b.md(
        "ex9_intro",
        """
    ## Exercise 9 — your own CNN on MNIST

    Build a CNN from scratch and reach the highest test accuracy you can. The cell below loads
    MNIST (28×28) when it is on this machine or can be downloaded within a few seconds; otherwise
    it says so and loads scikit-learn's digits (8×8 images, used as they are, 1,347 for training
    and 450 held out). `data.name` says which one you have. Images are float32 in [0, 1] with
    shape `data.image_shape`; labels are 0–9.
    """,
    )
    b.given(
        "ex9_data",
        """
    data = nncost.data.load_mnist()
    print(data)
    keras.utils.set_random_seed(9)  # training below starts from the same state on every run
    """,
    )
    b.md(
        "ex9_task",
        f"""
    Build, compile and train `cnn_model` (a `keras.Model` with at least one `Conv2D` layer) on
    `data.x_train`, `data.y_train` only — never on the test set. Set `train_seconds` to the
    training time. **Training must stay under two minutes** (a cell that runs longer than that
    is stopped when the notebook is graded): MNIST is 45 times larger than the digits, so train on
    fewer images or for fewer epochs there.

    **Graded (4 points):** accuracy on the held-out `data.x_test` of at least
    **{t["mnist"]:.0%} on MNIST** or **{t["digits"]:.0%} on the digits**.
    """,
    )
    b.solution(
        "ex9_solution",
        """
    ### BEGIN SOLUTION
    cnn_model = keras.Sequential([
        keras.Input(data.image_shape),
        layers.Conv2D(32, 3, padding="same", activation="relu"),
        layers.MaxPooling2D(2),
        layers.Conv2D(64, 3, padding="same", activation="relu"),
        layers.MaxPooling2D(2),
        layers.Flatten(),
        layers.Dropout(0.3),
        layers.Dense(10, activation="softmax"),
    ], name="my_cnn")
    cnn_model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    if data.name == "mnist":   # 60,000 images: two passes over a third of them fit the budget
        x_fit, y_fit, epochs, batch_size = data.x_train[:20000], data.y_train[:20000], 2, 128
    else:                      # 1,347 small images: many passes, a few seconds
        x_fit, y_fit, epochs, batch_size = data.x_train, data.y_train, 20, 32
    start = time.perf_counter()
    cnn_model.fit(x_fit, y_fit, epochs=epochs, batch_size=batch_size, verbose=0)
    train_seconds = time.perf_counter() - start
    ### END SOLUTION
    """,
    )
    b.check(
        "ex9_check",
        f"""
    target = {t!r}[data.name]
    test_accuracy = cnn_model.evaluate(data.x_test, data.y_test, verbose=0)[1]
    print(f"trained in {{train_seconds:.1f}} s (limit 120 s); test accuracy {{test_accuracy:.2%}} "
          f"on {{data.name}} (target {{target:.0%}})")
    # What the model costs (nncost, the course's conventions): parameters and FLOPs per image.
    cost = nncost.profile(cnn_model)
    print(f"{{cost.params:,}} parameters, {{cost.flops:,}} FLOPs per image")
    cost
    """,
    )
    b.graded(
        "ex9_test",
        4,
        "cnn_model, data",
        {"cnn_model": "cnn_model", "data_name": "data.name"},
        [
            {
                "kind": "accuracy",
                "answer": "cnn_model",
                "model": "cnn_model",
                "data": "data_name",
                "file": FILES["ex9"],
                "conv": 1,
                "target": t,
                "messages": {
                    "conv": "a CNN: use at least one Conv2D layer",
                    "input": (
                        "cnn_model must take images shaped like data.image_shape and give one "
                        "probability per class ({error})"
                    ),
                    "below": "held-out accuracy {accuracy:.2%} is below {target:.0%}",
                },
            },
        ],
        save=f"""
    import keras as _keras

    # The model itself goes to the grader, which tests it in a process of its own, on the
    # held-out images it loads itself.
    if isinstance(cnn_model, _keras.Model):
        _keras.saving.save_model(cnn_model, {FILES["ex9"]!r})
    """,
    )


def exercise10(b: Builder, ref: dict):
    t = EX10_TARGET
    b.md(
        "ex10_intro",
        """
    ## Exercise 10 — transfer learning

    Use transfer learning for image classification, going through these steps:
    **(a)** a data set with at least 100 images per class; **(b)** a training, a validation and
    a test set; **(c)** an input pipeline with preprocessing and data augmentation; **(d)** fine-
    tune a pretrained model.

    The new task: recognise the digits **5–9** (relabelled 0–4). The pretrained model: a network
    that has learnt the digits **0–4** — or MobileNetV2 with ImageNet weights if they are on this
    machine. Fine-tuning goes in two phases: first the pretrained base is **frozen** and only a
    new head is trained; then the top layers of the base are **unfrozen** and trained with a
    **lower learning rate**, so that the large updates of a fresh head do not wreck the
    pretrained features.

    **(a)** The data (read-only): images of 5–9 for the new task (at most 300 per class), images
    of 0–4 to pretrain the base.
    """,
    )
    b.given(
        "ex10_data",
        f"""
    x_all = np.concatenate([data.x_train, data.x_test])
    y_all = np.concatenate([data.y_train, data.y_test])
    x_new, y_new = nncost.data.select_classes(x_all, y_all, {NEW_CLASSES!r}, per_class={NEW_PER_CLASS})
    x_old, y_old = nncost.data.select_classes(x_all, y_all, [0, 1, 2, 3, 4], per_class=1000)
    print(f"new task: {{len(x_new)}} images, per class {{np.bincount(y_new).tolist()}}")
    assert np.bincount(y_new).min() >= 100, "step (a) asks for at least 100 images per class"
    print(f"pretraining task: {{len(x_old)}} images")
    keras.utils.set_random_seed(10)  # training below starts from the same state on every run
    """,
    )
    b.md(
        "ex10_split",
        """
    **(b, graded 2 points)** Split `x_new`, `y_new` into `x_train_tl`, `y_train_tl` (70%),
    `x_val_tl`, `y_val_tl` (15%) and `x_test_tl`, `y_test_tl` (15%), stratified by class, with a
    fixed random state (`sklearn.model_selection.train_test_split` twice does it). Each image
    goes into exactly one set.
    """,
    )
    b.solution(
        "ex10_split_solution",
        """
    ### BEGIN SOLUTION
    from sklearn.model_selection import train_test_split

    x_train_tl, x_rest, y_train_tl, y_rest = train_test_split(
        x_new, y_new, test_size=0.3, stratify=y_new, random_state=0)
    x_val_tl, x_test_tl, y_val_tl, y_test_tl = train_test_split(
        x_rest, y_rest, test_size=0.5, stratify=y_rest, random_state=0)
    ### END SOLUTION
    """,
    )
    b.check(
        "ex10_split_check",
        """
    sizes = [len(x_train_tl), len(x_val_tl), len(x_test_tl)]
    print("train / validation / test:", sizes, "of", len(x_new))
    assert sum(sizes) == len(x_new), "every image in exactly one set"
    assert all(len(np.unique(y)) == 5 for y in (y_train_tl, y_val_tl, y_test_tl)), "all 5 classes in each set"
    """,
    )
    sets = {
        "x_train": "x_train_tl",
        "y_train": "y_train_tl",
        "x_val": "x_val_tl",
        "y_val": "y_val_tl",
        "x_test": "x_test_tl",
        "y_test": "y_test_tl",
    }
    indent = "\n" + " " * len("    _np.savez_compressed(")  # aligned in the (dedented) cell
    arrays = ",".join(f"{indent}{key}=_np.asarray({name})" for key, name in sets.items())
    b.graded(
        "ex10_split_test",
        2,
        ", ".join(sets.values()),
        {"data_name": "data.name"},
        [
            {
                "kind": "split",
                "answer": "data_name",
                "data": "data_name",
                "file": FILES["split"],
                "classes": NEW_CLASSES,
                "per_class": NEW_PER_CLASS,
                "min_per_class": 100,
                "shares": [0.70, 0.15, 0.15],
                "tolerance": 0.02,
                "messages": {
                    "few": "the data set of step (a) needs 100 images per class",
                    "lengths": "images and labels of each set must match",
                    "total": "the three sets should hold all {n} images",
                    "shares": "aim for 70% / 15% / 15%",
                    "images": "the sets must be a split of x_new: each image exactly once",
                    "labels": "labels must stay with their images (y_new, 0–4)",
                    "classes": "stratify: all 5 classes in each set",
                },
            },
        ],
        save=f"""
    import numpy as _np

    # The three sets go to the grader, which checks them against the images it selects itself.
    _np.savez_compressed({FILES["split"]!r},{arrays})
    """,
    )
    b.md(
        "ex10_pipeline",
        """
    **(c)** Build `train_ds`, `val_ds` and `test_ds` with `tf.data`: batches of 32; the training
    set shuffled (with a seed) and augmented with small random shifts (a `RandomTranslation`
    layer with a seed; a digit must stay a digit, so no flips). The images are already scaled to
    [0, 1]. (Not graded on its own; the model of (d) trains on it.)
    """,
    )
    b.solution(
        "ex10_pipeline_solution",
        """
    ### BEGIN SOLUTION
    import tensorflow as tf

    augment = keras.Sequential([layers.RandomTranslation(0.1, 0.1, seed=0)], name="augment")


    def make_dataset(x, y, training):
        ds = tf.data.Dataset.from_tensor_slices((x, y))
        if training:
            ds = ds.shuffle(len(x), seed=0).batch(32)
            ds = ds.map(lambda images, labels: (augment(images, training=True), labels))
        else:
            ds = ds.batch(32)
        return ds.prefetch(tf.data.AUTOTUNE)


    train_ds = make_dataset(x_train_tl, y_train_tl, training=True)
    val_ds = make_dataset(x_val_tl, y_val_tl, training=False)
    test_ds = make_dataset(x_test_tl, y_test_tl, training=False)
    ### END SOLUTION
    """,
    )
    b.check(
        "ex10_pipeline_check",
        """
    images, labels = next(iter(train_ds))
    print("one training batch:", tuple(images.shape), tuple(labels.shape))
    assert tuple(images.shape[1:]) == data.image_shape, "batches of images shaped like data.image_shape"
    """,
    )
    b.md(
        "ex10_base",
        """
    **(d) The pretrained base** (read-only). MobileNetV2 with ImageNet weights when they are on
    disk (never downloaded here); otherwise a small CNN is pretrained on the digits 0–4, which
    stands in for the downloaded weights. `base` maps an image to a feature vector.
    """,
    )
    b.given(
        "ex10_base_code",
        """
    base = nncost.pretrained.imagenet_base(data.image_shape)
    if base is None:
        base = keras.Sequential([
            keras.Input(data.image_shape),
            layers.Conv2D(32, 3, padding="same", activation="relu"),
            layers.MaxPooling2D(2),
            layers.Conv2D(64, 3, padding="same", activation="relu"),
            layers.MaxPooling2D(2),
            layers.Flatten(),
        ], name="base")
        pretraining = keras.Sequential([base, layers.Dense(64, activation="relu"),
                                        layers.Dense(5, activation="softmax")])
        pretraining.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        epochs = 2 if data.name == "mnist" else 10
        pretraining.fit(x_old, y_old, epochs=epochs, batch_size=32, verbose=0)
        print(f"base pretrained on 0–4: accuracy {pretraining.evaluate(x_old, y_old, verbose=0)[1]:.1%}")
    pretrained_weights = [w.copy() for w in base.get_weights()]
    print(f"base: {base.count_params():,} parameters")
    """,
    )
    b.md(
        "ex10_phase1",
        """
    **(d) Phase 1.** Freeze `base`, put a new head on it for the 5 new classes, and train only
    the head: build `transfer_model` (`base` followed by your head), compile it with Adam at
    learning rate `1e-3` and fit it on `train_ds` (validation `val_ds`) for a few epochs.
    """,
    )
    b.solution(
        "ex10_phase1_solution",
        """
    ### BEGIN SOLUTION
    base.trainable = False
    transfer_model = keras.Sequential([
        keras.Input(data.image_shape),
        base,
        layers.Dense(64, activation="relu"),
        layers.Dropout(0.2),
        layers.Dense(5, activation="softmax"),
    ], name="transfer")
    transfer_model.compile(optimizer=keras.optimizers.Adam(1e-3),
                           loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    transfer_model.fit(train_ds, validation_data=val_ds, epochs=15, verbose=0,
                       shuffle=False)  # train_ds shuffles itself
    ### END SOLUTION
    """,
    )
    b.given(
        "ex10_phase1_record",
        """
    # Read-only: what phase 1 left behind, for the check and the graded test.
    phase1_base_weights = [w.copy() for w in base.get_weights()]
    phase1_learning_rate = float(keras.ops.convert_to_numpy(transfer_model.optimizer.learning_rate))
    phase1_cost = nncost.profile(transfer_model)
    print(f"phase 1: {phase1_cost.trainable_params:,} trainable of {phase1_cost.params:,} parameters; "
          f"validation accuracy {transfer_model.evaluate(val_ds, verbose=0)[1]:.1%}")
    """,
    )
    b.check(
        "ex10_phase1_check",
        """
    unchanged = all(np.array_equal(a, b) for a, b in zip(pretrained_weights, phase1_base_weights))
    print("base weights unchanged by phase 1:", unchanged)
    assert unchanged, "freeze the base (base.trainable = False) before compiling and fitting"
    """,
    )
    # where the base's weights are in transfer_model.weights (the kernel's word for it)
    locate_base = """
    _base = {id(_w) for _w in base.weights}
    _base_weights = [_i for _i, _w in enumerate(transfer_model.weights) if id(_w) in _base]"""
    b.graded(
        "ex10_frozen_test",
        2,
        "transfer_model, phase1_base_weights, phase1_cost",
        {"transfer_model": "transfer_model", "base_weights": "_base_weights"},
        [
            {
                "kind": "frozen",
                "answer": "transfer_model",
                "model": "transfer_model",
                "base": "base_weights",
                "file": FILES["frozen"],
                "pretrained": FILES["pretrained"],
                "messages": {
                    "changed": "phase 1 changed the pretrained base: freeze it before training the head",
                    "head": "in phase 1 only the new head is trainable",
                },
            },
        ],
        save=f"""
    import keras as _keras
    import numpy as _np

    # transfer_model as phase 1 left it and the base's weights from before phase 1 go to the
    # grader, which compares them in a process of its own.
    _keras.saving.save_model(transfer_model, {FILES["frozen"]!r})
    _np.savez_compressed({FILES["pretrained"]!r},
                         *[_np.asarray(_w) for _w in pretrained_weights])"""
        + locate_base,
    )
    b.md(
        "ex10_phase2",
        f"""
    **(d) Phase 2.** Unfreeze the top layers of `base` (e.g. its last convolution), recompile
    `transfer_model` with a learning rate at least 10 times lower, and train a few more
    epochs. Then evaluate on `test_ds` and set `finetuned_accuracy`.

    **Graded (3 points):** some base weights are trainable and were changed by phase 2, the
    learning rate is lower than in phase 1, and the accuracy on your test set is at least
    **{t["mnist"]:.0%} on MNIST** or **{t["digits"]:.0%} on the digits**.
    """,
    )
    b.solution(
        "ex10_phase2_solution",
        """
    ### BEGIN SOLUTION
    base.trainable = True
    for layer in base.layers[:-3]:   # keep all but the top block (last conv, pool, flatten) frozen
        layer.trainable = False      # (ImageNet base: this unfreezes the whole MobileNetV2)
    transfer_model.compile(optimizer=keras.optimizers.Adam(1e-4),
                           loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    transfer_model.fit(train_ds, validation_data=val_ds, epochs=15, verbose=0,
                       shuffle=False)  # train_ds shuffles itself
    finetuned_accuracy = transfer_model.evaluate(test_ds, verbose=0)[1]
    ### END SOLUTION
    """,
    )
    b.check(
        "ex10_phase2_check",
        f"""
    target = {t!r}[data.name]
    print(f"fine-tuned: test accuracy {{finetuned_accuracy:.1%}} (target {{target:.0%}}); "
          f"{{nncost.profile(transfer_model).trainable_params:,}} trainable parameters now")
    """,
    )
    b.graded(
        "ex10_finetune_test",
        3,
        "transfer_model, finetuned_accuracy",
        {
            "transfer_model": "transfer_model",
            "base_weights": "_base_weights",
            "data_name": "data.name",
        },
        [
            {
                "kind": "finetune",
                "answer": "transfer_model",
                "model": "transfer_model",
                "base": "base_weights",
                "data": "data_name",
                "file": FILES["finetune"],
                "phase1": FILES["frozen"],
                "pretrained": FILES["pretrained"],
                "split": FILES["split"],
                "classes": NEW_CLASSES,
                "per_class": NEW_PER_CLASS,
                "min_test": 100,
                "lr_factor": 10,
                "target": t,
                "messages": {
                    "phase1": (
                        "the grader has no model of phase 1 to compare with: the graded cell "
                        "after phase 1 (ex10_frozen_test) must run"
                    ),
                    "lr": "fine-tune with a learning rate ≥ 10× lower than phase 1",
                    "test": "evaluate on your held-out test set (15% of x_new)",
                    "base": "transfer_model must still hold base, the pretrained network of phase 1",
                    "trainable": "unfreeze the top layers of the base in phase 2",
                    "unchanged": "phase 2 should fine-tune (change) the unfrozen base layers",
                    "input": "transfer_model must take the images of x_test_tl ({error})",
                    "below": "test accuracy {accuracy:.1%} is below {target:.0%}",
                },
            },
        ],
        save=f"""
    import keras as _keras

    # transfer_model after phase 2 goes to the grader, which compares it with phase 1's and
    # tests it on your test set (saved by the split's graded cell) in a process of its own.
    _keras.saving.save_model(transfer_model, {FILES["finetune"]!r})"""
        + locate_base,
    )


def build() -> tuple[Builder, nbformat.NotebookNode]:
    b, ref = Builder(), references()
    for part in (
        header,
        exercise1,
        exercise2,
        exercise3,
        exercise4,
        exercise5,
        exercise6,
        exercise7,
        exercise8,
        exercise9,
        exercise10,
    ):
        part(b, ref)
    b.md(
        "end",
        """
    ## Before handing in

    *Kernel → Restart & Run All*, check that every cell ran, save. The points: free-text answers
    are graded by hand; everything else by the hidden tests.
    """,
    )
    nb = b.notebook()
    for index, cell in enumerate(nb.cells):  # stable ids: regenerating rewrites identical files
        cell.id = f"cnn_concepts-{index:02d}"
    return b, nb


def points_table(b: Builder) -> str:
    lines = ["| cell | graded | points |", "| --- | --- | ---: |"]
    lines += [f"| `{gid}` | {kind} | {pts} |" for gid, kind, pts in b.points]
    auto = sum(p for _, k, p in b.points if k == "auto")
    manual = sum(p for _, k, p in b.points if k == "manual")
    lines.append(f"| **total** | auto {auto} + by hand {manual} | **{auto + manual}** |")
    return "\n".join(lines)


def main():
    b, nb = build()
    nbformat.validate(nb)
    NOTEBOOK.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, NOTEBOOK)
    print(f"wrote {NOTEBOOK.relative_to(ROOT)}\n{points_table(b)}")


if __name__ == "__main__":
    main()
