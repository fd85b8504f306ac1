"""The interface every adaptation method implements: `Method`, its hooks and their defaults.

A method decides which parameters of the backbone train, where its training batches come
from, how the losses of a batch combine, and how what it trained is saved and loaded back
for generation. `prepare`, `save` and `load` are required; every other hook has a default
that a method overrides only where it differs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

from xlgen.methods.batches import BatchContext, task_batches


class Method:
    """Base class of the adaptation methods (xlgen.methods.METHODS).

    Class attributes:
      name             the method's name in the config (`methods`, `method_settings.<name>`)
                       and in every results path
      description      one line of what it trains (config/README.md, `method_settings.<name>`)
      uses_unlabeled   the finetune rule passes target-language unlabeled text
                       (BatchContext.unlabeled); default False
      combine          how the named losses of a batch combine: "sum" (one backward of their
                       sum, the default), or the name of the method's `combine_gradients`
                       (e.g. "graddrop"), recorded in the run's settings and checkpoints
      trainable_share_bound  the share of the backbone's weights it trains at most, for the
                       memory and disk a finetune job asks for (xlgen.resources); 1.0 (default);
                       a method that knows its share from the settings overrides `trainable_share`
      saves_backbone   its saved model holds every weight of the backbone (`full`, `freeze`),
                       not its own weights alone (the peft methods'); default False
      gradient_copies  gradients a trained weight holds during a step (one per loss where
                       the losses combine by their gradients); default 1
      settings_schema  JSON schema of the method's `method_settings.<name>` entry (it may
                       $ref config/schema.yaml's `$defs`, e.g. '#/$defs/lrs'); None (default):
                       schema.yaml's `$defs/method_<name>`, or where there is none an entry
                       holding `lrs` alone (xlgen.config.schema_with_registries)
    """

    name: str = ""
    description: str = ""
    uses_unlabeled: bool = False
    combine: str = "sum"
    trainable_share_bound: float = 1.0
    saves_backbone: bool = False
    gradient_copies: int = 1
    settings_schema: dict | None = None

    def prepare(self, model, settings: dict):
        """Return the model to train, with `requires_grad` set on what this method trains."""
        raise NotImplementedError(f"method {self.name!r} defines no prepare")

    def save(self, model, tokenizer, out_dir: Path) -> None:
        """Save what the method trained (save_pretrained, peft adapters or safetensors) so
        `load` can rebuild it."""
        raise NotImplementedError(f"method {self.name!r} defines no save")

    def load(self, backbone_path: Path, out_dir: Path):
        """(model, tokenizer) ready for generation, from the backbone and `out_dir`."""
        raise NotImplementedError(f"method {self.name!r} defines no load")

    def batches(self, train_examples: list[dict], context: BatchContext) -> Iterator:
        """Endless training micro-batches: a list of examples (one loss), or a dict of named
        lists (one loss each, e.g. task + denoising). Default: plain task batches."""
        return task_batches(train_examples, context)

    def combine_gradients(self, grads_by_loss: list[list], params: list) -> list:
        """One gradient a trainable parameter (in `params` order) from each named loss's own
        gradients (`grads_by_loss[i][j]`: loss i, parameter j). Called by the training loop
        (xlgen.training.train_steps) when `combine` is not "sum"."""
        raise NotImplementedError(f"method {self.name!r} combines losses by {self.combine!r} but defines "
                                  "no combine_gradients")

    def trainable_share(self, shape, settings: dict, family) -> float:
        """The share of the weights of a backbone of `shape` (xlgen.resources.Shape) and `family`
        this method trains with `settings`, for what its finetune job asks for: at most
        `trainable_share_bound` (the default)."""
        return self.trainable_share_bound

    def config_problem(self, family, settings: dict) -> tuple[str, str] | None:
        """(setting, why) when `settings` cannot run on a backbone of `family` (a Family of
        xlgen.families), for the config check; None (default) when they can."""
        return None
