"""Play with a model's cost (ipywidgets 8): move a control, watch the numbers and the chart.

* :func:`explore` — the live report of a model, with controls that rebuild a model of the same
  shape with other sizes (units, filters, kernel, stride, padding, input size, sequence length)
  and the processor speed used for the inference time.
* :func:`builder` — stack Dense / Conv2D / pooling / Flatten layers and watch what each costs.

Both return a widget: end a notebook cell with it to show it. Nothing blocks and nothing needs a
display to be built (the chart is a PNG rendered with matplotlib's Agg canvas), so a notebook that
calls them still runs headless under nbgrader. Keras is imported when a model is (re)built.
"""

from __future__ import annotations

import html
import io

import ipywidgets as w

from nncost import formatting, formulas
from nncost.errors import NNCostError
from nncost.plot import layers as layers_chart
from nncost.plot import short_seconds, short_speed

__all__ = ["Builder", "Explorer", "builder", "explore"]

#: the axis names shown for an input of each rank (batch axis excluded)
_AXES = {
    1: ("features",),
    2: ("steps", "features"),
    3: ("height", "width", "channels"),
    4: ("frames", "height", "width", "channels"),
}
#: time steps used for a ``None`` time axis when ``seq_len`` is not given (the course's T = 5)
DEFAULT_STEPS = 5


def _keras():
    import keras

    return keras


def _slider(label: str, value: int, high: int) -> w.IntSlider:
    return w.IntSlider(
        value=value,
        min=1,
        max=max(high, value),
        description=label,
        continuous_update=False,
        style={"description_width": "9em"},
        layout=w.Layout(width="24em"),
    )


def _header(title: str, note: str) -> w.HTML:
    return w.HTML(f"<b>{html.escape(title)}</b> <small>({html.escape(note)})</small>")


def _first(v) -> int:
    return int(v[0]) if isinstance(v, (tuple, list)) else int(v)


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    return buf.getvalue()


class _CostView(w.VBox):
    """Numbers, a per-layer chart, the report table and a message line, plus a speed control."""

    def __init__(self, flops_per_second: float, chart: bool):
        if not flops_per_second > 0:
            raise NNCostError(
                f"flops_per_second must be > 0 (1e9 = 1 GFLOPS), got {flops_per_second!r}."
            )
        self.report = None
        self.numbers = w.HTML()
        self.message = w.HTML()
        self.chart = w.Image(format="png") if chart else None
        self.table = w.HTML()
        self.speed = w.FloatLogSlider(
            value=flops_per_second / 1e9,
            base=10,
            min=-3,
            max=6,
            step=0.1,
            description="GFLOPS",
            continuous_update=False,
            readout_format=".3g",
            style={"description_width": "9em"},
            layout=w.Layout(width="24em"),
        )
        self.speed.observe(lambda _change: self._show_numbers(), names="value")
        super().__init__()

    @property
    def flops_per_second(self) -> float:
        return self.speed.value * 1e9

    def _layout(self, controls: list) -> None:
        right = [self.numbers, self.message] + ([self.chart] if self.chart is not None else [])
        self.children = [w.HBox([w.VBox(controls), w.VBox(right)]), self.table]

    def _show(self, report) -> None:
        """Show ``report``: chart and table first, the numbers last (they signal "updated")."""
        self.report = report
        self.message.value = ""
        if self.chart is not None:
            fig = layers_chart(
                report,
                metrics=("params", "flops"),
                figsize=(6.4, max(2.2, 0.3 * len(report.leaves) + 1.3)),
            )
            self.chart.value = _png(fig)
        self.table.value = report._repr_html_()
        self._show_numbers()

    def _show_numbers(self) -> None:
        r = self.report
        if r is None:
            self.numbers.value = '<div class="nncost-numbers"><i>no model yet</i></div>'
            return
        t = r.inference_time(self.flops_per_second)
        rows = [
            ("Parameters", "params", formatting.count(r.params)),
            (
                f"Model size (params × {r.convention.bytes_per_param} bytes)",
                "size",
                formatting.size(r.model_size_bytes),
            ),
            ("FLOPs (one inference, one sample)", "flops", formatting.count(r.flops)),
            (
                f"Inference time at {short_speed(self.flops_per_second)}",
                "time",
                f"{short_seconds(t)} ({formatting.seconds(t)})",
            ),
            (
                f"Peak inference memory (batch {r.batch_size})",
                "peak",
                formatting.size(r.memory.inference_peak_bytes),
            ),
        ]
        cell = "text-align:right;font-family:monospace;padding-left:1.5em"
        cells = "".join(
            f'<tr><td>{html.escape(label)}</td><td class="nncost-{key}" '
            f'style="{cell}">{html.escape(value)}</td></tr>'
            for label, key, value in rows
        )
        self.numbers.value = (
            f'<div class="nncost-numbers"><b>{html.escape(r.model_name)}</b>'
            f"<table>{cells}</table></div>"
        )

    def _fail(self, text: str) -> None:
        self.message.value = (
            f'<div class="nncost-error" style="color:#b00020">{html.escape(text)}</div>'
        )


# --------------------------------------------------------------------------- explore
def _layer_knobs(layer) -> list[tuple[str, str, object]]:
    """[(config key, label, widget)] for the sizes of one layer that can be changed."""
    L = _keras().layers
    cfg = layer.get_config()
    knobs: list[tuple[str, str, object]] = []
    if isinstance(layer, (L.Dense, L.SimpleRNN, L.LSTM, L.GRU)):
        knobs.append(("units", "units", _slider("units", cfg["units"], max(64, 4 * cfg["units"]))))
    conv = (L.Conv1D, L.Conv2D, L.Conv3D)
    pool = tuple(getattr(L, name) for name in formulas.POOLING_LAYERS)
    if isinstance(layer, conv):
        knobs.append(
            ("filters", "filters", _slider("filters", cfg["filters"], max(128, 4 * cfg["filters"])))
        )
        knobs.append(("kernel_size", "kernel", _slider("kernel", _first(cfg["kernel_size"]), 11)))
    if isinstance(layer, pool):
        knobs.append(("pool_size", "pool", _slider("pool", _first(cfg["pool_size"]), 8)))
    if isinstance(layer, conv + pool):
        knobs.append(("strides", "stride", _slider("stride", _first(cfg["strides"]), 8)))
        knobs.append(
            (
                "padding",
                "padding",
                w.Dropdown(
                    options=["valid", "same"],
                    value=cfg["padding"],
                    description="padding",
                    style={"description_width": "9em"},
                    layout=w.Layout(width="24em"),
                ),
            )
        )
    return knobs


class Explorer(_CostView):
    """What :func:`explore` returns. ``controls`` maps a key to its widget:

    ``input.<axis>`` (``features``, ``steps``, ``height``, ``width``, ``channels``, ``frames``),
    ``layers[i].<knob>`` (``units``, ``filters``, ``kernel``, ``pool``, ``stride``, ``padding``;
    ``i`` indexes ``model.layers``) and ``speed`` (GFLOPS). ``model`` and ``report`` are the
    current ones; ``numbers`` is the HTML whose cells (class ``nncost-params``, ``-size``,
    ``-flops``, ``-time``, ``-peak``) show them.
    """

    def __init__(
        self,
        model,
        *,
        seq_len: int | None = None,
        flops_per_second: float = 1e9,
        chart: bool = True,
    ):
        super().__init__(flops_per_second, chart)
        keras = _keras()
        if not isinstance(model, keras.Model):
            raise NNCostError(
                f"explore() takes a built Keras model, got {type(model).__name__}: "
                "pass the model itself, e.g. explore(nncost.course.q1())."
            )
        if not model.built:
            raise NNCostError(
                f"model {model.name!r} is not built: start it with keras.Input("
                "shape=...) (e.g. keras.Input((5,))), or call model.build((None, "
                "...)) before exploring it."
            )
        self.original = self.model = model
        self._seq_len = seq_len
        self.controls: dict[str, w.Widget] = {}
        self._knobs: list[tuple[int, str, w.Widget]] = []  # (layer index, config key, widget)
        self._input_shape = tuple(model.inputs[0].shape[1:]) if len(model.inputs) == 1 else None
        self._none_axis: int | None = None  # the input axis of unknown length (time steps)
        resizable = isinstance(model, keras.Sequential) and self._input_shape is not None
        panel: list[w.Widget] = []  # the controls under a header per layer
        if resizable:
            self._add_input_controls(seq_len)
            panel += [_header("input", "batch axis excluded"), *self.controls.values()]
            for i, layer in enumerate(model.layers):
                knobs = _layer_knobs(layer)
                if knobs:
                    panel.append(_header(layer.name, type(layer).__name__))
                for key, knob, widget in knobs:
                    self.controls[f"layers[{i}].{knob}"] = widget
                    self._knobs.append((i, key, widget))
                    panel.append(widget)
        for widget in self.controls.values():
            widget.observe(lambda _change: self.rebuild(), names="value")
        self.controls["speed"] = self.speed
        self._layout([*panel, _header("processor", "for the inference time"), self.speed])
        self._show(self._profile(model))
        if not resizable:
            self.message.value = (
                "<i>Only a Sequential model with one input can be resized "
                "here; this one is shown as it is.</i>"
            )

    def _add_input_controls(self, seq_len) -> None:
        shape = self._input_shape
        assert shape is not None  # called for a model with one input only
        names = _AXES.get(len(shape), tuple(f"axis {i + 1}" for i in range(len(shape))))
        for i, (axis, n) in enumerate(zip(names, shape)):
            if n is None:
                self._none_axis = i
                n = seq_len or DEFAULT_STEPS
                axis = "steps"
            high = max(16, 4 * n) if axis == "channels" else max(64, 4 * n)
            self.controls[f"input.{axis}"] = _slider(axis, n, high)

    def _current_input(self) -> tuple:
        values = [c.value for k, c in self.controls.items() if k.startswith("input.")]
        if self._none_axis is not None:
            values[self._none_axis] = None
        return tuple(values)

    def _steps(self) -> int | None:
        if self._none_axis is None:
            return self._seq_len
        return list(self.controls.values())[self._none_axis].value

    def _profile(self, model):
        from nncost.profiler import profile

        steps = self._steps() if self._input_shape is not None else self._seq_len
        return profile(model, seq_len=steps)

    def _build(self):
        keras = _keras()
        overrides: dict[int, dict] = {}
        for i, key, widget in self._knobs:
            cfg = self.original.layers[i].get_config()
            old = cfg[key]
            value = widget.value
            if isinstance(old, (tuple, list)):
                if value == _first(old):
                    continue  # untouched: keep e.g. a non-square kernel as it was
                value = (value,) * len(old)
            if value != old:
                overrides.setdefault(i, {})[key] = value
        new_layers = []
        for i, layer in enumerate(self.original.layers):
            cfg = {**layer.get_config(), **overrides.get(i, {})}
            new_layers.append(type(layer).from_config(cfg))
        return keras.Sequential(
            [keras.Input(self._current_input()), *new_layers], name=self.original.name
        )

    def rebuild(self) -> None:
        """Build a model from the controls' values and show its costs (called on every change)."""
        try:
            model = self._build()
            report = self._profile(model)
        except Exception as err:  # noqa: BLE001 — Keras explains what does not fit; show it
            first = str(err).strip().splitlines()[0][:300] if str(err).strip() else repr(err)
            self._fail(
                f"This configuration does not fit: {first} — move a control back "
                "(a smaller kernel or stride, 'same' padding, or a larger input); "
                "the numbers show the last model that fits."
            )
            return
        self.model = model
        self._show(report)


def explore(
    model, *, seq_len: int | None = None, flops_per_second: float = 1e9, chart: bool = True
) -> Explorer:
    """The live cost report of ``model``, with a control for every size it has.

    Args:
        model: a built Keras model. A Sequential model with one input gets controls that
            rebuild it with other sizes; any other model is shown with the speed control only.
        seq_len: time steps for a ``None`` time axis (default :data:`DEFAULT_STEPS`).
        flops_per_second: the initial processor speed for the inference time (1e9 = 1 GFLOPS).
        chart: draw the per-layer chart (params and FLOPs) under the numbers.
    """
    return Explorer(model, seq_len=seq_len, flops_per_second=flops_per_second, chart=chart)


# --------------------------------------------------------------------------- builder
_KINDS = ("Dense", "Conv2D", "MaxPooling2D", "AveragePooling2D", "Flatten")
_ACTIVATIONS = ("relu", "sigmoid", "tanh", "softmax", "linear")


def _parse_shape(text: str) -> tuple[int, ...]:
    try:
        shape = tuple(int(part) for part in text.replace("×", ",").replace("x", ",").split(","))
    except ValueError:
        shape = ()
    if not shape or any(n < 1 for n in shape):
        raise NNCostError(
            f"input shape {text!r} is not a list of positive whole numbers: write it "
            "as numbers separated by commas, e.g. 28, 28, 1 (height, width, "
            "channels) or 784 (features)."
        )
    return shape


def _describe(spec: dict) -> str:
    kind = spec["kind"]
    if kind == "Dense":
        return f"Dense({spec['size']}, {spec['activation']})"
    if kind == "Conv2D":
        k = spec["kernel"]
        return (
            f"Conv2D({spec['size']} filters, {k}×{k}, stride {spec['stride']}, "
            f"{spec['padding']}, {spec['activation']})"
        )
    if kind.endswith("Pooling2D"):
        k = spec["kernel"]
        return f"{kind}({k}×{k}, stride {spec['stride']}, {spec['padding']})"
    return f"{kind}()"


def _make_layer(spec: dict):
    L = _keras().layers
    kind = spec["kind"]
    if kind == "Dense":
        return L.Dense(spec["size"], activation=spec["activation"])
    if kind == "Conv2D":
        return L.Conv2D(
            spec["size"],
            spec["kernel"],
            strides=spec["stride"],
            padding=spec["padding"],
            activation=spec["activation"],
        )
    if kind.endswith("Pooling2D"):
        return getattr(L, kind)(spec["kernel"], strides=spec["stride"], padding=spec["padding"])
    return L.Flatten()


class Builder(_CostView):
    """What :func:`builder` returns: pick a layer, set its sizes, press *Add layer*.

    ``add(kind, size=, kernel=, stride=, padding=, activation=)`` does the same from code;
    ``pop()`` removes the last layer. ``stack`` lists the layers, ``model``/``report`` are the
    current ones (``None`` before the first layer).
    """

    def __init__(
        self, *, input_shape: str = "28, 28, 1", flops_per_second: float = 1e9, chart: bool = True
    ):
        super().__init__(flops_per_second, chart)
        self.model = None
        self.stack: list[dict] = []
        style, wide = {"description_width": "9em"}, w.Layout(width="24em")
        self.input_shape = w.Text(
            value=input_shape,
            description="input shape",
            continuous_update=False,
            style=style,
            layout=wide,
        )
        self.kind = w.Dropdown(
            options=_KINDS, value="Conv2D", description="layer", style=style, layout=wide
        )
        self.size = w.BoundedIntText(
            value=32, min=1, max=1_000_000, description="units / filters", style=style, layout=wide
        )
        self.kernel = _slider("kernel / pool", 3, 11)
        self.stride = _slider("stride", 1, 8)
        self.padding = w.Dropdown(
            options=["valid", "same"],
            value="valid",
            description="padding",
            style=style,
            layout=wide,
        )
        self.activation = w.Dropdown(
            options=_ACTIVATIONS, value="relu", description="activation", style=style, layout=wide
        )
        self.add_button = w.Button(description="Add layer", button_style="primary")
        self.pop_button = w.Button(description="Remove last")
        self.layers_list = w.HTML()
        self.add_button.on_click(
            lambda _b: self.add(
                self.kind.value,
                size=self.size.value,
                kernel=self.kernel.value,
                stride=self.stride.value,
                padding=self.padding.value,
                activation=self.activation.value,
            )
        )
        self.pop_button.on_click(lambda _b: self.pop())
        self.input_shape.observe(lambda _change: self.rebuild(), names="value")
        self.kind.observe(self._kind_changed, names="value")
        self.controls = {
            "input_shape": self.input_shape,
            "kind": self.kind,
            "size": self.size,
            "kernel": self.kernel,
            "stride": self.stride,
            "padding": self.padding,
            "activation": self.activation,
            "speed": self.speed,
        }
        self._layout(
            [*self.controls.values(), w.HBox([self.add_button, self.pop_button]), self.layers_list]
        )
        self.rebuild()

    def _kind_changed(self, change) -> None:
        kind = change["new"]
        pooling = kind.endswith("Pooling2D")
        if pooling:
            self.kernel.value, self.stride.value = 2, 2
        elif kind == "Conv2D":
            self.kernel.value, self.stride.value = 3, 1
        self.size.disabled = kind not in ("Dense", "Conv2D")
        self.activation.disabled = kind not in ("Dense", "Conv2D")
        for c in (self.kernel, self.stride, self.padding):
            c.disabled = not (pooling or kind == "Conv2D")

    def add(
        self,
        kind: str,
        *,
        size: int = 32,
        kernel: int = 3,
        stride: int = 1,
        padding: str = "valid",
        activation: str = "relu",
    ) -> bool:
        """Append a layer; if it does not fit the model, say why and leave the stack as it was."""
        if kind not in _KINDS:
            raise NNCostError(f"unknown layer kind {kind!r}: choose from {list(_KINDS)}.")
        self.stack.append(
            {
                "kind": kind,
                "size": size,
                "kernel": kernel,
                "stride": stride,
                "padding": padding,
                "activation": activation,
            }
        )
        if not self.rebuild():
            error = self.message.value
            self.stack.pop()
            self.rebuild()
            self.message.value = error
            return False
        return True

    def pop(self) -> None:
        """Remove the last layer."""
        if self.stack:
            self.stack.pop()
        self.rebuild()

    def _why(self, shape, err) -> str:
        """The reason the last layer does not fit, in the course's words when we know it."""
        keras, last = _keras(), self.stack[-1]
        if last["kind"] not in ("Dense", "Flatten"):
            try:
                before = keras.Sequential([keras.Input(shape), *map(_make_layer, self.stack[:-1])])
                out = tuple(before.outputs[0].shape[1:])
            except Exception:  # noqa: BLE001 — fall back to Keras' own message
                out = None
            if out is not None and len(out) != 3:
                return (
                    f"{_describe(last)} needs a height × width × channels input, but the "
                    f"output here is {formatting.shape(out)}: add it before Flatten / Dense, "
                    "or use an input shape like 28, 28, 1."
                )
        first = str(err).strip().splitlines()[0][:300] if str(err).strip() else repr(err)
        return f"{_describe(last)} does not fit here: {first}"

    def rebuild(self) -> bool:
        """Build the stack into a model and show its costs; False (and a message) if it fails."""
        self.layers_list.value = (
            "<ol>" + "".join(f"<li>{html.escape(_describe(s))}</li>" for s in self.stack) + "</ol>"
        )
        try:
            shape = _parse_shape(self.input_shape.value)
        except NNCostError as err:
            self._fail(str(err))
            return False
        if not self.stack:
            self.model = self.report = None
            self._show_numbers()
            self.table.value = ""
            self.message.value = "<i>Add a layer to see its costs.</i>"
            return True
        keras = _keras()
        try:
            model = keras.Sequential(
                [keras.Input(shape), *map(_make_layer, self.stack)], name="my_model"
            )
            from nncost.profiler import profile

            report = profile(model)
        except Exception as err:  # noqa: BLE001 — Keras explains what does not fit; show it
            self._fail(self._why(shape, err))
            return False
        self.model = model
        self._show(report)
        if self.stack[-1]["kind"] == "Dense" and len(model.layers[-1].input.shape) > 2:
            self.message.value = (
                "<i>This Dense layer acts on the last axis only (input "
                f"{formatting.shape(tuple(model.layers[-1].input.shape[1:]))}):"
                " add Flatten before it to connect every value.</i>"
            )
        return True


def builder(
    *, input_shape: str = "28, 28, 1", flops_per_second: float = 1e9, chart: bool = True
) -> Builder:
    """A "build your own network" explorer: stack layers and watch parameters, FLOPs and memory.

    Args:
        input_shape: the input without the batch axis, as text: ``"28, 28, 1"`` or ``"784"``.
        flops_per_second: the initial processor speed for the inference time (1e9 = 1 GFLOPS).
        chart: draw the per-layer chart under the numbers.
    """
    return Builder(input_shape=input_shape, flops_per_second=flops_per_second, chart=chart)
