"""The `xlgen` command line.

Bad input ends a command with exit status 2 and one line on stderr naming the culprit
(`xlgen <command>: <file>:<line>: <problem>`, or the option); nothing is written.
"""

from __future__ import annotations

import argparse
import json
import sys

from xlgen.calibration import calibrate, format_table, passes
from xlgen.human.cli import add_parser as add_human_parser
from xlgen.human.cli import run as run_human
from xlgen.io import INPUT_ERRORS, InputError, error_line, write_text
from xlgen.languages import LANGUAGES, describe_language
from xlgen.metrics.langid import MODES as LANGID_MODES
from xlgen.scoring import available_cores
from xlgen.tasks import ALIASES, KINDS, read_records

TASKS = (*KINDS, *ALIASES)  # task kinds (xlgen.tasks), and `qa` for extractive_qa


def _language(code: str) -> str:
    """argparse type of --lang: an ISO 639-1 code (xlgen.languages.describe_language),
    else a one-line usage error."""
    try:
        describe_language(code)
    except InputError as err:
        raise argparse.ArgumentTypeError(str(err)) from None
    return code


def _registry_language(code: str) -> str:
    """argparse type of check-data's --lang: a language of the workflow's registry."""
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
    score.add_argument("--task", required=True, choices=TASKS, help="task kind (qa: extractive_qa)")
    score.add_argument("--flavour", default=None,
                       help="a dataset's metric flavour scored beside the kind's metrics (mlqa: MLQA's "
                            "official EM/F1)")
    score.add_argument("--lang", required=True, type=_language,
                       help="target language, any ISO 639-1 code (e.g. ru, ka)")
    score.add_argument("--predictions", required=True,
                       help="JSONL of {id, lang, prediction, reference[, input]} (input: the target-language "
                            "text the prediction was made from, for the language judge's span rule)")
    score.add_argument("--references", default=None,
                       help="task record file (JSONL, `xlgen check-data` schema) to score against, matched "
                            "by id; the predictions then need only {id, prediction}")
    score.add_argument("--langid-mode", default=None, choices=LANGID_MODES,
                       help="the wrong-language judge (default: the pipeline's, fasttext)")
    score.add_argument("--min-chars", type=int, default=None,
                       help="Latin-letter equivalents from which lid.176 decides without a margin "
                            "(default: the pipeline's, 20)")
    score.add_argument("--bootstrap-samples", type=int, default=1000,
                       help="resamples for the 95%% intervals <metric>_ci_low/_ci_high (0: none; default 1000)")
    score.add_argument("--seed", type=int, default=0,
                       help="bootstrap seed (default 0, as the evaluate rule's `evaluate.bootstrap_seed`)")
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
    check.add_argument("--lang", type=_registry_language, default=None, help="every record's `lang` must be this")
    check.add_argument("files", nargs="+", metavar="FILE")
    calibrate = commands.add_parser(
        "calibrate-langid", help="measure the wrong-language judge on real parallel text",
        description="Judge real text with the pipeline's wrong-language judge and print, per language: "
                    "the share of gold answers and gold context sentences called wrong (false alarms), "
                    "and of English answers (not a span of the target context) and English sentences of "
                    "the same ids called wrong (detection), each with the share judged. Input: SQuAD "
                    "v1.1-format JSON files (XQuAD, MLQA, ...) with the same question ids.",
    )
    calibrate.add_argument("--english", required=True, help="the English SQuAD-format file")
    calibrate.add_argument("targets", nargs="+", metavar="LANG=FILE",
                           help="target language and its SQuAD-format file, e.g. de=xquad.de.json")
    calibrate.add_argument("--csv", default=None, help="also write the table to this CSV file")
    docs = commands.add_parser("config-docs", help="print config/README.md: every config key, from the schema")
    docs.add_argument("--schema", default="config/schema.yaml", help="the schema file (default: config/schema.yaml)")
    add_human_parser(commands)
    return parser


def _calibrate(args, prog: str) -> int:
    rows = []
    for spec in args.targets:
        lang, sep, path = spec.partition("=")
        try:
            if not sep or not path:
                raise InputError(f"{spec!r}: expected LANG=FILE, e.g. de=xquad.de.json")
            _language(lang)
            rows.append(calibrate(path, args.english, lang))
        except (*INPUT_ERRORS, argparse.ArgumentTypeError) as err:
            print(f"{prog}: {error_line(err)}", file=sys.stderr)
            return 2
    table = format_table(rows)
    print(table.to_string(index=False))
    if args.csv:
        write_text(args.csv, table.to_csv(index=False))
    misses = [f"{row['lang']}: {miss}" for row in rows for miss in passes(row)]
    for miss in misses:
        print(f"below the calibration thresholds: {miss}", file=sys.stderr)
    return 1 if misses else 0


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    prog = f"xlgen {args.command}"
    if args.command == "calibrate-langid":
        return _calibrate(args, prog)
    if args.command == "config-docs":
        from xlgen.config import schema_with_registries  # jsonschema: ~0.6 s that other commands need not pay
        from xlgen.schema_docs import render

        sys.stdout.write(render(schema_with_registries(args.schema)))
        return 0
    if args.command == "human":
        return run_human(args, prog)
    if args.command == "check-data":
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
    # xlgen.evaluation imports pandas (about a second): only `xlgen score` waits for it
    from xlgen.evaluation import langid_settings, score_with_intervals

    try:
        result, _ = score_with_intervals(
            args.task, args.lang, args.predictions,
            **langid_settings({k: v for k, v in (("langid_mode", args.langid_mode), ("min_chars", args.min_chars))
                               if v is not None}),
            bootstrap_samples=args.bootstrap_samples, seed=args.seed, references_path=args.references,
            workers=args.workers or available_cores(), flavour=args.flavour,
        )
    except INPUT_ERRORS as err:
        print(f"{prog}: {error_line(err)}", file=sys.stderr)
        return 2
    print(json.dumps(result, ensure_ascii=False, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
