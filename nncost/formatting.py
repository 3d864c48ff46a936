"""All string layout: text tables, HTML, the worked explanation. No arithmetic here
beyond unit conversion for display."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from nncost.formulas import KB

if TYPE_CHECKING:  # pragma: no cover
    from nncost.report import Report, TrainingMemory

UNITS_NOTE = "1 KB = 1024 bytes, 1 MB = 1024 KB, as the course defines them"

_COLUMNS = ("Layer (type)", "Output Shape", "Param #", "MACs", "FLOPs", "Act. bytes")
_WIDTHS = (34, 20, 12, 14, 16, 14)


def count(n: int) -> str:
    """``1234567`` → ``'1,234,567'``."""
    return f"{n:,}"


def size(n_bytes: int) -> str:
    """Bytes with the course's binary units, always naming the exact byte count.

    >>> size(264)
    '264 bytes (0.26 KB)'
    >>> size(3_613_600)
    '3,613,600 bytes (3.45 MB)'
    """
    if n_bytes < KB:
        return f"{n_bytes:,} bytes ({n_bytes / KB:.2f} KB)"
    for unit, scale in (("GB", KB**3), ("MB", KB**2), ("KB", KB)):
        if n_bytes >= scale:
            return f"{n_bytes:,} bytes ({n_bytes / scale:.2f} {unit})"
    raise AssertionError("unreachable")


def seconds(s: float) -> str:
    return f"{s:.3g} s"


def shape(shape_: tuple) -> str:
    return (
        "("
        + ", ".join("None" if d is None else str(d) for d in shape_)
        + ("," if len(shape_) == 1 else "")
        + ")"
    )


def _row(cells) -> str:
    first, *rest = cells
    out = (
        f"{first:<{_WIDTHS[0]}.{_WIDTHS[0]}}"
        if len(first) > _WIDTHS[0]
        else f"{first:<{_WIDTHS[0]}}"
    )
    out += f"{rest[0]:<{_WIDTHS[1]}}"
    out += "".join(f"{c:>{w}}" for c, w in zip(rest[1:], _WIDTHS[2:]))
    return out.rstrip()


def _layer_cells(layer) -> tuple[str, ...]:
    indent = "  " * layer.depth
    name = f"{indent}{layer.name} ({layer.kind})"
    flops = count(layer.flops) if layer.counted else "?"
    return (
        name,
        shape(layer.output_shape),
        count(layer.params),
        count(layer.macs),
        flops,
        count(layer.activation_bytes),
    )


def summary_lines(report: Report) -> list[str]:
    tf = report.inference_time(1e9)
    lines = [
        (
            f"Total params: {count(report.params)} (trainable {count(report.trainable_params)}, "
            f"non-trainable {count(report.non_trainable_params)})"
        ),
        f"MACs: {count(report.macs)}",
        f"FLOPs: {count(report.flops)} (one inference, one sample)",
        (
            f"Model size: {size(report.model_size_bytes)} = params × "
            f"{report.convention.bytes_per_param} bytes"
        ),
        f"Inference time at 1 GFLOPS: {seconds(tf)}",
        (
            f"Peak inference memory (batch {report.batch_size}): "
            f"{size(report.memory.inference_peak_bytes)} = params + "
            f"{count(report.memory.peak_activation_bytes)} bytes of live activations "
            f"(at {report.memory.peak_at})"
        ),
    ]
    if report.uncounted:
        names = ", ".join(layer.name for layer in report.uncounted)
        lines.append(f"Uncounted (no FLOPs rule, shown as ?): {names}")
    lines.append(f"Units: {UNITS_NOTE}.")
    return lines


def _settings(report: Report) -> str:
    return f"convention: {report.convention.name}; batch size {report.batch_size}" + (
        f"; seq_len {report.seq_len}" if report.seq_len else ""
    )


def report_text(report: Report) -> str:
    width = sum(_WIDTHS)
    head = f'Model: "{report.model_name}"  ({_settings(report)})'
    lines = [head, "=" * width, _row(_COLUMNS), "=" * width]
    lines += [_row(_layer_cells(layer)) for layer in report.layers]
    lines += ["=" * width, *summary_lines(report), "=" * width]
    return "\n".join(lines)


def report_html(report: Report) -> str:
    esc = html.escape
    head = "".join(f"<th>{esc(c)}</th>" for c in _COLUMNS)
    rows = []
    for layer in report.layers:
        cells = _layer_cells(layer)
        pad = f"padding-left:{1 + 1.5 * layer.depth}em"
        tds = [
            f'<td style="text-align:left;{pad}">{esc(cells[0].strip())}</td>',
            f'<td style="text-align:left">{esc(cells[1])}</td>',
        ]
        tds += [f"<td>{esc(c)}</td>" for c in cells[2:]]
        rows.append("<tr>" + "".join(tds) + "</tr>")
    summary = "<br>".join(esc(line) for line in summary_lines(report))
    return (
        f'<div class="nncost-report"><b>Model: {esc(report.model_name)}</b> '
        f"({esc(_settings(report))})"
        f'<table style="font-family:monospace;border-collapse:collapse">'
        f"<style>.nncost-report td, .nncost-report th {{padding:2px 10px;text-align:right}}</style>"
        f"<thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table><p>{summary}</p></div>"
    )


def explain_text(report: Report) -> str:
    lines = [f"Worked costs of {report.model_name} (convention: {report.convention.name})", ""]
    for layer in report.layers:
        indent = "  " * layer.depth
        params = (
            f"params = {layer.params_formula}"
            if layer.params_formula
            else f"params = {layer.params}"
        )
        if layer.counted:
            flops = (
                f"FLOPs = {layer.flops_formula}"
                if layer.flops_formula
                else f"FLOPs = {layer.flops}"
            )
        else:
            flops = "FLOPs = ? (no rule for this layer; not included in the total)"
        line = f"{indent}{layer.name}: {params}; {flops}"
        if layer.note:
            line += f"  [{layer.note}]"
        lines.append(line)
    top = [layer for layer in report.layers if layer.depth == 0]
    lines += [
        "",
        "total params = " + " + ".join(str(layer.params) for layer in top) + f" = {report.params}",
        "total FLOPs = " + " + ".join(str(layer.flops) for layer in top) + f" = {report.flops}",
        (
            f"model size = {report.params} × {report.convention.bytes_per_param} bytes = "
            f"{report.model_size_bytes} bytes = {report.model_size_bytes} / 1024 KB = "
            f"{report.model_size_bytes / KB:.4g} KB"
        ),
        f"inference time at 1 GFLOPS = {report.flops} / 1e9 = {report.inference_time(1e9):.4g} s",
        "",
        *memory_lines(report),
    ]
    return "\n".join(lines)


def memory_lines(report: Report) -> list[str]:
    """The memory derivation: live tensors at the peak, and what training keeps."""
    mem, conv = report.memory, report.convention
    live = " + ".join(f"{name} {b}" for name, b in mem.peak_tensors)
    per_value = f"{conv.bytes_per_activation} bytes per value"
    outputs = " + ".join(str(r.output_elements) for r in report.leaves)
    return [
        f"memory (batch {report.batch_size}, {per_value}):",
        (
            f"  live activations at the peak, while {mem.peak_at} runs: {live} = "
            f"{mem.peak_activation_bytes} bytes"
        ),
        (
            f"  inference peak = {report.params} × {conv.bytes_per_param} (parameters) + "
            f"{mem.peak_activation_bytes} = {mem.inference_peak_bytes} bytes"
        ),
        (
            f"  training keeps every layer output, per sample: ({outputs}) × "
            f"{conv.bytes_per_activation} = {mem.all_activations_bytes_per_sample} bytes, plus the "
            f"input {mem.input_bytes_per_sample} bytes; see memory.training(batch_size, optimizer)"
        ),
    ]


def training_memory_text(tm: TrainingMemory) -> str:
    parts = [
        ("parameters", tm.params_bytes),
        ("gradients", tm.gradients_bytes),
        (f"optimizer state ({tm.optimizer})", tm.optimizer_bytes),
        (f"activations kept for backprop (batch {tm.batch_size})", tm.activations_bytes),
        (f"input batch ({tm.batch_size})", tm.input_bytes),
        ("total", tm.total_bytes),
    ]
    return "\n".join(f"{label:<48}{size(value):>36}" for label, value in parts)
