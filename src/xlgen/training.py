"""The training loop shared by demo pretraining, intermediate tuning and finetuning.

A small loop of our own instead of `Seq2SeqTrainer`: the tiny demo jobs are dominated by
start-up cost, and the loop keeps step order, seeds and precision explicit (bf16 autocast
on GPU, fp32 on CPU, never fp16: mT5 overflows in fp16). Faults: a killed run resumes from
its last checkpoint, an unreadable checkpoint is one log line and a fresh start, a SIGTERM
saves a checkpoint at the next step boundary and exits 143.

Processes: the loop runs under `accelerate`. Alone (one process: the demo, one GPU) it is
the plain loop, bitwise what it was before accelerate took part. Started N times by
`accelerate launch` (xlgen.finetune.launch; DDP, or FSDP2 from an accelerate config file),
every process reads the same stream of batches and trains on its share of each batch (rows
rank, rank + N, ...), its loss weighted by its share of the batch's label tokens: the
gradient is that of the whole batch's token mean, as in one process, so `batch_size` stays
the experiment's batch whatever N is.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import random
import re
import shutil
import signal
import sys
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator

from xlgen.io import InputError


@dataclass
class TrainSettings:
    steps: int
    batch_size: int
    lr: float
    warmup_steps: int = 0
    weight_decay: float = 0.0
    seed: int = 0
    max_grad_norm: float = 1.0
    log_every: int = 50
    grad_accum: int = 1               # micro-batches per optimizer step (effective batch = batch x this)
    combine: str = "sum"              # how the named losses of a batch combine: sum | graddrop
    checkpoint_every: int = 0         # save a resumable checkpoint every N steps (0: only on SIGTERM)
    checkpoint_path: Path | None = None  # also where a SIGTERM-ed run saves before it exits
    compile: bool = False             # torch.compile the model (GPU clusters; slow to start on CPU)
    no_decay_bias_and_norm: bool = False  # weight decay spares biases and norm weights (as Trainer)
    gradient_checkpointing: bool = False  # recompute activations in backward: memory for time, same numbers
    fused_adamw: bool | None = None   # torch's fused AdamW kernel; None: on a GPU only (on CPU its
                                      # results differ from the for-loop AdamW in the last bits)


# What `no_decay_bias_and_norm` spares, in words (run.json records it) and as rules: every
# parameter of a LayerNorm/RMSNorm-type module (nn.LayerNorm, nn.RMSNorm, T5LayerNorm, any
# class named *LayerNorm or *RMSNorm) and every parameter whose lower-cased name matches one
# of transformers.Trainer.get_decay_parameter_names' patterns (transformers 5).
WEIGHT_DECAY_EXCLUDES = "bias and normalization weights (as transformers.Trainer)"
NO_DECAY_NAME_PATTERNS = (r"bias", r"layernorm", r"rmsnorm", r"(?:^|\.)norm(?:$|\.)", r"_norm(?:$|\.)")
EXIT_ON_SIGTERM = 128 + signal.SIGTERM  # the status a shell reports for a SIGTERM-ed process


class TrainingInterrupted(SystemExit):
    """Raised at the step boundary after a SIGTERM, once the checkpoint is saved.

    A SystemExit: uncaught, the process ends quietly with status 143 (128 + SIGTERM), so
    Snakemake marks the job failed and a rerun resumes from the checkpoint."""

    def __init__(self, step: int, checkpoint: Path):
        super().__init__(EXIT_ON_SIGTERM)
        self.step, self.checkpoint = step, checkpoint


def _is_norm_module(module) -> bool:
    import torch

    return (isinstance(module, (torch.nn.LayerNorm, torch.nn.RMSNorm))
            or type(module).__name__.endswith(("LayerNorm", "RMSNorm")))


def decay_split(model) -> tuple[list[str], list[str]]:
    """Names of the trainable parameters that get weight decay, and of those that do not.

    Not decayed: the parameters of normalization modules and those whose name says bias or
    norm (transformers.Trainer's rule, `NO_DECAY_NAME_PATTERNS`); everything else (weight
    matrices, embeddings, LoRA matrices) decays.
    """
    spared = {id(p) for module in model.modules() if _is_norm_module(module) for p in module.parameters()}
    patterns = [re.compile(pattern) for pattern in NO_DECAY_NAME_PATTERNS]
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        if p.requires_grad:
            lowered = name.lower()
            skip = id(p) in spared or any(pattern.search(lowered) for pattern in patterns)
            (no_decay if skip else decay).append(name)
    return decay, no_decay


def param_groups(model, settings: TrainSettings) -> list[dict]:
    """AdamW parameter groups: one (every trainable parameter decays), or, with
    `settings.no_decay_bias_and_norm`, a decayed and an undecayed one (empty ones dropped)."""
    named = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    if not settings.no_decay_bias_and_norm:
        return [{"params": [p for _, p in named], "weight_decay": settings.weight_decay}]
    decay, _ = decay_split(model)
    decay = set(decay)
    groups = [{"params": [p for n, p in named if n in decay], "weight_decay": settings.weight_decay},
              {"params": [p for n, p in named if n not in decay], "weight_decay": 0.0}]
    return [group for group in groups if group["params"]]


def device_and_dtype():
    """(device, autocast dtype or None): bf16 autocast on a bf16-capable GPU, fp32 on CPU."""
    import torch

    if torch.cuda.is_available():
        dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else None
        return torch.device("cuda"), dtype
    return torch.device("cpu"), None


def collate(features: list[dict], pad_id: int) -> dict:
    """Pad `input_ids` with the pad id and `labels` with -100 to the longest in the batch."""
    import torch

    width = max(len(f["input_ids"]) for f in features)
    label_width = max(len(f["labels"]) for f in features)
    input_ids = torch.full((len(features), width), pad_id, dtype=torch.long)
    attention = torch.zeros((len(features), width), dtype=torch.long)
    labels = torch.full((len(features), label_width), -100, dtype=torch.long)
    for i, f in enumerate(features):
        input_ids[i, : len(f["input_ids"])] = torch.tensor(f["input_ids"])
        attention[i, : len(f["input_ids"])] = 1
        labels[i, : len(f["labels"])] = torch.tensor(f["labels"])
    return {"input_ids": input_ids, "attention_mask": attention, "labels": labels}


def epoch_batches(examples: list[dict], batch_size: int, seed: int,
                  group_by_length: bool = True, megabatch: int = 50) -> Iterator[list[dict]]:
    """Endless shuffled batches, reshuffled each epoch with a seed derived from `seed`.

    With `group_by_length` (as transformers' LengthGroupedSampler): the shuffled order is cut
    into megabatches of `megabatch` batches, each sorted by input length, so a batch holds
    inputs of similar length and pads little; batch order is then shuffled again.
    """
    epoch = 0
    while True:
        rng = random.Random(seed * 1_000_003 + epoch)
        order = list(range(len(examples)))
        rng.shuffle(order)
        usable = len(order) - len(order) % batch_size
        batches = [order[start : start + batch_size] for start in range(0, usable, batch_size)]
        if group_by_length:
            span = megabatch * batch_size
            grouped = []
            for start in range(0, usable, span):
                chunk = sorted(order[start : min(start + span, usable)],
                               key=lambda i: len(examples[i]["input_ids"]), reverse=True)
                grouped += [chunk[k : k + batch_size] for k in range(0, len(chunk), batch_size)]
            batches = grouped
            rng.shuffle(batches)
        for batch in batches:
            yield [examples[i] for i in batch]
        epoch += 1


def mean_loss(model, examples: list[dict], pad_id: int, batch_size: int = 64) -> float:
    """Token-averaged cross-entropy of `model` on `examples` (no gradient)."""
    import torch

    device, dtype = device_and_dtype()
    model.eval()
    total, count = 0.0, 0
    with torch.inference_mode(), torch.autocast(device.type, dtype=dtype, enabled=dtype is not None):
        for start in range(0, len(examples), batch_size):
            batch = {k: v.to(device) for k, v in collate(examples[start : start + batch_size], pad_id).items()}
            n_tokens = int((batch["labels"] != -100).sum())
            total += float(model(**batch).loss) * n_tokens
            count += n_tokens
    model.train()
    return total / max(count, 1)


def graddrop(grads: list, uniform) -> object:
    """Combine per-loss gradients of one tensor with GradDrop (Chen et al. 2020).

    Per element: purity P = (1 + sum_i g_i / sum_i |g_i|) / 2; with U the matching element of
    `uniform` (U ~ Uniform[0, 1)), loss i's gradient is kept where P > U and g_i > 0, or where
    P < U and g_i < 0; the result is the sum of the kept gradients. Elements where every
    loss agrees in sign keep their full sum; conflicting signs keep one side at random, the
    side with more total gradient mass more often.
    """
    import torch

    stacked = torch.stack(grads)
    mass = stacked.abs().sum(0)
    purity = 0.5 * (1 + stacked.sum(0) / torch.where(mass > 0, mass, torch.ones_like(mass)))
    keep = torch.where(stacked > 0, purity > uniform, (purity < uniform) & (stacked < 0))
    return (stacked * keep).sum(0)


def _run_fingerprint(settings: TrainSettings, model, run_key: str, fused: bool = False, processes: int = 1) -> str:
    """What a checkpoint must match to be resumed: settings, trainable names, caller's key,
    and what else changes the run's numbers (the fused AdamW kernel, the process count).
    Gradient checkpointing changes memory, not numbers: a run may resume with or without it."""
    fields = {k: v for k, v in asdict(settings).items()
              if k not in ("checkpoint_path", "log_every", "gradient_checkpointing", "fused_adamw")}
    if fused:
        fields["fused_adamw"] = True
    if processes > 1:
        fields["processes"] = processes
    names = [n for n, p in model.named_parameters() if p.requires_grad]
    blob = json.dumps([fields, names, run_key], sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _save_checkpoint(path: Path, state: dict) -> None:
    import torch

    from xlgen.io import atomic_path

    with atomic_path(path) as tmp:  # a kill mid-save keeps the previous checkpoint
        torch.save(state, tmp)


_CHECKPOINT_KEYS = ("fingerprint", "step", "params", "optimizer", "scheduler", "rng", "history",
                    "running", "running_n", "elapsed_s")


def _load_checkpoint(path: Path) -> dict:
    """The state saved at `path`; a ValueError (or what torch.load raises) if it is none."""
    import torch

    state = torch.load(path, map_location="cpu", weights_only=False)
    if not isinstance(state, dict):
        raise ValueError(f"holds a {type(state).__name__}, not a checkpoint")
    missing = [key for key in _CHECKPOINT_KEYS if key not in state]
    if missing:
        raise ValueError(f"no {', '.join(missing)}")
    return state


def _check_fits(state: dict, named: list, optimizer) -> None:
    """A ValueError unless a checkpoint of these very settings fits the model and optimizer:
    checked before anything is restored, so a damaged one leaves the model untouched."""
    import torch

    params = state["params"]
    if not isinstance(params, dict) or set(params) != {name for name, _ in named}:
        raise ValueError("its parameter names differ from the model's")
    for name, p in named:
        if not isinstance(params[name], torch.Tensor) or params[name].shape != p.shape:
            raise ValueError(f"parameter {name} has another shape")
    saved_groups = state["optimizer"].get("param_groups", []) if isinstance(state["optimizer"], dict) else []
    if [len(g.get("params", ())) for g in saved_groups] != [len(g["params"]) for g in optimizer.param_groups]:
        raise ValueError("its optimizer state has other parameter groups")


def _one_line(err: BaseException, limit: int = 120) -> str:
    """`Type: first sentence` of an exception, on one line and at most `limit` characters."""
    text = " ".join(str(err).split()).split(". ")[0] or "no detail"
    text = f"{type(err).__name__}: {text}"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _rng_state() -> dict:
    import torch

    state = {"torch": torch.get_rng_state(), "python": random.getstate()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def _set_rng_state(state: dict) -> None:
    import torch

    torch.set_rng_state(state["torch"])
    random.setstate(state["python"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


# --- processes (accelerate) ---------------------------------------------------------------

_ACCELERATOR = None


def get_accelerator():
    """This process's `accelerate.Accelerator`, made on first use (accelerate keeps one state
    a process). A launched process calls it before anything touches a GPU: it picks the
    process's own device.

    One process, unless started by `accelerate launch` or torchrun: then DDP (gloo on CPU,
    NCCL on GPUs), or FSDP2 where the launch's accelerate config file says FSDP. Precision
    stays the loop's bf16 autocast; under FSDP accelerate's bf16 policy also gathers the
    sharded parameters in bf16. DeepSpeed and FSDP version 1 are refused in one line.
    """
    global _ACCELERATOR
    if _ACCELERATOR is None:
        import torch
        from accelerate import Accelerator, DistributedType
        from accelerate.utils import DistributedDataParallelKwargs

        if os.environ.get("ACCELERATE_USE_DEEPSPEED", "false").lower() == "true" and torch.cuda.is_available():
            raise InputError("finetune.accelerate_config: DeepSpeed is not supported by the training loop; shard "
                             "with FSDP (distributed_type: FSDP, fsdp_version: 2)")
        if torch.cuda.is_available() and "LOCAL_RANK" in os.environ:
            torch.cuda.set_device(int(os.environ["LOCAL_RANK"]))  # before device_and_dtype touches GPU 0
        _, dtype = device_and_dtype()
        fsdp = os.environ.get("ACCELERATE_USE_FSDP", "false").lower() == "true"
        accelerator = Accelerator(
            cpu=not torch.cuda.is_available(), mixed_precision="bf16" if fsdp and dtype is not None else "no",
            # a step in which a process's forward skips trainable parameters (adapterdrop's
            # random drop, drawn in each process) must not stall DDP's gradient all-reduce
            kwargs_handlers=[DistributedDataParallelKwargs(find_unused_parameters=True)])
        if fsdp and accelerator.distributed_type == DistributedType.MULTI_CPU and accelerator.is_main_process:
            # accelerate shards on GPUs only: say so instead of letting DDP pass for FSDP
            print("xlgen: finetune.accelerate_config asks for FSDP, but there is no GPU: accelerate runs plain "
                  "DDP over gloo (every process holds the whole model)", file=sys.stderr, flush=True)
        if accelerator.distributed_type == DistributedType.FSDP and not accelerator.is_fsdp2:
            raise InputError("finetune.accelerate_config: FSDP version 1 is not supported; set fsdp_version: 2")
        if accelerator.distributed_type not in (DistributedType.NO, DistributedType.MULTI_CPU,
                                                DistributedType.MULTI_GPU, DistributedType.FSDP):
            raise InputError(f"finetune.accelerate_config: {accelerator.distributed_type} is not supported; "
                             "use DDP (MULTI_GPU) or FSDP (fsdp_version: 2)")
        _ACCELERATOR = accelerator
    return _ACCELERATOR


def check_shardable(model) -> None:
    """Refuse, in one line, a model that accelerate's FSDP2 cannot shard: it wraps each
    transformer layer, then the input and output embeddings (with the final norm) in one
    group, then the rest; torch (>= 2.13) refuses a parameter that two groups see. So a
    parameter may be shared by the input and output embeddings (tied, as Llama-3.2-1B and
    Gemma), not by more modules: mBART's and NLLB's encoder and decoder embeddings share one
    matrix (measured on mbart-demo: `fully_shard` raises "Parameter 'model.shared.weight' is
    shared with a parameter already managed by another FSDP group")."""
    embeddings = {id(m) for m in (getattr(model, "get_input_embeddings", lambda: None)(),
                                  getattr(model, "get_output_embeddings", lambda: None)()) if m is not None}
    holders: dict[int, dict[int, str]] = {}  # parameter -> the modules holding it -> a path of each
    for name, module in model.named_modules(remove_duplicate=False):
        for param in module._parameters.values():
            if param is not None:
                holders.setdefault(id(param), {})[id(module)] = name
    for modules in holders.values():
        if len(modules) > 1 and not modules.keys() <= embeddings:
            names = sorted(set(modules.values()))
            raise InputError(f"finetune.accelerate_config: FSDP cannot shard this backbone: one parameter is shared by "
                             f"{', '.join(names)}, which accelerate's FSDP2 puts in different groups; finetune it with "
                             "DDP (no accelerate_config) or in one process")


def is_sharded(accelerator=None) -> bool:
    """Whether the model's parameters are sharded over the processes (FSDP): then no process
    holds the whole model, and its checkpoints are accelerate's sharded state."""
    from accelerate import DistributedType

    return (accelerator or get_accelerator()).distributed_type == DistributedType.FSDP


def _sharded_states(ckpt: Path) -> list[Path]:
    """The sharded-state directories of the checkpoint `ckpt` (<stem>.step-<N>.accelerate)."""
    return sorted(ckpt.parent.glob(f"{ckpt.stem}.step-*.accelerate")) if ckpt.parent.exists() else []


def remove_checkpoint(path: Path) -> None:
    """Delete a finished run's checkpoint: the file, a sharded state beside it, and their
    directory once empty."""
    path = Path(path)
    path.unlink(missing_ok=True)
    for state in _sharded_states(path):
        shutil.rmtree(state, ignore_errors=True)
    with contextlib.suppress(OSError):
        path.parent.rmdir()


def _label_tokens(labels, encoder_decoder: bool):
    """How many label tokens a model's loss averages over: seq2seq every label that is not
    -100, a decoder-only model its labels shifted by one (it predicts token t+1 at t)."""
    return (labels != -100).sum() if encoder_decoder else (labels[..., 1:] != -100).sum()


def _share_of_batch(loss, n_tokens, processes: int):
    """(loss to back-propagate, the whole batch's mean loss) for one process's share of a
    batch: `loss` is the mean over its `n_tokens` label tokens; weighted by its share of all
    processes' tokens (times `processes`: DDP averages the gradients), the processes'
    gradients add up to the gradient of the whole batch's token mean. One all-reduce."""
    import torch

    n = float(n_tokens)
    if n == 0:  # a share without label tokens: its mean is NaN, its weight 0
        loss = torch.nan_to_num(loss, nan=0.0)
    stats = torch.stack([n_tokens.to(torch.float64), loss.detach().to(torch.float64) * n])
    torch.distributed.all_reduce(stats)
    total, loss_sum = float(stats[0]), float(stats[1])
    if total == 0:  # as one process's mean over no token: NaN, the run diverges
        return loss, float("nan")
    return loss * (n * processes / total), loss_sum / total


def _any_process(flag: bool, device) -> bool:
    """Whether `flag` is set in any process (every process gets the same answer)."""
    import torch

    value = torch.tensor([1.0 if flag else 0.0], device=device)
    torch.distributed.all_reduce(value, op=torch.distributed.ReduceOp.MAX)
    return bool(value.item())


def _all_rng_states() -> list:
    """Every process's RNG states, in process order (a collective call)."""
    import torch

    states = [None] * torch.distributed.get_world_size()
    torch.distributed.all_gather_object(states, _rng_state())
    return states


def train_steps(model, tokenizer, batches: Iterable, settings: TrainSettings,
                log: Callable[[str], None] = print,
                evaluate: Callable[[int], dict] | None = None, eval_every: int | None = None,
                run_key: str = "") -> list[dict]:
    """Run `settings.steps` AdamW steps (linear warmup and decay) over `batches`.

    `batches` yields micro-batches, `settings.grad_accum` per step: a list of examples (one
    loss), or a dict of named example lists (one loss each, e.g. task and unlabeled), whose
    losses are summed or combined with GradDrop (`settings.combine`).

    Returns the history: one dict per logged step (step, loss, lr, and `evaluate(step)`'s
    results every `eval_every` steps and at the end). Stops early with `status: diverged`
    when a loss becomes NaN or infinite.

    With `checkpoint_every` and `checkpoint_path`, the trainable parameters, optimizer,
    scheduler, RNG states and the data position are saved every N steps; a later call with
    the same settings, model and `run_key` continues from there and ends with the same
    weights as an uninterrupted run (bitwise on CPU). A checkpoint that cannot be read
    (truncated, garbage, not a checkpoint) is logged in one line and training starts over.

    With `checkpoint_path` (whatever `checkpoint_every`), a SIGTERM lets the current step
    finish, saves a checkpoint at that step boundary and raises TrainingInterrupted (a
    SystemExit, status 143): nothing done before the signal is lost.

    In one of N processes (`get_accelerator`): every process iterates the same `batches`
    and trains on rows rank, rank + N, ... of each micro-batch (so a micro-batch needs at
    least N examples); the logged loss is the whole batch's; the checkpoint holds every
    process's RNG states (under FSDP it is accelerate's sharded state beside the file);
    every process must call with the same arguments, and `evaluate` runs in every process.
    """
    import torch

    torch.manual_seed(settings.seed)
    accelerator = get_accelerator()
    processes, rank = accelerator.num_processes, accelerator.process_index
    sharded = is_sharded(accelerator)
    distributed = processes > 1 or sharded
    device, dtype = device_and_dtype()
    if distributed:
        device = accelerator.device
        if settings.combine == "graddrop":
            raise InputError("the graddrop method trains in one process only (finetune with gpu=1)")
        if settings.batch_size < processes:
            raise InputError(f"a micro-batch of {settings.batch_size} examples cannot be shared by {processes} "
                             "processes: raise finetune.micro_batch_size (or batch_size) to at least that")
    model.to(device)
    model.train()
    if settings.gradient_checkpointing:
        # non-reentrant: works with frozen inputs (LoRA, prompts) and DDP, and restores the RNG
        # for the recomputation, so dropout masks are those of a run without it. The results
        # are bitwise those (mBART, NLLB), or differ in the order float gradients of a tensor
        # shared by every layer are summed (mT5's relative position bias: ~1e-7)
        kwargs = {"use_reentrant": False}
        if hasattr(model, "activation_checkpointing_enable"):  # transformers >= 5.x
            model.activation_checkpointing_enable(activation_checkpointing_kwargs=kwargs)
        else:
            model.gradient_checkpointing_enable(gradient_checkpointing_kwargs=kwargs)
        if getattr(model, "config", None) is not None:
            model.config.use_cache = False
    fused = device.type in ("cuda", "cpu") and (settings.fused_adamw if settings.fused_adamw is not None
                                                 else device.type == "cuda")
    optimizer = torch.optim.AdamW(param_groups(model, settings), lr=settings.lr, weight_decay=settings.weight_decay,
                                  **({"fused": True} if fused else {}))

    def schedule(step: int) -> float:
        if step < settings.warmup_steps:
            return (step + 1) / settings.warmup_steps
        remaining = settings.steps - settings.warmup_steps
        return max(0.0, (settings.steps - step) / max(1, remaining))

    fingerprint = _run_fingerprint(settings, model, run_key, fused=fused, processes=processes)
    prepared = model
    if sharded:
        check_shardable(model)
    if distributed:
        accelerator.free_memory()  # forget the models and optimizers of earlier calls
        prepared, optimizer = accelerator.prepare(model, optimizer)
        model = accelerator.unwrap_model(prepared)  # FSDP2 shards in place: the same object
        if rank != 0:
            log = lambda message: None  # noqa: E731  every process logs the same lines: one does
    named = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    params = [p for _, p in named]
    encoder_decoder = bool(getattr(getattr(model, "config", None), "is_encoder_decoder", True))
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, schedule)
    forward = torch.compile(prepared) if settings.compile else prepared
    history: list[dict] = []
    running: dict[str, float] = {}
    running_n, first_step, elapsed_before = 0, 1, 0.0
    # a checkpoint path alone (checkpoint_every 0) still resumes what a SIGTERM-ed run saved
    ckpt = Path(settings.checkpoint_path) if settings.checkpoint_path else None
    batch_iter = iter(batches)
    state = None
    if ckpt is not None and ckpt.exists():
        try:
            state = _load_checkpoint(ckpt)
            if state["fingerprint"] == fingerprint:
                if sharded:
                    if not (ckpt.parent / str(state.get("sharded_state"))).is_dir():
                        raise ValueError(f"its sharded state {state.get('sharded_state')} is missing")
                else:
                    _check_fits(state, named, optimizer)
        except Exception as err:  # truncated, garbage, foreign: never worth a crash
            size = ckpt.stat().st_size if ckpt.exists() else 0
            log(f"{ckpt}: unreadable resume checkpoint ({_one_line(err)}; {size:,} bytes): starting over")
            state = None
        if state is not None and state["fingerprint"] != fingerprint:
            log(f"checkpoint {ckpt} is from other settings: starting over")
            state = None
    if state is not None:
        if not sharded:
            with torch.no_grad():
                for name, p in named:
                    p.copy_(state["params"][name])
            optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        history, running, running_n = state["history"], state["running"], state["running_n"]
        elapsed_before = state["elapsed_s"]
        for _ in range(state["step"] * settings.grad_accum):  # the data position
            next(batch_iter)
        if sharded:  # parameters, optimizer and every process's RNG states, as accelerate saved them
            sharded_state = ckpt.parent / state["sharded_state"]
            try:
                accelerator.load_state(str(sharded_state))
            except Exception as err:  # the model may be half restored: no fresh start from here
                raise RuntimeError(f"{sharded_state}: cannot resume this sharded checkpoint ({_one_line(err)}); "
                                   f"delete it and {ckpt} to start over") from err
        else:
            ranks = state.get("rng_ranks")
            _set_rng_state(ranks[rank] if ranks and len(ranks) == processes else state["rng"])
        first_step = state["step"] + 1
        log(f"resumed from {ckpt} at step {state['step']}")
    del state
    started = time.time() - elapsed_before

    def save(step: int) -> None:
        meta = {"fingerprint": fingerprint, "step": step, "scheduler": scheduler.state_dict(),
                "history": history, "running": running, "running_n": running_n,
                "elapsed_s": time.time() - started}
        if sharded:  # every process writes its shards and RNG states; the file names the directory
            final = ckpt.with_name(f"{ckpt.stem}.step-{step}.accelerate")
            tmp = ckpt.with_name(f".tmp-{final.name}")
            if accelerator.is_main_process and tmp.exists():
                shutil.rmtree(tmp)
            accelerator.wait_for_everyone()
            accelerator.save_state(str(tmp))
            accelerator.wait_for_everyone()
            if accelerator.is_main_process:
                if final.exists():
                    shutil.rmtree(final)
                os.replace(tmp, final)
                _save_checkpoint(ckpt, {**meta, "params": None, "optimizer": None, "rng": None,
                                        "sharded_state": final.name})
                for old in _sharded_states(ckpt):  # only after the file names the new one
                    if old != final:
                        shutil.rmtree(old, ignore_errors=True)
            accelerator.wait_for_everyone()
            return
        rng_ranks = _all_rng_states() if processes > 1 else None
        if rank == 0:  # DDP: every process holds the same parameters and optimizer state
            _save_checkpoint(ckpt, {
                **meta, "params": {name: p.detach().to("cpu").clone() for name, p in named},
                "optimizer": optimizer.state_dict(), "rng": _rng_state(),
                **({"rng_ranks": rng_ranks} if rng_ranks else {}),
            })
        if processes > 1:
            accelerator.wait_for_everyone()

    # SIGTERM (SLURM's warning before preemption or the time limit): finish the step, save,
    # exit 143. Only where a checkpoint can be saved, and only from the main thread (Python
    # handles signals there); the previous handler comes back when training ends.
    terminated: list[int] = []
    catch_sigterm = ckpt is not None and threading.current_thread() is threading.main_thread()
    if catch_sigterm:
        previous_handler = signal.signal(signal.SIGTERM, lambda signum, frame: terminated.append(signum))
    try:
        for step in range(first_step, settings.steps + 1):
            step_losses: dict[str, float] = {}
            per_loss_grads: dict[str, list] = {}
            for micro in range(settings.grad_accum):
                parts = next(batch_iter)
                parts = parts if isinstance(parts, dict) else {"loss": parts}
                total = None
                last_part = list(parts)[-1]
                for name, examples in parts.items():
                    if distributed:
                        examples = examples[rank::processes]  # this process's share of the batch
                        # gradients are all-reduced in the step's last backward only
                        syncing = micro == settings.grad_accum - 1 and name == last_part
                        context = contextlib.nullcontext() if syncing else accelerator.no_sync(prepared)
                    else:
                        context = contextlib.nullcontext()
                    with context:
                        batch = {k: v.to(device) for k, v in collate(examples, tokenizer.pad_token_id).items()}
                        with torch.autocast(device.type, dtype=dtype, enabled=dtype is not None):
                            loss = forward(**batch).loss
                        if distributed:
                            loss, value = _share_of_batch(loss, _label_tokens(batch["labels"], encoder_decoder),
                                                          processes)
                        else:
                            value = float(loss.detach())
                        if not math.isfinite(value):
                            history.append({"step": step, "loss": value, "status": "diverged", "diverged_loss": name})
                            log(f"step {step}: {name} loss {value}: diverged, training stopped")
                            return history
                        step_losses[name] = step_losses.get(name, 0.0) + value / settings.grad_accum
                        if settings.grad_accum > 1:
                            loss = loss / settings.grad_accum
                        if distributed:  # one backward a part: DDP allows one forward per backward
                            if not loss.requires_grad:  # every process must take part in the all-reduce
                                loss = loss + sum(p.sum() for p in params) * 0.0
                            accelerator.backward(loss)
                            continue
                        if not loss.requires_grad:  # layerdrop skipped every layer linking the loss to what trains
                            continue
                        if settings.combine == "graddrop":
                            grads = torch.autograd.grad(loss, params, allow_unused=True)
                            acc = per_loss_grads.setdefault(name, [torch.zeros_like(p) for p in params])
                            for a, g in zip(acc, grads):
                                if g is not None:
                                    a += g
                        else:
                            total = loss if total is None else total + loss
                if total is not None:
                    total.backward()
            if per_loss_grads:  # graddrop
                grads_by_loss = list(per_loss_grads.values())
                for i, p in enumerate(params):
                    parts_i = [g[i] for g in grads_by_loss]
                    p.grad = graddrop(parts_i, torch.rand(p.shape, device=p.device)) if len(parts_i) > 1 else parts_i[0]
            if distributed:
                accelerator.clip_grad_norm_(params, settings.max_grad_norm)
            else:
                torch.nn.utils.clip_grad_norm_(params, settings.max_grad_norm)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            for name, value in step_losses.items():
                running[name] = running.get(name, 0.0) + value
            running_n += 1
            is_eval = evaluate is not None and eval_every and (step % eval_every == 0 or step == settings.steps)
            if step % settings.log_every == 0 or step == settings.steps or is_eval:
                row = {"step": step, "loss": sum(running.values()) / running_n, "lr": scheduler.get_last_lr()[0],
                       "elapsed_s": round(time.time() - started, 2)}
                if len(running) > 1:
                    row.update({f"loss_{name}": value / running_n for name, value in running.items()})
                running, running_n = {}, 0
                if is_eval:
                    row.update(evaluate(step))
                history.append(row)
                log(" ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in row.items()))
            if processes > 1 and catch_sigterm:  # a signal seen by one process stops them all at this step
                stop = _any_process(bool(terminated), device)
            else:
                stop = bool(terminated)
            if stop:
                save(step)
                log(f"SIGTERM: saved checkpoint {ckpt} at step {step}; exiting with status {EXIT_ON_SIGTERM} "
                    "(rerun to resume)")
                raise TrainingInterrupted(step, ckpt)
            if ckpt is not None and settings.checkpoint_every and step % settings.checkpoint_every == 0 \
                    and step < settings.steps:
                save(step)
    finally:
        if catch_sigterm:  # None: a handler not set from Python, which cannot be put back; the default then
            signal.signal(signal.SIGTERM, signal.SIG_DFL if previous_handler is None else previous_handler)
    return history
