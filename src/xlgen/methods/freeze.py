"""`freeze`: finetune with parts of the backbone frozen (ZmBART, Maurya et al. 2021).

ZmBART freezes the decoder and the word embeddings so that finetuning on English cannot
overwrite how the model writes other languages. "embeddings" means the shared token
embeddings, the LM head (tied as in mBART/NLLB, or untied as in the released mT5) and
learned position embeddings (mBART). The full model is saved, as in `full`.

The parts are the backbone family's (xlgen.families): encoder-decoders have `decoder`,
`encoder` and `embeddings` (default: decoder + embeddings); decoder-only LLMs have
`embeddings`, `lower_layers` (the lower half of the layers) and `upper_layers` (the rest and
the final norm; default: embeddings + lower_layers). Setting `parts`: a list for every family,
or a mapping family -> list (families left out keep their default).
"""

from __future__ import annotations

from xlgen.families import FAMILIES, get_family
from xlgen.io import InputError
from xlgen.methods.full import FullFinetuning

DEFAULTS = {"parts": None}  # None: each family's default_frozen


def frozen_parts(settings: dict, family) -> list[str]:
    """The validated `parts` setting for a backbone of `family` (a name or Family): a
    non-empty subset of the family's parts that leaves something to train. ValueError naming
    the setting otherwise."""

    family = get_family(family)
    setting = settings.get("parts", DEFAULTS["parts"])
    if isinstance(setting, dict):
        unknown = sorted(set(setting) - set(FAMILIES))
        if unknown:
            raise InputError(f"freeze: parts has unknown families {unknown}; known: {', '.join(FAMILIES)}")
        setting = setting.get(family.name)
    parts = list(family.default_frozen if setting is None else setting)
    known = {part for f in FAMILIES.values() for part in f.parts}
    unknown = sorted(set(parts) - known)
    if unknown:
        raise InputError(f"freeze: unknown parts {unknown}; known: {', '.join(sorted(known))}")
    foreign = [part for part in parts if part not in family.parts]
    if foreign:
        raise InputError(f"freeze: part {foreign[0]!r} does not apply to family {family.name}"
                         f"{' (decoder-only)' if not family.is_encoder_decoder else ''}; its parts: "
                         f"{', '.join(family.parts)}")
    if set(parts) == set(family.parts):
        raise InputError(f"freeze: freezing {', '.join(family.parts)} leaves nothing to train")
    return parts


class FreezeParts(FullFinetuning):
    name = "freeze"
    description = "full finetuning with parts frozen (ZmBART)"

    def config_problem(self, family, settings: dict) -> tuple[str, str] | None:
        """(setting, why) when `settings` cannot run on a backbone of `family`, else None."""
        try:
            frozen_parts(settings, family)
        except InputError as err:
            return "parts", str(err).removeprefix("freeze: ")
        return None

    def trainable_share(self, shape, settings: dict, family) -> float:
        """The share of the parts left to train, counted from the backbone's config.json
        (xlgen.resources.count_parts); all where its parts are not known."""
        family = get_family(family)
        frozen = frozen_parts(settings, family)
        share = shape.share_of([part for part in family.parts if part not in frozen])
        return self.trainable_share_bound if share is None else share

    def prepare(self, model, settings: dict):

        family = get_family(model)
        frozen = set(frozen_parts(settings, family))
        for part, params in family.part_parameters(model).items():
            for p in params:
                p.requires_grad_(part not in frozen)
        return model
