"""Remedies for output in the wrong language (issue 23), one module each, and the registry of
the decode-time ones.

Decode-time remedies change how a trained model decodes and never its weights: `script_mask`
(forbid the tokens of scripts the target language does not use), `steering` (add a
target-minus-English vector to one decoder layer's output), `exemplars` (dev-split pairs of
the target language before each input of a decoder-only model). Each is its module here plus one
line of DECODE_REMEDIES, which the run record (xlgen.runs), the plan (xlgen.plan), the config
check (xlgen.config), the rules (workflow/rules/remedies.smk) and the generate script read.
Importing this package imports neither torch nor transformers.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field

# which backbones a remedy applies to: every family, or only decoder-only / encoder-decoder ones
ARCHITECTURES = ("any", "decoder_only", "seq2seq")


@dataclass(frozen=True)
class DecodeRemedy:
    """One decode-time remedy. `name` is its config key (`remedies.<name>`), its run variant
    and its generate rule's name (`generate_<name>`); `suffix` the path form of its runs'
    method ('full+mask'); `module` its module under xlgen.remedies, whose
    `decode_setup(model, tokenizer, family, lang, settings, records)` returns (keywords for
    xlgen.generation.generate, a context manager to decode inside, whose `enter_result` or
    repr the job logs) for the `records` it decodes in `lang`; `decode_settings` the config keys decoding
    reads, with their defaults (editing any other key reruns no generation job);
    `architectures` which backbones it applies to (ARCHITECTURES); `vector_rule` the rule that
    makes a file per (trained run, target language) before decoding, if any (one job per
    trained run writes all its languages' files; `<vector_rule>_<task>` for a task with its
    own languages); `dev_data`
    whether it reads the target languages' dev splits; `note` one line for the main table's
    Remedies section."""

    name: str
    suffix: str
    module: str
    decode_settings: dict = field(default_factory=dict)
    architectures: str = "any"
    vector_rule: str | None = None
    dev_data: bool = False
    note: str = ""

    @property
    def config_key(self) -> str:
        return f"remedies.{self.name}"

    @property
    def rule(self) -> str:
        return f"generate_{self.name}"

    def applies_to(self, is_encoder_decoder: bool) -> bool:
        """Whether the remedy can decode a backbone of this architecture."""
        return self.architectures == "any" or (self.architectures == "seq2seq") == is_encoder_decoder

    def load(self):
        """Its module (imports torch where the module does)."""
        return importlib.import_module(f"{__name__}.{self.module}")


# one line a decode-time remedy
DECODE_REMEDIES = {remedy.name: remedy for remedy in (
    DecodeRemedy("script_mask", "+mask", "script_mask", {"keep_latin": False},
                 note="the `<method>` run decoding under the script mask (no letter of a script the output "
                      "language does not use; docs/remedies.md)"),
    DecodeRemedy("steering", "+steer", "steering", {"layer": -1, "scale": 1.0}, vector_rule="steering_vector",
                 note="the `<method>` run decoding with `scale` x (mean target-language minus mean English "
                      "hidden state) added to one decoder layer's output (docs/remedies.md)"),
    DecodeRemedy("exemplars", "+fewshot", "exemplars", {"k": 3, "seed": 0}, architectures="decoder_only",
                 dev_data=True,
                 note="the `<method>` run prompted with `k` (input, output) pairs of the output language's dev "
                      "split before each input (docs/remedies.md)"),
)}


def remedy_of_suffix(method: str) -> DecodeRemedy | None:
    """The decode-time remedy whose runs a method path form names ('full+steer'), or None."""
    for remedy in DECODE_REMEDIES.values():
        if method.endswith(remedy.suffix):
            return remedy
    return None
