"""Visible checks for the assignment notebooks: immediate feedback that names the likely mistake.

Each ``check_*`` function either prints one line starting with ``✓`` or raises
:class:`CheckFailed` (an ``AssertionError``) whose message says what is wrong and how to fix
it, without printing the expected number. The references are the student's own model
(``model.count_params()``, ``layer.output.shape``) and :func:`nncost.profile` under the
course's convention (:data:`nncost.COURSE`).

The diagnoses compare a wrong answer with the totals that typical mistakes produce
(forgot the bias, forgot the activation FLOPs, counted one time step, bytes for KB…).
The per-layer mistakes are one table, :data:`_SLIPS`: each row names the layers it can be made
in (Keras classes, tested with ``isinstance``, so a subclass counts as its base), how far it
moves the answer in one layer (a *delta*, from the layer and its profile row), and the message;
each is tried in every layer at once and in each layer alone ("you forgot the bias of layer 1
(SimpleRNN)").
A Keras 2 habit in the student's ``compute`` (``layer.input_shape``) gets the Keras 3 fix
(:mod:`nncost.hints`).

Keras is imported only when a check needs it; ``import nncost.checks`` stays light.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import numbers
import warnings
from collections.abc import Callable
from typing import Any

from nncost import formulas
from nncost.hints import keras2_hint

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

#: Kinds of layer, as names of ``keras.layers`` classes: :func:`_is` looks them up when a check
#: runs (this module does not import keras) and tests with ``isinstance``, so a subclass of a
#: Keras layer is checked as its base.
_CONV = ("Conv1D", "Conv2D", "Conv3D")
_WEIGHTED = ("Dense", *_CONV)
_RECURRENT = ("SimpleRNN", "LSTM", "GRU")
_GATED = ("LSTM", "GRU")
_POOLING = formulas.POOLING_LAYERS


def _is(layer, kinds: tuple[str, ...]) -> bool:
    """Is ``layer`` an instance of one of the ``keras.layers`` classes named in ``kinds``?"""
    import keras

    return isinstance(layer, tuple(getattr(keras.layers, kind) for kind in kinds))


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
    """The sizes, window and activation of ``layer`` that a question fixes (its kind aside)."""
    d = {}
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
    got_layers, ref_layers = _layers(model), _layers(ref)
    same_kinds = len(got_layers) == len(ref_layers) and all(
        isinstance(g, type(r)) for g, r in zip(got_layers, ref_layers)
    )
    if not same_kinds:
        got_kinds = [type(x).__name__ for x in got_layers]
        ref_kinds = [type(x).__name__ for x in ref_layers]
        _fail(
            f"your model's layers are {', '.join(got_kinds) or 'none'}; the question asks for "
            f"{', '.join(ref_kinds)} (in that order, after keras.Input)."
        )
    last = len(ref_layers) - 1
    for i, (got_layer, ref_layer) in enumerate(zip(got_layers, ref_layers)):
        g, r = _describe(got_layer), _describe(ref_layer)
        kind = type(got_layer).__name__
        where = "the output layer" if i == last else f"layer {i + 1} ({kind})"
        for key in r:
            if g.get(key) == r[key]:
                continue
            if key == "activation":
                extra = ""
                if i == last and r[key] == "sigmoid" and g[key] == "relu":
                    extra = (
                        " relu is for the hidden layers; a sigmoid output gives a value in (0, 1)."
                    )
                elif _is(got_layer, _RECURRENT):
                    extra = (
                        f" Keep {kind}'s default activation (tanh); the sigmoid the question"
                        " asks for belongs to the Dense output layer."
                    )
                _fail(
                    f"{where} uses activation {g[key]!r}; the question asks for {r[key]!r}.{extra}"
                )
            _fail(f"{where} has {key} = {g.get(key)!r}; the question asks for {r[key]!r}.")
    if model.count_params() != ref.count_params():
        _fail("your model's layers look right but its parameter count differs: check use_bias.")
    _ok(f"the model matches question {question[1:]}: {len(ref_layers)} layers, input {ref_in}.")


# --------------------------------------------------------------------------- the table of slips
@dataclasses.dataclass(frozen=True)
class _Site:
    """A place where a slip can be made: one layer, with its profile row when FLOPs are counted."""

    label: str  #: "layer 2 (Dense)", or "" when the layers are not named
    layer: Any  #: the Keras layer (None for a profile row that is not a layer of the model)
    row: Any = None  #: the layer's :class:`~nncost.report.LayerCost` (FLOPs and step slips)


@dataclasses.dataclass(frozen=True)
class _Slip:
    """One row of the table of slips: a typical mistake, the layers it is made in, how far it
    moves the answer there, and what the student reads.

    ``of`` names the answers it is a slip of: "params" (a model's parameter count), "layer" (one
    layer's count, checked on its own), "flops" (a model's FLOPs) or "step" (the FLOPs of one time
    step of a recurrent layer). ``kinds`` are the layers it can be made in (names of
    ``keras.layers`` classes, see :func:`_is`; ``()``: any layer), ``but`` those it cannot.
    ``delta(site)`` is the change of the answer when it is made in that layer (a signed count).

    ``say`` holds ``{where}``, filled with e.g. " of layer 2 (Dense)" (``prep`` + the layer) when
    the slip is named in one layer, or with "" when it is made in every layer at once;
    ``why`` is the rule that was broken.
    """

    of: tuple[str, ...]
    kinds: tuple[str, ...]
    delta: Callable[[_Site], int]
    say: str
    why: str
    prep: str = "of"
    every: bool = True  #: False: the slip means something in one layer only (leaving it out)
    one: str = ""  #: the wording for one layer, when ``say`` does not fit it
    but: tuple[str, ...] = ()

    def made_in(self, site: _Site) -> bool:
        """Can this slip be made in ``site``'s layer?"""
        if self.but and _is(site.layer, self.but):
            return False
        return not self.kinds or _is(site.layer, self.kinds)

    def message(self, where: str = "") -> str:
        if not where:
            text = self.say.format(where="")
        elif self.one:
            text = self.one.format(where=where)
        else:
            prep = f" {self.prep}" if self.prep else ""
            text = self.say.format(where=f"{prep} {where}")
        return f"{text}: {self.why}"


def _biases(layer) -> int:
    """The biases ``layer`` holds (its weights whose name ends in "bias")."""
    return sum(math.prod(w.shape) for w in layer.weights if w.name.endswith("bias"))


def _gates(layer) -> int:
    """g, the gates of a recurrent layer, each with its own W, U and b (SimpleRNN 1)."""
    return 4 if _is(layer, ("LSTM",)) else 3 if _is(layer, ("GRU",)) else 1


def _time_steps(layer) -> int:
    """Time steps T of a recurrent layer (1 when the length of its sequence is not known)."""
    steps = layer.input.shape[1]
    return int(steps) if steps is not None else 1


def _one_channel(count: int, layer) -> int:
    """The change of ``count`` (a convolution's weights, or their FLOPs) when C_in is left out."""
    return count // layer.input.shape[-1] - count


_PARAMS = ("params", "layer")

#: The typical slips, in the order they are named when several fit (the likeliest first).
_SLIPS = (
    # ----- parameter counts: a model's, and one layer's checked on its own
    _Slip(
        of=_PARAMS,
        kinds=(),
        delta=lambda s: -_biases(s.layer),
        say="you forgot the bias{where}",
        why="every unit (or filter) has one bias as well as its weights, in·out + out",
    ),
    _Slip(
        of=_PARAMS,
        kinds=_GATED,
        delta=lambda s: s.layer.count_params() // _gates(s.layer) - s.layer.count_params(),
        say="an LSTM has four gates{where}",
        why="g = 4, each with its own W, U and b: g × [a(a + i) + a]",
        prep="in",
    ),
    _Slip(
        of=_PARAMS,
        kinds=_RECURRENT,
        delta=lambda s: -_gates(s.layer) * s.layer.units**2,
        say="you forgot the recurrent weights U{where}",
        why="a × a per gate, the previous hidden state feeds every gate",
    ),
    _Slip(
        of=_PARAMS,
        kinds=_CONV,
        delta=lambda s: _one_channel(math.prod(s.layer.kernel.shape), s.layer),
        say="a filter spans every input channel{where}",
        why="k_h × k_w × C_in weights per filter",
        prep="in",
    ),
    _Slip(
        of=("params",),
        kinds=(),
        delta=lambda s: -s.layer.count_params(),
        say="you left out{where}",
        why="the total adds up the parameters of every layer",
        prep="",
        every=False,
    ),
    # ----- a model's FLOPs
    _Slip(
        of=("flops",),
        kinds=(),
        delta=lambda s: -s.row.flops_activation,
        say="you forgot the activation FLOPs{where}",
        why="every output value also goes through its activation, out × a "
        "(relu, sigmoid, tanh 1; softmax 6)",
    ),
    _Slip(
        of=("flops",),
        kinds=(),
        delta=lambda s: -5 * s.row.output_elements if _act(s.layer) == "softmax" else 0,
        say="softmax costs 6 FLOPs per output in the course's table, not 1{where}",
        why="out × 6",
        prep="in",
    ),
    _Slip(
        of=("flops",),
        kinds=(*_WEIGHTED, *_RECURRENT),
        delta=lambda s: -s.row.macs,
        say="a multiply-add is 2 FLOPs{where}",
        why="the weight part is 2·in·out (2 × MACs), you counted 1 per weight",
        prep="in",
    ),
    _Slip(
        of=("flops",),
        kinds=_POOLING,
        delta=lambda s: -s.row.flops,
        say="you forgot the pooling layers{where}",
        why="max pooling reads every value of its window, prod(pool) × (output elements) FLOPs",
        one="you forgot {where}",
    ),
    _Slip(
        of=("flops",),
        kinds=_WEIGHTED,
        delta=lambda s: s.row.output_elements,
        say="you added a separate bias FLOP{where}",
        why="the course folds the bias add into 2·in·out",
        prep="in",
    ),
    _Slip(
        of=("flops",),
        kinds=_RECURRENT,
        delta=lambda s: s.row.flops // _time_steps(s.layer) - s.row.flops,
        say="you counted one time step{where}",
        why="a recurrent layer runs its step T times, once per element of the sequence",
        prep="in",
    ),
    _Slip(
        of=("flops",),
        kinds=_GATED,
        delta=lambda s: -s.row.flops_other,
        say="you left out the LSTM's element-wise work{where}",
        why="4a per step: c = f⊙c + i⊙g is 3a, h = o⊙tanh(c) is a",
        prep="in",
    ),
    _Slip(
        of=("flops",),
        kinds=_CONV,
        delta=lambda s: _one_channel(s.row.flops_compute, s.layer),
        say="a filter spans every input channel{where}",
        why="multiply the kernel size by C_in",
        prep="in",
    ),
    _Slip(
        of=("flops",),
        kinds=(),
        but=_POOLING,  # a pooling layer left out: "you forgot the pooling layers" above
        delta=lambda s: -s.row.flops,
        say="you left out{where}",
        why="the total adds up the FLOPs of every layer, pooling and recurrent layers included",
        prep="",
        every=False,
    ),
    # ----- the FLOPs of one time step of a recurrent layer
    _Slip(
        of=("step",),
        kinds=_RECURRENT,
        delta=lambda s: -s.row.flops_activation // _time_steps(s.layer),
        say="you forgot the activation FLOPs of the step",
        why="a × act for SimpleRNN; 3a·σ + 2a·tanh for LSTM",
    ),
    _Slip(
        of=("step",),
        kinds=_RECURRENT,
        delta=lambda s: -s.row.macs // _time_steps(s.layer),
        say="a multiply-add is 2 FLOPs",
        why="2·g·a·(i + a), not g·a·(i + a)",
    ),
    _Slip(
        of=("step",),
        kinds=_GATED,
        delta=lambda s: -s.row.flops_other // _time_steps(s.layer),
        say="you left out the LSTM's element-wise work",
        why="4a per step",
    ),
)


def _slips(of: str, sites: list[_Site]) -> list[tuple[_Slip, dict[str, int]]]:
    """The slips of the table that answer ``of`` can hold, each with its change of the answer
    in every site: {label: delta}, the deltas of sites with the same label added up."""
    found = []
    for slip in _SLIPS:
        if of not in slip.of:
            continue
        deltas: dict[str, int] = {}
        for site in sites:
            delta = slip.delta(site) if slip.made_in(site) else 0
            deltas[site.label] = deltas.get(site.label, 0) + delta
        found.append((slip, deltas))
    return found


def _labels(model) -> dict[str, str]:
    """Layer name → "layer 2 (Dense)", numbered as the check cells number layers (from 1)."""
    return {x.name: f"layer {i} ({type(x).__name__})" for i, x in enumerate(_layers(model), 1)}


def _layer_sites(model) -> list[_Site]:
    """One site per layer in ``model.layers``, named as the check cells name it."""
    labels = _labels(model)
    return [_Site(labels.get(x.name, ""), x) for x in model.layers]


def _by_row_name(model) -> dict:
    """Every layer of ``model``, nested models' layers included, by the name of its profile row
    ("outer/inner" for a layer of a nested model)."""
    import keras

    layers, todo = {}, [("", model)]
    while todo:
        prefix, m = todo.pop()
        for x in m.layers:
            layers[prefix + x.name] = x
            if isinstance(x, keras.Model):
                todo.append((f"{prefix}{x.name}/", x))
    return layers


def _row_sites(model, report) -> list[_Site]:
    """One site per row of ``report`` (a layer of a nested model too), with its layer."""
    labels, layers = _labels(model), _by_row_name(model)
    return [
        _Site(labels.get(r.name, f"{r.name} ({r.kind})"), layers.get(r.name), r)
        for r in report.leaves
    ]


def _guesses(
    found: list[tuple[_Slip, dict[str, int]]],
) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """([(delta, message)] of each slip made in every layer, [(delta, message)] in one layer).

    A slip that touches only one layer is named with that layer. Layers whose slip moves the
    total by the same amount are named together ("layer 1 (Dense) or layer 2 (Dense)").
    """
    whole: list[tuple[int, str]] = []
    single: list[tuple[int, str]] = []
    for slip, deltas in found:
        parts = {w: d for w, d in deltas.items() if d}
        if len(parts) == 1:
            ((where, delta),) = parts.items()
            (whole if slip.every else single).append((delta, slip.message(where)))
            continue
        if parts and slip.every:
            whole.append((sum(parts.values()), slip.message()))
        by_delta: dict[int, list[str]] = {}
        for where, delta in parts.items():
            by_delta.setdefault(delta, []).append(where)
        single += [(d, slip.message(" or ".join(ws))) for d, ws in by_delta.items()]
    return whole, single


def _either(messages: list[str]) -> str:
    """One sentence naming every slip that fits ("" for none), the likeliest first."""
    messages = list(dict.fromkeys(messages))
    if len(messages) <= 1:
        return "".join(messages) + ("." if messages else "")
    return "one of these slips: " + "; or ".join(messages) + "."


def _diagnose(got: int, right: int, found: list[tuple[_Slip, dict[str, int]]], what: str) -> str:
    """The slip (:func:`_slips`) that turns ``right`` into ``got``: in every layer, in one layer,
    or two at once."""
    whole, single = _guesses(found)
    named = _either([m for d, m in whole + single if got == right + d])
    if named:
        return named
    omissions = [(d, m) for d, m in whole if d < 0]  # two things left out at once
    for (d1, m1), (d2, m2) in itertools.combinations(omissions, 2):
        if got == right + d1 + d2:
            return f"{m1}; and {m2}."
    side = "high" if got > right else "low"
    return (
        f"{what} is too {side} for this model, and not by one of the usual slips "
        "(bias, activation, pooling, time steps, a layer left out, in any one layer or in all): "
        "recount it layer by layer with the formulas above."
    )


# --------------------------------------------------------------------------- compute()
def _probe_model(model):
    """A small model of the same family, so a hard-coded compute() shows up."""
    import keras

    L = keras.layers

    def has(*kinds: str) -> bool:
        return any(_is(x, kinds) for x in model.layers)

    if has("LSTM"):
        body = [keras.Input((4, 2)), L.LSTM(2), L.Dense(3, activation="softmax")]
    elif has("SimpleRNN"):
        body = [keras.Input((3, 2)), L.SimpleRNN(2), L.Dense(1, activation="sigmoid")]
    elif has("Conv3D", "MaxPooling3D"):
        body = [
            keras.Input((4, 6, 6, 2)),
            L.Conv3D(3, (2, 3, 3), activation="relu"),
            L.MaxPooling3D((1, 2, 2)),
            L.Flatten(),
            L.Dense(2, activation="softmax"),
        ]
    elif has("Conv2D", "MaxPooling2D"):
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
            "compute(model) is not written yet: replace `raise NotImplementedError()` with your "
            "code."
        )
    except AttributeError as error:
        hint = keras2_hint(error)
        if hint is None:
            raise
        raise CheckFailed(f"compute(model) raised AttributeError: {error}. {hint}") from error
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        _fail(f"compute(model) should return two numbers, (params, flops); it returned {result!r}.")
    return _whole(result[0], "params (the first value compute returns)"), _whole(
        result[1], "flops (the second value compute returns)"
    )


def check_compute(compute, model) -> None:
    """``compute(model) -> (params, flops)`` against ``model.count_params()`` and the course's
    FLOPs.

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
            why = _diagnose(params, right, _slips("params", _layer_sites(m)), "the parameter count")
            _fail(
                f"on {which}, compute gives {params} parameters but model.count_params() is "
                f"{right}: {why}"
            )
        report = _profile(m)
        if flops != report.flops:
            found = _slips("flops", _row_sites(m, report))
            why = _diagnose(flops, report.flops, found, "the FLOPs count")
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
        found = _slips("flops", _row_sites(model, report))
        _fail(f"{name}: " + _diagnose(flops, report.flops, found, "the FLOPs count"))
    _ok(f"{name} is the course's FLOPs count for this model.")


def check_step_flops(step_flops, model, name: str = "step_flops") -> None:
    """FLOPs of one time step of the model's (first) recurrent layer."""
    model = _require_model(model)
    step_flops = _whole(step_flops, name)
    report = _profile(model)
    recurrent = [s for s in _row_sites(model, report) if _is(s.layer, _RECURRENT)]
    if not recurrent:
        _fail("this model has no recurrent layer (SimpleRNN, LSTM, GRU).")
    layer, row = recurrent[0].layer, recurrent[0].row
    steps = _time_steps(layer)
    right = row.flops // steps
    if step_flops == right:
        _ok(f"{name} is the FLOPs of one time step of {row.kind}.")
        return
    if step_flops == row.flops:
        _fail(f"{name} is the FLOPs of the whole sequence ({steps} steps); give one step.")
    if step_flops == report.flops or step_flops == right + report.flops - row.flops:
        _fail(f"{name} includes the Dense layer; give the recurrent layer's step only.")
    found = _slips("step", [_Site("", layer, row)])
    _fail(f"{name}: " + _diagnose(step_flops, right, found, "the step's FLOPs"))


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
        if size_bytes in hints:
            _fail(f"size in bytes: {hints[size_bytes]}.")
        whole, single = _guesses(_slips("params", _layer_sites(model)))
        named = _either([m for d, m in whole + single if size_bytes == 4 * (params + d)])
        if named:
            _fail(f"size in bytes: params × 4 is right, but not the parameter count: {named}")
        _fail(
            "size in bytes: model size = parameters × 4 bytes (float32); use model.count_params()."
        )
    if not _close(kb, size_bytes / 1024):
        kb_hints = [
            (size_bytes, "you gave the bytes again: KB = bytes / 1024"),
            (size_bytes / 1000, "the course's KB is 1024 bytes, not 1000"),
            (size_bytes / 1024 / 1024, "that is MB: KB = bytes / 1024"),
            (params / 1024, "divide the bytes (params × 4), not the parameter count, by 1024"),
        ]
        for value, hint in kb_hints:
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
    speed = f"{flops_per_second:.3g}".replace("e+0", "e").replace("e+", "e") + " FLOPs per second"
    hints = [
        (right * 1e3, "that is in milliseconds; give seconds"),
        (right * 1e6, "that is in microseconds; give seconds"),
        (report.flops, f"divide the FLOPs by the processor's FLOPS ({speed})"),
        (report.flops / 1e6, f"divide by {speed} (1 GFLOPS is 1e9), not by 1e6"),
        (report.flops / 1e12, f"divide by {speed} (1 GFLOPS is 1e9), not by 1e12 (1 TFLOPS)"),
        (model.count_params() / flops_per_second, "use the FLOPs, not the parameters"),
        (flops_per_second / report.flops, "it is FLOPs / FLOPS, not the other way round"),
    ]
    fits = [hint for value, hint in hints if _close(t, value)]
    if fits:
        _fail("inference time: " + "; or ".join(fits) + ".")
    if _rounded(t, right):
        _fail(
            "inference time looks rounded (round(t, 6) or 2 significant digits): give the exact "
            "FLOPs / FLOPS; round only when you print it, e.g. print(f'{t:.3g} s')."
        )
    whole, single = _guesses(_slips("flops", _row_sites(model, report)))
    named = _either(
        [m for d, m in whole + single if _close(t, (report.flops + d) / flops_per_second)]
    )
    if named:
        _fail(f"inference time: the formula is right but the FLOPs are not: {named}")
    _fail(f"inference time should be the model's FLOPs / FLOPS (seconds at {speed}).")


def _rounded(t: float, right: float) -> bool:
    """Is ``t`` ``right`` rounded to some decimal places (round(right, 6)) or significant
    digits (1 to 5)?"""
    decimals = (round(right, k) for k in range(16))
    digits = (float(f"{right:.{n}g}") for n in range(1, 6))
    return any(_close(t, value) for value in (*decimals, *digits))


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
        n_in = tuple(int(d) for d in layer.input.shape[1:-1])
        where = f"layer {i + 1} ({type(layer).__name__})"
        conv, pooling = _is(layer, _CONV), _is(layer, _POOLING)
        if len(got) != len(right):
            _fail(
                f"{where}: its output has {len(right)} axes after the batch axis, you gave "
                f"{len(got)}."
            )
        if conv and got[-1] != right[-1]:
            _fail(f"{where}: a convolution outputs one channel per filter.")
        if conv and got[:-1] == n_in:
            _fail(
                f"{where}: with padding='valid' there is no padding, so each side shrinks: "
                "n − k + 1 (for stride 1)."
            )
        if conv and all(g == r - 1 for g, r in zip(got[:-1], right[:-1])):
            _fail(f"{where}: one off — a kernel of size k fits n − k + 1 times in n, not n − k.")
        if pooling and got[-1] != right[-1]:
            _fail(f"{where}: pooling keeps the number of channels.")
        if pooling and all(g >= r for g, r in zip(got[:-1], right[:-1])):
            _fail(
                f"{where}: pooling with padding='valid' keeps only whole windows: "
                "floor((n − pool) / stride) + 1 rounds down."
            )
        if _is(layer, ("Flatten",)):
            _fail(f"{where}: Flatten gives one axis, the product of its input's sizes.")
        _fail(
            f"{where}: output shape {got} is not right; recompute it with the output-size formula."
        )
    _ok("every output shape matches the model's layers.")


def check_layer_params(values, model) -> None:
    """One parameter count per layer of ``model``, in order."""
    model = _one_per_layer(
        values, model, "numbers", "count", "pooling and Flatten count too, with 0"
    )
    for i, (value, layer) in enumerate(zip(values, _layers(model))):
        got, right = _whole(value, f"item {i + 1}"), layer.count_params()
        if got == right:
            continue
        kind = type(layer).__name__
        where = f"layer {i + 1} ({kind})"
        if right == 0:
            _fail(f"{where} has no weights: pooling and Flatten layers have 0 parameters.")
        why = _diagnose(got, right, _slips("layer", [_Site("", layer)]), "the count")
        _fail(f"{where}: {why}")
    _ok("every layer's parameter count matches the model (their sum is model.count_params()).")
