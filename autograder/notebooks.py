"""The three assignment notebooks, as specs: the text, the solutions, the checks, the tests.

Each ``build_*`` function returns a :class:`~autograder.build_sources.Notebook`;
``python -m autograder sources`` writes them to ``source/`` and ``python -m autograder
release`` turns those into the student versions in ``assignments/``.

Grouping: one notebook per family of layers — dense (Q1, Q2), cnn (Q3, Q4, Q5),
recurrent (Q6, Q7) — so a student finds a question by its topic and the grader pays one
kernel start and one TensorFlow import per family rather than per question.
"""

from __future__ import annotations

from autograder.build_sources import (
    Hidden,
    Notebook,
    golden,
    hidden_compute,
    hidden_float,
    hidden_int,
    hidden_list,
    hidden_model,
    hidden_size,
    hidden_time,
    worked,
)

HOW = """
**How this notebook works.** Run the setup cell first (it silences TensorFlow's log lines and
imports Keras and `nncost`). Each task is: a description, a cell for your code (replace
`raise NotImplementedError()`), a **check** cell that tells you at once whether your answer is
consistent and, if not, names the likely mistake — and a locked **graded** cell. The graded cells
hold hidden tests that the grader runs; they recompute every number with `nncost` and also run
your `compute(model)` on models you have not seen, so write the formula, not a copied number.
Give counts as plain Python `int`s and sizes/times as numbers, unrounded.
"""

CONVENTIONS_COMMON = r"""
* A FLOP is one floating-point add, multiply, compare or activation step; we count **one
  inference of one sample** (batch size 1, batch axis left out of every shape).
* A weight matrix of $n_{in} \times n_{out}$ costs $2\,n_{in} n_{out}$ FLOPs (a multiply and
  an add per weight); the bias add is folded into that count — no separate bias FLOPs.
* The activation costs $a$ FLOPs per output value: relu 1, sigmoid 1, tanh 1, softmax 6,
  linear 0 (`ACTIVATION_FLOPS` in the setup cell; `nncost.COURSE` holds the same table).
* `keras.Input` is not a layer: it has no parameters and no FLOPs. A `keras.Sequential` model's
  `model.layers` leaves it out; a functional model's (`keras.Model(inputs, outputs)`) starts
  with a `keras.layers.InputLayer`, which `compute(model)` must skip.
* Model size = parameters × 4 bytes (float32); **1 KB = 1024 bytes** (the course's KB).
* Inference time = FLOPs / FLOPS, in seconds; a 1 GFLOPS processor does $10^9$ FLOPs per second.
"""

DENSE_FORMULAS = r"""
## Formulas

A dense (fully connected) layer with $n_{in}$ inputs and $n_{out}$ units computes
$y = \mathrm{act}(W^\top x + b)$, with $W \in \mathbb{R}^{n_{in} \times n_{out}}$ and
$b \in \mathbb{R}^{n_{out}}$:

$$P_{\text{dense}} = \underbrace{n_{in}\, n_{out}}_{\text{weights}} + \underbrace{n_{out}}_{\text{biases}}
\qquad
F_{\text{dense}} = 2\, n_{in}\, n_{out} + n_{out} \cdot a$$

| activation | relu | sigmoid | tanh | softmax | linear |
|---|---|---|---|---|---|
| $a$ (FLOPs per output) | 1 | 1 | 1 | 6 | 0 |

$$\text{size (bytes)} = P \times 4 \qquad \text{size (KB)} = \frac{\text{size (bytes)}}{1024}
\qquad t = \frac{\text{FLOPs}}{\text{FLOPS}} = \frac{\text{FLOPs}}{10^9\ \text{s}^{-1}}$$

A network's totals are the sums over its layers.
"""

DENSE_EXAMPLE_MD = r"""
## Worked example (not one of the questions)

A network $3 \to 4\ (\tanh) \to 2\ (\text{softmax})$:

| layer | parameters $n_{in} n_{out} + n_{out}$ | FLOPs $2 n_{in} n_{out} + n_{out} a$ |
|---|---|---|
| Dense(4, tanh) | $3\cdot4 + 4 = 16$ | $2\cdot3\cdot4 + 4\cdot1 = 28$ |
| Dense(2, softmax) | $4\cdot2 + 2 = 10$ | $2\cdot4\cdot2 + 2\cdot6 = 28$ |
| **total** | **26** | **56** |

Size $26 \times 4 = 104$ bytes $= 104/1024 = 0.1015625$ KB; time at 1 GFLOPS
$56 / 10^9 = 5.6\times10^{-8}$ s. `nncost` writes the same derivation out:
"""

DENSE_EXAMPLE_CODE = """\
example = keras.Sequential(
    [keras.Input((3,)), layers.Dense(4, activation="tanh"), layers.Dense(2, activation="softmax")],
    name="example",
)
print(nncost.profile(example).explain())"""


def _q1_figure() -> str:
    return r"""
$$\underbrace{x \in \mathbb{R}^{5}}_{\text{input}}
\;\xrightarrow[\;W_1:\,5\times5,\ b_1:\,5\;]{\text{relu}}\; h_1 \in \mathbb{R}^{5}
\;\xrightarrow[\;W_2:\,5\times5,\ b_2:\,5\;]{\text{relu}}\; h_2 \in \mathbb{R}^{5}
\;\xrightarrow[\;W_3:\,5\times1,\ b_3:\,1\;]{\text{sigmoid}}\; \hat y \in \mathbb{R}^{1}$$
"""


def _q2_figure() -> str:
    return r"""
$$\underbrace{x \in \mathbb{R}^{4}}_{\text{input}}
\;\xrightarrow[\;W_1:\,4\times9\;]{\text{relu}}\; h_1 \in \mathbb{R}^{9}
\;\xrightarrow[\;W_2:\,9\times6\;]{\text{relu}}\; h_2 \in \mathbb{R}^{6}
\;\xrightarrow[\;W_3:\,6\times3\;]{\text{softmax}}\; \hat y \in \mathbb{R}^{3}$$
"""


def _task(nb: Notebook, title: str, points: int, text: str) -> None:
    unit = "point" if points == 1 else "points"
    nb.md(f"### {title} — {points} {unit}\n\n{text.strip()}")


# =========================================================================== dense
DENSE_COMPUTE = '''\
def compute(model):
    """(parameters, FLOPs) of a model made of Dense layers: one inference, one sample."""
    ### BEGIN SOLUTION
    params, flops = 0, 0
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):  # a functional model's input: no cost
            continue
        n_in = layer.input.shape[-1]  # features coming in (batch axis left out)
        n_out = layer.units
        a = ACTIVATION_FLOPS[layer.activation.__name__]
        params += n_in * n_out + n_out  # weights + biases
        flops += 2 * n_in * n_out + n_out * a  # multiply-adds + activation
    return params, flops
    ### END SOLUTION'''

DENSE_CASES = [
    ("question 1's network", "_course.q1()"),
    ("question 2's network", "_course.q2()"),
    (
        "a 7→3 (tanh) →4 (softmax) network",
        (
            '_keras.Sequential([_keras.Input((7,)), _keras.layers.Dense(3, activation="tanh"), '
            '_keras.layers.Dense(4, activation="softmax")])'
        ),
    ),
    (
        "a 2→6 (sigmoid) →5 (relu) →1 (linear) network",
        (
            '_keras.Sequential([_keras.Input((2,)), _keras.layers.Dense(6, activation="sigmoid"), '
            '_keras.layers.Dense(5, activation="relu"), _keras.layers.Dense(1)])'
        ),
    ),
    (
        "a functional 6→4 (tanh) →2 (relu) network (its model.layers starts with an InputLayer)",
        (
            "(lambda x: _keras.Model(x, _keras.layers.Dense(2, activation='relu')("
            "_keras.layers.Dense(4, activation='tanh')(x))))(_keras.Input((6,)))"
        ),
    ),
]


def _estimate_vs_reality(nb: Notebook, models: dict[str, str], why: str) -> None:
    """The ungraded last section: the course's FLOPs / FLOPS estimate against this computer."""
    nb.md(f"""
## Estimate vs reality (not graded)

Every time above is the course's estimate, FLOPs / FLOPS on a processor that does
$10^9$ FLOPs per second. Here `nncost.measure` runs your models on this computer instead
(a few warm-up calls, then the median of repeated calls, one sample at a time) and sets the
FLOP/s they really reach next to it. The roofline explains the gap: a model that moves many
bytes for each FLOP (a low *arithmetic intensity*, FLOPs per byte) waits for memory, whatever
the processor's peak; one that does many FLOPs per byte can approach the peak. {why}
Timings differ from run to run and from machine to machine: nothing here is graded.
""")
    mapping = "{" + ", ".join(f'"{k}": {v}' for k, v in models.items()) + "}"
    nb.code(f"""\
# Not graded: the estimate against this computer (timings vary from run to run).
for name, model in {mapping}.items():
    print(name, nncost.measure.measure(model), sep="\\n", end="\\n\\n")
print(nncost.measure.machine())
nncost.plot.roofline({mapping})""")


def build_dense() -> Notebook:
    nb = Notebook("dense", "dense")
    nb.md(
        """
# Assignment 1 — What does a dense network cost? (questions 1 and 2)

You will build two small fully connected networks in Keras and work out, with your own code,
how many **parameters** they have, how much **memory** they take, how many **FLOPs** one
inference costs and how long that takes on a **1 GFLOPS** processor.

| part | points |
|---|---|
| 1.1 build the network of question 1 | 1 |
| 1.2 `compute(model)`: parameters | 1 |
| 1.2 `compute(model)`: FLOPs | 2 |
| 1.3 model size of question 1 | 1 |
| 1.4 inference time of question 1 | 1 |
| 2.1 build the network of question 2 | 1 |
| 2.2 model size of question 2 | 1 |
| 2.3 inference time of question 2 | 1 |
| 2.4 a bar chart of questions 1 and 2 | 1 |
| 2.5 how much more question 2 costs | 1 |
| **total** | **11** |
"""
        + HOW
    )
    nb.setup()
    nb.md(DENSE_FORMULAS)
    nb.md("## Conventions — exactly as `nncost` counts\n" + CONVENTIONS_COMMON)
    nb.md(DENSE_EXAMPLE_MD)
    nb.code(DENSE_EXAMPLE_CODE)

    nb.md(
        """
# Question 1

Build a deep neural network in Keras with **5 inputs**, two hidden layers of **5 units** with
**relu**, and **1 output unit** with **sigmoid**, and compute its parameters, memory and FLOPs,
and its inference time on a processor that performs 1 GFLOPS ($10^9$ FLOPs per second).
"""
        + _q1_figure()
    )
    _task(
        nb,
        "Task 1.1: build the network",
        1,
        """
Assign the model to `model_q1`. Start it with `keras.Input((5,))` so that it is built and every
layer knows its input size. Use relu in the hidden layers and **sigmoid** at the output.
""",
    )
    nb.solution(
        "q1_model",
        """\
### BEGIN SOLUTION
model_q1 = keras.Sequential(
    [
        keras.Input((5,)),
        layers.Dense(5, activation="relu"),
        layers.Dense(5, activation="relu"),
        layers.Dense(1, activation="sigmoid"),
    ],
    name="q1",
)
### END SOLUTION
model_q1.summary()""",
        """
`keras.Input((5,))` fixes the input size, so Keras builds every layer at once and
`layer.input.shape` is known. The output layer is the one place where sigmoid is asked for: it
squashes the output into (0, 1), a probability.
""",
    )
    nb.code('nncost.checks.check_model(model_q1, "q1")')
    nb.graded(
        "q1_model",
        1,
        "# Graded (1 point): hidden tests compare model_q1 with question 1.\n"
        'assert isinstance(model_q1, keras.Model), "model_q1 must be a Keras model"',
        hidden_model("model_q1", "q1"),
    )

    _task(
        nb,
        "Task 1.2: a `compute(model)` function",
        3,
        """
Write `compute(model)` that returns a tuple `(params, flops)` for any Keras model made of Dense
layers — **1 point** for the parameters, **2 points** for the FLOPs. Walk over `model.layers`; for
a Dense layer, `layer.input.shape[-1]` is $n_{in}$, `layer.units` is $n_{out}$ and
`layer.activation.__name__` is the activation's name (look its cost up in `ACTIVATION_FLOPS`).
The graded cells also run your function on networks you have not seen. Work the numbers out
from the layer sizes: `compute` may not ask Keras or `nncost` for them (`count_params()`,
`layer.weights`, `nncost.profile`…).
""",
    )
    nb.solution(
        "compute",
        DENSE_COMPUTE,
        """
Each layer adds $n_{in} n_{out} + n_{out}$ parameters and $2 n_{in} n_{out} + n_{out} a$
FLOPs. Reading the sizes from the layers (not typing 5, 5, 1) is what makes the same function
right for question 2 and for networks it has never seen.
""",
    )
    nb.code("nncost.checks.check_compute(compute, model_q1)")
    nb.graded(
        "compute_params",
        1,
        "# Graded (1 point): compute(model)[0] on question 1's model and on unseen models.\n"
        'assert len(compute(model_q1)) == 2, "compute(model) must return (params, flops)"',
        hidden_compute(0, DENSE_CASES),
    )
    nb.graded(
        "compute_flops",
        2,
        "# Graded (2 points): compute(model)[1] on question 1's model and on unseen models.\n"
        'assert len(compute(model_q1)) == 2, "compute(model) must return (params, flops)"',
        hidden_compute(1, DENSE_CASES),
    )

    _task(
        nb,
        "Task 1.3: model size",
        1,
        """
Set `q1_params, q1_flops = compute(model_q1)`, then `q1_size_bytes` (an `int`: parameters × 4
bytes) and `q1_size_kb` (bytes / 1024, unrounded). Keras counts the parameters too:
`model_q1.count_params()`.
""",
    )
    nb.solution(
        "q1_size",
        """\
q1_params, q1_flops = compute(model_q1)
### BEGIN SOLUTION
q1_size_bytes = model_q1.count_params() * 4
q1_size_kb = q1_size_bytes / 1024
### END SOLUTION
print(q1_params, "parameters;", q1_size_bytes, "bytes =", q1_size_kb, "KB")""",
        """
66 parameters × 4 bytes (float32) = 264 bytes; 264 / 1024 = 0.2578125 KB. The course's KB is
1024 bytes, not 1000.
""",
    )
    nb.code("nncost.checks.check_size(q1_size_bytes, q1_size_kb, model_q1)")
    nb.graded(
        "q1_size",
        1,
        "# Graded (1 point): q1_size_bytes and q1_size_kb.\n"
        'assert isinstance(q1_size_bytes, int), "q1_size_bytes must be an int"\n'
        'assert isinstance(q1_size_kb, (int, float)), "q1_size_kb must be a number"',
        hidden_size("q1", "_course.q1()"),
    )

    _task(
        nb,
        "Task 1.4: inference time",
        1,
        """
Set `q1_time_s`: the seconds one inference of `model_q1` takes on a 1 GFLOPS processor.
""",
    )
    nb.solution(
        "q1_time",
        """\
### BEGIN SOLUTION
q1_time_s = q1_flops / 1e9
### END SOLUTION
print(q1_time_s, "s")""",
        """
FLOPs / FLOPS: 121 FLOPs / $10^9$ FLOPs per second = $1.21 \\times 10^{-7}$ s.
""",
    )
    nb.code("nncost.checks.check_time(q1_time_s, model_q1)")
    nb.graded(
        "q1_time",
        1,
        "# Graded (1 point): q1_time_s.\n"
        'assert isinstance(q1_time_s, (int, float)), "q1_time_s must be a number"',
        hidden_time("q1_time_s", "_course.q1()"),
    )

    nb.md(
        """
# Question 2

Build a deep neural network with **4 inputs**, hidden layers of **9** and **6** units with
**relu**, and **3 output units** with **softmax**; compute its parameters, memory, FLOPs and
inference time, and compare questions 1 and 2 in a bar chart.
"""
        + _q2_figure()
    )
    _task(
        nb,
        "Task 2.1: build the network",
        1,
        "Assign it to `model_q2` (start with `keras.Input((4,))`).",
    )
    nb.solution(
        "q2_model",
        """\
### BEGIN SOLUTION
model_q2 = keras.Sequential(
    [
        keras.Input((4,)),
        layers.Dense(9, activation="relu"),
        layers.Dense(6, activation="relu"),
        layers.Dense(3, activation="softmax"),
    ],
    name="q2",
)
### END SOLUTION
model_q2.summary()""",
        "The same pattern as question 1; softmax turns the 3 outputs into class probabilities.",
    )
    nb.code('nncost.checks.check_model(model_q2, "q2")')
    nb.graded(
        "q2_model",
        1,
        "# Graded (1 point): hidden tests compare model_q2 with question 2.\n"
        'assert isinstance(model_q2, keras.Model), "model_q2 must be a Keras model"',
        hidden_model("model_q2", "q2"),
    )

    _task(
        nb,
        "Task 2.2: model size",
        1,
        """
Set `q2_params, q2_flops = compute(model_q2)`, then `q2_size_bytes` and `q2_size_kb`.
""",
    )
    nb.solution(
        "q2_size",
        """\
q2_params, q2_flops = compute(model_q2)
### BEGIN SOLUTION
q2_size_bytes = model_q2.count_params() * 4
q2_size_kb = q2_size_bytes / 1024
### END SOLUTION
print(q2_params, "parameters;", q2_size_bytes, "bytes =", q2_size_kb, "KB")""",
        """
$4\\cdot9+9 + 9\\cdot6+6 + 6\\cdot3+3 = 45 + 60 + 21 = 126$ parameters, 504 bytes, 0.4921875 KB.
""",
    )
    nb.code("nncost.checks.check_size(q2_size_bytes, q2_size_kb, model_q2)")
    nb.graded(
        "q2_size",
        1,
        "# Graded (1 point): q2_size_bytes and q2_size_kb.\n"
        'assert isinstance(q2_size_bytes, int), "q2_size_bytes must be an int"\n'
        'assert isinstance(q2_size_kb, (int, float)), "q2_size_kb must be a number"',
        hidden_size("q2", "_course.q2()"),
    )

    _task(nb, "Task 2.3: inference time", 1, "Set `q2_time_s` (seconds at 1 GFLOPS).")
    nb.solution(
        "q2_time",
        """\
### BEGIN SOLUTION
q2_time_s = q2_flops / 1e9
### END SOLUTION
print(q2_time_s, "s")""",
        """
FLOPs: $(2\\cdot4\\cdot9 + 9) + (2\\cdot9\\cdot6 + 6) + (2\\cdot6\\cdot3 + 3\\cdot6) = 81 + 114 + 54
= 249$; the softmax output costs 6 per unit. $249/10^9 = 2.49\\times10^{-7}$ s.
""",
    )
    nb.code("nncost.checks.check_time(q2_time_s, model_q2)")
    nb.graded(
        "q2_time",
        1,
        "# Graded (1 point): q2_time_s.\n"
        'assert isinstance(q2_time_s, (int, float)), "q2_time_s must be a number"',
        hidden_time("q2_time_s", "_course.q2()"),
    )

    g1, g2 = golden("_course.q1()"), golden("_course.q2()")
    _task(
        nb,
        "Task 2.4: a bar chart of questions 1 and 2",
        1,
        """
Draw one figure with two bar charts side by side — `fig_compare, (ax_params, ax_flops) =
plt.subplots(1, 2)` — the **parameters** of questions 1 and 2 on one, their **FLOPs** on the
other, the bars labelled `"Q1"` and `"Q2"` (`ax.bar(["Q1", "Q2"], [...])`). Plot your own
numbers (`q1_params`, `q2_params`, `q1_flops`, `q2_flops`). The grader reads what the figure
plots (the bars' heights and labels), not its pixels: titles and colours are yours.
""",
    )
    nb.solution(
        "q2_chart",
        """\
import matplotlib.pyplot as plt

### BEGIN SOLUTION
fig_compare, (ax_params, ax_flops) = plt.subplots(1, 2, figsize=(8, 3))
ax_params.bar(["Q1", "Q2"], [q1_params, q2_params])
ax_params.set_title("parameters")
ax_flops.bar(["Q1", "Q2"], [q1_flops, q2_flops])
ax_flops.set_title("FLOPs per inference")
### END SOLUTION""",
        f"""
Two Axes, because the two costs are different units. The heights: {g1["params"]} and
{g2["params"]} parameters, {g1["flops"]} and {g2["flops"]} FLOPs. `nncost.plot.compare` draws the
same comparison with every cost at once (below).
""",
    )
    nb.code(
        "import nncost.chartcheck\n\n"
        'nncost.chartcheck.check_cost_bars(fig_compare, {"Q1": model_q1, "Q2": model_q2})'
    )
    nb.graded(
        "q2_chart",
        1,
        "# Graded (1 point): what fig_compare plots.\n"
        'assert hasattr(fig_compare, "axes"), "fig_compare must be a matplotlib figure"',
        Hidden(
            {"fig_compare": "fig_compare"},
            [
                {
                    "kind": "bars",
                    "answer": "fig_compare",
                    "rel": 1e-6,
                    "want": [
                        {"heights": [g1["params"], g2["params"]], "labels": ["Q1", "Q2"]},
                        {"heights": [g1["flops"], g2["flops"]], "labels": ["Q1", "Q2"]},
                    ],
                    "message": "fig_compare must hold one bar series of the parameters of Q1 and Q2 and "
                    "one of their FLOPs, as compute counts them, the bars labelled Q1 and Q2",
                }
            ],
        ),
    )
    _task(
        nb,
        "Task 2.5: how much more does question 2 cost?",
        1,
        """
Question 2 has fewer inputs but wider hidden layers and a softmax output. Read your chart: set
`params_ratio` to question 2's parameters divided by question 1's, and `flops_ratio` to the same
for the FLOPs (unrounded). Which cost grows more, and why?
""",
    )
    nb.solution(
        "q2_compare",
        """\
### BEGIN SOLUTION
params_ratio = q2_params / q1_params
flops_ratio = q2_flops / q1_flops
### END SOLUTION
print(f"Q2 / Q1: {params_ratio:.3f}x the parameters, {flops_ratio:.3f}x the FLOPs")""",
        f"""
{g2["params"]} / {g1["params"]} = {g2["params"] / g1["params"]:.4f}× the parameters and
{g2["flops"]} / {g1["flops"]} = {g2["flops"] / g1["flops"]:.4f}× the FLOPs. The FLOPs grow more:
each weight costs 2 FLOPs in both networks, but the softmax output costs 6 FLOPs per unit
(3 units, 18 FLOPs) where Q1's sigmoid costs 1, and the wider hidden layers make more
activations (9 + 6 relu outputs against 5 + 5).
""",
    )
    nb.code(
        "import nncost.chartcheck\n\n"
        'nncost.chartcheck.check_ratio("params_ratio", params_ratio, model_q2, model_q1, "params")\n'
        'nncost.chartcheck.check_ratio("flops_ratio", flops_ratio, model_q2, model_q1, "flops")'
    )
    nb.graded(
        "q2_compare",
        1,
        "# Graded (1 point): params_ratio and flops_ratio.\n"
        'assert isinstance(params_ratio, (int, float)), "params_ratio must be a number"\n'
        'assert isinstance(flops_ratio, (int, float)), "flops_ratio must be a number"',
        hidden_float(
            "params_ratio",
            g2["params"] / g1["params"],
            "parameters of question 2 divided by those of question 1",
        )
        + hidden_float(
            "flops_ratio",
            g2["flops"] / g1["flops"],
            "FLOPs of question 2 divided by those of question 1",
        ),
    )
    nb.question(
        "The two networks drawn by `nncost.plot.network` (here, after the tasks, because they "
        "print the answers): one circle per neuron, one line per weight, and each layer's "
        "parameters and FLOPs. Do they agree with yours?",
        f"""
They should: question 1 has {g1["params"]} parameters and {g1["flops"]} FLOPs, question 2
{g2["params"]} and {g2["flops"]}. A layer whose parameters differ by its number of units is
missing its biases; FLOPs that differ by the units × the activation's cost are missing the
activation (softmax costs 6 per output).
""",
    )
    nb.code("nncost.plot.network(nncost.course.q1())")
    nb.code("nncost.plot.network(nncost.course.q2())")
    nb.question(
        """
## Every cost at once

`nncost.plot.compare` draws your two models side by side with every cost nncost counts (log
scale when the bars differ by 100×): do the heights agree with your chart?
""",
        f"""
Its parameter and FLOPs panels are your chart's bars ({g1["params"]} and {g2["params"]};
{g1["flops"]} and {g2["flops"]}) when your models are right; it adds the size (parameters × 4
bytes) and the time (FLOPs / $10^9$ s), which keep the same ratios as the parameters and the
FLOPs: a chart of all four says no more than a chart of two.
""",
    )
    nb.code('nncost.plot.compare({"Q1": model_q1, "Q2": model_q2})')
    base, wide, both = (golden(_dense_code(hidden)) for hidden in ((5, 5), (10, 5), (10, 10)))
    nb.question(
        """
## Play with it

Move a slider: the network is rebuilt with the new size and every cost is recomputed. Which
cost grows fastest when you double a hidden layer? What does a 10× faster processor change?
""",
        f"""
Doubling the first hidden layer of question 1 (5 → 10 units) takes the parameters from
{base["params"]} to {wide["params"]} (×{wide["params"] / base["params"]:.2f}) and the FLOPs from
{base["flops"]} to {wide["flops"]} (×{wide["flops"] / base["flops"]:.2f}); the size follows the
parameters (× 4 bytes) and the time the FLOPs. Parameters and FLOPs grow together because both
count the weights (a weight is one parameter and 2 FLOPs); the FLOPs grow a little faster when
the new units also add activations. Doubling **both** hidden layers (10 and 10) gives
{both["params"]} parameters and {both["flops"]} FLOPs (×{both["params"] / base["params"]:.2f} and
×{both["flops"] / base["flops"]:.2f}): the weights *between* two hidden layers grow with the
product of their widths, so the costs grow quadratically when every layer widens. A 10× faster
processor changes only the inference time (÷10): parameters, size and FLOPs are properties of
the network, not of the machine.
""",
    )
    nb.code("nncost.widgets.explore(nncost.course.q1())")
    _estimate_vs_reality(
        nb,
        {"Q1": "model_q1", "Q2": "model_q2"},
        """
A dense net this small does a few hundred FLOPs for every few hundred bytes of weights: it is
memory-bound, and one call is mostly the framework's own overhead, far above the estimate.""",
    )
    return nb


def _dense_code(hidden: tuple[int, int]) -> str:
    """Question 1's network with other hidden widths, as a model expression."""
    first, second = hidden
    return (
        "_keras.Sequential([_keras.Input((5,)), "
        f"_keras.layers.Dense({first}, activation='relu'), "
        f"_keras.layers.Dense({second}, activation='relu'), "
        "_keras.layers.Dense(1, activation='sigmoid')])"
    )


# =========================================================================== cnn
CNN_FORMULAS = r"""
## Formulas

**Output size.** A window of size $k$ sliding with stride $s$ over $n$ positions, with $p$ zeros
of padding on each side, fits

$$n_{out} = \left\lfloor \frac{n + 2p - k}{s} \right\rfloor + 1$$

times. Keras' `padding="valid"` means $p = 0$; `padding="same"` pads so that
$n_{out} = \lceil n / s \rceil$. Convolutions default to $s = 1$; pooling defaults to $s = k$
(non-overlapping windows). Apply the formula to every spatial axis ($H, W$ in 2D; $D, H, W$ in
3D). For example, $n = 7$, $k = 3$, $s = 1$, valid:

```
input     [x1 x2 x3 x4 x5 x6 x7]
window 1  [x1 x2 x3]
window 2     [x2 x3 x4]
window 3        [x3 x4 x5]
window 4           [x4 x5 x6]
window 5              [x5 x6 x7]     n_out = floor((7 - 3)/1) + 1 = 5
```

and max pooling with $k = s = 2$ on $n = 5$ keeps the 2 whole windows $[x_1 x_2], [x_3 x_4]$:
$\lfloor (5 - 2)/2 \rfloor + 1 = 2$ — $x_5$ is dropped (rounding **down**).

A convolution's output has one channel per filter: $H_{out} \times W_{out} \times C_{out}$.
Pooling keeps the channels. `Flatten` multiplies all sizes into one axis.

**Parameters.** Each of the $C_{out}$ filters spans the whole kernel **and every input channel**,
plus one bias:

$$P_{\text{conv2D}} = (k_h k_w C_{in} + 1)\, C_{out} \qquad
P_{\text{conv3D}} = (k_d k_h k_w C_{in} + 1)\, C_{out}$$

Pooling and `Flatten` have no parameters.

**FLOPs.** Every output value is a dot product of the kernel with one window of the input
(a multiply and an add per weight), then the activation:

$$F_{\text{conv}} = 2\,(k_h k_w [k_d]\, C_{in}) \cdot N_{out} + N_{out} \cdot a, \qquad
N_{out} = H_{out} W_{out} [D_{out}]\, C_{out}$$

$$F_{\text{pool}} = (p_h p_w [p_d]) \cdot N_{out}$$

(one FLOP per value read in each window). Dense layers are as in assignment 1.
"""

CNN_EXAMPLE_MD = r"""
## Worked example (not one of the questions)

Input $8\times8\times1$ → `Conv2D(4, (3, 3), relu)` → `MaxPooling2D((2, 2))` → `Flatten` →
`Dense(3, softmax)`:

| layer | output | parameters | FLOPs |
|---|---|---|---|
| Conv2D | $6\times6\times4$ ($8-3+1 = 6$) | $(3\cdot3\cdot1 + 1)\cdot4 = 40$ | $2\cdot9\cdot1\cdot144 + 144\cdot1 = 2736$ |
| MaxPooling2D | $3\times3\times4$ | 0 | $2\cdot2\cdot36 = 144$ |
| Flatten | $36$ | 0 | 0 |
| Dense | $3$ | $36\cdot3 + 3 = 111$ | $2\cdot36\cdot3 + 3\cdot6 = 234$ |
| **total** | | **151** | **3114** |
"""

CNN_EXAMPLE_CODE = """\
example = keras.Sequential(
    [keras.Input((8, 8, 1)), layers.Conv2D(4, (3, 3), activation="relu"),
     layers.MaxPooling2D((2, 2)), layers.Flatten(), layers.Dense(3, activation="softmax")],
    name="example",
)
print(nncost.profile(example).explain())"""

CNN_COMPUTE = '''\
def compute(model):
    """(parameters, FLOPs) of a model of Conv2D/Conv3D, MaxPooling2D/3D, Flatten and Dense layers."""
    ### BEGIN SOLUTION
    params, flops = 0, 0
    for layer in model.layers:
        kind = type(layer).__name__
        if kind == "InputLayer":  # a functional model's input: no cost
            continue
        n_out = math.prod(layer.output.shape[1:])  # output values, batch axis left out
        if kind == "Dense":
            n_in, units = layer.input.shape[-1], layer.units
            params += n_in * units + units
            flops += 2 * n_in * units + units * ACTIVATION_FLOPS[layer.activation.__name__]
        elif kind in ("Conv2D", "Conv3D"):
            k = math.prod(layer.kernel_size)  # k_h*k_w, or k_d*k_h*k_w in 3D
            c_in = layer.input.shape[-1]
            params += (k * c_in + 1) * layer.filters
            flops += 2 * k * c_in * n_out + n_out * ACTIVATION_FLOPS[layer.activation.__name__]
        elif kind in ("MaxPooling2D", "MaxPooling3D"):
            flops += math.prod(layer.pool_size) * n_out
        # Flatten: no parameters, no FLOPs
    return params, flops
    ### END SOLUTION'''

CNN_CASES = [
    ("question 3's CNN", "_course.q3()"),
    ("question 5's 3D CNN", "_course.q5()"),
    (
        "a 2D CNN with stride 2 and padding='same'",
        (
            "_keras.Sequential([_keras.Input((10, 10, 3)), _keras.layers.Conv2D(8, (3, 3), strides=2, "
            'padding="same", activation="relu"), _keras.layers.MaxPooling2D((2, 2)), '
            '_keras.layers.Flatten(), _keras.layers.Dense(4, activation="softmax")])'
        ),
    ),
    (
        "a small 3D CNN with tanh",
        (
            "_keras.Sequential([_keras.Input((6, 8, 8, 2)), _keras.layers.Conv3D(4, (3, 3, 3), "
            'activation="tanh"), _keras.layers.MaxPooling3D((2, 2, 2)), _keras.layers.Flatten(), '
            '_keras.layers.Dense(3, activation="sigmoid")])'
        ),
    ),
    (
        "a functional 2D CNN (its model.layers starts with an InputLayer)",
        (
            "(lambda x: _keras.Model(x, _keras.layers.Dense(2, activation='softmax')("
            "_keras.layers.Flatten()(_keras.layers.MaxPooling2D((2, 2))(_keras.layers.Conv2D("
            "3, (3, 3), activation='relu')(x))))))(_keras.Input((12, 12, 2)))"
        ),
    ),
]


def build_cnn() -> Notebook:
    nb = Notebook("cnn", "cnn")
    nb.md(
        """
# Assignment 2 — What does a convolutional network cost? (questions 3, 4 and 5)

Two image CNNs and a video 3D CNN: their output shapes, parameters (per layer and in total),
model size, FLOPs and inference time on a 1 GFLOPS processor.

| part | points |
|---|---|
| A `compute(model)`: parameters | 2 |
| A `compute(model)`: FLOPs | 3 |
| 3.1 build the MNIST CNN | 1 |
| 3.2 its model size | 1 |
| 4.1 build the 32×32×3 CNN | 1 |
| 4.2 its output shapes | 1 |
| 4.3 its inference time | 1 |
| 4.4 its parameters and memory | 1 |
| 5.1 build the video 3D CNN | 1 |
| 5.2 its parameters per layer | 1 |
| 5.3 its model size | 1 |
| **total** | **14** |
"""
        + HOW
    )
    nb.setup()
    nb.md(CNN_FORMULAS)
    nb.md(
        "## Conventions — exactly as `nncost` counts\n"
        + CONVENTIONS_COMMON
        + """
* Max pooling costs one FLOP per value read in each window, $\\text{prod(pool)} \\times N_{out}$
  (nncost's rule; the course leaves the count of comparisons open).
* `Flatten` only reshapes: 0 parameters, 0 FLOPs.
"""
    )
    nb.md(CNN_EXAMPLE_MD)
    nb.code(CNN_EXAMPLE_CODE)

    _task(
        nb,
        "Task A: a `compute(model)` function",
        5,
        """
Write `compute(model)` returning `(params, flops)` for models of `Conv2D`, `Conv3D`,
`MaxPooling2D`, `MaxPooling3D`, `Flatten` and `Dense` layers — **2 points** for the parameters,
**3 points** for the FLOPs; the graded cells also run it on CNNs you have not seen (other
strides, `padding="same"`, other activations). As in assignment 1, `compute` works the numbers
out itself: no `count_params()`, `layer.weights` or `nncost`. Useful: `type(layer).__name__`,
`layer.kernel_size`, `layer.filters`, `layer.pool_size`, `layer.input.shape`,
`layer.output.shape` (read the output size from the layer, so strides and padding are
handled), `math.prod`.
""",
    )
    nb.solution(
        "compute",
        CNN_COMPUTE,
        """
Reading $N_{out}$ from `layer.output.shape` means the output-size formula is Keras' job here; the
counting is ours. Pooling has no weights but it does read every value of every window: leaving it
out is the commonest slip.
""",
    )
    nb.code("nncost.checks.check_compute(compute, nncost.course.q3())")
    nb.graded(
        "compute_params",
        2,
        "# Graded (2 points): compute(model)[0] on the course's CNNs and on unseen ones.\n"
        'assert len(compute(nncost.course.q3())) == 2, "compute(model) must return (params, flops)"',
        hidden_compute(0, CNN_CASES),
    )
    nb.graded(
        "compute_flops",
        3,
        "# Graded (3 points): compute(model)[1] on the course's CNNs and on unseen ones.\n"
        'assert len(compute(nncost.course.q3())) == 2, "compute(model) must return (params, flops)"',
        hidden_compute(1, CNN_CASES),
    )

    nb.md("""
# Question 3

An MNIST digit classifier: input $28\\times28\\times1$; `Conv2D` with 32 filters of $3\\times3$
and relu; `MaxPooling2D` $2\\times2$; `Conv2D` with 64 filters of $3\\times3$ and relu;
`MaxPooling2D` $2\\times2$; `Flatten`; `Dense(64, relu)`; `Dense(10, softmax)`. Compute its
parameters, model size and FLOPs.

$$28{\\times}28{\\times}1 \\xrightarrow{\\text{conv }3\\times3,\\,32} ? \\xrightarrow{\\text{pool }2\\times2} ?
\\xrightarrow{\\text{conv }3\\times3,\\,64} ? \\xrightarrow{\\text{pool }2\\times2} ?
\\xrightarrow{\\text{flatten}} ? \\xrightarrow{\\text{dense}} 64 \\xrightarrow{\\text{softmax}} 10$$
""")
    _task(
        nb,
        "Task 3.1: build the network",
        1,
        "Assign it to `model_q3` (start with `keras.Input((28, 28, 1))`).",
    )
    nb.solution(
        "q3_model",
        """\
### BEGIN SOLUTION
model_q3 = keras.Sequential(
    [
        keras.Input((28, 28, 1)),
        layers.Conv2D(32, (3, 3), activation="relu"),
        layers.MaxPooling2D((2, 2)),
        layers.Conv2D(64, (3, 3), activation="relu"),
        layers.MaxPooling2D((2, 2)),
        layers.Flatten(),
        layers.Dense(64, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ],
    name="q3",
)
### END SOLUTION
q3_params, q3_flops = compute(model_q3)
print(q3_params, "parameters,", q3_flops, "FLOPs")""",
        """
Shapes: 26×26×32 → 13×13×32 → 11×11×64 → 5×5×64 (11/2 rounds down) → 1600 → 64 → 10.
Parameters $320 + 18496 + 102464 + 650 = 121930$. The FLOPs, layer by layer, as nncost derives
them:
"""
        + worked("_course.q3()"),
    )
    nb.code(
        'nncost.checks.check_model(model_q3, "q3")\nnncost.checks.check_flops(q3_flops, model_q3, "q3_flops")'
    )
    nb.graded(
        "q3_model",
        1,
        "# Graded (1 point): hidden tests compare model_q3 with question 3.\n"
        'assert isinstance(model_q3, keras.Model), "model_q3 must be a Keras model"',
        hidden_model("model_q3", "q3"),
    )
    _task(
        nb, "Task 3.2: model size", 1, "Set `q3_size_bytes` (int) and `q3_size_kb` (bytes / 1024)."
    )
    nb.solution(
        "q3_size",
        """\
### BEGIN SOLUTION
q3_size_bytes = q3_params * 4
q3_size_kb = q3_size_bytes / 1024
### END SOLUTION
print(q3_size_bytes, "bytes =", q3_size_kb, "KB")""",
        "$121930 \\times 4 = 487720$ bytes $= 476.289…$ KB.",
    )
    nb.code("nncost.checks.check_size(q3_size_bytes, q3_size_kb, model_q3)")
    nb.graded(
        "q3_size",
        1,
        "# Graded (1 point): q3_size_bytes and q3_size_kb.\n"
        'assert isinstance(q3_size_bytes, int), "q3_size_bytes must be an int"\n'
        'assert isinstance(q3_size_kb, (int, float)), "q3_size_kb must be a number"',
        hidden_size("q3", "_course.q3()"),
    )

    nb.md("""
# Question 4

The same architecture on colour images of $32\\times32\\times3$ (pooling $2\\times2$ with stride
2): compute its parameters, memory and FLOPs.
""")
    _task(nb, "Task 4.1: build the network", 1, "Assign it to `model_q4`.")
    nb.solution(
        "q4_model",
        """\
### BEGIN SOLUTION
model_q4 = keras.Sequential(
    [
        keras.Input((32, 32, 3)),
        layers.Conv2D(32, (3, 3), activation="relu"),
        layers.MaxPooling2D((2, 2), strides=2),
        layers.Conv2D(64, (3, 3), activation="relu"),
        layers.MaxPooling2D((2, 2), strides=2),
        layers.Flatten(),
        layers.Dense(64, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ],
    name="q4",
)
### END SOLUTION""",
        "Only the input changes: 3 channels make the first filters $3\\times3\\times3$.",
    )
    nb.code('nncost.checks.check_model(model_q4, "q4")')
    nb.graded(
        "q4_model",
        1,
        "# Graded (1 point): hidden tests compare model_q4 with question 4.\n"
        'assert isinstance(model_q4, keras.Model), "model_q4 must be a Keras model"',
        hidden_model("model_q4", "q4"),
    )
    _task(
        nb,
        "Task 4.2: output shapes by hand",
        1,
        """
Set `q4_shapes` to the list of the output shapes of the 7 layers, batch axis left out, as tuples
of ints — `[(H, W, C), …, (n,), …]` — worked out with the output-size formula (then compare with
`model_q4.summary()`).
""",
    )
    nb.solution(
        "q4_shapes",
        """\
### BEGIN SOLUTION
q4_shapes = [
    (30, 30, 32),  # 32 - 3 + 1 = 30
    (15, 15, 32),  # floor((30 - 2) / 2) + 1 = 15
    (13, 13, 64),  # 15 - 3 + 1 = 13
    (6, 6, 64),    # floor((13 - 2) / 2) + 1 = 6: the last row and column are dropped
    (2304,),       # 6 * 6 * 64
    (64,),
    (10,),
]
### END SOLUTION""",
        "The trap is the second pooling: 13 is odd, so $\\lfloor 11/2 \\rfloor + 1 = 6$, not 7.",
    )
    nb.code("nncost.checks.check_shapes(q4_shapes, model_q4)")
    nb.graded(
        "q4_shapes",
        1,
        "# Graded (1 point): q4_shapes.\n"
        'assert isinstance(q4_shapes, list), "q4_shapes must be a list"',
        hidden_list(
            "q4_shapes",
            "_course.q4()",
            "shapes",
            "the output shapes are not right (tuples of ints, batch axis left out)",
        ),
    )
    _task(
        nb,
        "Task 4.3: inference time",
        1,
        "Set `q4_time_s`, the seconds of one inference at 1 GFLOPS.",
    )
    nb.solution(
        "q4_time",
        """\
q4_params, q4_flops = compute(model_q4)
### BEGIN SOLUTION
q4_time_s = q4_flops / 1e9
### END SOLUTION
print(q4_flops, "FLOPs ->", q4_time_s, "s")""",
        """
FLOPs: conv1 $2\\cdot27\\cdot28800 + 28800 = 1584000$, pool1 $4\\cdot7200 = 28800$, conv2
$2\\cdot288\\cdot10816 + 10816 = 6240832$, pool2 $4\\cdot2304 = 9216$, dense $2\\cdot2304\\cdot64 + 64
= 294976$ and $2\\cdot64\\cdot10 + 60 = 1340$: total 8159164, so $8.159164\\times10^{-3}$ s.
""",
    )
    nb.code("nncost.checks.check_time(q4_time_s, model_q4)")
    nb.graded(
        "q4_time",
        1,
        "# Graded (1 point): q4_time_s.\n"
        'assert isinstance(q4_time_s, (int, float)), "q4_time_s must be a number"',
        hidden_time("q4_time_s", "_course.q4()"),
    )
    g4 = golden("_course.q4()")
    _task(
        nb,
        "Task 4.4: parameters and memory",
        1,
        """
`q4_params`, from your `compute` in Task 4.3's cell, is graded here too. Set `q4_size_bytes`
(an `int`: parameters × 4 bytes) and `q4_size_kb` (bytes / 1024, unrounded).
""",
    )
    nb.solution(
        "q4_size",
        """\
### BEGIN SOLUTION
q4_size_bytes = q4_params * 4
q4_size_kb = q4_size_bytes / 1024
### END SOLUTION
print(q4_params, "parameters;", q4_size_bytes, "bytes =", q4_size_kb, "KB")""",
        f"""
Per layer (the 3 input channels only change the first convolution): {
            " + ".join(str(p) for p in g4["layer_params"] if p)
        } = {g4["params"]} parameters, × 4 bytes =
{g4["size_bytes"]} bytes = {g4["size_bytes"] / 1024} KB. Layer by layer:
"""
        + worked("_course.q4()"),
    )
    nb.code(
        "nncost.checks.check_size(q4_size_bytes, q4_size_kb, model_q4)\n"
        'assert q4_params * 4 == q4_size_bytes, "q4_size_bytes is q4_params * 4 bytes"'
    )
    nb.graded(
        "q4_size",
        1,
        "# Graded (1 point): q4_params, q4_size_bytes and q4_size_kb.\n"
        'assert isinstance(q4_params, int), "q4_params must be an int"\n'
        'assert isinstance(q4_size_bytes, int), "q4_size_bytes must be an int"',
        hidden_int("q4_params", g4["params"], "number of parameters of question 4's CNN")
        + hidden_size("q4", "_course.q4()"),
    )

    nb.md("""
# Question 5

Classify video clips (walking, running, jumping, swimming, cycling) with a 3D CNN. A clip is
16 frames of $64\\times64$ grey pixels: input $(16, 64, 64, 1)$ = (time, height, width,
channels). Layers: `Conv3D(32, (3, 3, 3), relu)`, `MaxPooling3D((2, 2, 2))`,
`Conv3D(64, (3, 3, 3), relu)`, `MaxPooling3D((2, 2, 2))`, `Flatten`, `Dense(128, relu)`,
`Dense(5, softmax)`. Compute the parameters of each layer, the model size and the FLOPs.

A 3D kernel slides along time as well: the output-size formula applies to $D$, $H$ and $W$, and
the kernel volume $k_d k_h k_w$ replaces $k_h k_w$ in the parameter and FLOPs formulas.
""")
    _task(nb, "Task 5.1: build the network", 1, "Assign it to `model_q5`.")
    nb.solution(
        "q5_model",
        """\
### BEGIN SOLUTION
model_q5 = keras.Sequential(
    [
        keras.Input((16, 64, 64, 1)),
        layers.Conv3D(32, (3, 3, 3), activation="relu"),
        layers.MaxPooling3D((2, 2, 2)),
        layers.Conv3D(64, (3, 3, 3), activation="relu"),
        layers.MaxPooling3D((2, 2, 2)),
        layers.Flatten(),
        layers.Dense(128, activation="relu"),
        layers.Dense(5, activation="softmax"),
    ],
    name="q5",
)
### END SOLUTION
q5_params, q5_flops = compute(model_q5)
print(q5_params, "parameters,", q5_flops, "FLOPs")""",
        "Shapes: 14×62×62×32 → 7×31×31×32 → 5×29×29×64 → 2×14×14×64 → 25088 → 128 → 5. "
        "The parameters and FLOPs, layer by layer, as nncost derives them:"
        + worked("_course.q5()"),
    )
    nb.code(
        'nncost.checks.check_model(model_q5, "q5")\nnncost.checks.check_flops(q5_flops, model_q5, "q5_flops")'
    )
    nb.graded(
        "q5_model",
        1,
        "# Graded (1 point): hidden tests compare model_q5 with question 5.\n"
        'assert isinstance(model_q5, keras.Model), "model_q5 must be a Keras model"',
        hidden_model("model_q5", "q5"),
    )
    _task(
        nb,
        "Task 5.2: parameters of each layer",
        1,
        """
Set `q5_layer_params` to the list of the 7 layers' parameter counts, in order (0 for pooling and
`Flatten`), each computed with the formulas above.
""",
    )
    nb.solution(
        "q5_layer_params",
        """\
### BEGIN SOLUTION
q5_layer_params = [
    (3 * 3 * 3 * 1 + 1) * 32,   # Conv3D: 896
    0,                          # MaxPooling3D
    (3 * 3 * 3 * 32 + 1) * 64,  # Conv3D: 55360
    0,                          # MaxPooling3D
    0,                          # Flatten
    25088 * 128 + 128,          # Dense: 2 * 14 * 14 * 64 = 25088 inputs
    128 * 5 + 5,                # Dense
]
### END SOLUTION
print(q5_layer_params, sum(q5_layer_params))""",
        """
The second convolution's filters span all 32 input channels: $3\\cdot3\\cdot3\\cdot32 + 1 = 865$
weights each. The dense layer after `Flatten` holds almost all of the 3,268,293 parameters.
""",
    )
    nb.code("nncost.checks.check_layer_params(q5_layer_params, model_q5)")
    nb.graded(
        "q5_layer_params",
        1,
        "# Graded (1 point): q5_layer_params.\n"
        'assert isinstance(q5_layer_params, list), "q5_layer_params must be a list"',
        hidden_list(
            "q5_layer_params",
            "_course.q5()",
            "layer_params",
            "the per-layer parameter counts are not right (plain ints, in order)",
        ),
    )
    _task(nb, "Task 5.3: model size", 1, "Set `q5_size_bytes` (int) and `q5_size_kb`.")
    nb.solution(
        "q5_size",
        """\
### BEGIN SOLUTION
q5_size_bytes = q5_params * 4
q5_size_kb = q5_size_bytes / 1024
### END SOLUTION
print(q5_size_bytes, "bytes =", q5_size_kb, "KB")""",
        "$3268293 \\times 4 = 13073172$ bytes $\\approx 12767$ KB $\\approx 12.5$ MB.",
    )
    nb.code("nncost.checks.check_size(q5_size_bytes, q5_size_kb, model_q5)")
    nb.graded(
        "q5_size",
        1,
        "# Graded (1 point): q5_size_bytes and q5_size_kb.\n"
        'assert isinstance(q5_size_bytes, int), "q5_size_bytes must be an int"\n'
        'assert isinstance(q5_size_kb, (int, float)), "q5_size_kb must be a number"',
        hidden_size("q5", "_course.q5()"),
    )
    nb.md("""
## Where the costs are (after the tasks: the charts print the answers)

`nncost.plot.layers` draws each layer's parameters, FLOPs and activation memory, the largest
bar in red. Compare with your per-layer work.
""")
    nb.code("nncost.plot.layers(nncost.course.q3())")
    nb.code("nncost.plot.layers(nncost.course.q4())")
    nb.code("nncost.plot.layers(nncost.course.q5())")
    nb.question(
        """
## Play with it

Which layer holds most of the parameters, and which costs most FLOPs? Move the sliders: what
happens to each when you double the filters of the first convolution, or feed a larger image?
""",
        _cnn_answer(),
    )
    nb.code("nncost.widgets.explore(nncost.course.q3())")
    _estimate_vs_reality(
        nb,
        {"Q3": "model_q3", "Q4": "model_q4"},
        """
A convolution reuses each weight at every position of its input, so a CNN does many more FLOPs
per byte moved than a dense net: it sits much further right on the roofline, near the ridge, and
reaches a far larger share of the processor's peak.""",
    )
    return nb


def _cnn_answer() -> str:
    """The answer to the CNN notebook's open question, from nncost's per-layer counts."""
    from autograder.build_sources import _quiet_profile, build_model

    report = _quiet_profile(build_model("_course.q3()"))
    top_params = max(report.layers, key=lambda row: row.params)
    top_flops = max(report.layers, key=lambda row: row.flops)
    wide = _quiet_profile(
        build_model(
            "_keras.Sequential([_keras.Input((28, 28, 1)), "
            "_keras.layers.Conv2D(64, (3, 3), activation='relu'), _keras.layers.MaxPooling2D((2, 2)), "
            "_keras.layers.Conv2D(64, (3, 3), activation='relu'), _keras.layers.MaxPooling2D((2, 2)), "
            "_keras.layers.Flatten(), _keras.layers.Dense(64, activation='relu'), "
            "_keras.layers.Dense(10, activation='softmax')])"
        )
    )
    return f"""
In question 3, `{top_params.name}` holds {top_params.params} of the {report.params} parameters
({top_params.params / report.params:.0%}): the dense layer after `Flatten` connects every value
of the last map to every unit. `{top_flops.name}` costs {top_flops.flops} of the {report.flops}
FLOPs ({top_flops.flops / report.flops:.0%}): a convolution reuses each weight at every position
of its output, so its FLOPs scale with the map's area while its parameters do not. Doubling the
first convolution's filters (32 → 64) takes the model to {wide.params} parameters and
{wide.flops} FLOPs: the second convolution's kernels now span 64 channels, so both its
parameters and its FLOPs double. A larger image leaves the convolutions' parameters unchanged,
multiplies their FLOPs by the area, and grows the dense layer after `Flatten` with the map.
"""


# =========================================================================== recurrent
RNN_FORMULAS = r"""
## Formulas

A recurrent layer reads a sequence $x^{\langle 1\rangle}, \dots, x^{\langle T\rangle}$ (each
$x^{\langle t\rangle} \in \mathbb{R}^{i}$) and carries a hidden state $a^{\langle t\rangle} \in
\mathbb{R}^{a}$ from step to step, **with the same weights at every step**:

$$\begin{array}{ccccccc}
 & x^{\langle 1\rangle} & & x^{\langle 2\rangle} & & \cdots & x^{\langle T\rangle} \\
 & \downarrow & & \downarrow & & & \downarrow \\
a^{\langle 0\rangle} \to & \boxed{\text{cell}} & \to a^{\langle 1\rangle} \to & \boxed{\text{cell}}
 & \to a^{\langle 2\rangle} \to & \cdots & \boxed{\text{cell}} \to a^{\langle T\rangle} \to \text{Dense} \to \hat y
\end{array}$$

**SimpleRNN** ($g = 1$ gate): $a^{\langle t\rangle} = \tanh(W x^{\langle t\rangle} + U
a^{\langle t-1\rangle} + b)$ with $W: a\times i$, $U: a\times a$, $b: a$.

**LSTM** ($g = 4$: forget $f$, input $i$, output $o$ gates and the candidate $\tilde c$), each
$\sigma$ or $\tanh$ of $W x^{\langle t\rangle} + U h^{\langle t-1\rangle} + b$, then
$c^{\langle t\rangle} = f \odot c^{\langle t-1\rangle} + i \odot \tilde c$ and
$h^{\langle t\rangle} = o \odot \tanh(c^{\langle t\rangle})$.

**Parameters** (the course's $g \times [a(a+i) + a]$; they do **not** depend on $T$):

$$P = g\,\bigl[a(a + i) + a\bigr] \qquad g = 1 \text{ (SimpleRNN)},\ g = 4 \text{ (LSTM)}$$

**FLOPs per time step** (each gate is a dense layer on $[x^{\langle t\rangle}, a^{\langle
t-1\rangle}]$):

$$F^{\text{step}}_{\text{SimpleRNN}} = 2a(i + a) + a\cdot a_{act} \qquad
F^{\text{step}}_{\text{LSTM}} = 2\cdot 4a\,(i + a) + 3a\cdot a_\sigma + 2a\cdot a_{\tanh} + 4a$$

In the LSTM the three gates go through $\sigma$, the candidate and the cell output through
$\tanh$, and $c = f\odot c + i \odot \tilde c$ (3 FLOPs per unit) and $h = o \odot \tanh(c)$
(1 FLOP per unit) add $4a$. **A whole sequence costs $T$ steps:** $F = T \cdot F^{\text{step}}$,
then the Dense layer as in assignment 1.
"""

RNN_EXAMPLE_MD = r"""
## Worked example (not one of the questions)

A SimpleRNN with $a = 4$ units (tanh) on sequences of $T = 3$ vectors of $i = 2$ features, then
`Dense(1, sigmoid)`:

* parameters: $4\,(4 + 2) + 4 = 28$, plus $4\cdot1 + 1 = 5$: **33**;
* one step: $2\cdot4\,(2 + 4) + 4\cdot1 = 52$ FLOPs; the sequence: $3 \times 52 = 156$;
* Dense: $2\cdot4\cdot1 + 1\cdot1 = 9$; total **165** FLOPs.
"""

RNN_EXAMPLE_CODE = """\
example = keras.Sequential(
    [keras.Input((3, 2)), layers.SimpleRNN(4), layers.Dense(1, activation="sigmoid")],
    name="example",
)
print(nncost.profile(example).explain())"""

RNN_COMPUTE = '''\
def compute(model):
    """(parameters, FLOPs for the whole sequence) of a model of SimpleRNN, LSTM and Dense layers."""
    ### BEGIN SOLUTION
    params, flops = 0, 0
    for layer in model.layers:
        kind = type(layer).__name__
        if kind == "InputLayer":  # a functional model's input: no cost
            continue
        if kind == "Dense":
            n_in, units = layer.input.shape[-1], layer.units
            params += n_in * units + units
            flops += 2 * n_in * units + units * ACTIVATION_FLOPS[layer.activation.__name__]
        elif kind in ("SimpleRNN", "LSTM"):
            steps, i = layer.input.shape[1], layer.input.shape[2]  # (T, features)
            a = layer.units
            act = ACTIVATION_FLOPS[layer.activation.__name__]
            if kind == "SimpleRNN":
                params += a * (a + i) + a
                step = 2 * a * (i + a) + a * act
            else:
                sigma = ACTIVATION_FLOPS[layer.recurrent_activation.__name__]
                params += 4 * (a * (a + i) + a)
                step = 2 * 4 * a * (i + a) + 3 * a * sigma + 2 * a * act + 4 * a
            flops += steps * step
    return params, flops
    ### END SOLUTION'''

RNN_CASES = [
    ("question 6's RNN", "_course.q6()"),
    ("question 7's LSTM with T = 5", "_course.q7(5)"),
    (
        "a SimpleRNN(5, relu) on 8 steps of 3 features",
        (
            '_keras.Sequential([_keras.Input((8, 3)), _keras.layers.SimpleRNN(5, activation="relu"), '
            '_keras.layers.Dense(2, activation="softmax")])'
        ),
    ),
    (
        "an LSTM(2) on 4 steps of 6 features",
        (
            "_keras.Sequential([_keras.Input((4, 6)), _keras.layers.LSTM(2), "
            '_keras.layers.Dense(3, activation="softmax")])'
        ),
    ),
    (
        "a functional SimpleRNN(3) on 6 steps of 5 features (model.layers starts with an InputLayer)",
        (
            "(lambda x: _keras.Model(x, _keras.layers.Dense(1, activation='sigmoid')("
            "_keras.layers.SimpleRNN(3)(x))))(_keras.Input((6, 5)))"
        ),
    ),
]


def build_recurrent() -> Notebook:
    nb = Notebook("recurrent", "recurrent")
    nb.md(
        """
# Assignment 3 — What does a recurrent network cost? (questions 6 and 7)

A SimpleRNN and an LSTM: parameters, memory, FLOPs per time step and for a whole sequence.

| part | points |
|---|---|
| A `compute(model)`: parameters | 1 |
| A `compute(model)`: FLOPs of the whole sequence | 2 |
| 6.1 build the RNN | 1 |
| 6.2 FLOPs of one time step | 1 |
| 6.3 model size | 1 |
| 7.1 build the LSTM | 1 |
| 7.2 FLOPs of one time step | 1 |
| 7.3 FLOPs of the sequence and inference time | 1 |
| 7.4 model size of question 7 | 1 |
| **total** | **10** |
"""
        + HOW
    )
    nb.setup()
    nb.md(RNN_FORMULAS)
    nb.md(
        "## Conventions — exactly as `nncost` counts\n"
        + CONVENTIONS_COMMON
        + """
* The sequence length $T$ is part of the input shape: `keras.Input((T, i))`. Both questions
  use **$T = 5$**. Question 7 leaves $T$ open in the original; we fix it to 5 in the input shape
  so that the model itself says how long a sequence is and `compute(model)` can read it from
  `layer.input.shape[1]`. (With `keras.Input((None, 4))` the same weights accept any length, and
  the cost needs $T$ from outside: `nncost.profile(model, seq_len=5)` gives the same numbers.)
* FLOPs are for the whole sequence ($T$ steps) plus the Dense layer on the last state.
"""
    )
    nb.md(RNN_EXAMPLE_MD)
    nb.code(RNN_EXAMPLE_CODE)

    _task(
        nb,
        "Task A: a `compute(model)` function",
        3,
        """
Write `compute(model)` returning `(params, flops)` — FLOPs for the **whole sequence** — for
models of `SimpleRNN`, `LSTM` and `Dense` layers: **1 point** for the parameters, **2 points**
for the FLOPs; the graded cells also run it on recurrent models you have not seen. As before,
`compute` works the numbers out itself: no `count_params()`, `layer.weights` or `nncost`.
Useful: `layer.units`, `layer.input.shape` (`(None, T, i)`), `layer.activation.__name__`, and
for the LSTM gates `layer.recurrent_activation.__name__` (sigmoid).
""",
    )
    nb.solution(
        "compute",
        RNN_COMPUTE,
        """
The parameters do not depend on $T$ — the same $W$, $U$, $b$ serve every step — but the FLOPs do:
the step runs $T$ times. Read $T$ from the layer's input shape rather than typing 5.
""",
    )
    nb.code("nncost.checks.check_compute(compute, nncost.course.q7(5))")
    nb.graded(
        "compute_params",
        1,
        "# Graded (1 point): compute(model)[0] on the course's models and on unseen ones.\n"
        'assert len(compute(nncost.course.q7(5))) == 2, "compute(model) must return (params, flops)"',
        hidden_compute(0, RNN_CASES),
    )
    nb.graded(
        "compute_flops",
        2,
        "# Graded (2 points): compute(model)[1] on the course's models and on unseen ones.\n"
        'assert len(compute(nncost.course.q7(5))) == 2, "compute(model) must return (params, flops)"',
        hidden_compute(1, RNN_CASES),
    )

    nb.md("""
# Question 6

A company predicts customer sentiment (positive or negative) from a sequence of reviews. Each
review is a feature vector of $n_x = 4$ (tone, length, keyword presence, …); the RNN has
$n_a = 3$ hidden units (SimpleRNN with its default tanh), and the output has $n_y = 2$ units with
**sigmoid**. The sequence length is $T_x = 5$. Compute the parameters and memory of the model,
and its FLOPs.

(The original's code also put sigmoid inside the SimpleRNN; we keep Keras' default tanh there.
Both cost 1 FLOP per value, so every number below is the same either way.)
""")
    _task(
        nb,
        "Task 6.1: build the network",
        1,
        "Assign it to `model_q6` (start with `keras.Input((5, 4))`).",
    )
    nb.solution(
        "q6_model",
        """\
### BEGIN SOLUTION
model_q6 = keras.Sequential(
    [keras.Input((5, 4)), layers.SimpleRNN(3), layers.Dense(2, activation="sigmoid")],
    name="q6",
)
### END SOLUTION
q6_params, q6_flops = compute(model_q6)
print(q6_params, "parameters,", q6_flops, "FLOPs")""",
        """
$3\\,(3 + 4) + 3 = 24$ parameters in the RNN and $3\\cdot2 + 2 = 8$ in the Dense layer: 32.
""",
    )
    nb.code(
        'nncost.checks.check_model(model_q6, "q6")\nnncost.checks.check_compute(compute, model_q6)'
    )
    nb.graded(
        "q6_model",
        1,
        "# Graded (1 point): hidden tests compare model_q6 with question 6.\n"
        'assert isinstance(model_q6, keras.Model), "model_q6 must be a Keras model"',
        hidden_model("model_q6", "q6"),
    )
    _task(
        nb,
        "Task 6.2: FLOPs of one time step",
        1,
        """
Set `q6_step_flops`: the FLOPs of **one** time step of the SimpleRNN layer (not the Dense layer).
""",
    )
    g6 = golden("_course.q6()")
    nb.solution(
        "q6_step_flops",
        """\
### BEGIN SOLUTION
q6_step_flops = 2 * 3 * (4 + 3) + 3 * 1  # 2a(i + a) + a * tanh
### END SOLUTION""",
        """
$2\\cdot3\\,(4 + 3) + 3\\cdot1 = 45$ per step; the 5 steps cost 225, and the Dense layer
$2\\cdot3\\cdot2 + 2\\cdot1 = 14$: 239 FLOPs in all.
""",
    )
    nb.code("nncost.checks.check_step_flops(q6_step_flops, model_q6, 'q6_step_flops')")
    nb.graded(
        "q6_step_flops",
        1,
        "# Graded (1 point): q6_step_flops.\n"
        'assert isinstance(q6_step_flops, int), "q6_step_flops must be an int"',
        hidden_int(
            "q6_step_flops",
            g6["step_flops"],
            "FLOPs of one SimpleRNN time step",
        ),
    )
    _task(nb, "Task 6.3: model size", 1, "Set `q6_size_bytes` (int) and `q6_size_kb`.")
    nb.solution(
        "q6_size",
        """\
### BEGIN SOLUTION
q6_size_bytes = q6_params * 4
q6_size_kb = q6_size_bytes / 1024
### END SOLUTION""",
        "$32 \\times 4 = 128$ bytes $= 0.125$ KB.",
    )
    nb.code("nncost.checks.check_size(q6_size_bytes, q6_size_kb, model_q6)")
    nb.graded(
        "q6_size",
        1,
        "# Graded (1 point): q6_size_bytes and q6_size_kb.\n"
        'assert isinstance(q6_size_bytes, int), "q6_size_bytes must be an int"\n'
        'assert isinstance(q6_size_kb, (int, float)), "q6_size_kb must be a number"',
        hidden_size("q6", "_course.q6()"),
    )

    nb.md("""
# Question 7

One LSTM layer with $x = 4$ input features and $h = 3$ units, then one output unit with sigmoid,
on sequences of $T = 5$ steps. Compute its parameters (the course's
$4\\times[(x + h)\\,h + h]$), its FLOPs per time step and for the whole sequence, and its inference
time at 1 GFLOPS.
""")
    _task(
        nb,
        "Task 7.1: build the network",
        1,
        "Assign it to `model_q7` (start with `keras.Input((5, 4))`).",
    )
    nb.solution(
        "q7_model",
        """\
### BEGIN SOLUTION
model_q7 = keras.Sequential(
    [keras.Input((5, 4)), layers.LSTM(3), layers.Dense(1, activation="sigmoid")],
    name="q7",
)
### END SOLUTION
model_q7.summary()""",
        "$4\\,[3\\,(3 + 4) + 3] = 96$ LSTM parameters plus $3 + 1 = 4$: 100.",
    )
    nb.code('nncost.checks.check_model(model_q7, "q7")')
    nb.graded(
        "q7_model",
        1,
        "# Graded (1 point): hidden tests compare model_q7 with question 7.\n"
        'assert isinstance(model_q7, keras.Model), "model_q7 must be a Keras model"',
        hidden_model("model_q7", "q7"),
    )
    g7 = golden("_course.q7(5)")
    _task(
        nb,
        "Task 7.2: FLOPs of one time step",
        1,
        "Set `q7_step_flops`: one step of the LSTM layer.",
    )
    nb.solution(
        "q7_step_flops",
        """\
### BEGIN SOLUTION
q7_step_flops = 2 * 4 * 3 * (4 + 3) + 3 * 3 * 1 + 2 * 3 * 1 + 4 * 3
### END SOLUTION""",
        """
$2\\cdot4\\cdot3\\,(4+3) = 168$ for the four gates' multiply-adds, $3\\cdot3\\cdot1 = 9$ for the
sigmoids, $2\\cdot3\\cdot1 = 6$ for the tanhs, $4\\cdot3 = 12$ element-wise: 195.
""",
    )
    nb.code("nncost.checks.check_step_flops(q7_step_flops, model_q7, 'q7_step_flops')")
    nb.graded(
        "q7_step_flops",
        1,
        "# Graded (1 point): q7_step_flops.\n"
        'assert isinstance(q7_step_flops, int), "q7_step_flops must be an int"',
        hidden_int(
            "q7_step_flops",
            g7["step_flops"],
            "FLOPs of one LSTM time step",
        ),
    )
    _task(
        nb,
        "Task 7.3: the whole sequence",
        1,
        """
Set `q7_flops` (FLOPs of one inference on a sequence of $T = 5$ steps, Dense layer included)
and `q7_time_s` (seconds at 1 GFLOPS).
""",
    )
    nb.solution(
        "q7_total",
        """\
### BEGIN SOLUTION
q7_params, q7_flops = compute(model_q7)
q7_time_s = q7_flops / 1e9
### END SOLUTION
print(q7_flops, "FLOPs ->", q7_time_s, "s")""",
        """
$5 \\times 195 = 975$ for the LSTM and $2\\cdot3\\cdot1 + 1 = 7$ for the Dense layer: 982 FLOPs,
$9.82\\times10^{-7}$ s.
""",
    )
    nb.code(
        "nncost.checks.check_flops(q7_flops, model_q7, 'q7_flops')\n"
        "nncost.checks.check_time(q7_time_s, model_q7)"
    )
    nb.graded(
        "q7_total",
        1,
        "# Graded (1 point): q7_flops and q7_time_s.\n"
        'assert isinstance(q7_flops, int), "q7_flops must be an int"\n'
        'assert isinstance(q7_time_s, (int, float)), "q7_time_s must be a number"',
        hidden_int(
            "q7_flops",
            g7["flops"],
            "FLOPs of one inference on 5 steps",
        )
        + hidden_time("q7_time_s", "_course.q7(5)"),
    )
    _task(
        nb,
        "Task 7.4: model size",
        1,
        "Set `q7_size_bytes` (an `int`: parameters × 4 bytes) and `q7_size_kb` (bytes / 1024).",
    )
    nb.solution(
        "q7_size",
        """\
### BEGIN SOLUTION
q7_size_bytes = q7_params * 4
q7_size_kb = q7_size_bytes / 1024
### END SOLUTION
print(q7_params, "parameters;", q7_size_bytes, "bytes =", q7_size_kb, "KB")""",
        f"""
The parameters do not depend on $T$: {" + ".join(str(p) for p in g7["layer_params"] if p)} =
{g7["params"]} parameters, × 4 bytes = {g7["size_bytes"]} bytes = {g7["size_bytes"] / 1024} KB.
Layer by layer:
"""
        + worked("_course.q7(5)"),
    )
    nb.code("nncost.checks.check_size(q7_size_bytes, q7_size_kb, model_q7)")
    nb.graded(
        "q7_size",
        1,
        "# Graded (1 point): q7_size_bytes and q7_size_kb.\n"
        'assert isinstance(q7_size_bytes, int), "q7_size_bytes must be an int"\n'
        'assert isinstance(q7_size_kb, (int, float)), "q7_size_kb must be a number"',
        hidden_size("q7", "_course.q7(5)"),
    )
    nb.md("""
## Where the costs are (after the tasks: the charts print the answers)

Each layer's parameters, FLOPs and activation memory, the largest bar in red.
""")
    nb.code("nncost.plot.layers(nncost.course.q6())")
    nb.code("nncost.plot.layers(nncost.course.q7(5))")
    short, long = (golden(f"_course.q7({steps})") for steps in (5, 50))
    nb.question(
        """
## Play with it

The explorer profiles question 7's LSTM with a sequence length you choose. How do the
parameters and the FLOPs change when the sequences get 10× longer? Why?
""",
        f"""
The parameters do not change ({short["params"]} for $T = 5$ and for $T = 50$): the same weights
run at every time step. The FLOPs grow linearly with $T$: {short["flops"]} for $T = 5$,
{long["flops"]} for $T = 50$ — {short["step_flops"]} FLOPs per LSTM step times $T$, plus the
Dense layer once. So a recurrent model's size is fixed by its widths, and its time by its widths
*and* the length of the sequence (and the steps run one after the other, which is why long
sequences are slow even on parallel hardware).
""",
    )
    nb.code("nncost.widgets.explore(nncost.course.q7(), seq_len=5)")
    _estimate_vs_reality(
        nb,
        {"Q6": "model_q6", "Q7": "model_q7"},
        """
A recurrent layer reuses its weights at every time step, but these layers are tiny and each step
waits for the one before: the time is the steps' overhead, not their FLOPs.""",
    )
    return nb


ALL = [build_dense, build_cnn, build_recurrent]
