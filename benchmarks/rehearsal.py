"""The real-shape rehearsal (issue 24; `make rehearsal`): what each job of the study holds at
the size of config/paper.yaml and config/llm.yaml, measured on this machine's CPUs.

No real checkpoint or dataset can be downloaded here, but host memory, disk and CPU time
depend on shapes, not on values. So this script builds, in `rehearsal/` (its own Snakemake
working directory, never mixed with `results/`):

* random-initialised checkpoints of the real shapes, saved with `save_pretrained`: the three
  seq2seq backbones from their real `config.json` (google/mt5-base,
  facebook/mbart-large-50-many-to-many-mmt, facebook/nllb-200-distilled-600M; read from
  ../shared/fixtures/hf_configs/ where present, else only that file is fetched from the hub)
  and one decoder-only model of config/llm.yaml's kind, Qwen2.5-0.5B (494M parameters, its
  published config as benchmarks/gpu_throughput.py writes it out, saved in bf16 as published);
  each exactly the real parameter count (checked against xlgen.resources' count);
* a tokenizer for each, of the family's own class and special-token layout: the real
  sentencepiece vocabularies are not available offline, so a small one is trained on the
  rehearsal's text (its ids fit in the real embedding, which keeps its real size). Inputs are
  truncated to the study's real max lengths, and the articles are long enough that nearly
  every input fills them, so the tensors have the real shapes;
* a hub-shaped copy of XL-Sum (`csebuetnlp/xlsum`'s parquet layout, its columns): 50,000
  English training articles of the length distribution of BBC news (log-normal words, mean
  ~430; summaries mean ~23 words: XSum's BBC figures, Narayan et al. 2018), 500 dev, and small
  dev/test splits in Russian; the text is sentences of the demo world's generator.

Then it runs, through the study's own rules (`snakemake --directory rehearsal`, the configs
config/paper.yaml + config/rehearsal.yaml, and config/llm.yaml + config/rehearsal-llm.yaml for
the decoder-only model): download_dataset and prepare_data on the copy, `tokenize`, two
`finetune` steps of each method family (full, freeze, lora, prompt, adapter) per backbone at
batch 1 and the real lengths (a checkpoint saved after step 1), one `generate` batch per
language and split of the full run, and `evaluate`. Snakemake schedules the jobs by the
`mem_mb` the rules derive (xlgen.resources), within this machine's available memory, the full
runs' chain (finetune, generate, evaluate) first so that no lone generate job ends a group.
The checkpoints are built `--cores` at a time (one core each: building is single-threaded).

Every job that holds a backbone ends its log with a usage line (xlgen.io.job_usage): its
peak resident memory from getrusage's ru_maxrss (the kernel's exact high-water mark of the
job's process, not a polled sample: Snakemake's `benchmark:` polls and misses short peaks),
the bytes it wrote (/proc/self/io), its wall time, and the resources Snakemake gave it. This
script collects them with the seconds per training step (run.json) into one CSV table,
`rehearsal/rehearsal.csv`, and prints it. benchmarks/rehearsal-<date>.csv keeps the dated tables that
docs/cluster.md shows and tests/test_rehearsal.py checks the rules' requests against.

    make rehearsal                                     # ~22 min on 2 cores; ~30 GB of disk at its peak
    .venv/bin/python benchmarks/rehearsal.py --backbones mbart-large-50-rand --train-examples 2000 --methods full
"""

from __future__ import annotations

import argparse
import concurrent.futures
import csv
import datetime
import json
import math
import os
import platform
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT.parent / "shared" / "fixtures" / "hf_configs"
sys.path.insert(0, str(ROOT / "benchmarks"))

# catalog name (config/rehearsal.yaml) -> (hub id whose shape it has, family)
BACKBONES = {
    "mt5-base-rand": ("google/mt5-base", "mt5"),
    "mbart-large-50-rand": ("facebook/mbart-large-50-many-to-many-mmt", "mbart"),
    "nllb-600m-rand": ("facebook/nllb-200-distilled-600M", "nllb"),
    "qwen2.5-0.5b-rand": ("Qwen/Qwen2.5-0.5B", "causal"),
}
PUBLISHED = {"Qwen/Qwen2.5-0.5B": "Qwen2.5-0.5B"}  # written out by gpu_throughput.published_llm_config
BF16 = {"Qwen/Qwen2.5-0.5B"}  # published in bf16 (the seq2seq checkpoints in fp32)
SEQ2SEQ_CONFIGS = ("config/paper.yaml", "config/rehearsal.yaml")
LLM_CONFIGS = ("config/paper.yaml", "config/llm.yaml", "config/rehearsal.yaml", "config/rehearsal-llm.yaml")
METHODS = ("full", "freeze", "lora", "prompt", "adapter")
GENERATE_METHOD = "full"  # the run whose generate and evaluate jobs are measured
TARGET_LANG = "ru"  # config/rehearsal.yaml's target language
XLSUM = "csebuetnlp/xlsum"
XLSUM_CONFIGS = {"en": "english", "ru": "russian"}
# (split, examples) of each language in the hub copy
SPLIT_SIZES = {"en": {"validation": 500, "test": 8}, "ru": {"validation": 8, "test": 8}}
ARTICLE_WORDS = (360, 0.6)  # log-normal median and sigma: mean 430 words (BBC news, as XSum: 431)
SUMMARY_WORDS = (22, 0.35)  # mean 23 words (XSum: 23.3)
TOKENIZER_VOCAB = 16000
SEED = 1
STARTED = time.time()


def progress(message: str) -> None:
    elapsed = int(time.time() - STARTED)
    print(f"[rehearsal {elapsed // 60:02d}:{elapsed % 60:02d}] {message}", flush=True)


class RehearsalError(Exception):
    """A one-line failure of the rehearsal's set-up (printed as `rehearsal: <message>`)."""


# --- checkpoints ---------------------------------------------------------------------------

def real_config(hub_id: str) -> dict:
    """The config.json of `hub_id`: from the fixtures, the published one written out
    (gpu_throughput.published_llm_config), or fetched from the hub (that file alone)."""
    if hub_id in PUBLISHED:
        from gpu_throughput import published_llm_config

        return json.loads(published_llm_config(PUBLISHED[hub_id]).to_json_string(use_diff=False))
    local = FIXTURES / hub_id.replace("/", "--") / "config.json"
    if not local.is_file():
        from huggingface_hub import hf_hub_download

        try:
            local = Path(hf_hub_download(hub_id, "config.json"))
        except Exception as err:  # noqa: BLE001 - offline, unreachable, unknown id: one line either way
            raise RehearsalError(f"no config.json of {hub_id} in {FIXTURES} and the hub gave none "
                                 f"({type(err).__name__}; offline? run once with internet, HF_HUB_OFFLINE=0)") from None
    return json.loads(local.read_text(encoding="utf-8"))


# --quick: the same checkpoints downsized (every width and depth, not the vocabulary), a smoke test
QUICK_DIMS = {"d_model": 64, "d_ff": 128, "d_kv": 16, "num_heads": 4, "num_layers": 2, "num_decoder_layers": 2,
              "encoder_layers": 2, "decoder_layers": 2, "encoder_attention_heads": 4, "decoder_attention_heads": 4,
              "encoder_ffn_dim": 128, "decoder_ffn_dim": 128, "hidden_size": 64, "intermediate_size": 128,
              "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 16,
              "max_window_layers": 2}


def build_backbone(name: str, corpus: list[str], languages: list[str], out: Path, quick: bool = False) -> dict:
    """A random-initialised checkpoint of `name`'s real shape (`quick`: downsized) with a
    tokenizer trained on `corpus`, saved with save_pretrained in `out` (reused while its
    summary matches)."""
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM, AutoModelForSeq2SeqLM

    from xlgen.families import get_family
    from xlgen.io import atomic_directory
    from xlgen.resources import count_parameters
    from xlgen_demo.backbone import train_tokenizer

    hub_id, family = BACKBONES[name]
    config_json = real_config(hub_id)
    if quick:
        config_json = {**config_json, **{k: v for k, v in QUICK_DIMS.items() if k in config_json}}
        if "layer_types" in config_json:  # one a layer (Qwen2's): as many as the downsized layers
            config_json["layer_types"] = config_json["layer_types"][:config_json["num_hidden_layers"]]
    wanted = {"hub_id": hub_id, "config": config_json, "tokenizer_vocab": TOKENIZER_VOCAB, "languages": languages,
              "seed": SEED, "version": 1}
    summary_file = out / "rehearsal_backbone.json"
    if summary_file.is_file() and json.loads(summary_file.read_text(encoding="utf-8"))["wanted"] == wanted:
        progress(f"{name}: reusing {out}")
        return json.loads(summary_file.read_text(encoding="utf-8"))
    started = time.time()
    config = AutoConfig.for_model(**config_json)
    tokenizer = train_tokenizer(family, corpus, TOKENIZER_VOCAB, languages)
    if len(tokenizer) > config.vocab_size:
        raise RehearsalError(f"{name}: the trained tokenizer has {len(tokenizer)} ids, "
                             f"the embedding {config.vocab_size}")
    # the special ids are the trained tokenizer's (the seq2seq layouts are the real ones already)
    for key in ("pad_token_id", "eos_token_id", "bos_token_id"):
        value = getattr(tokenizer, key, None)
        if value is not None:
            setattr(config, key, value)
    torch.manual_seed(SEED)
    auto = AutoModelForSeq2SeqLM if config.is_encoder_decoder else AutoModelForCausalLM
    model = auto.from_config(config)
    if config.model_type == "mt5":
        # transformers 5's MT5Config always says tied; the real checkpoint's LM head is its own
        # (from_pretrained keeps the two apart because they differ), as here
        model.lm_head.weight = torch.nn.Parameter(torch.empty_like(model.shared.weight).normal_(std=1.0))
    if hub_id in BF16:
        model = model.to(torch.bfloat16)
    params = sum(p.numel() for p in model.parameters())
    counted = count_parameters(config_json)
    if params != counted:
        raise RehearsalError(f"{name}: built {params:,} parameters, xlgen.resources counts {counted:,}")
    model.generation_config = get_family(family).demo_generation_config(model, tokenizer)
    summary = {"wanted": wanted, "parameters": params, "tokenizer_ids": len(tokenizer),
               "dtype": str(model.dtype).removeprefix("torch."), "build_seconds": 0.0}
    with atomic_directory(out) as tmp:
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        summary["build_seconds"] = round(time.time() - started, 1)
        (tmp / summary_file.name).write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    del model
    progress(f"{name}: built {params:,} parameters ({summary['dtype']}), tokenizer of {len(tokenizer):,} ids, "
             f"in {summary['build_seconds']:.0f} s")
    return summary


def _worker_start(started: float) -> None:
    """A build process's clock is the rehearsal's; one torch thread each."""
    global STARTED
    STARTED = started
    os.environ["OMP_NUM_THREADS"] = "1"


def build_backbones(names: list[str], corpus: list[str], languages: list[str], out: Path, quick: bool,
                    cores: int) -> dict[str, dict]:
    """build_backbone for each of `names`, `cores` at a time, in fresh processes (spawned:
    no torch state forked): building is single-threaded, ~30-40 s each at the real shapes."""
    import multiprocessing

    workers = max(1, min(cores, len(names)))
    if workers == 1:
        return {name: build_backbone(name, corpus, languages, out / name, quick) for name in names}
    with concurrent.futures.ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                                initializer=_worker_start, initargs=(STARTED,)) as pool:
        futures = {name: pool.submit(_build_in_worker, name, corpus, languages, out / name, quick) for name in names}
        return {name: future.result() for name, future in futures.items()}


def _build_in_worker(name: str, *args) -> dict:
    """build_backbone in a pool process; its failure comes back as one picklable line."""
    try:
        return build_backbone(name, *args)
    except Exception as err:  # noqa: BLE001 - any build error, re-raised with its type in the parent
        raise RehearsalError(f"{name}: {type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}") from None


# --- data ------------------------------------------------------------------------------------

def sentences(work: Path, languages: list[str], per_language: int) -> dict[str, list[str]]:
    """Lines of news-domain text in each language, from the demo world's generator."""
    from xlgen.io import read_text_lines
    from xlgen_demo.world import write_demo_world

    world = work / "demo-world"
    if not all((world / "unlabeled" / f"{lang}.txt").is_file() for lang in languages):
        write_demo_world(world, languages, SEED, n_train=1, n_dev=1, n_test=1, n_unlabeled=per_language,
                         n_parallel=1)
    return {lang: read_text_lines(world / "unlabeled" / f"{lang}.txt") for lang in languages}


def _words(line: str) -> int:
    return len(line.split()) if " " in line else max(1, len(line) // 2)  # zh, th: ~2 characters a word


def _text(rng: random.Random, lines: list[str], median: int, sigma: float, low: int, high: int) -> str:
    target = min(high, max(low, round(rng.lognormvariate(math.log(median), sigma))))
    picked, words = [], 0
    while words < target:
        line = rng.choice(lines)
        picked.append(line)
        words += _words(line)
    return " ".join(picked)


def write_xlsum_copy(out: Path, lines: dict[str, list[str]], train_examples: int) -> Path:
    """The hub copy of XL-Sum (parquet export layout: <config>/<split>/0000.parquet, the
    columns of xlgen.datasets.xlsum), reused while its stamp matches."""
    from datasets import Dataset, Features, Value
    from datasets.utils.logging import disable_progress_bar

    from xlgen.io import atomic_directory

    repo = out / "hub" / XLSUM.replace("/", "--")
    stamp = {"train_examples": train_examples, "sizes": SPLIT_SIZES, "article": ARTICLE_WORDS,
             "summary": SUMMARY_WORDS, "seed": SEED, "version": 1}
    if (repo / "rehearsal_data.json").is_file() and \
            json.loads((repo / "rehearsal_data.json").read_text(encoding="utf-8")) == stamp:
        progress(f"data: reusing {repo}")
        return repo
    disable_progress_bar()
    features = Features({k: Value("string") for k in ("id", "url", "title", "summary", "text")})
    with atomic_directory(repo) as tmp:
        for lang, config in XLSUM_CONFIGS.items():
            sizes = {**({"train": train_examples} if lang == "en" else {}), **SPLIT_SIZES[lang]}
            for split, n in sizes.items():
                rng = random.Random(f"{SEED}-{lang}-{split}")
                rows = {k: [] for k in features}
                for i in range(n):
                    rows["id"].append(f"rehearsal-{lang}-{split}-{i:06d}")
                    rows["url"].append(f"https://www.bbc.com/{config}/rehearsal-{split}-{i}")
                    rows["title"].append(_text(rng, lines[lang], 8, 0.3, 3, 20))
                    rows["summary"].append(_text(rng, lines[lang], *SUMMARY_WORDS, 6, 70))
                    rows["text"].append(_text(rng, lines[lang], *ARTICLE_WORDS, 60, 3000))
                path = tmp / config / split / "0000.parquet"
                path.parent.mkdir(parents=True)
                Dataset.from_dict(rows, features=features).to_parquet(str(path))
        (tmp / "rehearsal_data.json").write_text(json.dumps(stamp) + "\n", encoding="utf-8")
    progress(f"data: {train_examples:,} English training articles and small dev/test splits written to {repo}")
    return repo


# --- the study's rules ----------------------------------------------------------------------

def merged_config(files: list[Path]) -> dict:
    """The config Snakemake makes of `files` (mappings merged) in the rehearsal's directory,
    where the Snakefile's `configfile: config/config.yaml` is not found and so not read."""
    import yaml
    from snakemake.utils import update_config

    config: dict = {}
    for file in files:
        update_config(config, yaml.safe_load(Path(file).read_text(encoding="utf-8")) or {})
    return config


def study_runs(files: list[Path], backbones: list[str], methods: list[str]) -> list[dict]:
    from xlgen.plan import StudyPlan

    plan = StudyPlan.from_config(merged_config(files))
    return [run for run in plan.all_runs() if run["backbone"] in backbones and run["method"] in methods]


def run_study(out: Path, files: list[Path], runs: list[dict], cores: int, mem_mb: int) -> None:
    from xlgen.runs import run_path

    scores = [run_path("scores", run) for run in runs if run["method"] == GENERATE_METHOD]
    targets = [run_path("run", run) for run in runs] + scores
    # the full runs' finetune -> generate -> evaluate chain first (measured 2026-12-07: unordered,
    # the decoder-only group ended on its generate job alone, 9 min 50 s for ~14 min of job time)
    command = [sys.executable, "-m", "snakemake", "--snakefile", str(ROOT / "Snakefile"), "--directory", str(out),
               "--configfile", *map(str, files), "--cores", str(cores), "--resources", f"mem_mb={mem_mb}",
               "--prioritize", *scores, "--scheduler", "greedy",
               "--forcerun", "tokenize", "finetune", "generate", "evaluate", "--rerun-incomplete",
               "--quiet", "rules", "--", *targets]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "PYTHONUNBUFFERED": "1"}
    progress(f"snakemake: {len(targets)} targets, {cores} cores, mem_mb={mem_mb:,} "
             f"({', '.join(sorted({r['backbone'] for r in runs}))})")
    proc = subprocess.run(command, env=env, cwd=ROOT)
    if proc.returncode != 0:
        raise RehearsalError(f"snakemake failed (exit {proc.returncode}); the job logs are under {out}/results/logs")


# --- the table --------------------------------------------------------------------------------

COLUMNS = ["date", "machine", "backbone", "shape_of", "params", "dtype", "width", "layers", "vocab", "encoder_decoder",
           "rule", "method", "peak_rss_mb", "write_mb", "output_mb", "wall_s", "step_s", "mem_mb", "disk_mb", "runtime",
           "train_examples", "dev_examples", "tokenized_train_bytes", "max_source_length", "max_target_length",
           "batch_size"]


def _size_mb(paths: list[Path]) -> float:
    total = 0
    for path in paths:
        if path.is_dir():
            total += sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
        elif path.exists():
            total += path.stat().st_size
    return total / 2**20


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores ({cpu}), {memory:.0f} GiB, torch CPU"


def collect(out: Path, files: list[Path], runs: list[dict], summaries: dict[str, dict]) -> list[dict]:
    """One row per measured job: (backbone, tokenize), (backbone, finetune, method) for each
    method, (backbone, generate, full), (backbone, evaluate, full)."""
    from xlgen.io import parse_job_usage, read_json
    from xlgen.resources import Shape
    from xlgen.runs import PATHS, run_path

    config = merged_config(files)
    task = "summarization"
    settings = config["task_settings"][task]
    date, host = datetime.date.today().isoformat(), machine()
    rows = []
    for backbone in sorted({run["backbone"] for run in runs}):
        summary = summaries[backbone]
        config_json = summary["wanted"]["config"]
        shape = Shape.from_config(config_json)
        tokenized = Path(out, PATHS["tokenized"].format(task=task, backbone=backbone, sub="", split="train"))
        base = {"date": date, "machine": host, "backbone": backbone, "shape_of": summary["wanted"]["hub_id"],
                "params": summary["parameters"], "dtype": summary["dtype"],
                "width": shape.width, "layers": shape.layers, "vocab": shape.vocab,
                "encoder_decoder": int(shape.encoder_decoder),
                "train_examples": _records(out / f"results/data/{task}/en/train.jsonl"),
                "dev_examples": _records(out / f"results/data/{task}/en/dev.jsonl"),
                "tokenized_train_bytes": tokenized.stat().st_size if tokenized.exists() else "",
                "max_source_length": settings["max_source_length"],
                "max_target_length": settings["max_target_length"],
                "batch_size": config["finetune"]["batch_size"]}
        jobs = [("tokenize", "", out / f"results/logs/tokenize/{task}/{backbone}.log",
                 [tokenized, tokenized.with_name("dev" + tokenized.suffix)], None)]
        for run in (r for r in runs if r["backbone"] == backbone):
            model = Path(out, run_path("model", run))
            jobs.append(("finetune", run["method"], out / run_path("log", run, stage="finetune"),
                         [model, out / run_path("run", run)], out / run_path("run", run)))
            if run["method"] == GENERATE_METHOD:
                generations = sorted((out / run_path("generation", run, lang="x", split="x")).parent.glob("*.jsonl"))
                jobs.append(("generate", run["method"], out / run_path("log", run, stage="generate"),
                             generations, len(generations)))
                jobs.append(("evaluate", run["method"], out / run_path("log", run, stage="evaluate"),
                             [out / run_path("scores", run), out / run_path("per_example", run)], None))
        for rule, method, log, outputs, extra in jobs:
            usage = parse_job_usage(log) if log.exists() else None
            if usage is None:
                raise RehearsalError(f"{log}: no usage line (did the job run?)")
            step = ""
            if rule == "finetune":  # seconds a training step: the loop's elapsed time over its steps
                history = read_json(extra)["history"]
                step = round(history[-1]["elapsed_s"] / history[-1]["step"], 1)
            elif rule == "generate":  # one batch a language file
                step = round(usage["wall_s"] / max(1, extra), 1)
            rows.append({**base, "rule": rule, "method": method,
                         "peak_rss_mb": round(max(usage["peak_rss_mb"], usage.get("children_peak_rss_mb", 0))),
                         "write_mb": round(usage.get("write_mb", 0)), "output_mb": round(_size_mb(outputs)),
                         "wall_s": round(usage["wall_s"], 1), "step_s": step,
                         "mem_mb": int(usage.get("mem_mb", 0)), "disk_mb": int(usage.get("disk_mb", 0)),
                         "runtime": int(usage.get("runtime", 0))})
    return rows


def _records(path: Path) -> int:
    with open(path, "rb") as fh:
        return sum(1 for _ in fh)


def write_table(rows: list[dict], path: Path) -> None:
    from xlgen.io import atomic_path

    with atomic_path(path) as tmp, open(tmp, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)


def print_table(rows: list[dict]) -> None:
    shown = ["backbone", "rule", "method", "peak_rss_mb", "mem_mb", "write_mb", "disk_mb", "wall_s", "step_s",
             "runtime"]
    widths = {c: max(len(c), *(len(str(r[c])) for r in rows)) for c in shown}
    print("  ".join(c.ljust(widths[c]) for c in shown))
    for row in rows:
        print("  ".join(str(row[c]).ljust(widths[c]) for c in shown))


def markdown(rows: list[dict]) -> str:
    """The table of docs/cluster.md: per backbone, rule and method, what the job held and
    wrote and what it asked for."""
    lines = ["| shape of | rule | method | peak host MB | asked mem_mb | asked / peak | written MB | asked disk_mb "
             "| s a step (CPU) |", "|---|---|---|--:|--:|--:|--:|--:|--:|"]
    for row in rows:
        peak, asked = float(row["peak_rss_mb"]), int(row["mem_mb"])
        disk = f"{int(row['disk_mb']):,}" if int(row["disk_mb"] or 0) else ""
        lines.append(f"| {row['shape_of'].split('/')[1]} | {row['rule']} | {row['method']} | {peak:,.0f} | "
                     f"{asked:,} | {asked / peak:.2f} | {float(row['write_mb']):,.0f} | {disk} | {row['step_s']} |")
    return "\n".join(lines)


def available_mb() -> int:
    """MemAvailable of /proc/meminfo (what can be used without swapping others out)."""
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) // 1024
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=None,
                        help="its Snakemake working directory (default rehearsal/; --quick: rehearsal-quick/)")
    parser.add_argument("--backbones", default=",".join(BACKBONES), help="comma-separated (default: all four)")
    parser.add_argument("--methods", default=",".join(METHODS), help="comma-separated (default: the five families)")
    parser.add_argument("--train-examples", type=int, default=50_000)
    parser.add_argument("--cores", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--mem-mb", type=int, default=None, help="Snakemake's mem_mb (default: MemAvailable now)")
    parser.add_argument("--table", type=Path, default=None, help="default: <out>/rehearsal.csv")
    parser.add_argument("--keep-models", action="store_true",
                        help="keep the finetuned models (GBs each); by default removed once measured")
    parser.add_argument("--markdown", type=Path, default=None, metavar="CSV",
                        help="print a table this script wrote as docs/cluster.md shows it, and exit")
    parser.add_argument("--quick", action="store_true",
                        help="a smoke test in ~2 minutes: downsized checkpoints, 200 examples, full and lora")
    args = parser.parse_args(argv)
    if args.markdown:
        with open(args.markdown, encoding="utf-8", newline="") as fh:
            print(markdown(list(csv.DictReader(fh))))
        return 0
    if args.quick:
        args.train_examples = min(args.train_examples, 200)
        if args.backbones == parser.get_default("backbones"):
            args.backbones = "mbart-large-50-rand"
        if args.methods == parser.get_default("methods"):
            args.methods = "full,lora"
    try:
        backbones = [b for b in args.backbones.split(",") if b]
        unknown = [b for b in backbones if b not in BACKBONES]
        if unknown:
            raise RehearsalError(f"--backbones: unknown {unknown[0]!r}; known: {', '.join(BACKBONES)}")
        methods = [m for m in args.methods.split(",") if m]
        if GENERATE_METHOD not in methods:
            raise RehearsalError(f"--methods must include {GENERATE_METHOD} (its run is generated and evaluated)")
        out = (args.out or ROOT / ("rehearsal-quick" if args.quick else "rehearsal")).resolve()
        out.mkdir(parents=True, exist_ok=True)
        languages = ["en", TARGET_LANG]
        progress(f"{machine()}; load average {os.getloadavg()[0]:.1f}; into {out}")
        for name in backbones:  # a config.json that cannot be had fails first, in one line
            real_config(BACKBONES[name][0])
        lines = sentences(out / "work", languages, per_language=2_000 if args.quick else 20_000)
        write_xlsum_copy(out, lines, args.train_examples)
        corpus = [line for lang in languages for line in lines[lang]]
        summaries = build_backbones(backbones, corpus, languages, out / "backbones", args.quick, args.cores)
        mem_mb = args.mem_mb or available_mb()
        rows = []
        for files, group in ((SEQ2SEQ_CONFIGS, [b for b in backbones if BACKBONES[b][1] != "causal"]),
                             (LLM_CONFIGS, [b for b in backbones if BACKBONES[b][1] == "causal"])):
            if not group:
                continue
            files = [ROOT / f for f in files]
            runs = study_runs(files, group, methods)
            run_study(out, files, runs, args.cores, mem_mb)
            rows += collect(out, files, runs, summaries)
            if not args.keep_models:
                for run_dir in {(out / "results" / "models" / "summarization" / b) for b in group}:
                    shutil.rmtree(run_dir, ignore_errors=True)
        table = args.table or out / "rehearsal.csv"
        write_table(rows, table)
        progress(f"done: {table} ({len(rows)} jobs)")
        print_table(rows)
    except RehearsalError as err:
        print(f"rehearsal: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
