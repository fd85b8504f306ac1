"""The `xlgen` command line.

Bad input ends a command with exit status 2 and one line on stderr naming the culprit
(`xlgen <command>: <file>:<line>: <problem>`, or the option); nothing is written.
"""

from __future__ import annotations

import argparse
import json
import sys

TASKS = ("summarization", "qa")


def _language(code: str) -> str:
    """argparse type of --lang: a code of xlgen.languages, else a one-line usage error."""
    from xlgen.languages import LANGUAGES

    if code not in LANGUAGES:
        raise argparse.ArgumentTypeError(f"unknown language {code!r} (known: {', '.join(sorted(LANGUAGES))})")
    return code


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (argparse prints the usage text first)."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="xlgen", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    score = commands.add_parser("score", help="print every metric of a generation file as JSON")
    score.add_argument("--task", required=True, choices=TASKS)
    score.add_argument("--lang", required=True, type=_language, help="language of the inputs (e.g. ru)")
    score.add_argument("--predictions", required=True, help="JSONL of {id, lang, prediction, reference}")
    score.add_argument("--references", default=None,
                       help="task record file (JSONL, `xlgen check-data` schema) to score against, matched "
                            "by id; the predictions then need only {id, prediction}")
    score.add_argument("--langid-mode", default="langdetect", choices=["langdetect", "script+langdetect"])
    score.add_argument("--min-chars", type=int, default=None, help="letters below which output is undetermined")
    score.add_argument("--bootstrap-samples", type=int, default=1000,
                       help="resamples for the 95%% intervals <metric>_ci_low/_ci_high (0: none; default 1000)")
    score.add_argument("--seed", type=int, default=0,
                       help="bootstrap seed (default 0; the pipeline uses the config's `seed`)")
    score.add_argument("--workers", type=int, default=None,
                       help="processes to score in (default: every available core; 1: serial); "
                            "the result is the same for any number")
    check = commands.add_parser(
        "check-data", help="check task record files with the workflow's checks",
        description="Check task record files (JSONL) as the workflow reads them: UTF-8 JSON objects, "
                    "every field of the task, non-empty texts and answers, unique ids, known languages. "
                    "Prints `ok: N records` per file, or one line naming the file, line and field.",
    )
    check.add_argument("--task", required=True, choices=TASKS)
    check.add_argument("--lang", type=_language, default=None, help="every record's `lang` must be this")
    check.add_argument("files", nargs="+", metavar="FILE")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    prog = f"xlgen {args.command}"
    if args.command == "check-data":
        from xlgen.io import INPUT_ERRORS, error_line
        from xlgen.tasks import read_records

        for path in args.files:
            try:
                records = read_records(args.task, path, args.lang)
            except INPUT_ERRORS as err:
                print(f"{prog}: {error_line(err)}", file=sys.stderr)
                return 2
            print(f"{path}: ok: {len(records)} records")
        return 0

    if args.bootstrap_samples < 0:
        parser.error("--bootstrap-samples must be >= 0")
    if args.workers is not None and args.workers < 1:
        parser.error("--workers must be >= 1")
    from xlgen.evaluation import score_with_intervals
    from xlgen.io import INPUT_ERRORS, error_line
    from xlgen.metrics import DEFAULT_MIN_CHARS
    from xlgen.metrics.score import available_cores

    try:
        result, _ = score_with_intervals(
            args.task, args.lang, args.predictions, langid_mode=args.langid_mode,
            min_chars=DEFAULT_MIN_CHARS if args.min_chars is None else args.min_chars,
            bootstrap_samples=args.bootstrap_samples, seed=args.seed, references_path=args.references,
            workers=args.workers or available_cores(),
        )
    except INPUT_ERRORS as err:
        print(f"{prog}: {error_line(err)}", file=sys.stderr)
        return 2
    print(json.dumps(result, ensure_ascii=False, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
