"""Intermediate tuning: a multilingual stage between pretraining and English finetuning.

It continues training a backbone on target-language text, denoising (the family's own
pretraining noise) or translation between English and the targets on parallel text, and
saves the result as backbone variant `<backbone>+it`, which every method can start from.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from xlgen.backbones import TRAINING_DTYPE, family_of, load_backbone
from xlgen.families import pretraining_examples
from xlgen.io import InputError, atomic_directory
from xlgen.training import TrainSettings, remove_checkpoint, train_steps

VARIANT_SUFFIX = "+it"


def base_backbone(name: str) -> str:
    """The catalog entry a backbone variant derives from: 'mt5-demo+it' -> 'mt5-demo'."""
    return name[: -len(VARIANT_SUFFIX)] if name.endswith(VARIANT_SUFFIX) else name


def intermediate_tune(backbone_path: Path, unlabeled: dict[str, list[str]],
                      parallel: dict[str, list[tuple[str, str]]], settings: dict, seed: int,
                      out_dir: Path, log=print, checkpoint_path: Path | None = None) -> dict:
    """Train the backbone on `settings["objective"]` (denoising | translation) and save it.

    With `checkpoint_path`, a SIGTERM (SLURM's warning before the time limit) saves a
    checkpoint at the step boundary and exits 143 (xlgen.training.TrainingInterrupted); a
    rerun resumes from it to the weights of an uninterrupted run, and removes it once the
    variant is saved."""
    import torch

    torch.manual_seed(seed)
    model, tokenizer = load_backbone(backbone_path, dtype=TRAINING_DTYPE)
    family = family_of(model)
    objective = settings["objective"]
    if objective == "translation" and not parallel:
        raise InputError("intermediate_tuning.objective translation needs parallel text")
    rng = random.Random(seed)
    sample = pretraining_examples(family, tokenizer, unlabeled, parallel, [objective], rng,
                                  max_length=settings.get("max_length", 128))
    train = TrainSettings(steps=settings["steps"], batch_size=settings["batch_size"], lr=settings["lr"],
                          warmup_steps=max(1, settings["steps"] // 10), seed=seed, checkpoint_path=checkpoint_path)
    # a resumed run draws and skips the batches trained before (the sampler's own seeded rng)
    batches = ([sample() for _ in range(train.batch_size)] for _ in range(train.steps))
    run_key = json.dumps([str(backbone_path), settings, sorted(unlabeled), sorted(parallel)], sort_keys=True)
    history = train_steps(model, tokenizer, batches, train, log=log, run_key=run_key)
    if history and history[-1].get("status") == "diverged":
        raise InputError(f"intermediate tuning diverged at step {history[-1]['step']}: "
                         f"lower intermediate_tuning.lr ({settings['lr']})")
    summary = {"base": str(backbone_path), "family": family, "objective": objective,
               "languages": sorted(unlabeled if objective == "denoising" else parallel),
               "steps": train.steps, "final_loss": history[-1]["loss"] if history else None}
    with atomic_directory(out_dir) as tmp:
        model.to("cpu")
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        (tmp / "xlgen_intermediate.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    if checkpoint_path is not None:  # the variant is saved: its checkpoint is spent
        remove_checkpoint(checkpoint_path)
    return summary
