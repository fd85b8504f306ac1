"""Generation time with the decode-time script mask against the same generation without it
(issue 23: under 10% slower than unmasked `generate`), in one run.

Four ways to generate the same inputs with the same model, each a language file as the
generate rule calls `xlgen.generation.generate` (inputs sorted by length, batches of the
config's `generate.batch_size`, `inference_mode`):
- "generate": transformers' batched `model.generate` decoding (the pipeline with its CPU
  greedy loop off, as in benchmarks/generation.py), unmasked;
- "generate+mask": the same with `logits_processor=[ScriptMaskLogitsProcessor]` for the
  output language (`keep_latin` off);
- "pipeline" and "pipeline+mask": `xlgen.generation.generate` as it runs on CPU (greedy: its
  loop that drops finished rows), without and with the mask.
A ratio is the median, over every language file of every round, of the masked time over
the unmasked time of the same path run just before it (on a shared machine a paired ratio
is steadier than a ratio of totals); "in mask" is the share of the masked runs' time spent
inside the processor, timed around each call (the mask's own cost, whatever the machine's
load does to the totals). Before the rounds, the mask's
set-up is timed: computing the forbidden set (cold) and reading it from its cache file.

Inputs: demo-world test articles in ru, zh, th and ar (the mask's targets), each asked for in
its own language, greedy (`--num-beams` for beam search), the config's max_new_tokens; 1 torch
thread (the generate rule's `threads: 1`). After a warm-up, `--repeats` rounds run every way
on every language, interleaved; the best round of each is reported. Where the unmasked output
already obeys the mask (no forbidden token), the masked output must be the same tokens
(greedy); any difference is printed and the script exits 1.

`--real-shape` adds google/mt5-base's published shape (582M parameters, random weights, built
by benchmarks/gpu_throughput.py; a 250,112-wide LM head) with the mt5-demo tokenizer, 8 inputs
a language, 16 new tokens: the mask's cost per step is one addition over the head's width,
whatever the weights.

    .venv/bin/python benchmarks/script_mask.py                  # the four demo backbones, ~3 min
    .venv/bin/python benchmarks/script_mask.py --real-shape     # + mt5-base's shape, ~10 min more
    .venv/bin/python benchmarks/script_mask.py --quick          # smoke test, seconds
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = 1.10  # issue 23: masked generation under 10% slower than unmasked
BACKBONES = ("mbart-demo", "mt5-demo", "nllb-demo", "llama-demo")
WAYS = ("generate", "generate+mask", "pipeline", "pipeline+mask")


def demo_inputs(task: str, langs: list[str], per_lang: int) -> dict[str, list[str]]:
    """`per_lang` demo-world model inputs (`source`) of `task` per language, test split."""
    from xlgen_demo.world import write_demo_world

    with tempfile.TemporaryDirectory() as tmp:
        write_demo_world(tmp, sorted({"en", *langs}), 13, n_train=1, n_dev=1, n_test=per_lang, n_unlabeled=1,
                         n_parallel=1)
        return {lang: [json.loads(line)["source"] for line in
                       (Path(tmp) / task / lang / "test.jsonl").read_text(encoding="utf-8").splitlines()]
                for lang in langs}


def load(name: str):
    """(model, tokenizer, family name) of a demo backbone or of `mt5-base-shape`."""
    from xlgen.backbones import family_of, load_backbone

    if name != "mt5-base-shape":
        model, tokenizer = load_backbone(ROOT / "resources" / "demo_backbones" / name)
        return model, tokenizer, family_of(model)
    import torch

    spec = importlib.util.spec_from_file_location("gpu_throughput", ROOT / "benchmarks" / "gpu_throughput.py")
    gpu_throughput = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gpu_throughput)
    torch.manual_seed(0)
    model = gpu_throughput.build("mt5-base", tiny=False)
    _, tokenizer = load_backbone(ROOT / "resources" / "demo_backbones" / "mt5-demo")  # mT5's special-id layout
    return model, tokenizer, "mt5"


def setup_seconds(tokenizer, lang: str) -> tuple[float, float]:
    """Seconds to compute the forbidden set of `lang` from scratch, and to read it back from
    its cache file (a fresh directory)."""
    from xlgen.remedies.script_mask import forbidden_token_ids

    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        forbidden_token_ids(tokenizer, lang, cache_dir=tmp)
        cold = time.perf_counter() - started
        started = time.perf_counter()
        forbidden_token_ids(tokenizer, lang, cache_dir=tmp)
        warm = time.perf_counter() - started
    return cold, warm


class Timed:
    """A logits processor that counts the calls and seconds of the one it wraps (CPU)."""

    def __init__(self, processor):
        self.processor, self.calls, self.seconds = processor, 0, 0.0

    def __call__(self, input_ids, scores):
        started = time.perf_counter()
        scores = self.processor(input_ids, scores)
        self.seconds += time.perf_counter() - started
        self.calls += 1
        return scores


def benchmark(name: str, inputs: dict[str, list[str]], settings: dict, repeats: int, progress) -> dict:
    from xlgen import generation
    from xlgen.remedies.script_mask import ScriptMaskLogitsProcessor

    progress(f"{name}: loading")
    model, tokenizer, family = load(name)
    cold, warm = setup_seconds(tokenizer, next(iter(inputs)))
    masks = {lang: ScriptMaskLogitsProcessor(tokenizer, lang) for lang in inputs}
    timed = {lang: Timed(mask) for lang, mask in masks.items()}

    def pipeline(lang, sources, processors=None):
        return generation.generate(model, tokenizer, family, sources, lang, kind=settings["kind"],
                                   num_beams=settings["num_beams"], max_new_tokens=settings["max_new_tokens"],
                                   batch_size=settings["batch_size"], max_batch_tokens=settings["max_batch_tokens"],
                                   max_source_length=settings["max_source_length"], return_token_ids=True,
                                   logits_processor=processors)

    def batched_generate(lang, sources, processors=None):  # the pipeline with transformers' generate decoding
        plain = generation._greedy_applies
        generation._greedy_applies = lambda model, num_beams: False
        try:
            return pipeline(lang, sources, processors)
        finally:
            generation._greedy_applies = plain

    ways = {"generate": lambda lang, s: batched_generate(lang, s),
            "generate+mask": lambda lang, s: batched_generate(lang, s, [timed[lang]]),
            "pipeline": lambda lang, s: pipeline(lang, s),
            "pipeline+mask": lambda lang, s: pipeline(lang, s, [timed[lang]])}
    first = next(iter(inputs))
    for way in ways.values():  # warm-up: first calls pay one-off set-up costs
        way(first, inputs[first][:4])
    best = dict.fromkeys(ways, float("inf"))
    in_mask = {"calls": 0, "seconds": 0.0, "masked_seconds": 0.0}  # every round, both masked ways
    pairs: dict[str, list[float]] = {"generate": [], "pipeline": []}  # masked / unmasked, back to back
    outputs: dict[str, dict] = {way: {} for way in ways}
    for round_ in range(repeats):
        seconds = dict.fromkeys(ways, 0.0)
        for lang, sources in inputs.items():  # interleaved: a busy spell hits all alike
            took = {}
            for way, run in ways.items():
                calls, spent = timed[lang].calls, timed[lang].seconds
                started = time.perf_counter()
                outputs[way][lang] = run(lang, sources)
                took[way] = time.perf_counter() - started
                seconds[way] += took[way]
                if way.endswith("+mask"):
                    in_mask["calls"] += timed[lang].calls - calls
                    in_mask["seconds"] += timed[lang].seconds - spent
                    in_mask["masked_seconds"] += took[way]
            for way in pairs:
                pairs[way].append(took[f"{way}+mask"] / took[way])
        best = {way: min(best[way], seconds[way]) for way in ways}
        progress(f"{name}: round {round_ + 1}/{repeats}: " + ", ".join(f"{w} {s:.2f} s" for w, s in seconds.items()))
    n = masked_rows = obeying = equal = 0
    differences = []
    for lang in inputs:
        forbidden = set(masks[lang].forbidden_ids.tolist())
        for plain_way, masked_way in (("generate", "generate+mask"), ("pipeline", "pipeline+mask")):
            _, plain_ids = outputs[plain_way][lang]
            masked_texts, masked_ids = outputs[masked_way][lang]
            for i, (a, b) in enumerate(zip(plain_ids, masked_ids)):
                if plain_way == "generate":
                    n += 1
                    masked_rows += bool(forbidden & set(a))
                if not forbidden & set(a):
                    obeying += 1
                    equal += a == b
                    if a != b:
                        differences.append((masked_way, lang, i, tokenizer.decode(a), masked_texts[i]))
    return {"backbone": name, "family": family, "n": n, "vocab": model.get_output_embeddings().weight.shape[0],
            **{f"{way}_ratio": statistics.median(ratios) for way, ratios in pairs.items()},
            "cold_s": cold, "warm_s": warm, "mask_share": in_mask["seconds"] / in_mask["masked_seconds"],
            "mask_call_us": 1e6 * in_mask["seconds"] / max(1, in_mask["calls"]),
            "acted": masked_rows, "obeying": obeying, "equal": equal, "differences": differences,
            **{f"{way}_s": value for way, value in best.items()}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backbones", nargs="+", default=list(BACKBONES), choices=BACKBONES)
    parser.add_argument("--real-shape", action="store_true", help="also mt5-base's published shape, random weights")
    parser.add_argument("--task", default="summarization", choices=["summarization", "qa"])
    parser.add_argument("--langs", nargs="+", default=["ru", "zh", "th", "ar"])
    parser.add_argument("--per-lang", type=int, default=60, help="inputs per language (default 60)")
    parser.add_argument("--num-beams", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3, help="interleaved rounds; best is reported (default 3)")
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads (default 1)")
    parser.add_argument("--quick", action="store_true", help="smoke test: mbart-demo, 3 inputs a language, 1 round")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
    import torch
    import yaml
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    torch.set_num_threads(args.threads)
    config = yaml.safe_load((ROOT / "config" / "config.yaml").read_text(encoding="utf-8"))
    gen = config["generate"]
    settings = {"kind": args.task, "num_beams": args.num_beams, "max_new_tokens": gen["max_new_tokens"][args.task],
                "batch_size": gen["batch_size"], "max_batch_tokens": gen.get("max_batch_tokens"),
                "max_source_length": config["task_settings"][args.task]["max_source_length"]}
    backbones = list(args.backbones)
    if args.quick:
        backbones, args.per_lang, args.repeats, settings["max_new_tokens"] = ["mbart-demo"], 3, 1, 8
    started = time.perf_counter()

    def progress(message: str) -> None:
        print(f"[{time.perf_counter() - started:6.1f} s] {message}", file=sys.stderr, flush=True)

    inputs = demo_inputs(args.task, args.langs, args.per_lang)
    print(f"{os.cpu_count()} CPU cores, {args.threads} torch thread(s), torch {torch.__version__}; {args.task}, "
          f"{args.per_lang} inputs x {len(args.langs)} languages ({' '.join(args.langs)}), each in its own language, "
          f"num_beams {args.num_beams}, max_new_tokens {settings['max_new_tokens']}, batch_size "
          f"{settings['batch_size']}; best of {args.repeats} interleaved rounds")
    runs = [(name, inputs, settings, args.repeats) for name in backbones]
    if args.real_shape and not args.quick:
        shape_settings = {**settings, "max_new_tokens": 16, "batch_size": 8}
        runs.append(("mt5-base-shape", {lang: sources[:8] for lang, sources in inputs.items()}, shape_settings,
                     args.repeats))
    print(f"{'backbone':<15} {'logits':>7} {'generate':>9} {'+mask':>9} {'ratio':>6} {'pipeline':>9} {'+mask':>9} "
          f"{'ratio':>6} {'in mask':>7} {'us/step':>8} {'set-up cold/cached':>19}  outputs the mask changed; "
          f"obeying outputs unchanged")
    failed = False
    for name, run_inputs, run_settings, repeats in runs:
        r = benchmark(name, run_inputs, run_settings, repeats, progress)
        generate_ratio, pipeline_ratio = r["generate_ratio"], r["pipeline_ratio"]
        print(f"{name:<15} {r['vocab']:>7} {r['generate_s']:>7.2f} s {r['generate+mask_s']:>7.2f} s "
              f"{generate_ratio:>5.3f}x {r['pipeline_s']:>7.2f} s {r['pipeline+mask_s']:>7.2f} s "
              f"{pipeline_ratio:>5.3f}x "
              f"{100 * r['mask_share']:>6.1f}% {r['mask_call_us']:>8.0f} "
              f"{r['cold_s']:>8.3f} / {r['warm_s']:.3f} s  {r['acted']}/{r['n']}; {r['equal']}/{r['obeying']}",
              flush=True)
        for way, lang, i, plain, masked in r["differences"][:5]:
            print(f"  DIFFERENT {way} {lang}#{i}: unmasked {plain!r} / masked {masked!r}")
        failed |= bool(r["differences"]) and run_settings["num_beams"] == 1
        if not args.quick and max(generate_ratio, pipeline_ratio) > TARGET:
            print(f"  above the {TARGET:.2f}x target (the time inside the mask: {100 * r['mask_share']:.1f}% of the "
                  f"masked runs; where the mask changed outputs the two runs decode different tokens)")
    progress("done")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
