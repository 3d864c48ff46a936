"""Command line: ``nncost summary model.keras`` / ``nncost demo`` (also ``python -m nncost``)."""

from __future__ import annotations

import argparse
import os
import sys


def _quiet_tensorflow() -> None:
    # TensorFlow logs to stderr at import; the CLI's output is the report alone.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="nncost", description="Parameters, memory, FLOPs and inference time of Keras models."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("summary", help="print the cost report of a saved model (.keras or .h5)")
    s.add_argument("path")
    d = sub.add_parser("demo", help="print the cost report of one of the course's models")
    d.add_argument("model", nargs="?", default="q3", help="q1 … q7 or exercise2 (default: q3)")
    for p in (s, d):
        p.add_argument("--seq-len", type=int, default=None, help="time steps for a None time axis")
        p.add_argument("--batch-size", type=int, default=1)
        p.add_argument("--explain", action="store_true", help="print the worked derivation too")
        p.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)

    _quiet_tensorflow()
    import nncost

    if args.command == "summary":
        if not os.path.exists(args.path):
            parser.error(f"no such file: {args.path}")
        import keras

        model = keras.saving.load_model(args.path, compile=False)
    else:
        from nncost import course

        if args.model not in course.MODELS:
            parser.error(f"unknown model {args.model!r}: choose one of {', '.join(course.MODELS)}")
        model = course.MODELS[args.model]()
    try:
        report = nncost.profile(model, seq_len=args.seq_len, batch_size=args.batch_size)
    except nncost.NNCostError as err:
        print(f"nncost: {err}", file=sys.stderr)
        return 2
    if args.json:
        print(report.to_json(indent=2))
        return 0
    print(report)
    if args.explain:
        print()
        print(report.explain())
    return 0


if __name__ == "__main__":
    sys.exit(main())
