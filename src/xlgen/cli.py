"""The `xlgen` command line."""

from __future__ import annotations

import argparse
import json
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="xlgen", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    score = commands.add_parser("score", help="print every metric of a generation file as JSON")
    score.add_argument("--task", required=True, choices=["summarization", "qa"])
    score.add_argument("--lang", required=True, help="language of the inputs (e.g. ru)")
    score.add_argument("--predictions", required=True, help="JSONL of {id, lang, prediction, reference}")
    score.add_argument("--langid-mode", default="langdetect", choices=["langdetect", "script+langdetect"])
    score.add_argument("--min-chars", type=int, default=None, help="letters below which output is undetermined")
    score.add_argument("--bootstrap-samples", type=int, default=1000,
                       help="resamples for the 95%% intervals <metric>_ci_low/_ci_high (0: none; default 1000)")
    score.add_argument("--seed", type=int, default=0,
                       help="bootstrap seed (default 0; the pipeline uses the config's `seed`)")
    args = parser.parse_args(argv)

    from xlgen.evaluation import score_with_intervals
    from xlgen.metrics import DEFAULT_MIN_CHARS

    if args.bootstrap_samples < 0:
        parser.error("--bootstrap-samples must be >= 0")
    try:
        result, _ = score_with_intervals(
            args.task, args.lang, args.predictions, langid_mode=args.langid_mode,
            min_chars=DEFAULT_MIN_CHARS if args.min_chars is None else args.min_chars,
            bootstrap_samples=args.bootstrap_samples, seed=args.seed,
        )
    except (OSError, ValueError, KeyError) as err:
        print(f"xlgen score: {err}", file=sys.stderr)
        return 2
    print(json.dumps(result, ensure_ascii=False, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
