"""Tokenizers with the real language-code conventions, tiny models of the three
architectures, and language control in generation."""

import random

import pytest
from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

from xlgen.backbones import family_of, forced_bos_token_id, set_languages
from xlgen.generation import generate
from xlgen.objectives import span_corruption, text_infilling
from xlgen_demo.backbone import DemoDims, build_model, train_tokenizer

LANGS = ["en", "ru", "zh", "ar"]
CORPUS = {
    "en": ["Anna Keller won the Berlin marathon on Sunday.", "The company opened a new factory in Hamburg."],
    "ru": ["Победителем марафона в Москве стал Иван Петров.", "Компания открыла новый завод в Казани."],
    "zh": ["张伟在北京马拉松比赛中获得冠军。", "公司在上海开设了一家新工厂。"],
    "ar": ["فاز أحمد حسن بماراثون القاهرة يوم الأحد.", "افتتحت الشركة مصنعا جديدا في دبي."],
}


def corpus():
    rng = random.Random(0)
    lines = []
    for _ in range(60):
        for lang in LANGS:
            a, b = CORPUS[lang]
            lines.append(rng.choice([a, b, a + " " + b]))
    return lines


@pytest.fixture(scope="module", params=["mt5", "mbart", "nllb"])
def saved_backbone(request, tmp_path_factory):
    family = request.param
    out = tmp_path_factory.mktemp(family)
    tokenizer = train_tokenizer(family, corpus(), 400, LANGS)
    model = build_model(family, tokenizer, DemoDims(d_model=32, layers=1, heads=2, ffn=64), seed=0)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    return family, out


def test_family_is_read_back_from_the_checkpoint(saved_backbone):
    family, path = saved_backbone
    model = AutoModelForSeq2SeqLM.from_pretrained(path)
    assert family_of(model) == family
    expected = {"mt5": "MT5ForConditionalGeneration", "mbart": "MBartForConditionalGeneration",
                "nllb": "M2M100ForConditionalGeneration"}[family]
    assert type(model).__name__ == expected


def test_language_codes_survive_save_and_reload(saved_backbone):
    family, path = saved_backbone
    tokenizer = AutoTokenizer.from_pretrained(path)
    if family == "mt5":
        # mT5 has no language codes; its sentinels must survive instead
        assert tokenizer.convert_tokens_to_ids("<extra_id_0>") != tokenizer.unk_token_id
        assert forced_bos_token_id(tokenizer, family, "ru") is None
        return
    code = {"mbart": "ru_RU", "nllb": "rus_Cyrl"}[family]
    code_id = tokenizer.convert_tokens_to_ids(code)
    assert code_id != tokenizer.unk_token_id
    set_languages(tokenizer, family, "ru")
    ids = tokenizer("Победителем марафона стал Иван Петров.").input_ids
    assert ids[0] == code_id and ids[-1] == tokenizer.eos_token_id
    assert tokenizer.unk_token_id not in ids
    assert tokenizer.decode(ids, skip_special_tokens=True) == "Победителем марафона стал Иван Петров."
    for lang, code in {"mbart": {"zh": "zh_CN", "ar": "ar_AR", "en": "en_XX"},
                       "nllb": {"zh": "zho_Hans", "ar": "arb_Arab", "en": "eng_Latn"}}[family].items():
        assert forced_bos_token_id(tokenizer, family, lang) == tokenizer.convert_tokens_to_ids(code)


@pytest.mark.parametrize("lang", ["ru", "zh", "en"])
def test_first_decoded_token_is_the_requested_language_code(saved_backbone, lang):
    family, path = saved_backbone
    model = AutoModelForSeq2SeqLM.from_pretrained(path)
    tokenizer = AutoTokenizer.from_pretrained(path)
    sources = [CORPUS[lang][0], CORPUS[lang][1], CORPUS[lang][0] + " " + CORPUS[lang][1]]
    texts, token_ids = generate(model, tokenizer, family, sources, lang, max_new_tokens=5,
                                batch_size=2, return_token_ids=True)
    assert len(texts) == len(sources)
    for ids in token_ids:
        assert ids[0] == model.config.decoder_start_token_id
    if family == "mt5":  # no language code: nothing is forced
        assert forced_bos_token_id(tokenizer, family, lang) is None
        return
    code_id = forced_bos_token_id(tokenizer, family, lang)
    assert all(ids[1] == code_id for ids in token_ids)


def test_generation_keeps_input_order_and_matches_unbatched(saved_backbone):
    family, path = saved_backbone
    model = AutoModelForSeq2SeqLM.from_pretrained(path)
    tokenizer = AutoTokenizer.from_pretrained(path)
    sources = [CORPUS["ru"][1] + " " + CORPUS["ru"][0], CORPUS["ru"][0], CORPUS["ru"][1]]
    batched = generate(model, tokenizer, family, sources, "ru", max_new_tokens=6, batch_size=3)
    single = [generate(model, tokenizer, family, [s], "ru", max_new_tokens=6)[0] for s in sources]
    assert batched == single


def test_span_corruption_target_restores_the_masked_spans():
    rng = random.Random(1)
    ids = list(range(100, 140))
    sentinels = list(range(10, 20))
    source, target = span_corruption(ids, sentinels, eos_id=1, rng=rng)
    assert source[-1] == 1 and target[-1] == 1
    # put the spans back where their sentinels stand: the original sequence returns
    spans, current = {}, None
    for t in target[:-1]:
        if t in sentinels:
            current = t
            spans[current] = []
        else:
            spans[current].append(t)
    restored = [x for t in source[:-1] for x in (spans[t] if t in sentinels else [t])]
    assert restored == ids
    assert 0 < sum(len(v) for v in spans.values()) < len(ids)


def test_text_infilling_masks_about_the_requested_share():
    rng = random.Random(2)
    body = list(range(1000, 1400))
    noised = text_infilling(body, mask_id=7, rng=rng, noise=0.35)
    kept = [t for t in noised if t != 7]
    assert kept == [t for t in body if t in set(kept)]  # order preserved, nothing invented
    assert 0.2 < 1 - len(kept) / len(body) < 0.4


def test_a_bf16_checkpoint_generates_in_bf16_and_trains_in_fp32(tmp_path):
    """transformers 5 loads a checkpoint in its own dtype: a bf16 LLM would train in pure bf16,
    where small AdamW updates round away; training loads fp32 weights (TRAINING_DTYPE)."""
    import shutil
    from pathlib import Path

    import torch
    from transformers import AutoModelForCausalLM

    from xlgen.backbones import TRAINING_DTYPE, load_backbone

    demo = Path(__file__).resolve().parents[1] / "resources" / "demo_backbones" / "llama-demo"
    saved = tmp_path / "llama-bf16"
    shutil.copytree(demo, saved, ignore=shutil.ignore_patterns("model.safetensors", "xlgen_backbone.json"))
    AutoModelForCausalLM.from_pretrained(demo).to(torch.bfloat16).save_pretrained(saved)
    assert load_backbone(saved)[0].dtype == torch.bfloat16  # generation: the checkpoint's dtype
    model, _ = load_backbone(saved, dtype=TRAINING_DTYPE)
    assert TRAINING_DTYPE == "float32" and {p.dtype for p in model.parameters()} == {torch.float32}
