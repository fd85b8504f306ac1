"""Zero-shot generation: batched, length-sorted, with the backbone family's language control."""

from __future__ import annotations

from xlgen.families import get_family
from xlgen.io import InputError
from xlgen.tasks import get_kind
from xlgen.training import device_and_dtype


def length_batches(lengths: list[int], batch_size: int, max_batch_tokens: int | None = None) -> list[list[int]]:
    """Indices sorted by length, cut into batches of at most `batch_size` inputs and, with
    `max_batch_tokens`, at most that many padded input tokens (longest x count)."""
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    batches, current = [], []
    for i in order:
        longest = lengths[i]  # ascending order: the newcomer is the longest
        if current and (len(current) == batch_size
                        or (max_batch_tokens and longest * (len(current) + 1) > max_batch_tokens)):
            batches.append(current)
            current = []
        current.append(i)
    if current:
        batches.append(current)
    return batches


# Generation settings (GenerationConfig.to_diff_dict keys) under which transformers' greedy
# decoding is argmax with at most a forced first and last token: what _greedy reproduces.
_PLAIN_GREEDY_KEYS = {"decoder_start_token_id", "bos_token_id", "eos_token_id", "pad_token_id", "max_length",
                      "num_beams", "early_stopping", "forced_eos_token_id", "transformers_version",
                      "_from_model_config"}


def _greedy_applies(model, num_beams: int) -> bool:
    """Whether `_greedy` gives what `model.generate` gives: greedy decoding of a plain
    transformers encoder-decoder whose generation config has no other logits processor."""
    from transformers import PreTrainedModel

    if num_beams != 1 or not isinstance(model, PreTrainedModel) or not model.config.is_encoder_decoder:
        return False  # beams, PEFT wrappers (prompt tuning changes generate), decoder-only models
    config = model.generation_config
    if config.pad_token_id is None or config.decoder_start_token_id is None:
        return False
    return not set(config.to_diff_dict()) - _PLAIN_GREEDY_KEYS


def _as_set(ids) -> set[int]:
    return set() if ids is None else {ids} if isinstance(ids, int) else set(ids)


# Rows the encoder runs at once. A whole batch of long inputs builds (rows x heads x length x
# length) attention scores that leave the cache: on the demo backbones, 60 length-sorted
# inputs encode 1.06-1.29x faster in slices of 16 rows.
ENCODER_ROWS = 16


def _encode(model, input_ids, attention_mask):
    """Encoder states of a batch, computed in slices of ENCODER_ROWS rows at the batch's full
    padded width: bit for bit the states of the whole batch, as `model.generate` computes them.
    (A slice cut to its own longest input is not: torch's fused attention sums over the padded
    length in a different order, 1e-6 apart in fp32 and 1e-2 under bf16 autocast, where it
    changed 1-3 of 100 greedy outputs of each demo backbone; issue 16.)"""
    import torch

    encoder = model.get_encoder()
    return torch.cat([encoder(input_ids=input_ids[start:start + ENCODER_ROWS],
                              attention_mask=attention_mask[start:start + ENCODER_ROWS], return_dict=True)[0]
                      for start in range(0, input_ids.shape[0], ENCODER_ROWS)])


def _cache_keyword(model) -> str:
    """The keyword a seq2seq model's forward takes its cache by: `cache` since transformers
    renamed it (`past_key_values` warns a FutureWarning and goes in 5.40), `past_key_values`
    before."""
    import inspect

    return "cache" if "cache" in inspect.signature(model.forward).parameters else "past_key_values"


# Kept over batched generate (issue 25): 10.3 s vs 14.1 s (1.37x), 240 mbart-demo inputs, benchmarks/generation.py
def _greedy(model, input_ids, attention_mask, *, max_new_tokens: int, forced_bos: int | None,
            logits_processor=None):
    """transformers' greedy decoding (argmax of the float32 logits after `logits_processor`,
    forced first token, the generation config's forced last token, pads after EOS) that drops
    finished rows from the batch: a batch costs what its unfinished outputs cost, not its
    longest output times its size. Returns the token ids, decoder start token first, one row
    per input. The processors see each remaining row's tokens so far, as in `generate`."""
    import torch
    from transformers.cache_utils import DynamicCache, EncoderDecoderCache
    from transformers.modeling_outputs import BaseModelOutput

    config = model.generation_config
    eos = torch.tensor(sorted(_as_set(config.eos_token_id)), device=input_ids.device)
    forced_eos = config.forced_eos_token_id
    forced_eos = forced_eos if forced_eos is None or isinstance(forced_eos, int) else forced_eos[0]
    n = input_ids.shape[0]
    tokens = torch.full((n, max_new_tokens + 1), config.pad_token_id, dtype=torch.long, device=input_ids.device)
    tokens[:, 0] = config.decoder_start_token_id
    hidden = _encode(model, input_ids, attention_mask)
    cache = EncoderDecoderCache(DynamicCache(), DynamicCache())
    cache_kwarg = _cache_keyword(model)
    rows = torch.arange(n, device=input_ids.device)  # the input each remaining row belongs to
    last = tokens[:, :1]
    for step in range(max_new_tokens):
        out = model(encoder_outputs=BaseModelOutput(last_hidden_state=hidden), attention_mask=attention_mask,
                    decoder_input_ids=last, use_cache=True, return_dict=True, **{cache_kwarg: cache})
        scores = out.logits[:, -1].to(dtype=torch.float32)
        if logits_processor:  # generate forces its tokens first: the same argmax while the processors allow them
            scores = logits_processor(tokens[rows, : step + 1], scores)
        next_tokens = scores.argmax(dim=-1)
        if step == 0 and forced_bos is not None:
            next_tokens.fill_(forced_bos)
        if step == max_new_tokens - 1 and forced_eos is not None:
            next_tokens.fill_(forced_eos)  # transformers' ForcedEOSTokenLogitsProcessor at max_length
        tokens[rows, step + 1] = next_tokens
        finished = torch.isin(next_tokens, eos)
        if finished.any():
            keep = (~finished).nonzero().squeeze(1)
            if keep.numel() == 0:
                break
            rows, hidden, attention_mask = rows[keep], hidden[keep], attention_mask[keep]
            next_tokens = next_tokens[keep]
            cache.batch_select_indices(keep)
        last = next_tokens[:, None]
    return tokens


def generate(model, tokenizer, family, sources: list[str], lang: str, *, kind=None, num_beams: int = 1,
             max_new_tokens: int = 32, batch_size: int = 32, max_source_length: int = 512,
             max_batch_tokens: int | None = None, return_token_ids: bool = False,
             source_lang: str | None = None, logits_processor=None, exemplars=None):
    """Outputs for `sources` written in `lang`, in the order of `sources`.

    `family` (a name or an xlgen.families.Family, with its settings) decides how the model is
    asked: mBART/NLLB get the code of `source_lang` (the language the sources are written in;
    default `lang`) on the source side and `lang`'s code forced as the first decoded token, so
    a translation model reads `source_lang` and writes `lang`; mT5 gets no code; a decoder-only
    model gets the task `kind`'s prompt (an instruction naming `lang`, or none), left-padded,
    and its output is the text after the prompt, cut at EOS and the kind's stop strings.
    Inputs are sorted by length and batched (at most `batch_size` inputs and
    `max_batch_tokens` padded tokens) so batches carry little padding; outputs are put back
    in input order. On CPU, greedy decoding of a plain encoder-decoder drops finished outputs
    from the batch as it goes (the same tokens as `model.generate`, which does the rest). With
    `return_token_ids`, also the generated token ids (seq2seq: decoder start token first).

    `logits_processor`: transformers logits processors (a LogitsProcessorList or a list, e.g.
    xlgen.remedies.script_mask.ScriptMaskLogitsProcessor) applied to every step's scores
    after the generation config's own, by every family's path: `model.generate` (beams,
    decoder-only models) and the CPU greedy loop alike. They must keep no state between
    steps that the loop's dropped rows would break. None or empty: decoding as without.

    `exemplars`: per source, (input, output) pairs a decoder-only family puts before it
    (xlgen.remedies.exemplars); an encoder-decoder family has no prompt for them (InputError).
    None: the prompts as without.
    """
    import torch
    from transformers import LogitsProcessorList

    family = get_family(family)
    device, dtype = device_and_dtype()
    model.to(device)
    model.eval()
    tokenizer = family.prepare_tokenizer(tokenizer)
    kind = get_kind(kind) if kind is not None else None  # families take the TaskKind object
    if exemplars is not None and family.is_encoder_decoder:
        raise InputError(f"exemplars are prompt turns: family {family.name} (encoder-decoder) has no prompt")
    exemplar_kwargs = {"exemplars": exemplars} if exemplars is not None else {}  # without: the call as before
    request = family.generation_request(model, tokenizer, sources, lang, source_lang=source_lang or lang, kind=kind,
                                        max_source_length=max_source_length, **exemplar_kwargs)
    encoded = request.input_ids
    texts: list[str | None] = [None] * len(sources)
    token_ids: list[list[int] | None] = [None] * len(sources)
    # fast loop on CPU only: there it gives generate's tokens (0 of 1,800 differ a demo backbone, fp32 or bf16);
    # a GPU runs generate, as its matmuls may change with the rows the loop drops (unmeasured; issue 16)
    compact = device.type == "cpu" and _greedy_applies(model, num_beams)
    processors = LogitsProcessorList(logits_processor) if logits_processor else None
    processor_kwargs = {"logits_processor": processors} if processors else {}  # without: generate's call as before
    with torch.inference_mode(), torch.autocast(device.type, dtype=dtype, enabled=dtype is not None):
        for idx in length_batches([len(e) for e in encoded], batch_size, max_batch_tokens):
            batch = family.pad_batch(tokenizer, [encoded[i] for i in idx]).to(device)
            if compact:
                out = _greedy(model, batch["input_ids"], batch["attention_mask"], max_new_tokens=max_new_tokens,
                              forced_bos=request.forced_bos, logits_processor=processors)
            else:
                out = model.generate(
                    **batch, num_beams=num_beams, max_new_tokens=max_new_tokens, do_sample=False,
                    **request.kwargs, **processor_kwargs,
                )
            for i, (text, ids) in zip(idx, request.decode(out, batch["input_ids"].shape[1])):
                texts[i] = text
                token_ids[i] = ids
    return (texts, token_ids) if return_token_ids else texts


def decoding_kwargs(settings: dict, task: str, task_settings: dict) -> dict:
    """`generate` keywords from the config's `generate` section and the task's settings (the
    generate and translate_test rules decode alike)."""
    return {"num_beams": settings["num_beams"], "max_new_tokens": settings["max_new_tokens"][task],
            "batch_size": settings["batch_size"], "max_batch_tokens": settings.get("max_batch_tokens"),
            "max_source_length": task_settings["max_source_length"]}
