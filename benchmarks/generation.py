"""Generation throughput: xlgen.generation.generate against a naive loop, timed in one run.

Naive baseline, what a first script does: for each input in dataset order, tokenize it
alone and call `model.generate` on a batch of one, then decode; no sorting, no batching, no
`inference_mode` (generate's own no_grad only). Pipeline: `xlgen.generation.generate`,
called once per language file as the generate rule calls it (inputs sorted by length, cut
into batches of at most `generate.batch_size` inputs and `generate.max_batch_tokens` padded
tokens, `inference_mode`, outputs put back in input order, and greedy decoding that drops finished
outputs from the batch). For reference the same run times the pipeline with that last part
off: batched `model.generate`, which computes every row of a batch until its longest
output is done ("batched generate").

Both run the same demo backbone (resources/demo_backbones, loaded with load_backbone) on
the same demo-world articles (generated here: same seed, same texts), greedy, with
`max_new_tokens` and the batch settings of config/config.yaml, and the same number of
torch threads (default 1: the generate rule's `threads: 1`; on a shared 2-core machine two
intra-op threads of a tiny model wait on each other and run several times slower).
After a warm-up of each, `--repeats` rounds run naive and pipeline alternately on every
language; the best round of each is reported. The outputs must be identical, text and
token ids: any difference is printed and the script exits 1.

    .venv/bin/python benchmarks/generation.py                      # mbart-demo, 240 inputs
    .venv/bin/python benchmarks/generation.py --backbones mbart-demo mt5-demo nllb-demo
    .venv/bin/python benchmarks/generation.py --quick              # smoke test, seconds
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = 5.0  # issue 8: pipeline at least 5x faster than the naive baseline on CPU
BACKBONES = ("mbart-demo", "mt5-demo", "nllb-demo")


def demo_inputs(task: str, langs: list[str], per_lang: int) -> dict[str, list[str]]:
    """`per_lang` demo-world model inputs (`source`) of `task` per language, test split."""
    from xlgen_demo.world import write_demo_world

    with tempfile.TemporaryDirectory() as tmp:
        write_demo_world(tmp, sorted({"en", *langs}), 13, n_train=1, n_dev=1, n_test=per_lang, n_unlabeled=1,
                         n_parallel=1)
        return {lang: [json.loads(line)["source"] for line in
                       (Path(tmp) / task / lang / "test.jsonl").read_text(encoding="utf-8").splitlines()]
                for lang in langs}


def naive_generate(model, tokenizer, family: str, sources: list[str], lang: str, *, max_new_tokens: int,
                   max_source_length: int) -> tuple[list[str], list[list[int]]]:
    """One `model.generate` call per input, in input order: the baseline."""
    from xlgen.backbones import forced_bos_token_id, set_languages

    set_languages(tokenizer, family, lang)
    forced = forced_bos_token_id(tokenizer, family, lang)
    texts, ids = [], []
    for source in sources:
        encoded = tokenizer(source, truncation=True, max_length=max_source_length, return_tensors="pt")
        out = model.generate(**encoded, num_beams=1, do_sample=False, max_new_tokens=max_new_tokens,
                             forced_bos_token_id=forced)
        texts.append(tokenizer.decode(out[0], skip_special_tokens=True).strip())
        ids.append(out[0].tolist())
    return texts, ids


def benchmark(backbone: str, inputs: dict[str, list[str]], settings: dict, repeats: int) -> dict:
    from xlgen import generation
    from xlgen.backbones import family_of, load_backbone
    from xlgen.generation import generate

    model, tokenizer = load_backbone(ROOT / "resources" / "demo_backbones" / backbone)
    family = family_of(model)

    def run_naive(lang, sources):
        return naive_generate(model, tokenizer, family, sources, lang, max_new_tokens=settings["max_new_tokens"],
                              max_source_length=settings["max_source_length"])

    def run_pipeline(lang, sources):
        return generate(model, tokenizer, family, sources, lang, num_beams=1,
                        max_new_tokens=settings["max_new_tokens"], batch_size=settings["batch_size"],
                        max_batch_tokens=settings["max_batch_tokens"],
                        max_source_length=settings["max_source_length"], return_token_ids=True)

    def run_batched(lang, sources):  # the pipeline with transformers' generate doing the decoding
        plain = generation._greedy_applies
        generation._greedy_applies = lambda model, num_beams: False
        try:
            return run_pipeline(lang, sources)
        finally:
            generation._greedy_applies = plain

    runs = {"naive": run_naive, "batched": run_batched, "pipeline": run_pipeline}
    first = next(iter(inputs))
    for run in runs.values():  # warm-up: first calls pay one-off set-up costs
        run(first, inputs[first][:4])
    best = {name: float("inf") for name in runs}
    for _ in range(repeats):
        seconds = dict.fromkeys(runs, 0.0)
        outputs: dict[str, dict] = {name: {} for name in runs}
        for lang, sources in inputs.items():  # interleaved: a busy spell hits all alike
            for name, run in runs.items():
                started = time.perf_counter()
                outputs[name][lang] = run(lang, sources)
                seconds[name] += time.perf_counter() - started
        best = {name: min(best[name], seconds[name]) for name in runs}
    differences = []
    n = generated = 0
    for lang in inputs:
        naive_texts, naive_ids = outputs["naive"][lang]
        for name in ("batched", "pipeline"):
            for i, (a_text, a_ids, b_text, b_ids) in enumerate(zip(naive_texts, naive_ids, *outputs[name][lang])):
                if a_text != b_text or a_ids != b_ids:
                    differences.append((name, lang, i, a_text, b_text))
        n += len(naive_ids)
        generated += sum(len(ids) - 1 for ids in naive_ids)  # the decoder start token is not generated
    return {"backbone": backbone, "family": family, "n": n, "generated_tokens": generated,
            **{f"{name}_s": value for name, value in best.items()}, "differences": differences}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backbones", nargs="+", default=["mbart-demo"], choices=BACKBONES)
    parser.add_argument("--task", default="summarization", choices=["summarization", "qa"])
    parser.add_argument("--langs", nargs="+", default=["ru", "zh", "th", "ar"])
    parser.add_argument("--per-lang", type=int, default=60, help="inputs per language (default 60)")
    parser.add_argument("--repeats", type=int, default=3, help="interleaved rounds; best is reported (default 3)")
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads for both (default 1)")
    parser.add_argument("--max-new-tokens", type=int, default=None, help="default: config generate.max_new_tokens")
    parser.add_argument("--quick", action="store_true", help="smoke test: 3 inputs a language, 1 round, 8 tokens")
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
    settings = {"max_new_tokens": args.max_new_tokens or gen["max_new_tokens"][args.task],
                "batch_size": gen["batch_size"], "max_batch_tokens": gen.get("max_batch_tokens"),
                "max_source_length": config["task_settings"][args.task]["max_source_length"]}
    if args.quick:
        args.per_lang, args.repeats, settings["max_new_tokens"] = 3, 1, 8
    inputs = demo_inputs(args.task, args.langs, args.per_lang)
    print(f"{os.cpu_count()} CPU cores, {args.threads} torch thread(s), torch {torch.__version__}, "
          f"{'CUDA' if torch.cuda.is_available() else 'CPU'}; {args.task}, {args.per_lang} inputs x "
          f"{len(args.langs)} languages ({' '.join(args.langs)}), greedy, max_new_tokens "
          f"{settings['max_new_tokens']}, batch_size {settings['batch_size']}, max_batch_tokens "
          f"{settings['max_batch_tokens']}; best of {args.repeats} interleaved rounds")
    print(f"{'backbone':<12} {'naive':>9} {'ex/s':>7} {'batched gen.':>12} {'pipeline':>9} {'ex/s':>7} "
          f"{'speed-up':>9} {'gen tok/s':>10}  identical outputs")
    failed = False
    for backbone in args.backbones:
        r = benchmark(backbone, inputs, settings, args.repeats)
        ratio = r["naive_s"] / r["pipeline_s"]
        same = r["n"] - len({(lang, i) for name, lang, i, *_ in r["differences"] if name == "pipeline"})
        batched_same = r["n"] - len({(lang, i) for name, lang, i, *_ in r["differences"] if name == "batched"})
        print(f"{backbone:<12} {r['naive_s']:>7.2f} s {r['n'] / r['naive_s']:>7.1f} {r['batched_s']:>10.2f} s "
              f"{r['pipeline_s']:>7.2f} s {r['n'] / r['pipeline_s']:>7.1f} {ratio:>8.1f}x "
              f"{r['generated_tokens'] / r['pipeline_s']:>10.0f}  {same}/{r['n']} (text and token ids; "
              f"batched generate {batched_same}/{r['n']})", flush=True)
        for name, lang, i, naive_text, other_text in r["differences"][:5]:
            print(f"  DIFFERENT {name} {lang}#{i}: naive {naive_text!r} / {name} {other_text!r}")
        failed |= bool(r["differences"])
        if not args.quick and ratio < TARGET:
            print(f"  below the {TARGET:.0f}x target")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
