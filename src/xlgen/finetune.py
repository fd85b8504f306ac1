"""Finetuning one (task, backbone, method, lr, seed) run on the source language."""

from __future__ import annotations

import contextlib
import json
import time
from pathlib import Path

from xlgen.backbones import family_of, load_backbone, load_tokenizer, set_languages
from xlgen.io import atomic_directory, atomic_path
from xlgen.methods import get_method, trainable_parameters
from xlgen.methods.batches import BatchContext, task_batches
from xlgen.training import WEIGHT_DECAY_EXCLUDES, TrainSettings, decay_split, mean_loss, train_steps


def encode(tokenizer, family: str, records: list[dict], lang: str, max_source_length: int,
           max_target_length: int) -> list[dict]:
    """Token ids of `source` -> `target` with the family's language codes for `lang`."""
    set_languages(tokenizer, family, lang)
    sources = tokenizer([r["source"] for r in records], truncation=True, max_length=max_source_length)
    targets = tokenizer(text_target=[r["target"] for r in records], truncation=True, max_length=max_target_length)
    return [{"id": r["id"], "input_ids": s, "labels": t}
            for r, s, t in zip(records, sources["input_ids"], targets["input_ids"])]


def tokenize_task(backbone_path: Path, records: list[dict], lang: str, task_cfg: dict, out_path: Path) -> int:
    """Encode `records` once for every run of a (task, backbone) and save them (torch.save).

    Every LR, method and seed job then loads the ids instead of tokenizing again.
    """
    import torch

    tokenizer, family = load_tokenizer(backbone_path)  # a damaged backbone: one line naming the file
    examples = encode(tokenizer, family, records, lang, task_cfg["max_source_length"], task_cfg["max_target_length"])
    with atomic_path(out_path) as tmp:
        torch.save({"lang": lang, "family": family, "examples": examples}, tmp)
    return len(examples)


def load_tokenized(path: Path) -> list[dict]:
    import torch

    return torch.load(path, weights_only=True)["examples"]


def finetune_settings(finetune_cfg: dict, lr: float, seed: int, checkpoint_path: Path | None,
                      combine: str = "sum") -> TrainSettings:
    """TrainSettings of a finetuning run: `batch_size` is the effective batch, reached by
    accumulating micro-batches of `micro_batch_size` (default: the whole batch at once).
    Weight decay spares biases and normalization weights, as transformers.Trainer does."""
    batch = finetune_cfg["batch_size"]
    micro = finetune_cfg.get("micro_batch_size") or batch
    if batch % micro:
        raise ValueError(f"finetune.batch_size {batch} is not a multiple of finetune.micro_batch_size {micro}")
    return TrainSettings(
        steps=finetune_cfg["steps"], batch_size=micro, lr=lr, grad_accum=batch // micro,
        warmup_steps=finetune_cfg["warmup_steps"], weight_decay=finetune_cfg["weight_decay"],
        seed=seed, log_every=min(50, finetune_cfg["dev_every"]), combine=combine,
        checkpoint_every=finetune_cfg.get("checkpoint_every", 0), checkpoint_path=checkpoint_path,
        compile=finetune_cfg.get("compile", False), no_decay_bias_and_norm=True,
    )


def finetune(backbone_path: Path, method_name: str, method_settings: dict, train_ex: list[dict],
             dev_ex: list[dict], lr: float, seed: int, finetune_cfg: dict, out_dir: Path,
             log=print, checkpoint_path: Path | None = None,
             unlabeled: dict[str, list[str]] | None = None) -> dict:
    """Finetune the backbone on tokenized `train_ex`, log dev loss, save the run to `out_dir`.

    Returns the run summary (the rule writes it to `run.json`): status (`ok` or
    `diverged`), trainable parameters, dev losses, and time. With `checkpoint_path` and
    `finetune.checkpoint_every`, a killed run resumes where it stopped; with
    `checkpoint_path` alone, a SIGTERM-ed run (TrainingInterrupted, exit status 143) does;
    the checkpoint is removed once the run is saved. Weight decay spares biases and
    normalization weights (`weight_decay_excludes` and the tensor counts in the summary).
    """
    import torch

    started = time.time()
    torch.manual_seed(seed)
    model, tokenizer = load_backbone(backbone_path)
    family = family_of(model)
    method = get_method(method_name)
    model = method.prepare(model, method_settings)
    trainable, total = trainable_parameters(model)
    decayed, undecayed = decay_split(model)
    log(f"{method_name} on {family}: {trainable:,} of {total:,} parameters train ({trainable / total:.2%})")
    dev_ex = dev_ex[: finetune_cfg["dev_examples"]]
    settings = finetune_settings(finetune_cfg, lr, seed, checkpoint_path, getattr(method, "combine", "sum"))
    context = BatchContext(family=family, tokenizer=tokenizer, batch_size=settings.batch_size, seed=seed,
                           settings=method_settings, group_by_length=finetune_cfg.get("group_by_length", True),
                           unlabeled=unlabeled or {})
    source = getattr(method, "batches", None)  # methods may add a batch source (mix_unsup)
    batches = source(train_ex, context) if source else task_batches(train_ex, context)
    initial_dev = mean_loss(model, dev_ex, tokenizer.pad_token_id)
    log(f"dev loss before finetuning: {initial_dev:.4f}")
    run_key = json.dumps([str(backbone_path), method_name, method_settings, len(train_ex)], sort_keys=True)
    history = train_steps(
        model, tokenizer, batches, settings, log=log,
        evaluate=lambda step: {"dev_loss": mean_loss(model, dev_ex, tokenizer.pad_token_id)},
        eval_every=finetune_cfg["dev_every"], run_key=run_key,
    )
    diverged = bool(history) and history[-1].get("status") == "diverged"
    with atomic_directory(out_dir) as tmp:
        if not diverged:
            model.to("cpu")
            method.save(model, tokenizer, tmp)
    if checkpoint_path is not None:  # the run is saved: its checkpoint is spent
        Path(checkpoint_path).unlink(missing_ok=True)
        with contextlib.suppress(OSError):  # and its directory, once empty
            Path(checkpoint_path).parent.rmdir()
    dev_losses = [row["dev_loss"] for row in history if "dev_loss" in row]
    return {
        "status": "diverged" if diverged else "ok",
        "method": method_name, "family": family, "lr": lr, "seed": seed,
        "trainable_params": trainable, "total_params": total, "trainable_share": trainable / total,
        "dev_loss_initial": initial_dev, "dev_loss_final": dev_losses[-1] if dev_losses else None,
        "weight_decay": settings.weight_decay, "weight_decay_excludes": WEIGHT_DECAY_EXCLUDES,
        "decayed_tensors": len(decayed), "undecayed_tensors": len(undecayed),
        "steps": history[-1]["step"] if history else 0, "train_seconds": round(time.time() - started, 2),
        "history": history,
    }
