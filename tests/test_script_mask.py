"""The decode-time script mask (issue 23): which tokens it forbids, judged on the demo
backbones' tokenizers and on real human text (XQuAD, ../shared/fixtures/xquad), and what
generation writes with it on every family's path (the CPU greedy loop, beam search, mT5,
mBART, NLLB, and the decoder-only Llama and Qwen2 paths).

The decoder-only Qwen2 model is built here, random, on a byte-level BPE tokenizer trained on
XQuAD (Qwen's and Llama 3's kind of tokenizer, whose tokens can split a character); the
llama-demo's tokenizer has sentencepiece byte fallback (`<0xC3>`). Random and tiny models
write whatever their logits say: English sources asked for a Russian output give Latin
letters without the mask, which is what the mask must stop.
"""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import numpy as np
import pytest
import regex
import torch

from xlgen import generation
from xlgen.backbones import load_backbone
from xlgen.families import get_family
from xlgen.generation import generate
from xlgen.io import InputError
from xlgen.metrics.scripts import letter_scripts, target_scripts
from xlgen.remedies import script_mask
from xlgen.remedies.script_mask import (
    ScriptMaskLogitsProcessor,
    cache_file,
    forbidden_token_ids,
    mask_cache_dir,
    script_mask_processor,
    split_utf8,
    token_bytes,
    tokenizer_fingerprint,
)

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "resources" / "demo_backbones"
XQUAD = ROOT.parent / "shared" / "fixtures" / "xquad"
needs_xquad = pytest.mark.skipif(not (XQUAD / "xquad.en.json").exists(),
                                 reason=f"XQuAD fixtures not found at {XQUAD} (they live beside the repository)")
DEMOS = ("mt5-demo", "mbart-demo", "nllb-demo", "llama-demo")
BACKBONES = (*DEMOS, "qwen2-bytelevel")
TARGETS = ("ru", "zh", "th", "ar")  # non-Latin scripts of XQuAD
LATIN_TARGETS = ("es", "de")
INF = -float("inf")

pytestmark = pytest.mark.usefixtures("one_torch_thread")  # tests/conftest.py


def latin(text: str) -> bool:
    return bool(regex.search(r"\p{Script=Latin}", text))


def xquad_texts(lang: str, limit: int = 80) -> list[str]:
    """The first `limit` gold answers and `limit` context sentences of XQuAD in `lang`."""
    data = json.loads((XQUAD / f"xquad.{lang}.json").read_text(encoding="utf-8"))["data"]
    paragraphs = [p for article in data for p in article["paragraphs"]]
    answers = [qa["answers"][0]["text"] for p in paragraphs for qa in p["qas"]][:limit]
    sentences = [s for p in paragraphs for s in regex.split(r"(?<=[.!?。])\s*", p["context"]) if s][:limit]
    return answers + sentences


# --- the backbones -------------------------------------------------------------------------


# `backbones` (tests/conftest.py): the demo backbones and the byte-level Qwen2, loaded once a worker


# --- the forbidden set ---------------------------------------------------------------------


MARK_NAMES = {"THAI": "Thai", "ARABIC": "Arabic", "DEVANAGARI": "Devanagari", "CYRILLIC": "Cyrillic",
              "HEBREW": "Hebrew", "COMBINING": "Inherited"}


def mark_scripts(text: str) -> set:
    """The scripts of the combining marks of `text`, read from their Unicode names (None for
    a name this table does not know); Inherited marks (accents) are left out."""
    names = [unicodedata.name(c, "").split(" ")[0] for c in unicodedata.normalize("NFKC", text)
             if unicodedata.category(c).startswith("M")]
    return {MARK_NAMES.get(name) for name in names} - {"Inherited"}


@pytest.mark.parametrize("name", BACKBONES)
def test_a_token_is_forbidden_exactly_when_its_text_has_a_letter_of_another_script(backbones, name):
    _, tokenizer, _ = backbones(name)
    for lang, keep_latin in (("ru", False), ("ru", True), ("zh", False), ("es", False)):
        forbidden = set(forbidden_token_ids(tokenizer, lang, keep_latin=keep_latin).tolist())
        allowed_scripts = set(target_scripts(lang)) | ({"Latin"} if keep_latin else set())
        checked = 0
        for i, data in enumerate(token_bytes(tokenizer)):
            text = tokenizer.decode([i])
            if data is None or "\ufffd" in text:  # special tokens; byte fragments: tested below
                continue
            # the language judge's own script reader (xlgen.metrics.scripts) as the reference for
            # letters (it calls letters of Script Common "Other": see the next test for those),
            # Unicode character names for combining marks ("THAI CHARACTER MAI EK")
            scripts = set(letter_scripts(text)) | mark_scripts(text)
            if scripts & {"Other", None}:
                continue
            foreign = scripts - allowed_scripts
            assert (i in forbidden) == bool(foreign), (name, lang, keep_latin, i, text, foreign)
            checked += 1
        assert checked > 0.8 * len(tokenizer) - 300  # byte tokens aside, nearly every token was judged


def test_script_extensions_decide_for_letters_several_scripts_share():
    from xlgen.remedies.script_mask import has_forbidden_letter

    assert has_forbidden_letter("ـ", ("Cyrillic",)) and not has_forbidden_letter("ـ", ("Arabic",))  # tatweel
    assert has_forbidden_letter("ー", ("Cyrillic",)) and not has_forbidden_letter("ー", target_scripts("ja"))
    assert not has_forbidden_letter("ʹ", ("Cyrillic",))  # a modifier letter of every script
    assert has_forbidden_letter("Ⓐ", ("Cyrillic",))  # a Latin letter after NFKC, as the judge reads it
    assert not has_forbidden_letter("2024 — «12,5 %» ٣ ๓ ?!", ("Cyrillic",))  # digits of any script
    assert has_forbidden_letter("三", ("Cyrillic",))  # a Han numeral is a letter (Lo)
    thai_vowel_sign = "\u0e31"  # a combining mark of the Thai script
    assert has_forbidden_letter(thai_vowel_sign, ("Arabic",)) and not has_forbidden_letter(thai_vowel_sign, ("Thai",))
    assert not has_forbidden_letter("\u0301", ("Cyrillic",))  # the acute accent every script uses (Inherited)


@pytest.mark.parametrize("name", BACKBONES)
def test_digits_punctuation_and_special_tokens_stay_allowed(backbones, name):
    model, tokenizer, family = backbones(name)
    family = get_family(family)
    plain = tokenizer("2024, 3.5% (12) - 7/8: 1 000 000?! «19»", add_special_tokens=False)["input_ids"]
    for lang in (*TARGETS, *LATIN_TARGETS):
        forbidden = set(forbidden_token_ids(tokenizer, lang).tolist())
        assert not forbidden & set(plain), (lang, [tokenizer.decode([i]) for i in forbidden & set(plain)])
        assert not forbidden & set(tokenizer.all_special_ids)
        for other in (lang, "en"):  # the codes a family forces, its own and another language's
            code = family.forced_bos_token_id(tokenizer, other) if family.has_language_codes else None
            assert code is None or code not in forbidden
        if family.has_language_codes:
            assert latin(tokenizer.convert_ids_to_tokens(family.forced_bos_token_id(tokenizer, "ru")))
        assert len(forbidden) > 0.2 * len(tokenizer)  # every target forbids a share of a multilingual vocabulary


def teacher_forced_block(processor, ids: list[int], start: int) -> int | None:
    """The first position of `ids` whose token the mask forbids after the tokens before
    it (`start` stands before the first), or None when the whole sequence passes."""
    row = torch.tensor([[start, *ids]])
    for k in range(len(ids)):
        scores = processor(row[:, : k + 1], torch.zeros(1, processor.vocab_size + 3))
        if scores[0, ids[k]] == INF:
            return k
    return None


def only_scripts(text: str, scripts) -> bool:
    """Whether every letter of `text` is in `scripts`, by the language judge's reader; a
    letter of Script Common that belongs to one of `scripts` (the Arabic tatweel) counts as
    theirs (the judge calls it "Other")."""
    own = "".join(f"\\p{{Script_Extensions={name}}}" for name in scripts)
    return set(letter_scripts(regex.sub(f"[{own}]", "", text))) <= set(scripts)


@needs_xquad
@pytest.mark.parametrize("name", BACKBONES)
def test_real_text_in_the_target_script_passes_token_by_token(backbones, name):
    # XQuAD's gold answers and sentences, fed to the mask as a model would write them: each
    # token after the ones before it; texts with letters of another script are left out
    _, tokenizer, _ = backbones(name)
    start = tokenizer.eos_token_id
    for lang in (*TARGETS, *LATIN_TARGETS):
        processor = ScriptMaskLogitsProcessor(tokenizer, lang)
        texts = [t for t in xquad_texts(lang) if only_scripts(t, target_scripts(lang))]
        assert len(texts) > 60, lang
        for text in texts:
            ids = tokenizer(text, add_special_tokens=False)["input_ids"]
            blocked = teacher_forced_block(processor, ids, start)
            assert blocked is None, (lang, text, tokenizer.convert_ids_to_tokens(ids)[blocked])


@needs_xquad
@pytest.mark.parametrize("name", BACKBONES)
def test_english_is_blocked_for_non_latin_targets_and_kept_with_keep_latin_and_for_latin_targets(backbones, name):
    _, tokenizer, _ = backbones(name)
    start = tokenizer.eos_token_id
    english = [t for t in xquad_texts("en", 40) if latin(t)]
    for lang in TARGETS:
        strict = ScriptMaskLogitsProcessor(tokenizer, lang)
        kept = ScriptMaskLogitsProcessor(tokenizer, lang, keep_latin=True)
        for text in english:
            ids = tokenizer(text, add_special_tokens=False)["input_ids"]
            assert teacher_forced_block(strict, ids, start) is not None, (lang, text)
            assert teacher_forced_block(kept, ids, start) is None, (lang, text)
        # real target-language text with names in Latin letters passes only with keep_latin
        mixed = [t for t in xquad_texts(lang, 1190) if latin(t) and only_scripts(t, {*target_scripts(lang), "Latin"})]
        assert len(mixed) >= 20, lang
        for text in mixed[:20]:
            ids = tokenizer(text, add_special_tokens=False)["input_ids"]
            if not latin(tokenizer.decode(ids, skip_special_tokens=True)):  # its Latin letters became <unk>
                continue
            assert teacher_forced_block(strict, ids, start) is not None, (lang, text)
            assert teacher_forced_block(kept, ids, start) is None, (lang, text)
    for lang in LATIN_TARGETS:  # the limit: the mask cannot tell English from Spanish or German
        processor = ScriptMaskLogitsProcessor(tokenizer, lang)
        assert processor.scripts == ("Latin",)
        for text in english:
            assert teacher_forced_block(processor, tokenizer(text, add_special_tokens=False)["input_ids"],
                                        start) is None, (lang, text)


def test_a_latin_target_forbids_no_latin_letter():
    _, tokenizer = load_backbone(DEMO / "mbart-demo")
    forbidden = set(forbidden_token_ids(tokenizer, "es").tolist())
    pieces = tokenizer.convert_ids_to_tokens(list(range(len(tokenizer))))
    latin_only = [i for i, p in enumerate(pieces) if letter_scripts(p) and set(letter_scripts(p)) == {"Latin"}]
    assert len(latin_only) > 400 and not forbidden & set(latin_only)
    assert {"Cyrillic", "Han", "Thai", "Arabic"} <= {s for i in forbidden for s in letter_scripts(pieces[i])}


# --- byte tokens ---------------------------------------------------------------------------


def test_split_utf8_finds_the_unfinished_characters():
    assert split_utf8("é".encode()) == (b"", "é".encode(), b"")
    assert split_utf8(b"\xc3") == (b"", b"", b"\xc3")
    assert split_utf8(b"\xa9ab\xe4\xb8") == (b"\xa9", b"ab", b"\xe4\xb8")
    assert split_utf8(b"\xa9") == (b"\xa9", b"", b"")
    assert split_utf8("ab世".encode()) == (b"", "ab世".encode(), b"")


@pytest.mark.parametrize("name", ["llama-demo", "qwen2-bytelevel"])
def test_a_letter_spelt_in_byte_tokens_is_blocked_where_it_would_be_foreign(backbones, name):
    _, tokenizer, _ = backbones(name)
    if name == "llama-demo":  # sentencepiece byte fallback: one token a byte
        byte = {b: tokenizer.convert_tokens_to_ids(f"<0x{b:02X}>") for b in range(256)}
    else:  # GPT-2's byte alphabet: every byte is a token of its own
        alphabet = {v: k for k, v in script_mask._gpt2_byte_decoder().items()}
        byte = {b: tokenizer.convert_tokens_to_ids(alphabet[b]) for b in range(256)}
    pad = tokenizer.pad_token_id

    def next_scores(processor, prefix: bytes):
        return processor(torch.tensor([[pad, *(byte[b] for b in prefix)]]), torch.zeros(1, len(tokenizer)))[0]

    ru, es, ru_latin = (ScriptMaskLogitsProcessor(tokenizer, "ru"), ScriptMaskLogitsProcessor(tokenizer, "es"),
                        ScriptMaskLogitsProcessor(tokenizer, "ru", keep_latin=True))
    assert next_scores(ru, b"")[byte[ord("A")]] == INF and next_scores(es, b"")[byte[ord("A")]] == 0
    # "é" = C3 A9: the lead byte may still begin "×", the continuation is blocked for ru only
    assert next_scores(ru, b"")[byte[0xC3]] == 0
    assert next_scores(ru, b"\xc3")[byte[0xA9]] == INF and next_scores(ru, b"\xc3")[byte[0x97]] == 0  # "×"
    assert next_scores(es, b"\xc3")[byte[0xA9]] == 0 and next_scores(ru_latin, b"\xc3")[byte[0xA9]] == 0
    # "п" = D0 BF passes for ru and is blocked for es; "世" = E4 B8 96 is blocked for ru at its last byte
    assert next_scores(ru, b"\xd0")[byte[0xBF]] == 0 and next_scores(es, b"\xd0")[byte[0xBF]] == INF
    assert next_scores(ru, b"\xe4")[byte[0xB8]] == INF  # E4 B8 xx: only Han letters
    assert next_scores(ScriptMaskLogitsProcessor(tokenizer, "zh"), b"\xe4\xb8")[byte[0x96]] == 0
    # a character another token finished is no longer pending
    assert next_scores(ru, "п".encode())[byte[0xA9]] == 0


# --- the processor -------------------------------------------------------------------------


def test_the_processor_fits_any_logit_width_and_leaves_other_scores_alone():
    _, tokenizer = load_backbone(DEMO / "mt5-demo")
    processor = script_mask_processor(tokenizer, "ru")
    scores = torch.randn(3, len(tokenizer) + 12)
    out = processor(torch.zeros((3, 1), dtype=torch.long), scores)
    forbidden = torch.zeros(scores.shape[1], dtype=torch.bool)
    forbidden[torch.from_numpy(processor.forbidden_ids)] = True
    assert torch.equal(out[:, ~forbidden], scores[:, ~forbidden]) and (out[:, forbidden] == INF).all()
    assert not (out[:, len(tokenizer):] == INF).any()  # past the tokenizer (mT5's padded head)
    narrow = processor(torch.zeros((1, 1), dtype=torch.long), torch.zeros(1, 100))
    assert narrow.shape == (1, 100)
    assert "Cyrillic" in repr(processor)


def test_a_script_the_mask_cannot_tell_apart_is_refused_in_one_line():
    _, tokenizer = load_backbone(DEMO / "mt5-demo")
    with pytest.raises(InputError, match="script mask: the script of 'iu'") as caught:
        script_mask_processor(tokenizer, "iu")  # Inuktitut: Canadian syllabics
    assert "\n" not in str(caught.value)


# --- the cache ------------------------------------------------------------------------------


def test_the_forbidden_set_is_cached_once_per_tokenizer_and_script_and_reused(tmp_path, monkeypatch):
    _, tokenizer = load_backbone(DEMO / "nllb-demo")
    cache = mask_cache_dir(tmp_path / "backbone")
    assert cache == tmp_path / "backbone" / "script_masks"
    first = forbidden_token_ids(tokenizer, "ru", cache_dir=cache)
    path = cache_file(cache, ("Cyrillic",), tokenizer_fingerprint(tokenizer))
    assert [p.name for p in cache.iterdir()] == [path.name] and path.name.startswith("Cyrillic-")
    assert np.array_equal(np.load(path), first)
    stamp = path.stat().st_mtime_ns
    computed = []
    real = script_mask.compute_forbidden_ids
    monkeypatch.setattr(script_mask, "compute_forbidden_ids", lambda *a: computed.append(a) or real(*a))
    assert np.array_equal(forbidden_token_ids(tokenizer, "ru", cache_dir=cache), first)
    assert np.array_equal(forbidden_token_ids(tokenizer, "uk", cache_dir=cache), first)  # one script, one file
    processor = ScriptMaskLogitsProcessor(tokenizer, "ru", cache_dir=cache)
    assert computed == [] and path.stat().st_mtime_ns == stamp and np.array_equal(processor.forbidden_ids, first)
    # keep_latin is another file; a damaged file is computed again and replaced
    kept = forbidden_token_ids(tokenizer, "ru", keep_latin=True, cache_dir=cache)
    assert len(kept) < len(first) and len(list(cache.iterdir())) == 2 and len(computed) == 1
    path.write_bytes(path.read_bytes()[:20])
    assert np.array_equal(forbidden_token_ids(tokenizer, "ru", cache_dir=cache), first) and len(computed) == 2
    assert np.array_equal(np.load(path), first)
    assert not [p for p in cache.iterdir() if p.name.startswith(".tmp")]
    # another tokenizer (one token more) never reads this one's file
    tokenizer.add_tokens(["Zzz"])
    assert cache_file(cache, ("Cyrillic",), tokenizer_fingerprint(tokenizer)) != path
    assert len(forbidden_token_ids(tokenizer, "ru", cache_dir=cache)) == len(first) + 1
    assert len(list(cache.iterdir())) == 3


# --- generation with the mask, every family's path ------------------------------------------


@pytest.fixture(scope="module")
def english_sources() -> list[str]:
    if not (XQUAD / "xquad.en.json").exists():
        pytest.skip(f"XQuAD fixtures not found at {XQUAD} (they live beside the repository)")
    data = json.loads((XQUAD / "xquad.en.json").read_text(encoding="utf-8"))["data"]
    return [p["context"][:400] for article in data[:10] for p in article["paragraphs"][:1]]


def run(model, tokenizer, family, sources, lang, num_beams, processors=None):
    return generate(model, tokenizer, family, sources, lang, kind="summarization", num_beams=num_beams,
                    max_new_tokens=16, batch_size=4, max_source_length=128, return_token_ids=True,
                    source_lang="en", logits_processor=processors)


@pytest.mark.parametrize("num_beams", [1, 3], ids=["greedy", "beam3"])
@pytest.mark.parametrize("name", BACKBONES)
def test_generation_with_the_mask_writes_no_latin_letter_for_a_russian_target(backbones, english_sources, name,
                                                                              num_beams, monkeypatch):
    model, tokenizer, family = backbones(name)
    loops = []
    greedy = generation._greedy
    monkeypatch.setattr(generation, "_greedy", lambda *a, **k: loops.append(k["logits_processor"]) or greedy(*a, **k))
    plain_texts, plain_ids = run(model, tokenizer, family, english_sources, "ru", num_beams)
    processor = ScriptMaskLogitsProcessor(tokenizer, "ru")
    texts, ids = run(model, tokenizer, family, english_sources, "ru", num_beams, [processor])
    # English sources: without the mask outputs hold Latin letters (so this test can fail), but
    # the NLLB-like demo, pretrained to translate, writes Russian for the forced rus_Cyrl anyway
    assert sum(map(latin, plain_texts)) >= (0 if name == "nllb-demo" else 5), plain_texts
    assert not any(map(latin, texts)), texts
    forbidden = set(processor.forbidden_ids.tolist())
    assert not forbidden & {t for row in ids for t in row}
    for row in ids:  # the whole output, special tokens and byte fragments decoded, has no Latin letter
        assert not latin(tokenizer.decode(row, skip_special_tokens=True)), tokenizer.convert_ids_to_tokens(row)
    # the CPU greedy loop ran for the encoder-decoders, with the mask and without
    seq2seq_greedy = num_beams == 1 and model.config.is_encoder_decoder
    assert bool(loops) == seq2seq_greedy and (not loops or (loops[0] is None and loops[-1][0] is processor))
    if num_beams == 1:  # greedy: an output the mask would have allowed is unchanged by it
        obeying = [i for i, row in enumerate(plain_ids) if not forbidden & set(row)]
        assert all(ids[i] == plain_ids[i] for i in obeying)


@needs_xquad
@pytest.mark.parametrize("name", ["mbart-demo", "llama-demo", "qwen2-bytelevel"])
def test_chinese_thai_and_arabic_targets_write_their_script_and_only_it(backbones, name):
    # sources in the target language: the demo models answer in it, and the mask lets them
    model, tokenizer, family = backbones(name)
    for lang in ("zh", "th", "ar"):
        data = json.loads((XQUAD / f"xquad.{lang}.json").read_text(encoding="utf-8"))["data"]
        sources = [p["context"][:300] for article in data[:8] for p in article["paragraphs"][:1]]
        processor = ScriptMaskLogitsProcessor(tokenizer, lang)
        generate_lang = dict(kind="summarization", max_new_tokens=16, batch_size=4, max_source_length=128,
                             return_token_ids=True)
        plain, plain_ids = generate(model, tokenizer, family, sources, lang, **generate_lang)
        texts, ids = generate(model, tokenizer, family, sources, lang, logits_processor=[processor], **generate_lang)
        assert all(only_scripts(t, target_scripts(lang)) for t in texts), (lang, texts)
        assert any(letter_scripts(t) for t in texts), (lang, texts)  # letters were written
        forbidden = set(processor.forbidden_ids.tolist())
        obeying = [i for i, row in enumerate(plain_ids) if not forbidden & set(row)]
        assert all(ids[i] == plain_ids[i] for i in obeying), lang  # greedy: what already obeys stays


@pytest.mark.parametrize("name", ["mt5-demo", "mbart-demo", "nllb-demo"])
def test_the_greedy_loop_with_the_mask_gives_model_generate_tokens(backbones, english_sources, name):
    model, tokenizer, family = backbones(name)
    processor = ScriptMaskLogitsProcessor(tokenizer, "ru", keep_latin=True)
    _, ids = run(model, tokenizer, family, english_sources, "ru", 1, [processor])
    request = get_family(family).generation_request(model, tokenizer, english_sources, "ru", source_lang="en",
                                                    max_source_length=128)
    from transformers import LogitsProcessorList

    expected: list = [None] * len(english_sources)
    with torch.inference_mode():
        for idx in generation.length_batches([len(e) for e in request.input_ids], 4):
            batch = tokenizer.pad({"input_ids": [request.input_ids[i] for i in idx]}, return_tensors="pt")
            out = model.generate(**batch, num_beams=1, do_sample=False, max_new_tokens=16, **request.kwargs,
                                 logits_processor=LogitsProcessorList([processor]))
            for i, (_, row) in zip(idx, request.decode(out, batch["input_ids"].shape[1])):
                expected[i] = row
    assert ids == expected


@pytest.mark.parametrize("num_beams", [1, 3], ids=["greedy", "beam3"])
@pytest.mark.parametrize("name", BACKBONES)
def test_without_a_mask_generate_calls_what_it_called_before(backbones, english_sources, name, num_beams, monkeypatch):
    # off by default: no processor reaches model.generate, and None and [] decode alike
    model, tokenizer, family = backbones(name)
    calls = []
    real = type(model).generate
    monkeypatch.setattr(type(model), "generate", lambda self, *a, **k: calls.append(k) or real(self, *a, **k))
    default = generate(model, tokenizer, family, english_sources[:5], "ru", kind="summarization",
                       num_beams=num_beams, max_new_tokens=12, batch_size=4, max_source_length=128,
                       return_token_ids=True, source_lang="en")
    assert all("logits_processor" not in k for k in calls)
    assert run(model, tokenizer, family, english_sources[:5], "ru", num_beams, [])[1] == \
        run(model, tokenizer, family, english_sources[:5], "ru", num_beams, None)[1]
    assert default == generate(model, tokenizer, family, english_sources[:5], "ru", kind="summarization",
                               num_beams=num_beams, max_new_tokens=12, batch_size=4, max_source_length=128,
                               return_token_ids=True, source_lang="en", logits_processor=None)


@pytest.mark.parametrize("method", ["lora", "prompt"])
@pytest.mark.parametrize("name", ["mbart-demo", "llama-demo"])
def test_a_peft_wrapped_model_applies_the_mask_through_its_generate(backbones, english_sources, name, method):
    # the `lora` and `prompt` methods generate through a peft wrapper's generate (not the greedy loop)
    from peft import LoraConfig, PromptTuningConfig, get_peft_model

    _, tokenizer, family = backbones(name)
    model, _ = load_backbone(DEMO / name)
    task = "CAUSAL_LM" if family == "causal" else "SEQ_2_SEQ_LM"
    config = (LoraConfig(task_type=task, r=4, target_modules=["q_proj", "v_proj"]) if method == "lora"
              else PromptTuningConfig(task_type=task, num_virtual_tokens=5))
    wrapped = get_peft_model(model, config)
    plain, _ = run(wrapped, tokenizer, family, english_sources[:6], "ru", 1)
    mask = ScriptMaskLogitsProcessor(tokenizer, "ru")
    masked, _ = run(wrapped, tokenizer, family, english_sources[:6], "ru", 1, [mask])
    assert sum(map(latin, plain)) >= 3 and not any(map(latin, masked)), (plain, masked)
