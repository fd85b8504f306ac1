"""`xlgen human import FILES...`: returned rating files into the human tables.

Kept apart from xlgen.cli so that `xlgen --help` imports nothing heavy.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from xlgen.io import INPUT_ERRORS, error_line

DEFAULT_STUDY = "results/human/{task}"


def add_parser(commands) -> None:
    """Add `human` with its subcommand `import` to xlgen's subcommands."""
    human = commands.add_parser("human", help="human evaluation: import returned rating files",
                                description="Human evaluation (docs/human-evaluation.md).")
    sub = human.add_subparsers(dest="human_command", required=True, parser_class=type(human))
    imp = sub.add_parser(
        "import", help="check rating files and write the human tables",
        description="Check returned rating files (the rating page's CSV or JSON exports, filled CSV sheets) "
                    "against a study, join them with its hidden key and write results/tables/human_<task>.csv "
                    "(mean ratings with 95%% bootstrap intervals, Krippendorff's alpha) and "
                    "human_validity_<task>.csv (the automatic wrong-language verdict and main metric against the "
                    "ratings). A bad file: one line per problem naming the file and row, exit status 2, nothing "
                    "written.",
    )
    imp.add_argument("files", nargs="+", metavar="FILE", help="rating files (.csv, .json)")
    imp.add_argument("--study", default=None,
                     help="the study directory (default: results/human/<task>, the task read from the files)")
    imp.add_argument("--tables", default="results/tables", help="where the two tables go (default results/tables)")
    imp.add_argument("--joined", default=None, help="also write every rating joined with the key to this CSV file")
    imp.add_argument("--check", action="store_true", help="only check the files; write nothing")
    imp.add_argument("--bootstrap-samples", type=int, default=None,
                     help="resamples of the intervals (default: the study's, as the workflow's)")
    imp.add_argument("--seed", type=int, default=None, help="bootstrap seed (default: the study's)")


def _task_of(path: str) -> str | None:
    """The task a rating file names (a JSON export's `task`, a CSV's first `task` cell)."""
    import csv

    try:
        text = Path(path).read_text(encoding="utf-8-sig")
        if path.lower().endswith(".json"):
            task = json.loads(text).get("task")
        else:
            task = next(csv.DictReader(text.splitlines()), {}).get("task")
    except (OSError, ValueError, AttributeError, csv.Error):
        return None
    return task.strip() if isinstance(task, str) and task.strip() else None


def run(args, prog: str) -> int:
    # both import pandas (about a second): `xlgen --help` and the other commands skip it
    from xlgen.human.agreement import import_ratings, write_table
    from xlgen.human.ratings import RatingProblems, load_study

    prog = f"{prog} {args.human_command}"
    if args.bootstrap_samples is not None and args.bootstrap_samples < 0:
        print(f"{prog}: --bootstrap-samples must be >= 0", file=sys.stderr)
        return 2
    missing = [path for path in args.files if not Path(path).is_file()]
    for path in missing:
        print(f"{prog}: {path}: no such file", file=sys.stderr)
    if missing:
        return 2
    study_dir = args.study
    if study_dir is None:
        tasks = sorted({t for t in map(_task_of, args.files) if t})
        if len(tasks) != 1:
            print(f"{prog}: cannot tell the study from the files (tasks named: {tasks or 'none'}); "
                  "give --study results/human/<task>", file=sys.stderr)
            return 2
        study_dir = DEFAULT_STUDY.format(task=tasks[0])
    try:
        study = load_study(study_dir)
        samples = study["bootstrap_samples"] if args.bootstrap_samples is None else args.bootstrap_samples
        seed = study["bootstrap_seed"] if args.seed is None else args.seed
        joined, human, validity = import_ratings(args.files, study, samples, seed)
    except RatingProblems as err:
        for line in str(err).splitlines():
            print(f"{prog}: {line}", file=sys.stderr)
        return 2
    except INPUT_ERRORS as err:
        print(f"{prog}: {error_line(err)}", file=sys.stderr)
        return 2
    task = study["task"]
    label = "SIMULATED ratings" if joined["simulated"].all() else "ratings"
    print(f"{len(args.files)} files: {len(joined)} {label} of {joined['annotator'].nunique()} annotators, "
          f"{joined['output_id'].nunique()} outputs (study {study['study_id']})")
    if args.check:
        return 0
    tables = Path(args.tables)
    outputs = [(human, tables / f"human_{task}.csv"), (validity, tables / f"human_validity_{task}.csv")]
    if args.joined:
        outputs.append((joined, Path(args.joined)))
    for frame, path in outputs:
        write_table(frame, path)
        print(f"wrote {path}")
    overall = human[(human["system"] == "all") & (human["lang"] == "all")].iloc[0]
    alphas = ", ".join(f"{aspect} {overall[f'alpha_{aspect}']:.3f}" for aspect in ("language", "fluency", "adequacy"))
    print(f"Krippendorff's alpha ({int(overall['alpha_units'])} outputs with 2+ ratings): {alphas}")
    wrong = validity[(validity["analysis"] == "wrong_language") & (validity["lang"] == "all")
                     & (validity["human_wrong"] == "other")].iloc[0]
    print(f"automatic wrong-language verdict vs annotators (wrong = other language): precision "
          f"{wrong['precision']:.3f}, recall {wrong['recall']:.3f} over {int(wrong['n'])} outputs")
    return 0

