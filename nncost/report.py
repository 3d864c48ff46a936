"""The records a profile returns: one :class:`LayerCost` per layer, totals in :class:`Report`.

Numbers only, in base units (counts, bytes, FLOPs, seconds); all layout lives in
:mod:`nncost.formatting`.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from nncost import formatting, formulas
from nncost.conventions import Convention
from nncost.errors import check_batch_size

__all__ = ["LayerCost", "Memory", "Report", "TrainingMemory"]


@dataclasses.dataclass
class LayerCost:
    """Cost of one layer for one sample (batch size 1), except ``activation_bytes``.

    ``flops = flops_compute + flops_activation + flops_other``. ``counted`` is
    False when nncost has no FLOPs rule for the layer: its FLOPs are then 0 in
    the record but reported as unknown, never as a real 0.
    """

    name: str
    kind: str  #: the Keras class name
    output_shape: tuple  #: without the batch axis
    params: int = 0
    trainable_params: int = 0
    macs: int = 0
    flops_compute: int = 0  #: weight multiply-adds and the layer's own arithmetic
    flops_activation: int = 0  #: the activation function
    flops_other: int = 0  #: bias adds, element-wise gate products, merges
    output_elements: int = 0  #: values in the output, one sample
    activation_bytes: int = 0  #: output tensor bytes for the profiled batch size
    counted: bool = True
    depth: int = 0  #: nesting depth (0 = top-level layer of the model)
    #: a nested model: its numbers are the sums of the rows that follow it at depth + 1,
    #: and report totals skip it so nothing is counted twice.
    container: bool = False
    params_formula: str = ""  #: "5×5 + 5 = 30"
    flops_formula: str = ""  #: "2×5×5 + 5×1 (relu) = 55"
    note: str = ""

    @property
    def flops(self) -> int:
        return self.flops_compute + self.flops_activation + self.flops_other

    @property
    def non_trainable_params(self) -> int:
        return self.params - self.trainable_params

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["output_shape"] = list(self.output_shape)
        d["flops"] = self.flops
        return d


@dataclasses.dataclass(frozen=True)
class TrainingMemory:
    """Memory of one training step on a batch, in bytes.

    * ``params_bytes``: every parameter;
    * ``gradients_bytes``: one gradient per trainable parameter;
    * ``optimizer_bytes``: optimizer state (sgd 0, momentum 1×, adam 2× trainable params);
    * ``activations_bytes``: every layer output, kept for backprop, for the whole batch;
    * ``input_bytes``: the input batch.
    """

    batch_size: int
    optimizer: str
    params_bytes: int
    gradients_bytes: int
    optimizer_bytes: int
    activations_bytes: int
    input_bytes: int

    @property
    def total_bytes(self) -> int:
        return (
            self.params_bytes
            + self.gradients_bytes
            + self.optimizer_bytes
            + self.activations_bytes
            + self.input_bytes
        )

    def to_dict(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "total_bytes": self.total_bytes}

    def __str__(self) -> str:
        return formatting.training_memory_text(self)


@dataclasses.dataclass(frozen=True)
class Memory:
    """Memory model of a profiled network (see :mod:`nncost.memory`)."""

    params_bytes: int
    #: the largest total of activation tensors alive at once in one forward pass
    #: (for the profiled batch size): a layer's inputs, its output, and in a
    #: branching graph every tensor still waiting for a consumer.
    peak_activation_bytes: int
    #: the layer running when that peak is reached
    peak_at: str
    #: the tensors alive then: (producing layer, bytes), "input" for a model input
    peak_tensors: tuple
    #: all layer outputs for one sample (what training keeps for backprop)
    all_activations_bytes_per_sample: int
    input_bytes_per_sample: int
    trainable_params: int
    bytes_per_param: int
    optimizer_slots: dict

    @property
    def inference_peak_bytes(self) -> int:
        """Parameter bytes + peak live activation bytes of one forward pass."""
        return self.params_bytes + self.peak_activation_bytes

    def training(self, batch_size: int, optimizer: str = "sgd") -> TrainingMemory:
        """Memory to train on a batch of ``batch_size`` with ``optimizer`` (sgd, momentum, adam…)."""
        check_batch_size(batch_size)
        key = optimizer.lower()
        if key not in self.optimizer_slots:
            raise ValueError(
                f"unknown optimizer {optimizer!r}: use one of {sorted(self.optimizer_slots)}, "
                "or add it to the convention's optimizer_slots."
            )
        trainable_bytes = self.trainable_params * self.bytes_per_param
        return TrainingMemory(
            batch_size=batch_size,
            optimizer=key,
            params_bytes=self.params_bytes,
            gradients_bytes=trainable_bytes,
            optimizer_bytes=self.optimizer_slots[key] * trainable_bytes,
            activations_bytes=batch_size * self.all_activations_bytes_per_sample,
            input_bytes=batch_size * self.input_bytes_per_sample,
        )

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d.pop("optimizer_slots")
        d["inference_peak_bytes"] = self.inference_peak_bytes
        return d


@dataclasses.dataclass
class Report:
    """What :func:`nncost.profile` returns. ``print(report)`` shows the table.

    Totals are for one sample; ``batch_size`` scales only the memory figures.
    """

    model_name: str
    layers: list[LayerCost]
    params: int
    trainable_params: int
    convention: Convention
    memory: Memory
    batch_size: int = 1
    seq_len: int | None = None
    input_shapes: list = dataclasses.field(default_factory=list)

    # ---- totals
    @property
    def non_trainable_params(self) -> int:
        return self.params - self.trainable_params

    @property
    def leaves(self) -> list[LayerCost]:
        """Every row except nested-model summary rows: what the totals add up."""
        return [layer for layer in self.layers if not layer.container]

    @property
    def macs(self) -> int:
        return sum(layer.macs for layer in self.leaves)

    @property
    def flops(self) -> int:
        """FLOPs of one inference on one sample, over every counted layer."""
        return sum(layer.flops for layer in self.leaves)

    @property
    def uncounted(self) -> list[LayerCost]:
        """Layers nncost has no FLOPs rule for (their FLOPs are unknown, not 0)."""
        return [layer for layer in self.leaves if not layer.counted]

    @property
    def model_size_bytes(self) -> int:
        """params × bytes per parameter (the convention's; 4 for float32)."""
        return formulas.model_size_bytes(
            self.params, bytes_per_param=self.convention.bytes_per_param
        )

    def inference_time(self, flops_per_second: float = 1e9) -> float:
        """Seconds for one inference at ``flops_per_second`` (1e9 = 1 GFLOPS): FLOPs / FLOPS."""
        return formulas.inference_time(self.flops, flops_per_second)

    def explain(self) -> str:
        """The worked derivation, layer by layer: formula, numbers plugged in, result."""
        return formatting.explain_text(self)

    # ---- output
    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model_name,
            "convention": self.convention.name,
            "batch_size": self.batch_size,
            "seq_len": self.seq_len,
            "params": self.params,
            "trainable_params": self.trainable_params,
            "non_trainable_params": self.non_trainable_params,
            "macs": self.macs,
            "flops": self.flops,
            "model_size_bytes": self.model_size_bytes,
            "inference_time_s_at_1_gflops": self.inference_time(1e9),
            "memory": self.memory.to_dict(),
            "uncounted": [layer.name for layer in self.uncounted],
            "layers": [layer.to_dict() for layer in self.layers],
        }

    def to_json(self, **kwargs) -> str:
        return json.dumps(self.to_dict(), **kwargs)

    def __str__(self) -> str:
        return formatting.report_text(self)

    def __repr__(self) -> str:
        return formatting.report_text(self)

    def _repr_html_(self) -> str:
        return formatting.report_html(self)
