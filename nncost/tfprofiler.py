"""TensorFlow's own FLOP count (``tf.compat.v1.profiler``, float_operation), for
cross-checks and benchmarks. Imports TensorFlow when called.

The model is traced for one sample, its variables frozen to constants, and the
profiler's registered ``flops`` statistics summed over the graph's ops.
"""

from __future__ import annotations

import collections

__all__ = ["tf_profiler_flops"]


def _frozen_graph(model):
    import tensorflow as tf
    from tensorflow.python.framework.convert_to_constants import (
        convert_variables_to_constants_v2,
    )

    spec = [tf.TensorSpec([1, *i.shape[1:]], i.dtype) for i in model.inputs]

    @tf.function
    def forward(*x):
        return model(list(x) if len(x) > 1 else x[0], training=False)

    return convert_variables_to_constants_v2(forward.get_concrete_function(*spec)).graph


def tf_profiler_flops(model, *, by_op_type: bool = False):
    """Total float operations TensorFlow's profiler counts for one inference of one sample.

    With ``by_op_type=True`` returns ``(total, {op_type: flops})`` instead.
    """
    import tensorflow as tf
    from tensorflow.python.framework import ops as tf_ops

    graph = _frozen_graph(model)
    opts = tf.compat.v1.profiler.ProfileOptionBuilder.float_operation()
    opts["output"] = "none"
    total = tf.compat.v1.profiler.profile(
        graph=graph, run_meta=tf.compat.v1.RunMetadata(), cmd="op", options=opts
    ).total_float_ops
    if not by_op_type:
        return total
    parts: dict[str, int] = collections.Counter()
    for op in graph.get_operations():
        try:
            stats = tf_ops.get_stats_for_node_def(graph, op.node_def, "flops")
        except ValueError:  # no flops statistic registered for this op type
            continue
        if stats.value:
            parts[op.type] += int(stats.value)
    return total, dict(parts)
