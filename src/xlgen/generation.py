"""Zero-shot generation: batched, length-sorted, with the backbone family's language control."""

from __future__ import annotations

from xlgen.backbones import forced_bos_token_id, set_languages


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


def generate(model, tokenizer, family: str, sources: list[str], lang: str, *, num_beams: int = 1,
             max_new_tokens: int = 32, batch_size: int = 32, max_source_length: int = 512,
             max_batch_tokens: int | None = None, return_token_ids: bool = False):
    """Outputs for `sources` written in `lang`, in the order of `sources`.

    mBART/NLLB: the input carries `lang`'s code on the source side and the code is forced as
    the first decoded token; mT5 gets no code. Inputs are sorted by length and batched (at
    most `batch_size` inputs and `max_batch_tokens` padded tokens) so batches carry little
    padding; outputs are put back in input order. With `return_token_ids`, also the
    generated token ids (decoder start token first).
    """
    import torch

    from xlgen.training import device_and_dtype

    device, dtype = device_and_dtype()
    model.to(device)
    model.eval()
    set_languages(tokenizer, family, lang)
    forced = forced_bos_token_id(tokenizer, family, lang)
    encoded = tokenizer(sources, truncation=True, max_length=max_source_length)["input_ids"]
    texts: list[str | None] = [None] * len(sources)
    token_ids: list[list[int] | None] = [None] * len(sources)
    with torch.inference_mode(), torch.autocast(device.type, dtype=dtype, enabled=dtype is not None):
        for idx in length_batches([len(e) for e in encoded], batch_size, max_batch_tokens):
            batch = tokenizer.pad({"input_ids": [encoded[i] for i in idx]}, return_tensors="pt").to(device)
            out = model.generate(
                **batch, num_beams=num_beams, max_new_tokens=max_new_tokens, do_sample=False,
                forced_bos_token_id=forced,
            )
            decoded = tokenizer.batch_decode(out, skip_special_tokens=True)
            for i, text, ids in zip(idx, decoded, out.tolist()):
                texts[i] = text.strip()
                token_ids[i] = ids[:1] + [t for t in ids[1:] if t != tokenizer.pad_token_id]
    return (texts, token_ids) if return_token_ids else texts
