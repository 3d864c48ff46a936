"""The memory model: which activation tensors are alive at once in a forward pass.

* Inference peak = parameter bytes + the largest total of activation tensors alive
  at the same time. Ops run in graph order; when an op runs, its inputs, its
  outputs and every earlier tensor still waiting for a consumer are alive; a
  tensor is freed after its last consumer ran (model outputs are never freed).
  The input tensor counts. Every layer output is its own tensor (no in-place ops
  or views are assumed), float32 unless the convention says otherwise.
* Training keeps every layer output for backprop (see :class:`nncost.report.Memory`).
"""

from __future__ import annotations

import collections
import math

from nncost.errors import NNCostError
from nncost.graph import Graph

__all__ = ["elements", "peak_activations"]


def elements(shape: tuple, seq_len: int | None = None) -> int:
    """Values in a tensor of ``shape`` (no batch axis); a ``None`` axis takes ``seq_len``."""
    if any(d is None for d in shape):
        if seq_len is None:
            raise NNCostError(
                f"a tensor of shape {tuple(shape)} has an axis of unknown length; pass the "
                "sequence length, e.g. nncost.profile(model, seq_len=5), or give the model a "
                "fixed input shape."
            )
        shape = tuple(seq_len if d is None else d for d in shape)
    return math.prod(shape)


def peak_activations(
    graph: Graph, tensor_bytes: dict[int, int]
) -> tuple[int, str, tuple[tuple[str, int], ...]]:
    """(largest live activation bytes, the op running then, the live tensors then).

    Each live tensor is named after the op that produced it ("input" for a model input),
    with its bytes.
    """
    remaining = collections.Counter(t for op in graph.ops if not op.container for t in op.inputs)
    keep = set(graph.outputs)
    producer = {t: "input" for t in graph.inputs}
    live = {t: tensor_bytes[t] for t in graph.inputs}
    peak, peak_at, peak_live = sum(live.values()), "input", dict(live)
    for op in graph.ops:
        if op.container:
            continue
        for t in op.outputs:
            live[t] = tensor_bytes[t]
            producer[t] = op.name
        now = sum(live.values())
        if now > peak:
            peak, peak_at, peak_live = now, op.name, dict(live)
        for t in op.inputs:
            remaining[t] -= 1
            if remaining[t] == 0 and t not in keep:
                live.pop(t, None)
    return peak, peak_at, tuple((producer[t], b) for t, b in peak_live.items())
