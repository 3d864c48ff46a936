"""Visible checks for the assignment notebooks: immediate feedback that names the likely mistake.

Each ``check_*`` function either prints one line starting with ``✓`` or raises
:class:`CheckFailed` (an ``AssertionError``) whose message says what is wrong and how to fix
it, without printing the expected number. The references are the student's own model
(``model.count_params()``, ``layer.output.shape``) and :func:`nncost.profile` under the
course's convention (:data:`nncost.COURSE`).

The diagnoses compare a wrong answer with the totals that typical mistakes produce
(forgot the bias, forgot the activation FLOPs, counted one time step, bytes for KB…);
each mistake is a *delta* from the right total, computed from the profile's rows.

Keras is imported only when a check needs it; ``import nncost.checks`` stays light.
"""

from __future__ import annotations

import itertools
import math
import numbers
import warnings

__all__ = [
    "CheckFailed",
    "check_compute",
    "check_flops",
    "check_layer_params",
    "check_model",
    "check_shapes",
    "check_size",
    "check_step_flops",
    "check_time",
]

_RECURRENT = ("SimpleRNN", "LSTM", "GRU")
_POOLING = (
    "MaxPooling1D",
    "MaxPooling2D",
    "MaxPooling3D",
    "AveragePooling1D",
    "AveragePooling2D",
    "AveragePooling3D",
)
_WEIGHTED = ("Dense", "Conv1D", "Conv2D", "Conv3D")


class CheckFailed(AssertionError):
    """A visible check found a mistake; the message names it and the fix."""


def _ok(message: str) -> None:
    print("✓ " + message)


def _fail(message: str):
    raise CheckFailed(message)


# --------------------------------------------------------------------------- values
def _whole(value, name: str) -> int:
    """``value`` as a plain ``int`` or a :class:`CheckFailed` naming the type problem."""
    if value is None:
        _fail(f"{name} is None: assign a number to it (did a function forget to `return`?).")
    if isinstance(value, bool):
        _fail(f"{name} is a bool ({value}); it should be a whole number (int).")
    if isinstance(value, float):
        hint = f" ({value!r} → int({value!r}))" if value.is_integer() else ""
        _fail(f"{name} is a float{hint}; counts are whole numbers: give a plain int.")
    if not isinstance(value, numbers.Integral):
        _fail(f"{name} should be a whole number (int), got {type(value).__name__}: {value!r}.")
    if type(value) is not int:
        _fail(
            f"{name} is a {type(value).__module__}.{type(value).__name__}, not a plain Python int "
            "(numpy's np.prod returns numpy integers): wrap it in int(...)."
        )
    return value


def _real(value, name: str) -> float:
    if value is None:
        _fail(f"{name} is None: assign a number to it.")
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        _fail(f"{name} should be a number (int or float), got {type(value).__name__}: {value!r}.")
    value = float(value)
    if not math.isfinite(value):
        _fail(f"{name} is {value}; it should be a finite number.")
    return value


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-6, abs_tol=0.0)


# --------------------------------------------------------------------------- models
def _require_model(model, name: str = "model"):
    import keras

    if isinstance(model, NotImplementedError) or model is None or model is NotImplemented:
        _fail(f"{name} is not built yet: write the cell above so that it creates the Keras model.")
    if not isinstance(model, keras.Model):
        _fail(
            f"{name} should be a Keras model (keras.Sequential([...])), got {type(model).__name__}."
        )
    if not model.built:
        _fail(
            f"{name} is not built, so its shapes are unknown: start it with keras.Input(shape), "
            "e.g. keras.Sequential([keras.Input((5,)), ...])."
        )
    return model


def _profile(model):
    import nncost

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return nncost.profile(model)


def _act(layer) -> str | None:
    fn = getattr(layer, "activation", None)
    return getattr(fn, "__name__", None) if fn is not None else None


def _describe(layer) -> dict:
    kind = type(layer).__name__
    d = {"kind": kind}
    for attr in ("units", "filters", "kernel_size", "pool_size", "strides", "padding"):
        if hasattr(layer, attr):
            v = getattr(layer, attr)
            d[attr] = tuple(v) if isinstance(v, list) else v
    if hasattr(layer, "activation"):
        d["activation"] = _act(layer)
    return d


def _input_shape(model) -> tuple:
    """The model's input shape per sample (batch axis left out)."""
    return tuple(model.inputs[0].shape[1:])


def _reference_model(question: str):
    from nncost import course

    if question == "q7":
        return course.q7(seq_len=5)
    if question not in course.MODELS:
        raise ValueError(f"unknown question {question!r}: use one of {sorted(course.MODELS)}.")
    return course.MODELS[question]()


def _layers(model) -> list:
    """``model.layers`` without the ``InputLayer`` a functional model starts with.

    A Sequential's ``model.layers`` has no InputLayer, a functional model's (built with
    ``keras.Model(inputs, outputs)``) does; either way ``keras.Input`` is not a layer here.
    """
    import keras

    return [x for x in model.layers if not isinstance(x, keras.layers.InputLayer)]


def check_model(model, question: str) -> None:
    """Does ``model`` have the architecture question ``question`` ("q1" … "q7") asks for?

    Compares the input shape, then each layer's kind, size, window and activation, and
    names the first difference.
    """
    model = _require_model(model, f"model_{question}")
    ref = _reference_model(question)
    got_in, ref_in = _input_shape(model), _input_shape(ref)
    if got_in != ref_in:
        _fail(
            f"your model's input is {got_in} per sample (batch axis left out) but the question "
            f"asks for {ref_in}: start the model with keras.Input({ref_in})."
        )
    got_layers, ref_layers = (
        [_describe(x) for x in _layers(model)],
        [_describe(x) for x in _layers(ref)],
    )
    got_kinds, ref_kinds = [d["kind"] for d in got_layers], [d["kind"] for d in ref_layers]
    if got_kinds != ref_kinds:
        _fail(
            f"your model's layers are {', '.join(got_kinds) or 'none'}; the question asks for "
            f"{', '.join(ref_kinds)} (in that order, after keras.Input)."
        )
    last = len(ref_layers) - 1
    for i, (g, r) in enumerate(zip(got_layers, ref_layers)):
        where = "the output layer" if i == last else f"layer {i + 1} ({g['kind']})"
        for key in r:
            if g.get(key) == r[key]:
                continue
            if key == "activation":
                extra = ""
                if i == last and r[key] == "sigmoid" and g[key] == "relu":
                    extra = (
                        " relu is for the hidden layers; a sigmoid output gives a value in (0, 1)."
                    )
                elif g["kind"] in _RECURRENT:
                    extra = (
                        f" Keep {g['kind']}'s default activation (tanh); the sigmoid the question"
                        " asks for belongs to the Dense output layer."
                    )
                _fail(
                    f"{where} uses activation {g[key]!r}; the question asks for {r[key]!r}.{extra}"
                )
            _fail(f"{where} has {key} = {g.get(key)!r}; the question asks for {r[key]!r}.")
    if model.count_params() != ref.count_params():
        _fail("your model's layers look right but its parameter count differs: check use_bias.")
    _ok(f"the model matches question {question[1:]}: {len(ref_layers)} layers, input {ref_in}.")


# --------------------------------------------------------------------------- mistakes
def _time_steps(model, row) -> int:
    """Time steps T of a recurrent row (1 when the layer or its length is not known)."""
    layer = {x.name: x for x in model.layers}.get(row.name)
    steps = layer.input.shape[1] if layer is not None else None
    return int(steps) if steps is not None else 1


def _flops_mistakes(model, report) -> list[tuple[int, str]]:
    """(delta from the right total, what that mistake is) for the typical FLOPs mistakes."""
    rows = [r for r in report.leaves]
    layers = {layer.name: layer for layer in model.layers}
    out = []
    act = sum(r.flops_activation for r in rows)
    out.append(
        (
            -act,
            (
                "you forgot the activation FLOPs: every output value also goes through its "
                "activation, out × a (relu, sigmoid, tanh 1; softmax 6)"
            ),
        )
    )
    soft = sum(
        r.output_elements for r in rows if r.name in layers and _act(layers[r.name]) == "softmax"
    )
    out.append((-5 * soft, "softmax costs 6 FLOPs per output in the course's table, not 1"))
    macs = sum(r.macs for r in rows if r.kind in _WEIGHTED or r.kind in _RECURRENT)
    out.append(
        (
            -macs,
            (
                "a multiply-add is 2 FLOPs: the weight part is 2·in·out (2 × MACs), "
                "you counted 1 per weight"
            ),
        )
    )
    pool = sum(r.flops for r in rows if r.kind in _POOLING)
    out.append(
        (
            -pool,
            (
                "you forgot the pooling layers: max pooling reads every value of its window, "
                "prod(pool) × (output elements) FLOPs"
            ),
        )
    )
    bias = sum(r.output_elements for r in rows if r.kind in _WEIGHTED)
    out.append(
        (bias, "you added a separate bias FLOP: the course folds the bias add into 2·in·out")
    )
    one_step = sum(r.flops - r.flops // _time_steps(model, r) for r in rows if r.kind in _RECURRENT)
    out.append(
        (
            -one_step,
            (
                "you counted one time step: a recurrent layer runs its step T times, "
                "once per element of the sequence"
            ),
        )
    )
    elementwise = sum(r.flops_other for r in rows if r.kind in ("LSTM", "GRU"))
    out.append(
        (
            -elementwise,
            (
                "you left out the LSTM's element-wise work (4a per step: "
                "c = f⊙c + i⊙g is 3a, h = o⊙tanh(c) is a)"
            ),
        )
    )
    cin = 0
    for r in rows:
        if r.kind.startswith("Conv") and r.name in layers:
            c_in = layers[r.name].input.shape[-1]
            cin += r.flops_compute - r.flops_compute // c_in
    out.append((-cin, "a filter spans every input channel: multiply the kernel size by C_in"))
    return [(d, m) for d, m in out if d]


def _params_mistakes(model) -> list[tuple[int, str]]:
    out = []
    bias = sum(math.prod(w.shape) for w in model.weights if w.name.endswith("bias"))
    out.append(
        (
            -bias,
            (
                "you forgot the bias: every unit (or filter) has one bias as well as its "
                "weights, in·out + out"
            ),
        )
    )
    gates, recurrent, cin = 0, 0, 0
    for layer in model.layers:
        kind = type(layer).__name__
        if kind in ("LSTM", "GRU"):
            g = 4 if kind == "LSTM" else 3
            gates += layer.count_params() - layer.count_params() // g
        if kind in _RECURRENT:
            a = layer.units
            g = {"SimpleRNN": 1, "LSTM": 4, "GRU": 3}[kind]
            recurrent += g * a * a
        if kind.startswith("Conv"):
            c_in = layer.input.shape[-1]
            w = math.prod(layer.kernel.shape)
            cin += w - w // c_in
    out.append(
        (
            -gates,
            ("an LSTM has four gates (g = 4), each with its own W, U and b: g × [a(a + i) + a]"),
        )
    )
    out.append(
        (
            -recurrent,
            (
                "you forgot the recurrent weights U (a × a per gate): the previous "
                "hidden state feeds every gate"
            ),
        )
    )
    out.append((-cin, "a filter spans every input channel: k_h × k_w × C_in weights per filter"))
    return [(d, m) for d, m in out if d]


def _diagnose(got: int, right: int, mistakes, what: str) -> str:
    for delta, message in mistakes:
        if got == right + delta:
            return message + "."
    omissions = [(d, m) for d, m in mistakes if d < 0]  # two things left out at once
    for (d1, m1), (d2, m2) in itertools.combinations(omissions, 2):
        if got == right + d1 + d2:
            return f"{m1}; and {m2}."
    side = "high" if got > right else "low"
    return (
        f"{what} is too {side} for this model, and not by one of the usual slips "
        "(bias, activation, pooling, time steps): recount it layer by layer with the formulas "
        "above."
    )


# --------------------------------------------------------------------------- compute()
def _probe_model(model):
    """A small model of the same family, so a hard-coded compute() shows up."""
    import keras

    L = keras.layers
    kinds = {type(x).__name__ for x in model.layers}
    if "LSTM" in kinds:
        body = [keras.Input((4, 2)), L.LSTM(2), L.Dense(3, activation="softmax")]
    elif "SimpleRNN" in kinds:
        body = [keras.Input((3, 2)), L.SimpleRNN(2), L.Dense(1, activation="sigmoid")]
    elif kinds & {"Conv3D", "MaxPooling3D"}:
        body = [
            keras.Input((4, 6, 6, 2)),
            L.Conv3D(3, (2, 3, 3), activation="relu"),
            L.MaxPooling3D((1, 2, 2)),
            L.Flatten(),
            L.Dense(2, activation="softmax"),
        ]
    elif kinds & {"Conv2D", "MaxPooling2D"}:
        body = [
            keras.Input((7, 7, 2)),
            L.Conv2D(3, (3, 3), activation="relu"),
            L.MaxPooling2D((2, 2)),
            L.Flatten(),
            L.Dense(2, activation="softmax"),
        ]
    else:
        body = [keras.Input((3,)), L.Dense(4, activation="tanh"), L.Dense(2, activation="softmax")]
    return keras.Sequential(body, name="probe")


#: what compute() may not use for the parameter count: asking Keras or nncost for the answer
#: instead of working it out (the hidden tests refuse the same names).
FORBIDDEN_NAMES = (
    "nncost",
    "profile",
    "count_params",
    "weights",
    "trainable_weights",
    "non_trainable_weights",
    "get_weights",
    "kernel",
    "recurrent_kernel",
    "variables",
    "trainable_variables",
)


def _own(obj) -> bool:
    """Defined in the notebook itself (a student's function or class), not in a library."""
    return getattr(obj, "__module__", None) == "__main__"


def _code_names(code) -> tuple[set[str], set[str], set[str]]:
    """(global names, attribute names read, attribute names written) in ``code`` and its
    nested functions, comprehensions and classes."""
    import dis

    globals_, read, written = set(), set(), set()
    stack = [code]
    while stack:
        c = stack.pop()
        for ins in dis.get_instructions(c):
            if ins.opname in ("LOAD_GLOBAL", "LOAD_NAME", "IMPORT_NAME", "IMPORT_FROM"):
                globals_.add(ins.argval)
            elif ins.opname in ("LOAD_ATTR", "LOAD_METHOD", "DELETE_ATTR"):
                read.add(ins.argval)
            elif ins.opname == "STORE_ATTR":
                written.add(ins.argval)
        stack += [k for k in c.co_consts if hasattr(k, "co_names")]
    return globals_, read, written


def _members(cls) -> list:
    """The functions of a class defined in the notebook (methods, static and class methods)."""
    out = []
    for value in vars(cls).values():
        value = getattr(value, "__func__", value)
        if callable(value) and hasattr(value, "__code__"):
            out.append(value)
    return out


def names_used(fn) -> set[str]:
    """The names through which ``fn`` could ask a library for something.

    Global names bound to anything but the notebook's own functions and classes, and attribute
    names read but never set, in ``fn``'s code and in the notebook's own functions, classes
    and closures it reaches. A student's own helper called ``profile``, or an attribute
    ``.weights`` that the student's own code sets, is the student's, not the library's, and is
    not listed. What the compute tasks read to refuse ``FORBIDDEN_NAMES`` (the check cells
    here, and the graded cells, which export it for the grader).
    """
    seen: set[int] = set()
    library, read, written = set(), set(), set()
    todo = [fn]
    while todo:
        f = todo.pop()
        if isinstance(f, type) and _own(f):
            todo += _members(f)
            continue
        code = getattr(f, "__code__", None)
        if code is None or id(code) in seen:
            continue
        seen.add(id(code))
        globals_, reads, writes = _code_names(code)
        read |= reads
        written |= writes
        env = getattr(f, "__globals__", {})
        for name in globals_:
            obj = env.get(name)
            if obj is not None and _own(obj):
                todo.append(obj)
            else:
                library.add(name)
        for cell in getattr(f, "__closure__", None) or ():
            try:
                todo.append(cell.cell_contents)
            except ValueError:  # an empty cell
                continue
    return library | (read - written)


def _call_compute(compute, model):
    if not callable(compute):
        _fail(f"compute should be a function, got {type(compute).__name__}.")
    try:
        result = compute(model)
    except NotImplementedError:
        _fail(
            "compute(model) is not written yet: replace `raise NotImplementedError()` with your code."
        )
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        _fail(f"compute(model) should return two numbers, (params, flops); it returned {result!r}.")
    return _whole(result[0], "params (the first value compute returns)"), _whole(
        result[1], "flops (the second value compute returns)"
    )


def check_compute(compute, model) -> None:
    """``compute(model) -> (params, flops)`` against ``model.count_params()`` and the course's FLOPs.

    Runs it on ``model`` and on a small model of the same family it has not seen.
    """
    model = _require_model(model)
    asked = sorted(names_used(compute) & set(FORBIDDEN_NAMES))
    if asked:
        _fail(
            f"compute uses {', '.join(asked)}: work the numbers out from the layers' sizes with "
            "the formulas (the graded tests give no points for asking Keras or nncost)."
        )
    for m, which in ((model, "your model"), (_probe_model(model), "a small test model")):
        params, flops = _call_compute(compute, m)
        right = m.count_params()
        if params != right:
            why = _diagnose(params, right, _params_mistakes(m), "the parameter count")
            _fail(
                f"on {which}, compute gives {params} parameters but model.count_params() is "
                f"{right}: {why}"
            )
        report = _profile(m)
        if flops != report.flops:
            why = _diagnose(flops, report.flops, _flops_mistakes(m, report), "the FLOPs count")
            _fail(f"on {which}, compute's FLOPs are not the course's count: {why}")
    _ok(
        "compute(model) agrees with model.count_params() and with the course's FLOPs rules, "
        "on your model and on a small model it had not seen."
    )


def check_flops(flops, model, name: str = "flops") -> None:
    """Total FLOPs of one inference of ``model`` (one sample), course convention."""
    model = _require_model(model)
    flops = _whole(flops, name)
    report = _profile(model)
    if flops != report.flops:
        _fail(
            f"{name}: "
            + _diagnose(flops, report.flops, _flops_mistakes(model, report), "the FLOPs count")
        )
    _ok(f"{name} is the course's FLOPs count for this model.")


def check_step_flops(step_flops, model, name: str = "step_flops") -> None:
    """FLOPs of one time step of the model's (first) recurrent layer."""
    model = _require_model(model)
    step_flops = _whole(step_flops, name)
    report = _profile(model)
    rows = [r for r in report.leaves if r.kind in _RECURRENT]
    if not rows:
        _fail("this model has no recurrent layer (SimpleRNN, LSTM, GRU).")
    row = rows[0]
    steps = _time_steps(model, row)
    right = row.flops // steps
    if step_flops == right:
        _ok(f"{name} is the FLOPs of one time step of {row.kind}.")
        return
    if step_flops == row.flops:
        _fail(f"{name} is the FLOPs of the whole sequence ({steps} steps); give one step.")
    if step_flops == report.flops or step_flops == right + report.flops - row.flops:
        _fail(f"{name} includes the Dense layer; give the recurrent layer's step only.")
    mistakes = [
        (
            -row.flops_activation // steps,
            (
                "you forgot the activation FLOPs of the step "
                "(a × act for SimpleRNN; 3a·σ + 2a·tanh for LSTM)"
            ),
        ),
        (-row.macs // steps, "a multiply-add is 2 FLOPs: 2·g·a·(i + a), not g·a·(i + a)"),
        (-row.flops_other // steps, "you left out the LSTM's element-wise work (4a)"),
    ]
    _fail(
        f"{name}: "
        + _diagnose(step_flops, right, [(d, m) for d, m in mistakes if d], "the step's FLOPs")
    )


# --------------------------------------------------------------------------- size and time
def check_size(size_bytes, size_kb, model) -> None:
    """Model size in bytes (params × 4, float32) and in KB (bytes / 1024)."""
    model = _require_model(model)
    size_bytes = _whole(size_bytes, "size in bytes")
    kb = _real(size_kb, "size in KB")
    params = model.count_params()
    right = 4 * params
    if size_bytes != right:
        hints = {
            params: "that is the parameter count; each float32 parameter takes 4 bytes",
            8 * params: "float32 is 4 bytes per parameter, not 8 (that is float64)",
            32 * params: "32 is the bits of a float32; a byte is 8 bits, so 4 bytes",
            right // 1024: "that looks like KB; the bytes value is params × 4",
        }
        _fail(
            "size in bytes: "
            + hints.get(
                size_bytes, "model size = parameters × 4 bytes (float32); use model.count_params()"
            )
            + "."
        )
    if not _close(kb, size_bytes / 1024):
        hints = [
            (size_bytes, "you gave the bytes again: KB = bytes / 1024"),
            (size_bytes / 1000, "the course's KB is 1024 bytes, not 1000"),
            (size_bytes / 1024 / 1024, "that is MB: KB = bytes / 1024"),
            (params / 1024, "divide the bytes (params × 4), not the parameter count, by 1024"),
        ]
        for value, hint in hints:
            if _close(kb, value):
                _fail(f"size in KB: {hint}.")
        if abs(kb - size_bytes / 1024) <= 0.01 * size_bytes / 1024 + 0.005:
            _fail("size in KB looks rounded: give the exact value bytes / 1024, unrounded.")
        _fail("size in KB should be the size in bytes / 1024.")
    _ok("model size in bytes (params × 4) and in KB (bytes / 1024) are consistent with the model.")


def check_time(time_s, model, flops_per_second: float = 1e9) -> None:
    """Inference time in seconds of one sample: FLOPs / FLOPS, course FLOPs of ``model``."""
    model = _require_model(model)
    t = _real(time_s, "inference time")
    report = _profile(model)
    right = report.flops / flops_per_second
    if _close(t, right):
        _ok("the inference time is FLOPs / FLOPS, in seconds.")
        return
    hints = [
        (right * 1e3, "that is in milliseconds; give seconds"),
        (right * 1e6, "that is in microseconds; give seconds"),
        (right * 1e9, "divide the FLOPs by the processor's FLOPS (1e9 for 1 GFLOPS)"),
        (report.flops / 1e6, "1 GFLOPS is 1e9 FLOPs per second, not 1e6"),
        (model.count_params() / flops_per_second, "use the FLOPs, not the parameters"),
        (flops_per_second / report.flops, "it is FLOPs / FLOPS, not the other way round"),
    ]
    for value, hint in hints:
        if _close(t, value):
            _fail(f"inference time: {hint}.")
    mistakes = _flops_mistakes(model, report)
    for delta, message in mistakes:
        if _close(t, (report.flops + delta) / flops_per_second):
            _fail(f"inference time: the formula is right but the FLOPs are not: {message}.")
    _fail("inference time should be the model's FLOPs / 1e9 (seconds on a 1 GFLOPS processor).")


# --------------------------------------------------------------------------- shapes and layers
def _shape(value, i: int) -> tuple:
    if not isinstance(value, (tuple, list)):
        _fail(f"item {i + 1} should be a shape tuple such as (26, 26, 32), got {value!r}.")
    if value and value[0] is None:
        _fail(f"item {i + 1} is {tuple(value)}: leave out the batch axis (None).")
    return tuple(_whole(v, f"item {i + 1}'s size") for v in value)


def _one_per_layer(values, model, plural: str, singular: str, note: str):
    """The model, once ``values`` is a list with one item per layer of it."""
    model = _require_model(model)
    if not isinstance(values, (list, tuple)):
        _fail(f"give a list of {plural}, one per layer; got {type(values).__name__}.")
    if len(values) != len(_layers(model)):
        _fail(
            f"give one {singular} per layer: the model has {len(_layers(model))} layers ({note}), "
            f"you gave {len(values)}."
        )
    return model


def check_shapes(shapes, model) -> None:
    """One output shape per layer of ``model`` (batch axis left out), e.g. ``[(26, 26, 32), …]``."""
    model = _one_per_layer(shapes, model, "shapes", "shape", "keras.Input is not a layer")
    for i, (value, layer) in enumerate(zip(shapes, _layers(model))):
        got, right = _shape(value, i), tuple(int(d) for d in layer.output.shape[1:])
        if got == right:
            continue
        kind = type(layer).__name__
        n_in = tuple(int(d) for d in layer.input.shape[1:-1])
        where = f"layer {i + 1} ({kind})"
        if len(got) != len(right):
            _fail(
                f"{where}: its output has {len(right)} axes after the batch axis, you gave {len(got)}."
            )
        if kind.startswith("Conv") and got[-1] != right[-1]:
            _fail(f"{where}: a convolution outputs one channel per filter.")
        if kind.startswith("Conv") and got[:-1] == n_in:
            _fail(
                f"{where}: with padding='valid' there is no padding, so each side shrinks: "
                "n − k + 1 (for stride 1)."
            )
        if kind.startswith("Conv") and all(g == r - 1 for g, r in zip(got[:-1], right[:-1])):
            _fail(f"{where}: one off — a kernel of size k fits n − k + 1 times in n, not n − k.")
        if kind in _POOLING and got[-1] != right[-1]:
            _fail(f"{where}: pooling keeps the number of channels.")
        if kind in _POOLING and all(g >= r for g, r in zip(got[:-1], right[:-1])):
            _fail(
                f"{where}: pooling with padding='valid' keeps only whole windows: "
                "floor((n − pool) / stride) + 1 rounds down."
            )
        if kind == "Flatten":
            _fail(f"{where}: Flatten gives one axis, the product of its input's sizes.")
        _fail(
            f"{where}: output shape {got} is not right; recompute it with the output-size formula."
        )
    _ok("every output shape matches the model's layers.")


def check_layer_params(values, model) -> None:
    """One parameter count per layer of ``model``, in order."""
    model = _one_per_layer(values, model, "numbers", "count", "pooling and Flatten count too, with 0")
    for i, (value, layer) in enumerate(zip(values, _layers(model))):
        got, right = _whole(value, f"item {i + 1}"), layer.count_params()
        if got == right:
            continue
        kind = type(layer).__name__
        where = f"layer {i + 1} ({kind})"
        if right == 0:
            _fail(f"{where} has no weights: pooling and Flatten layers have 0 parameters.")
        wrapper = type("_One", (), {"layers": [layer], "weights": layer.weights})
        why = _diagnose(got, right, _params_mistakes(wrapper), "the count")
        _fail(f"{where}: {why}")
    _ok("every layer's parameter count matches the model (their sum is model.count_params()).")
