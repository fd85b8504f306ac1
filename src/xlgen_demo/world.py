"""The offline demo world: a seeded generator of news-domain data in eight languages.

Nothing can be downloaded here, so the default study runs on a small world this module
writes itself: a summarization task (article -> headline), a generative QA task (question
+ article -> answer span), unlabeled same-domain text for pretraining, and English<->X
parallel sentences for the translation-based baselines, for the languages in
`DEMO_LANGUAGES` (four scripts: Latin, Cyrillic, Han, Arabic, Thai).

How the world is built:

* News articles are drawn from six event types (`EVENT_TYPES`). An article is a list of
  sentences: background sentences, exactly one key sentence that states the event, and
  detail sentences. The key sentence is usually *not* the first one, so the "lead
  sentence" baseline is clearly beaten by a model that learned to write the headline.
* Every template is hand-written per language, and the templates of one event are
  index-aligned across languages (background template 2 of "storm" says the same thing in
  every language, with the same slots). Entity lists are index-aligned as well: city 3 is
  "Moscow" / "Москва" / "莫斯科". Rendering one drawn structure in two languages therefore
  gives a translation pair; that is how the parallel corpus is made.
* Draws of the task splits depend on (seed, task, split) but not on the language, so the
  dev and test sets of all languages are parallel (record i of `qa/ru/test.jsonl` is the
  translation of record i of `qa/en/test.jsonl`, as in XQuAD); unlabeled text and parallel
  sentences come from separate, per-language draws.
* Randomness comes only from `random.Random` instances whose seeds are derived from the
  user's seed and a purpose string with BLAKE2b, never from `hash()` (salted per process):
  the same seed writes byte-identical files in any process.

The words are data, the rules are code: each language's entities, number and date formats
and templates are in `data/<lang>.yaml` (the language-independent number ranges of each
event in `data/events.yaml`), read once at import and checked for alignment with English.
A template is a str.format string over the slots {person} {person2} {city} {company}
{party} {minister} {count} {num} {date} (Russian also the case forms {city_loc}
{city_gen} {city_acc}); gender alternatives ⟨masc|fem⟩ follow {person} and
⟨@person2:masc|fem⟩ follow {person2}.

The templates are the project's own; the world checks the pipeline and shows the
zero-shot phenomenon in miniature, it does not stand in for XL-Sum or XQuAD numbers.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import string
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import yaml

from xlgen.io import InputError, atomic_path
from xlgen.languages import SENTENCE_JOINER, occurs_as_words
from xlgen.tasks.extractive_qa import qa_source

DEMO_LANGUAGES = ("en", "de", "es", "ru", "zh", "ar", "th", "vi")
EVENT_TYPES = ("marathon", "factory", "minister", "festival", "storm", "election")
SPLITS = ("train", "dev", "test")

DATA_DIR = Path(__file__).resolve().parent / "data"

# ---------------------------------------------------------------------------------------
# The data files. Entity lists are index-aligned across languages: entry i is "the same
# thing" in each language's world. First names 0-7 are women's names and 8-15 men's in
# every language, which lets the templates agree in gender. A (masculine, feminine) pair
# stands where a surname or title agrees with the person; a Russian city is its four case
# forms (nominative, prepositional, genitive, accusative).
# ---------------------------------------------------------------------------------------

_N_FEMALE = 8
_ENTITY_LISTS = ("first_names", "surnames", "cities", "companies", "parties", "ministers")
_DATE_FIELDS = frozenset({"day", "month", "month_number"})


def _frozen(value):
    """YAML lists as tuples (tables are immutable, and a tuple marks a set of forms)."""
    if isinstance(value, list):
        return tuple(_frozen(v) for v in value)
    if isinstance(value, dict):
        return {k: _frozen(v) for k, v in value.items()}
    return value


def _load(name: str) -> dict:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml where available: faster
    with open(DATA_DIR / f"{name}.yaml", encoding="utf-8") as handle:
        return _frozen(yaml.load(handle, Loader=loader))


_WORLD = {lang: _load(lang) for lang in DEMO_LANGUAGES}
_EVENT_NUMBERS = _load("events")["event_numbers"]

_FIRST_NAMES = {lang: world["first_names"] for lang, world in _WORLD.items()}
_SURNAMES = {lang: world["surnames"] for lang, world in _WORLD.items()}
_CITIES = {lang: world["cities"] for lang, world in _WORLD.items()}
_COMPANIES = {lang: world["companies"] for lang, world in _WORLD.items()}
_PARTIES = {lang: world["parties"] for lang, world in _WORLD.items()}
_MINISTERS = {lang: world["ministers"] for lang, world in _WORLD.items()}
_NUMBERS = {lang: world["numbers"] for lang, world in _WORLD.items()}
_TEMPLATES = {lang: world["templates"] for lang, world in _WORLD.items()}
_CASED = frozenset(lang for lang, world in _WORLD.items() if world["cased"])


def _format_count(lang: str, n: int) -> str:
    numbers = _NUMBERS[lang]
    sep = numbers["thousands_separator"]
    if not sep or n < numbers.get("group_from", 1_000):
        return str(n)
    return f"{n:,}".replace(",", sep)


def _format_date(lang: str, day: int, month: int) -> str:
    """The bare date (the QA answer span); templates add the preposition ("on", "am")."""
    numbers = _NUMBERS[lang]
    months = numbers.get("months")
    return numbers["date"].format(day=day, month=months[month] if months else None, month_number=month + 1)


def _format_millions(lang: str, millions: int) -> str:
    """An amount of money in millions of euros, written the local way."""
    numbers = _NUMBERS[lang]
    if "hundred_millions" in numbers:  # Chinese counts in 万 (10^4) and 亿 (10^8)
        if millions >= 100:
            return numbers["hundred_millions"].format(millions / 100)
        return numbers["ten_thousands"].format(millions * 100)
    return numbers["millions"].format(millions)


def _format_num(lang: str, kind: str, value: int) -> str:
    if kind == "time":  # a marathon winning time, seconds past two hours
        return f"2:{value // 60:02d}:{value % 60:02d}"
    if kind == "millions":
        return _format_millions(lang, value)
    if kind == "percent":
        return f"{value}%"
    return str(value)


# ---------------------------------------------------------------------------------------
# Templates: the slots each mentions, and the alignment check run at import.
# ---------------------------------------------------------------------------------------

_SENTENCE_KINDS = ("background", "key", "detail", "summary")
# The case forms a QA answer for a slot may take in the text, most canonical first.
_SLOT_FORMS = {"city": ("city", "city_acc", "city_loc", "city_gen")}
_ALTERNATIVE = re.compile(r"⟨(?:@(\w+):)?([^|⟩]*)\|([^⟩]*)⟩")
_FORMATTER = string.Formatter()


def _template_slots(template: str) -> frozenset[str]:
    """The slots a template mentions, case forms folded ({city_loc} -> city)."""
    names = {field.split("_")[0] for _, field, _, _ in _FORMATTER.parse(template) if field}
    return frozenset(names)


def _validate_world() -> None:
    """Fail at import if a language's data file is not aligned with the English one."""
    if set(_EVENT_NUMBERS) != set(EVENT_TYPES):
        raise RuntimeError(f"demo world: {DATA_DIR / 'events.yaml'} covers {sorted(_EVENT_NUMBERS)}")
    reference = _TEMPLATES["en"]
    for lang in DEMO_LANGUAGES:
        where = DATA_DIR / f"{lang}.yaml"
        for name in _ENTITY_LISTS:
            if len(_WORLD[lang][name]) != len(_WORLD["en"][name]):
                raise RuntimeError(f"demo world: {where} has {len(_WORLD[lang][name])} {name}, "
                                   f"English {len(_WORLD['en'][name])}")
        fields = {field for _, field, _, _ in _FORMATTER.parse(_NUMBERS[lang]["date"]) if field}
        if not fields <= _DATE_FIELDS or ("month" in fields and len(_NUMBERS[lang].get("months", ())) != 12):
            raise RuntimeError(f"demo world: {where} date {_NUMBERS[lang]['date']!r} needs "
                               f"{sorted(_DATE_FIELDS)} (month: 12 months)")
        table = _TEMPLATES[lang]
        if set(table) != set(EVENT_TYPES):
            raise RuntimeError(f"demo world: {lang} templates cover {sorted(table)}")
        for event in EVENT_TYPES:
            for kind in _SENTENCE_KINDS:
                ours, theirs = table[event][kind], reference[event][kind]
                if len(ours) != len(theirs):
                    raise RuntimeError(f"demo world: {lang}/{event}/{kind} has {len(ours)} templates")
                for i, (a, b) in enumerate(zip(ours, theirs)):
                    if _template_slots(a) != _template_slots(b):
                        raise RuntimeError(f"demo world: {lang}/{event}/{kind}[{i}] slots differ from en")
            if set(table[event]["questions"]) != set(reference[event]["questions"]):
                raise RuntimeError(f"demo world: {lang}/{event} asks about other slots than en")
    for event in EVENT_TYPES:
        key_slots = [_template_slots(t) for t in reference[event]["key"]]
        for summary in reference[event]["summary"]:
            # A summary may only name what every key sentence states: it follows from the article.
            if not all(_template_slots(summary) <= slots for slots in key_slots):
                raise RuntimeError(f"demo world: {event} summary {summary!r} names slots the key lacks")


_validate_world()

# Slots each English template mentions (aligned languages mention the same ones).
_SLOTS_OF = {
    event: {kind: tuple(_template_slots(t) for t in _TEMPLATES["en"][event][kind]) for kind in _SENTENCE_KINDS}
    for event in EVENT_TYPES
}


# ---------------------------------------------------------------------------------------
# Drawing structures (language-independent) and rendering them in one language.
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Slots:
    person: tuple[int, int]  # (first-name index, surname index)
    person2: tuple[int, int]
    city: int
    company: int
    party: int
    minister: int
    count: int
    num: int
    date: tuple[int, int]  # (day, month index)


@dataclass(frozen=True)
class _Article:
    event: str
    slots: _Slots
    plan: tuple[tuple[str, int], ...]  # (kind, template index) per sentence, in order


def _rng(seed: int, *purpose: str) -> random.Random:
    """An independent generator for one purpose; stable across processes and platforms."""
    text = "\x1f".join((str(seed),) + purpose).encode("utf-8")
    return random.Random(int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "big"))


def _draw_slots(rng: random.Random, event: str) -> _Slots:
    n_first, n_sur = len(_FIRST_NAMES["en"]), len(_SURNAMES["en"])
    first, sur = rng.randrange(n_first), rng.randrange(n_sur)
    # The second person differs in both names, so "who" answers are never confusable.
    first2 = rng.choice([i for i in range(n_first) if i != first])
    sur2 = rng.choice([i for i in range(n_sur) if i != sur])
    lo, hi, step = _EVENT_NUMBERS[event]["count"]
    _, nlo, nhi, nstep = _EVENT_NUMBERS[event]["num"]
    return _Slots(
        person=(first, sur),
        person2=(first2, sur2),
        city=rng.randrange(len(_CITIES["en"])),
        company=rng.randrange(len(_COMPANIES["en"])),
        party=rng.randrange(len(_PARTIES["en"])),
        minister=rng.randrange(len(_MINISTERS["en"])),
        count=rng.randint(lo, hi) * step,
        num=rng.randint(nlo, nhi) * nstep,
        date=(rng.randint(1, 28), rng.randrange(12)),
    )


# Share of articles whose key sentence comes first; the rest open with background.
_KEY_FIRST_RATE = 0.15


def _draw_article(rng: random.Random) -> _Article:
    """3-5 sentences: background before the key sentence (usually at position 1-3), details after."""
    event = rng.choice(EVENT_TYPES)
    slots = _draw_slots(rng, event)
    n_sentences = rng.choice((3, 4, 4, 5, 5))
    n_background = len(_TEMPLATES["en"][event]["background"])
    n_detail = len(_TEMPLATES["en"][event]["detail"])
    if rng.random() < _KEY_FIRST_RATE:
        key_pos = 0
    else:
        key_pos = rng.randint(1, min(n_background, n_sentences - 1))
    n_after = min(n_sentences - 1 - key_pos, n_detail)
    background = sorted(rng.sample(range(n_background), key_pos))
    details = sorted(rng.sample(range(n_detail), n_after))
    key = rng.randrange(len(_TEMPLATES["en"][event]["key"]))
    plan = (
        tuple(("background", i) for i in background)
        + (("key", key),)
        + tuple(("detail", i) for i in details)
    )
    return _Article(event, slots, plan)


def _person_name(lang: str, first: int, sur: int) -> str:
    surname = _SURNAMES[lang][sur]
    if isinstance(surname, tuple):
        surname = surname[0] if first >= _N_FEMALE else surname[1]
    return _WORLD[lang]["person_name"].format(given=_FIRST_NAMES[lang][first], surname=surname)


def _gendered(value, female: bool) -> str:
    return value[1 if female else 0] if isinstance(value, tuple) else value


def _values(lang: str, event: str, slots: _Slots) -> dict[str, str]:
    """Every slot (and case form) of `slots` as it is written in `lang`."""
    female = slots.person[0] < _N_FEMALE
    city = _CITIES[lang][slots.city]
    city_forms = city if isinstance(city, tuple) else (city,) * 4
    kind = _EVENT_NUMBERS[event]["num"][0]
    return {
        "person": _person_name(lang, *slots.person),
        "person2": _person_name(lang, *slots.person2),
        "city": city_forms[0],
        "city_loc": city_forms[1],
        "city_gen": city_forms[2],
        "city_acc": city_forms[3],
        "company": _COMPANIES[lang][slots.company],
        "party": _PARTIES[lang][slots.party],
        "minister": _gendered(_MINISTERS[lang][slots.minister], female),
        "count": _format_count(lang, slots.count),
        "num": _format_num(lang, kind, slots.num),
        "date": _format_date(lang, *slots.date),
    }


def _render(lang: str, template: str, values: dict[str, str], slots: _Slots) -> str:
    """Resolve gender alternatives, fill the slots, capitalize the first letter."""
    genders = {"person": slots.person[0] < _N_FEMALE, "person2": slots.person2[0] < _N_FEMALE}

    def pick(match: re.Match) -> str:
        female = genders[match.group(1) or "person"]
        return match.group(3) if female else match.group(2)

    text = _ALTERNATIVE.sub(pick, template).format_map(values)
    if lang in _CASED and text[:1].islower():
        text = text[0].upper() + text[1:]
    return unicodedata.normalize("NFC", text)


def _join(lang: str, sentences: list[str]) -> str:
    return SENTENCE_JOINER.get(lang, " ").join(sentences)


def _render_article(lang: str, article: _Article) -> str:
    values = _values(lang, article.event, article.slots)
    table = _TEMPLATES[lang][article.event]
    return _join(lang, [_render(lang, table[kind][i], values, article.slots) for kind, i in article.plan])


def _article_slots(article: _Article) -> frozenset[str]:
    found: set[str] = set()
    for kind, i in article.plan:
        found |= _SLOTS_OF[article.event][kind][i]
    return frozenset(found)


def _answer_span(lang: str, values: dict[str, str], slot: str, context: str) -> str:
    """The slot's value exactly as the context writes it (Russian: whichever case form)."""
    for key in _SLOT_FORMS.get(slot, (slot,)):
        if occurs_as_words(lang, values[key], context):
            return values[key]
    raise RuntimeError(f"demo world bug: no {slot!r} answer span in {lang} context {context!r}")


# ---------------------------------------------------------------------------------------
# Task splits, unlabeled text, parallel text.
# ---------------------------------------------------------------------------------------


def _draw_split_structures(seed: int, task: str, sizes: dict[str, int]) -> dict[str, list[tuple[_Article, object]]]:
    """Per split, (article, extra) pairs: extra is the summary index or the QA slot.

    Draws depend on the seed, the task and the split, never on the language, so every
    language's split is a translation of every other's. The same facts never appear in two
    splits (nor twice in one), so test articles are unseen in training.
    """
    seen: set[tuple[str, _Slots]] = set()
    out: dict[str, list[tuple[_Article, object]]] = {}
    for split in SPLITS:
        rng = _rng(seed, task, split)
        items: list[tuple[_Article, object]] = []
        attempts = 0
        while len(items) < sizes[split]:
            attempts += 1
            if attempts > 100 * sizes[split] + 1000:
                raise RuntimeError(f"demo world: cannot draw {sizes[split]} distinct {task} {split} articles")
            article = _draw_article(rng)
            if task == "summarization":
                extra: object = rng.randrange(len(_TEMPLATES["en"][article.event]["summary"]))
            else:
                present = _article_slots(article)
                askable = [s for s in _TEMPLATES["en"][article.event]["questions"] if s in present]
                extra = rng.choice(askable)
            key = (article.event, article.slots)
            if key in seen:
                continue
            seen.add(key)
            items.append((article, extra))
        out[split] = items
    return out


def _summarization_record(lang: str, split: str, i: int, article: _Article, summary: int) -> dict:
    values = _values(lang, article.event, article.slots)
    template = _TEMPLATES[lang][article.event]["summary"][summary]
    return {
        "id": f"summarization-{lang}-{split}-{i:05d}",
        "lang": lang,
        "source": _render_article(lang, article),
        "target": _render(lang, template, values, article.slots),
    }


def _qa_record(lang: str, split: str, i: int, article: _Article, slot: str) -> dict:
    values = _values(lang, article.event, article.slots)
    context = _render_article(lang, article)
    question = _render(lang, _TEMPLATES[lang][article.event]["questions"][slot], values, article.slots)
    answer = _answer_span(lang, values, slot, context)
    return {
        "id": f"qa-{lang}-{split}-{i:05d}",
        "lang": lang,
        "context": context,
        "question": question,
        "answers": [answer],
        "source": qa_source(question, context),
        "target": answer,
    }


def _random_sentence(rng: random.Random, langs: tuple[str, ...]) -> tuple[str, ...]:
    """One random sentence, headline or question, rendered in each of `langs` (aligned)."""
    event = rng.choice(EVENT_TYPES)
    slots = _draw_slots(rng, event)
    kind = rng.choices(("background", "key", "detail", "summary", "question"), weights=(3, 3, 3, 3, 1))[0]
    if kind == "question":
        slot = rng.choice(sorted(_TEMPLATES["en"][event]["questions"]))
        templates = [_TEMPLATES[lang][event]["questions"][slot] for lang in langs]
    else:
        i = rng.randrange(len(_TEMPLATES["en"][event][kind]))
        templates = [_TEMPLATES[lang][event][kind][i] for lang in langs]
    return tuple(
        _render(lang, template, _values(lang, event, slots), slots) for lang, template in zip(langs, templates)
    )


def _unlabeled_lines(seed: int, lang: str, n: int) -> list[str]:
    """Same-domain text: whole articles, single sentences, headlines and questions."""
    rng = _rng(seed, "unlabeled", lang)
    lines = []
    for _ in range(n):
        if rng.random() < 0.35:
            lines.append(_render_article(lang, _draw_article(rng)))
        else:
            lines.append(_random_sentence(rng, (lang,))[0])
    return lines


def _parallel_records(seed: int, lang: str, n: int) -> list[dict]:
    rng = _rng(seed, "parallel", lang)
    records = []
    for i in range(n):
        english, target = _random_sentence(rng, ("en", lang))
        records.append({
            "id": f"parallel-en-{lang}-{i:05d}",
            "source_lang": "en",
            "target_lang": lang,
            "source": english,
            "target": target,
        })
    return records


_PHRASE_SLOTS = ("person", "city", "company", "party", "minister", "count", "num", "date")


def _phrase_records(seed: int, lang: str, n: int) -> list[dict]:
    """Aligned phrase pairs (a name, a city, a date, a number: what QA answers are), the
    short segments an MT system also learns from, so that it translates an answer span alone."""
    rng = _rng(seed, "phrases", lang)
    records = []
    for i in range(n):
        event = rng.choice(EVENT_TYPES)
        slots = _draw_slots(rng, event)
        slot = rng.choice(_PHRASE_SLOTS)
        records.append({
            "id": f"phrase-en-{lang}-{i:05d}",
            "source_lang": "en",
            "target_lang": lang,
            "source": _values("en", event, slots)[slot],
            "target": _values(lang, event, slots)[slot],
        })
    return records


def _write_text(path: Path, lines: list[str]) -> Path:
    """Write lines atomically (xlgen.io.atomic_path: a temp file beside `path`, then
    os.replace), with the mode a plain open() gives rather than mkstemp's 0o600."""

    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8", newline="\n") as handle:
        for line in lines:
            handle.write(line + "\n")
    return path


def _write_jsonl(path: Path, records: list[dict]) -> Path:
    return _write_text(path, [json.dumps(record, ensure_ascii=False) for record in records])


def _check_arguments(languages: list[str], sizes: dict[str, int]) -> list[str]:
    if isinstance(languages, str):
        raise InputError(f"languages must be a list of codes, not the string {languages!r}")
    unknown = [lang for lang in languages if lang not in DEMO_LANGUAGES]
    if unknown:
        raise InputError(
            f"demo world has no templates for language(s) {', '.join(map(repr, unknown))}; "
            f"supported: {', '.join(DEMO_LANGUAGES)}"
        )
    if not languages:
        raise InputError(f"languages is empty; supported: {', '.join(DEMO_LANGUAGES)}")
    for name, value in sizes.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise InputError(f"{name} must be a non-negative integer, got {value!r}")
    return list(dict.fromkeys(languages))  # drop repeats, keep order


def write_demo_world(
    out_root: str | Path,
    languages: list[str],
    seed: int,
    *,
    n_train: int,
    n_dev: int,
    n_test: int,
    n_unlabeled: int,
    n_parallel: int,
) -> list[Path]:
    """Writes the whole world under out_root and returns the paths written (sorted).

    Layout: summarization/{lang}/{split}.jsonl and qa/{lang}/{split}.jsonl (split sizes per
    language and task), unlabeled/{lang}.txt (n_unlabeled lines), parallel/en-{lang}.jsonl
    and parallel/en-{lang}.phrases.jsonl (n_parallel aligned phrases: names, places, dates,
    numbers) for every non-English language (n_parallel pairs). The same seed gives byte-identical
    files; an unknown language raises ValueError before anything is written.
    """
    sizes = {"n_train": n_train, "n_dev": n_dev, "n_test": n_test,
             "n_unlabeled": n_unlabeled, "n_parallel": n_parallel}
    languages = _check_arguments(languages, sizes)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise InputError(f"seed must be an integer, got {seed!r}")
    root = Path(out_root)
    split_sizes = {"train": n_train, "dev": n_dev, "test": n_test}
    written: list[Path] = []

    summarization = _draw_split_structures(seed, "summarization", split_sizes)
    qa = _draw_split_structures(seed, "qa", split_sizes)
    for lang in languages:
        for split in SPLITS:
            records = [_summarization_record(lang, split, i, a, s) for i, (a, s) in enumerate(summarization[split])]
            written.append(_write_jsonl(root / "summarization" / lang / f"{split}.jsonl", records))
            records = [_qa_record(lang, split, i, a, s) for i, (a, s) in enumerate(qa[split])]
            written.append(_write_jsonl(root / "qa" / lang / f"{split}.jsonl", records))
        written.append(_write_text(root / "unlabeled" / f"{lang}.txt", _unlabeled_lines(seed, lang, n_unlabeled)))
        if lang != "en":
            written.append(_write_jsonl(root / "parallel" / f"en-{lang}.jsonl",
                                        _parallel_records(seed, lang, n_parallel)))
            written.append(_write_jsonl(root / "parallel" / f"en-{lang}.phrases.jsonl",
                                        _phrase_records(seed, lang, n_parallel)))
    return sorted(written)
