"""Pictures of a model's cost (matplotlib): compare models, break one down by layer, draw a net.

Every function returns a :class:`matplotlib.figure.Figure` built without pyplot, so nothing is
shown unless you ask: in Jupyter, end a cell with the figure (it shows itself as a PNG), or call
``fig.savefig(path)``.
matplotlib is imported when a function is called, never by ``import nncost``.

Bar heights are the report's numbers in base units (counts, bytes, FLOPs, seconds); the value
labels use the course's units (1 KB = 1024 bytes).
"""

from __future__ import annotations

import dataclasses
import functools
import io
import math
from collections.abc import Mapping, Sequence

from nncost.errors import NNCostError
from nncost.formulas import KB

__all__ = ["as_report", "compare", "layers", "network", "roofline"]

#: ratio of largest to smallest value above which a panel switches to a log scale
LOG_SPAN = 100

_METRICS = {  # key → (panel title, how to read it off a report, label formatter name)
    "params": ("Parameters (count)", lambda r, fps: r.params, "count"),
    "model_size_bytes": (
        "Model size (bytes, 1 KB = 1024 B)",
        lambda r, fps: r.model_size_bytes,
        "bytes",
    ),
    "flops": ("FLOPs (one inference, one sample)", lambda r, fps: r.flops, "count"),
    "inference_time": (
        "Inference time (s at {speed})",
        lambda r, fps: r.inference_time(fps),
        "seconds",
    ),
}

_LAYER_METRICS = {  # key → (panel title, LayerCost attribute)
    "params": ("Parameters", "params"),
    "flops": ("FLOPs (one sample)", "flops"),
    "activation_bytes": ("Activation memory (output bytes)", "activation_bytes"),
}


# --------------------------------------------------------------------------- labels
def short_count(n: float) -> str:
    """``121`` → ``'121'``, ``121930`` → ``'122k'``, ``5113532`` → ``'5.11M'`` (powers of 1000)."""
    if abs(n) < 10_000:
        return f"{n:,.0f}"
    for unit, scale in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(n) >= scale:
            return f"{n / scale:.3g}{unit}"
    raise AssertionError("unreachable")


def short_bytes(n: float) -> str:
    """Bytes in the course's binary units: ``264`` → ``'264 B'``, ``487720`` → ``'476 KB'``."""
    for unit, scale in (("GB", KB**3), ("MB", KB**2), ("KB", KB)):
        if abs(n) >= scale:
            return f"{n / scale:.3g} {unit}"
    return f"{n:,.0f} B"


def short_seconds(s: float) -> str:
    """``1.21e-07`` → ``'121 ns'``, ``0.0051`` → ``'5.1 ms'``."""
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if abs(s) >= scale:
            return f"{s / scale:.3g} {unit}"
    return f"{s / 1e-9:.3g} ns"


_FORMATTERS = {"count": short_count, "bytes": short_bytes, "seconds": short_seconds}


def short_speed(flops_per_second: float) -> str:
    """``1e9`` → ``'1 GFLOPS'``."""
    for unit, scale in (("PFLOPS", 1e15), ("TFLOPS", 1e12), ("GFLOPS", 1e9), ("MFLOPS", 1e6)):
        if flops_per_second >= scale:
            return f"{flops_per_second / scale:.3g} {unit}"
    return f"{flops_per_second:.3g} FLOPS"


# --------------------------------------------------------------------------- helpers
def as_report(model_or_report, *, seq_len: int | None = None):
    """A :class:`~nncost.Report`, profiling a Keras model if that is what was given."""
    from nncost.report import Report

    if isinstance(model_or_report, Report):
        return model_or_report
    if not hasattr(model_or_report, "layers"):
        raise NNCostError(
            "expected a built Keras model or an nncost Report, got "
            f"{type(model_or_report).__name__}: "
            "pass the model itself (or nncost.profile(model))."
        )
    from nncost.profiler import profile

    return profile(model_or_report, seq_len=seq_len)


@functools.cache
def _figure_class():
    from matplotlib.figure import Figure

    class CostFigure(Figure):
        """A Figure that Jupyter shows as a PNG when a cell ends with it (no pyplot involved)."""

        def _repr_png_(self) -> bytes:
            buf = io.BytesIO()
            self.savefig(buf, format="png")
            return buf.getvalue()

    return CostFigure


def _figure(figsize):
    return _figure_class()(figsize=figsize, layout="constrained")


def _spans_orders(values: Sequence[float]) -> bool:
    positive = [v for v in values if v > 0]
    return len(positive) > 1 and max(positive) / min(positive) >= LOG_SPAN


# --------------------------------------------------------------------------- compare
def compare(
    models: Mapping,
    *,
    flops_per_second: float = 1e9,
    seq_len: int | None = None,
    metrics: Sequence[str] = tuple(_METRICS),
):
    """Bars of parameters, model size, FLOPs and inference time, one bar per model.

    Args:
        models: name → built Keras model or :class:`~nncost.Report`,
            e.g. ``{"Q1": q1(), "Q2": q2()}``.
        flops_per_second: processor speed for the inference time (1e9 = 1 GFLOPS).
        seq_len: time steps for recurrent models whose time axis is ``None``.
        metrics: which panels, from ``params``, ``model_size_bytes``, ``flops``, ``inference_time``.

    One panel per metric (their units differ); a panel is drawn on a log scale when its values
    span two orders of magnitude or more. Bar heights are in base units (count, bytes, FLOPs,
    seconds); the label on each bar gives the value in readable units.
    """
    if not isinstance(models, Mapping) or not models:
        raise NNCostError(
            "compare() takes a dict of name → model (or Report), e.g. "
            "compare({'Q1': q1(), 'Q2': q2()})."
        )
    unknown = [m for m in metrics if m not in _METRICS]
    if unknown:
        raise NNCostError(f"unknown metric(s) {unknown}: choose from {list(_METRICS)}.")
    reports = {str(name): as_report(m, seq_len=seq_len) for name, m in models.items()}
    names = list(reports)
    many = len(names) > 4  # then a 2-column grid, so each bar keeps room for its label
    ncols = min(2, len(metrics)) if many else len(metrics)
    nrows = -(-len(metrics) // ncols)
    panel_width = max(3.2, 0.6 * len(names) + 1) if many else 3.2
    fig = _figure((panel_width * ncols + 0.5, 3.6 * nrows))
    axes = list(fig.subplots(nrows, ncols, squeeze=False).flat)
    for extra in axes[len(metrics) :]:
        extra.remove()
    colors = [f"C{i % 10}" for i in range(len(names))]
    for ax, key in zip(axes, metrics):
        title, read, fmt = _METRICS[key]
        values = [read(r, flops_per_second) for r in reports.values()]
        bars = ax.bar(names, values, color=colors)
        ax.bar_label(
            bars, labels=[_FORMATTERS[fmt](v) for v in values], padding=2, fontsize=8 if many else 9
        )
        ax.set_title(title.format(speed=short_speed(flops_per_second)), fontsize=10)
        if _spans_orders(values):
            ax.set_yscale("log")
            ax.set_ylim(top=max(values) * 10)
            if fmt == "bytes":  # ticks at 1 B, 1 KB, 1 MB… rather than at powers of ten
                ax.yaxis.set_major_locator(_log_locator(1024))
            ax.text(
                0.02, 0.98, "log scale", transform=ax.transAxes, va="top", fontsize=8, color="0.4"
            )
        else:
            ax.set_ylim(0, max(max(values), 1e-30) * 1.18)
        ax.tick_params(axis="x", labelrotation=30 if len(names) > 3 else 0)
        ax.yaxis.set_major_formatter(_tick_formatter(fmt))
    fig.suptitle("Cost of " + ", ".join(names), fontsize=11)
    return fig


def _log_locator(base: int):
    from matplotlib.ticker import LogLocator

    return LogLocator(base=base)


def _binary_locator(largest: float):
    """Ticks at round numbers of B, KB or MB (1 KB = 1024 B): 0, 2 MB, 4 MB… not 1.91 MB."""
    from matplotlib.ticker import MultipleLocator

    unit = next((u for u in (KB**3, KB**2, KB) if largest >= u), 1)
    step = next(n for n in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000) if largest / (n * unit) <= 5)
    return MultipleLocator(step * unit)


def _tick_formatter(fmt: str):
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda v, _pos: _FORMATTERS[fmt](v) if v > 0 else "0")


# --------------------------------------------------------------------------- layers
def layers(
    model_or_report,
    *,
    metrics: Sequence[str] = tuple(_LAYER_METRICS),
    seq_len: int | None = None,
    figsize=None,
):
    """Per-layer parameters, FLOPs and activation memory, the largest bar of each panel in red.

    Args:
        model_or_report: a built Keras model or a :class:`~nncost.Report`.
        metrics: panels to draw, from ``params``, ``flops``, ``activation_bytes``.
        seq_len: time steps for recurrent layers whose time axis is ``None``.

    One horizontal bar per layer (top to bottom in model order), labelled with its value and
    its share of the panel's total. FLOPs of a layer nncost has no rule for are shown as ``?``.
    Activation memory is each layer's output tensor for the profiled batch size.
    """
    unknown = [m for m in metrics if m not in _LAYER_METRICS]
    if unknown:
        raise NNCostError(f"unknown metric(s) {unknown}: choose from {list(_LAYER_METRICS)}.")
    report = as_report(model_or_report, seq_len=seq_len)
    rows = report.leaves
    if not rows:
        raise NNCostError("the model has no layers to break down: add layers to it first.")
    labels = [f"{r.name} ({r.kind})" for r in rows]
    height = max(2.4, 0.32 * len(rows) + 1.4)
    fig = _figure(figsize or (3.6 * len(metrics) + 1.8, height))
    axes = fig.subplots(1, len(metrics), sharey=True, squeeze=False)[0]
    positions = list(range(len(rows)))
    for i, (ax, key) in enumerate(zip(axes, metrics)):
        title, attr = _LAYER_METRICS[key]
        values = [getattr(r, attr) for r in rows]
        total = sum(values)
        top = max(values)
        colors = ["tab:red" if v == top and v > 0 else "tab:blue" for v in values]
        bars = ax.barh(positions, values, color=colors)
        fmt = short_bytes if key == "activation_bytes" else short_count
        texts = []
        for r, v in zip(rows, values):
            if key == "flops" and not r.counted:
                texts.append("?")
            else:
                texts.append(f"{fmt(v)} ({100 * v / total:.0f}%)" if total else fmt(v))
        ax.bar_label(bars, labels=texts, padding=2, fontsize=8)
        ax.set_xlim(0, max(top, 1) * 1.45)
        ax.set_title(f"{title}\ntotal {fmt(total)}", fontsize=10)
        if key == "activation_bytes":
            ax.xaxis.set_major_locator(_binary_locator(max(top, 1)))
        ax.xaxis.set_major_formatter(
            _tick_formatter("bytes" if key == "activation_bytes" else "count")
        )
        ax.tick_params(axis="x", labelsize=8)
        if i == 0:
            ax.set_yticks(positions, labels, fontsize=9)
            ax.invert_yaxis()
    fig.suptitle(f"Where the cost of {report.model_name} goes (largest layer in red)", fontsize=11)
    return fig


# --------------------------------------------------------------------------- network
def _dense_columns(model, report):
    """[(title lines, units, role)] for the input and each Dense layer of a dense-only chain."""
    import keras

    inputs = getattr(model, "inputs", None) or []
    layers_ = [x for x in model.layers if not isinstance(x, keras.layers.InputLayer)]
    shape = tuple(inputs[0].shape[1:]) if len(inputs) == 1 else ()
    flattened = len(shape) > 1 and bool(layers_) and isinstance(layers_[0], keras.layers.Flatten)
    if not shape or None in shape or (len(shape) > 1 and not flattened):
        raise NNCostError(
            "network() draws a dense network with one input of fixed size, flat (n,) or "
            "flattened first by a Flatten layer; this model's input is not: use "
            "nncost.plot.layers(model) to see its costs."
        )
    n_in = math.prod(shape)
    about = "×".join(map(str, shape)) + f" = {n_in} values" if flattened else f"{n_in} features"
    by_name = {r.name: r for r in report.leaves}
    columns = [(["input (flattened)" if flattened else "input", about], n_in, "input")]
    skip = (keras.layers.Dropout, keras.layers.Flatten) if flattened else (keras.layers.Dropout,)
    dense = []
    for layer in layers_:
        if isinstance(layer, skip):
            continue
        if not isinstance(layer, keras.layers.Dense):
            raise NNCostError(
                f"network() draws dense networks (Input → Dense → …); {layer.name} is a "
                f"{type(layer).__name__}: use nncost.plot.layers(model) for this model."
            )
        dense.append(layer)
    for i, layer in enumerate(dense, start=1):
        row = by_name.get(layer.name)
        act = getattr(layer.activation, "__name__", str(layer.activation))
        title = "output layer" if i == len(dense) else f"hidden layer {i}"
        units = f"{layer.units} unit{'s' if layer.units != 1 else ''}, {act}"
        cost = [f"{row.params:,} params", f"{row.flops:,} FLOPs"] if row else []
        columns.append(([title, units, *cost], layer.units, "dense"))
    if len(columns) < 2:
        raise NNCostError("the model has no Dense layer to draw: add one.")
    return columns


def _drawn_rows(n: int, max_neurons: int) -> tuple[list[float], bool]:
    """y positions of the circles drawn for a layer of n units (compressed when n > max)."""
    if n <= max_neurons:
        return [(n - 1) / 2 - j for j in range(n)], False
    half = max_neurons // 2
    top = [half + 0.5 - j for j in range(half)]  # leave one slot in the middle for "⋮"
    return top + [-y for y in reversed(top)], True


def network(model, *, max_neurons: int = 10, figsize=None):
    """The classic picture of a dense network: one circle per neuron, every connection drawn.

    Args:
        model: a built Keras model whose layers are Dense (Dropout is skipped), on a flat
            input or on one a first Flatten layer flattens (e.g. 28×28 images → 784 inputs).
        max_neurons: a layer wider than this is drawn compressed: its first and last
            ``max_neurons // 2`` neurons, a ``⋮`` and the label "… N units".

    Each column is labelled with the layer's name, size and activation, and its parameters and
    FLOPs under nncost's convention.
    """
    from matplotlib.collections import LineCollection
    from matplotlib.patches import Circle

    if max_neurons < 2:
        raise NNCostError(f"max_neurons must be at least 2, got {max_neurons}.")
    report = as_report(model)
    columns = _dense_columns(model, report)
    dx, radius = 3.0, 0.32
    layout = [_drawn_rows(units, max_neurons) for _, units, _ in columns]
    tallest = max(len(ys) + compressed for ys, compressed in layout)
    y_bottom = -tallest / 2 - 0.6
    x_span, y_span = dx * len(columns) + 0.4, tallest + 3.4
    fig = _figure(figsize or (0.75 * x_span + 0.3, 0.6 * y_span + 0.5))
    ax = fig.subplots()
    colors = {"input": "#9ecae1", "dense": "#fdd0a2", "output": "#a1d99b"}
    segments = []
    for i, (ys, _) in enumerate(layout[1:], start=1):
        for y0 in layout[i - 1][0]:
            segments += [((dx * (i - 1) + radius, y0), (dx * i - radius, y1)) for y1 in ys]
    alpha = max(0.08, min(0.6, 30 / max(len(segments), 1)))
    ax.add_collection(
        LineCollection(segments, colors="0.35", linewidths=0.7, alpha=alpha, zorder=1)
    )
    for i, ((title, units, role), (ys, compressed)) in enumerate(zip(columns, layout)):
        x = dx * i
        role = "output" if i == len(columns) - 1 else role
        for y in ys:
            ax.add_patch(
                Circle(
                    (x, y), radius, facecolor=colors[role], edgecolor="0.2", linewidth=1, zorder=2
                )
            )
        if compressed:
            ax.text(x, 0, "⋮", ha="center", va="center", fontsize=16, zorder=3)
            ax.text(
                x + radius + 0.15,
                0,
                f"… {units:,} units",
                ha="left",
                va="center",
                fontsize=8,
                color="0.25",
                zorder=3,
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 1},
            )
        ax.text(x, y_bottom, "\n".join(t for t in title if t), ha="center", va="top", fontsize=9)
    ax.set_xlim(-dx / 2, dx * (len(columns) - 1) + dx / 2 + 0.4)
    ax.set_ylim(y_bottom - 2.3, tallest / 2 + 0.5)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(
        f"{report.model_name}: {report.params:,} parameters, {report.flops:,} FLOPs", fontsize=11
    )
    return fig


# --------------------------------------------------------------------------- roofline
def roofline(
    models,
    machine=None,
    *,
    batch_size: int = 1,
    seq_len: int | None = None,
    flops_per_second: float = 1e9,
):
    """The roofline of a machine, each model a point at its intensity and achieved FLOP/s.

    Args:
        models: name → built Keras model (timed here with :func:`nncost.measure.measure`) or
            :class:`~nncost.measure.Measurement`; or a list of Measurements.
        machine: a :class:`~nncost.measure.Machine`; ``None`` measures this computer
            (:func:`nncost.measure.machine`).
        batch_size, seq_len: how the models given as Keras models are timed.
        flops_per_second: the course's assumed speed, drawn as a dashed line (1e9 = 1 GFLOPS).

    Log-log axes: x is the arithmetic intensity (FLOPs per byte moved, as
    :func:`nncost.measure.bytes_moved` counts bytes), y is FLOP/s. The roof is
    ``min(peak, intensity × bandwidth)``; the dotted line marks the ridge point
    ``peak / bandwidth``, left of which a model is memory-bound.
    """
    from nncost import measure

    if isinstance(models, Mapping):
        points = [
            dataclasses.replace(
                m
                if isinstance(m, measure.Measurement)
                else measure.measure(
                    m, batch_size=batch_size, seq_len=seq_len, flops_per_second=flops_per_second
                ),
                name=str(name),
            )
            for name, m in models.items()
        ]
    else:
        points = list(models) if isinstance(models, (list, tuple)) else []
    if not points or not all(isinstance(p, measure.Measurement) for p in points):
        raise NNCostError(
            "roofline() takes a dict of name → model (or Measurement), e.g. "
            "roofline({'Q1': q1(), 'Q3': q3()})."
        )
    machine = machine or measure.machine()
    ridge = machine.ridge
    xs = [p.intensity for p in points] + [ridge]
    lo, hi = min(xs) / 10, max(xs) * 10
    fig = _figure((6.4, 4.6))
    ax = fig.subplots()
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.plot(
        [lo, ridge, hi],
        [lo * machine.bandwidth, machine.peak_flops, machine.peak_flops],
        color="0.15",
        linewidth=2,
        label="roofline: min(peak, intensity × bandwidth)",
    )
    ax.axvline(
        ridge, color="0.5", linestyle=":", linewidth=1, label=f"ridge: {ridge:.3g} FLOPs/byte"
    )
    ax.axhline(
        flops_per_second,
        color="tab:green",
        linestyle="--",
        linewidth=1,
        label=f"course's estimate: {short_speed(flops_per_second)}",
    )
    for i, p in enumerate(points):
        ax.scatter(
            [p.intensity],
            [p.achieved],
            color=f"C{i % 10}",
            zorder=3,
            s=36,
            label=f"{p.name}: {short_speed(p.achieved)} achieved",
        )
        ax.annotate(
            p.name, (p.intensity, p.achieved), textcoords="offset points", xytext=(6, 4), fontsize=9
        )
    ax.set_xlim(lo, hi)
    low = min([p.achieved for p in points] + [flops_per_second, lo * machine.bandwidth])
    ax.set_ylim(low / 3, machine.peak_flops * 3)
    ax.set_xlabel("arithmetic intensity (FLOPs per byte moved)")
    ax.set_ylabel("FLOP/s")
    ax.legend(fontsize=8, loc="lower right")
    ax.set_title(
        f"Roofline: peak {short_speed(machine.peak_flops)}, bandwidth "
        f"{machine.bandwidth / 1e9:.3g} GB/s (1 GB = 1e9 bytes)",
        fontsize=10,
    )
    return fig
