"""Time of a dry run of the real study's DAG: `snakemake -n -q --configfile config/paper.yaml`,
and of the extended study (`--configfile config/paper.yaml config/paper-extended.yaml`:
MLQA, TyDi QA GoldP and WikiLingua beside XL-Sum and XQuAD), in the same run.

Issue 8 budget: at most 20 s. Each command runs in a fresh process (offline:
HF_HUB_OFFLINE=1, HF_DATASETS_OFFLINE=1) against an empty working directory, so every job
of the study is planned; best of `--repeats`, the commands interleaved. For scale, the same
run also times Snakemake's own start-up (`snakemake --version`: the floor any dry run pays)
and the dry run that lists every job (`-n` without `-q`), whose job stats give the job count.

    .venv/bin/python benchmarks/dag_dry_run.py            # ~2 min: both studies
    .venv/bin/python benchmarks/dag_dry_run.py --quick    # one round, demo config
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUDGET_S = 20.0


def snakemake() -> list[str]:
    script = Path(sys.executable).with_name("snakemake")
    return [str(script)] if script.exists() else [sys.executable, "-m", "snakemake"]


def timed(command: list[str], env: dict) -> tuple[float, str]:
    started = time.perf_counter()
    proc = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT)
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{proc.stderr[-3000:]}")
    return seconds, proc.stdout


def job_count(listing: str) -> tuple[int, int]:
    """(total jobs, rules) from the 'Job stats' table of `snakemake -n`."""
    stats = listing.split("Job stats:")[1].split("Reasons:")[0]
    counts = {m[1]: int(m[2]) for m in re.finditer(r"^(\w+)\s+(\d+)$", stats, re.M)}
    return counts.pop("total"), len(counts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--configfile", nargs="+", default=None,
                        help="config files of one study (default: the paper's, then the extended one)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="one round on the demo config (smoke test)")
    args = parser.parse_args(argv)
    if args.quick:
        studies, args.repeats = [["config/config.yaml"]], 1
    elif args.configfile:
        studies = [args.configfile]
    else:
        studies = [["config/paper.yaml"], ["config/paper.yaml", "config/paper-extended.yaml"]]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
    print(f"{os.cpu_count()} CPU cores, Python {sys.version.split()[0]}; empty working directory; "
          f"best of {args.repeats}")
    over = False
    dry_runs = []
    for files in studies:
        best: dict[str, float] = {}
        jobs = rules = 0
        with tempfile.TemporaryDirectory() as tmp:
            base = [*snakemake(), "--snakefile", str(ROOT / "Snakefile"), "--directory", tmp,
                    "--configfile", *(str(ROOT / f) for f in files)]
            commands = {
                "snakemake --version (start-up)": [*snakemake(), "--version"],
                "snakemake -n -q": [*base, "-n", "-q"],
                "snakemake -n (lists every job)": [*base, "-n"],
            }
            for _ in range(args.repeats):
                for name, command in commands.items():
                    seconds, out = timed(command, env)
                    best[name] = min(best.get(name, seconds), seconds)
                    if name.startswith("snakemake -n (") and not jobs:
                        jobs, rules = job_count(out)
        print(f"\n--configfile {' '.join(files)}")
        print(f"DAG: {jobs} jobs of {rules} rules")
        for name, seconds in best.items():
            print(f"{name:<34} {seconds:>6.2f} s")
        dry = best["snakemake -n -q"]
        dry_runs.append((jobs, dry))
        print(f"dry run {dry:.1f} s ({1000 * dry / max(jobs, 1):.1f} ms a job): {dry / BUDGET_S:.0%} of the "
              f"{BUDGET_S:.0f} s budget" + (" (OVER BUDGET)" if dry > BUDGET_S else ""))
        over |= dry > BUDGET_S
    if len(dry_runs) == 2:
        (jobs_a, dry_a), (jobs_b, dry_b) = dry_runs
        print(f"\nextended / paper: {jobs_b / jobs_a:.2f}x the jobs in {dry_b / dry_a:.2f}x the time")
    return 1 if over and not args.quick else 0


if __name__ == "__main__":
    sys.exit(main())
