"""Human evaluation, unit by unit: the blind sample, the page and sheet, every kind of bad
rating file refused in one line, the tables (means, Krippendorff's alpha, validity), the
simulated annotators and the config section. The DAG and the real browser: test_human_page.py."""

import json
import math
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from xlgen.human.agreement import human_table, import_ratings, kendall, krippendorff_alpha, validity_table
from xlgen.human.page import page_data, render_page, sheet
from xlgen.human.plan import human_plan
from xlgen.human.ratings import RatingProblems, join_key, load_study, read_ratings
from xlgen.human.sample import make_study, parse_system, parse_systems, sample_study, score_outputs, stratified_sample
from xlgen.human.simulate import simulate_ratings, true_language, vocabularies
from xlgen.io import write_json, write_jsonl

ROOT = Path(__file__).resolve().parents[1]
TASK = "summarization"
LANGS = ["ru", "es"]
SYSTEMS = ["bb/full", "bb/full@0.0001"]
ARTICLES = {
    "ru": ["Мэр Москвы открыл новый мост через реку.", "Министр посетила завод в Казани и встретилась с рабочими.",
           "В Сочи прошёл марафон, в котором участвовали тысячи бегунов из разных стран мира.",
           "Школы закрылись раньше обычного из-за сильного ветра.",
           "Компания «Атлас» объявила о строительстве нового завода под Новосибирском, где будут работать 300 человек.",
           "Фестиваль собрал 5000 зрителей."],
    "es": ["El alcalde de Madrid abrió un puente nuevo.",
           "La ministra visitó una fábrica en Sevilla y habló con los obreros.",
           "En Valencia se celebró un maratón con miles de corredores de muchos países del mundo.",
           "Las escuelas cerraron antes de lo habitual por el fuerte viento.",
           "La empresa Atlas anunció una nueva fábrica cerca de Bilbao en la que trabajarán 300 personas.",
           "El festival reunió a 5000 espectadores."],
}
ENGLISH = "Music festival in Madrid attracts thousands of visitors"


def build_study(root: Path, n_items: int = 4, seed: int = 7) -> dict:
    """A study of two systems in ru and es on hand-made data, written as the workflow writes it
    (results/human/<task>/: items.jsonl, key.csv, study.json); returns load_study's dict."""
    records = {}
    for lang in LANGS:
        path = root / f"results/data/{TASK}/{lang}/test.jsonl"
        write_jsonl(path, [{"id": f"{lang}-{i}", "lang": lang, "source": text, "target": text.split(",")[0]}
                           for i, text in enumerate(ARTICLES[lang])])
        records[lang] = path
        for lr, english in ((0.003, True), (0.0001, False)):
            # the high LR answers odd examples in English (the study's phenomenon), the low LR copies
            rows = [{"id": f"{lang}-{i}", "lang": lang, "reference": text.split(",")[0], "input": text,
                     "prediction": ENGLISH if english and i % 2 else text.split(".")[0]}
                    for i, text in enumerate(ARTICLES[lang])]
            write_jsonl(root / f"results/generations/{TASK}/bb/full/lr~{lr:g}/seed~1/{lang}.test.jsonl", rows)
    selection = pd.DataFrame([{"task": TASK, "backbone": "bb", "method": "full", "protocol": "source_dev",
                               "lang": lang, "lr": 0.003, "metric": "rougeL"} for lang in LANGS + ["targets_mean"]])
    systems = parse_systems(SYSTEMS)
    items, key = sample_study(TASK, "test", LANGS, systems, selection, records, n_items, seed, 1, generations_root=root)
    key = score_outputs(items, key, "rougeL", "summarization")
    study = make_study(TASK, "test", LANGS, systems, items, "rougeL", {lang: ["ann-a", "ann-b"] for lang in LANGS},
                       ["sim-1", "sim-2"], n_items, seed, 200, 0)
    folder = root / f"results/human/{TASK}"
    write_jsonl(folder / "items.jsonl", items)
    key.to_csv(folder / "key.csv", index=False)
    write_json(folder / "study.json", study)
    return {**load_study(folder), "dir": folder}


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    return build_study(tmp_path_factory.mktemp("human"))


# --- the sample ----------------------------------------------------------------------------

def test_sample_is_seeded_stratified_the_same_inputs_for_every_system_and_blind(study, tmp_path):
    items, key = study["items"], study["key"]
    assert [i["lang"] for i in items] == ["ru"] * 4 + ["es"] * 4
    for item in items:
        rows = key[key["item"] == item["item"]]
        assert sorted(rows["system"]) == sorted(SYSTEMS)  # every system, once, on the same input
        assert set(rows["example_id"]) == {item["example_id"]}
        assert [o["output_id"] for o in item["outputs"]] == [f"{item['item']}a", f"{item['item']}b"]
    # shuffled per input: each system shows up in each position somewhere
    first = key[key["output_id"].str.endswith("a")]["system"]
    assert set(first) == set(SYSTEMS)
    # the selected LR (source_dev: 3e-3) and the fixed one
    assert set(key.loc[key["system"] == "bb/full", "lr"]) == {0.003}
    assert set(key.loc[key["system"] == "bb/full@0.0001", "lr"]) == {0.0001}
    again = build_study(tmp_path)
    assert again["items"] == items and again["study_id"] == study["study_id"]
    # four strata of 6 inputs ordered by length: one input from each, short to long
    lengths = {f"x{i}": i for i in range(6)}
    import random
    picked = stratified_sample(lengths, 4, random.Random(1))
    assert [lengths[p] for p in picked] == sorted(lengths[p] for p in picked)
    bounds = [0, 1, 3, 4, 6]
    assert all(a <= lengths[p] < b for p, a, b in zip(picked, bounds, bounds[1:]))


def test_each_output_carries_its_metric_and_language_verdict(study):
    key = study["key"].set_index("output_id")
    english = [o["output_id"] for i in study["items"] for o in i["outputs"] if o["text"] == ENGLISH]
    assert english and (key.loc[english, "auto_wrong"] == 1.0).all()
    assert (key.loc[english, "auto_status"] == "wrong").all() and (key.loc[english, "auto_label"] == "en").all()
    copies = [o["output_id"] for i in study["items"] for o in i["outputs"] if o["text"] != ENGLISH]
    assert (key.loc[copies, "auto_wrong"] == 0.0).all() and set(key.loc[copies, "auto_judge"]) == {"span"}
    assert (key.loc[english, "metric_value"] < key.loc[copies, "metric_value"].min()).all()
    assert set(key["metric"]) == {"rougeL"}


def test_system_specs_are_parsed_or_refused_in_one_line():
    assert parse_system("mbart-demo+it/lora@1e-2").lr == 0.01
    assert parse_system("mbart-demo/full+tt").run_method("ru") == "full+tt-ru"
    for bad in ("mbart-demo", "mbart-demo/full+tt-ru", "a/full@fast", "a/full@0"):
        with pytest.raises(ValueError, match="human_eval system"):
            parse_system(bad)


# --- the page and the sheet ----------------------------------------------------------------

def test_page_is_self_contained_blind_and_safe_against_markup_in_outputs(study):
    items = json.loads(json.dumps(study["items"]))
    items[0]["outputs"][0]["text"] = "</script><script>alert(1)</script> & <b>"
    html = render_page(page_data(items, study, "ru", "ann-a"))
    assert "alert(1)</script>" not in html and html.count("</script>") == 2  # the template's own two
    assert "http://" not in html and "https://" not in html and "src=" not in html  # nothing to fetch
    for name in SYSTEMS + ["bb/", "0.003", "lr~"]:
        assert name not in html
    embedded = html.split('<script type="application/json" id="xlgen-data">')[1].split("</script>")[0]
    data = json.loads(embedded)
    assert any(o["text"].startswith("</script><script>") for i in data["items"] for o in i["outputs"])
    assert data["lang"] == "ru" and data["annotator"] == "ann-a" and len(data["items"]) == 4
    # annotators see the inputs in their own seeded order
    other = page_data(items, study, "ru", "ann-b")
    assert sorted(i["item"] for i in other["items"]) == sorted(i["item"] for i in data["items"])


def test_sheet_has_a_row_per_output_and_empty_rating_cells(study):
    frame = sheet(study["items"], study, "es", "ann-b")
    assert len(frame) == 8 and set(frame["lang"]) == {"es"} and set(frame["annotator"]) == {"ann-b"}
    assert (frame[["language", "fluency", "adequacy", "comment"]] == "").all().all()
    assert "system" not in frame.columns and not frame["output"].isin(SYSTEMS).any()


# --- bad rating files: one line each, naming file and row -----------------------------------

HEADER = "study_id,task,lang,annotator,output_id,item,language,fluency,adequacy,comment\n"


def csv_row(study, output_id="ru-01a", lang="ru", annotator="ann-a", language="target", fluency="4",
            adequacy="3", comment="", study_id=None):
    return (f"{study_id or study['study_id']},{TASK},{lang},{annotator},{output_id},{output_id[:5]},"
            f"{language},{fluency},{adequacy},{comment}\n")


def json_doc(study, ratings, **top):
    return json.dumps({"format": "xlgen-human-ratings/1", "study_id": study["study_id"], "task": TASK,
                       "lang": "ru", "annotator": "ann-a", "ratings": ratings, **top})


GOOD_RATING = {"output_id": "ru-01a", "language": "target", "fluency": 4, "adequacy": 3}

BAD_FILES = [
    # (id, file name, content (bytes, or a function of the study), words of the one line)
    ("empty-file", "a.csv", b"", ["a.csv: empty file"]),
    ("header-only", "a.csv", HEADER.encode(), ["a.csv: empty file (a header but no rows)"]),
    ("malformed-json", "a.json", b'{"format": "xlgen-human-ratings/1", "ratings": [',
     ["a.json: malformed JSON at line 1"]),
    ("bad-header-csv", "a.csv", lambda s: HEADER.replace(",fluency", "") + "x\n",
     ["a.csv: row 1: bad header: missing column(s) fluency"]),
    ("bad-header-json", "a.json", lambda s: json.dumps({"format": "xlgen-human-ratings/1", "lang": "ru"}),
     ["a.json: bad header: missing field(s) annotator, ratings"]),
    ("unknown-item", "a.csv", lambda s: HEADER + csv_row(s, output_id="ru-99z"),
     ["a.csv: row 2: unknown item: output id 'ru-99z'"]),
    ("missing-aspect", "a.csv", lambda s: HEADER + csv_row(s, adequacy=""),
     ["a.csv: row 2: missing aspect adequacy for ru-01a"]),
    ("missing-aspect-json", "a.json", lambda s: json_doc(s, [{**GOOD_RATING, "fluency": None}]),
     ["a.json: rating 1: missing aspect fluency"]),
    ("duplicate-rating", "a.csv", lambda s: HEADER + csv_row(s) + csv_row(s, fluency="5"),
     ["a.csv: row 3: duplicate rating of ru-01a by ann-a (first at", "a.csv: row 2)"]),
    ("out-of-range-scale", "a.csv", lambda s: HEADER + csv_row(s, fluency="7"),
     ["a.csv: row 2: out-of-range value: fluency is '7'; expected an integer 1-5"]),
    ("not-an-integer", "a.json", lambda s: json_doc(s, [{**GOOD_RATING, "adequacy": 3.5}]),
     ["a.json: rating 1: out-of-range value: adequacy is 3.5"]),
    ("out-of-range-language", "a.csv", lambda s: HEADER + csv_row(s, language="english"),
     ["a.csv: row 2: out-of-range value: language is 'english'; expected one of target, mixed, other, none"]),
    ("unknown-annotator", "a.csv", lambda s: HEADER + csv_row(s, annotator="zoe"),
     ["a.csv: row 2: unknown annotator 'zoe' for ru (known: ann-a, ann-b, sim-1, sim-2)"]),
    ("language-mismatch", "a.json", lambda s: json_doc(s, [GOOD_RATING], lang="es"),
     ["a.json: rating 1: language mismatch: output ru-01a is in ru, the rating says lang 'es'"]),
    ("another-study", "a.csv", lambda s: HEADER + csv_row(s, study_id="summarization-00000000"),
     ["a.csv: row 2: rating of another study ('summarization-00000000'"]),
    ("not-utf8", "a.csv", lambda s: (HEADER + csv_row(s, comment="très")).encode("latin-1"),
     ["a.csv: not UTF-8 (byte 0xe8"]),
    ("utf16", "a.csv", lambda s: (HEADER + csv_row(s)).encode("utf-16"), ["a.csv: not UTF-8 (UTF-16 or binary)"]),
    ("spreadsheet-file", "a.xlsx", b"PK\x03\x04", ["a.xlsx: unsupported file type '.xlsx'"]),
    ("too-many-cells", "a.csv", lambda s: HEADER + csv_row(s).rstrip("\n") + ",extra,cells\n",
     ["a.csv: row 2: 12 cells but the header has 10 columns"]),
    ("unrated-sheet", "a.csv", lambda s: HEADER + csv_row(s, language="", fluency="", adequacy=""),
     ["a.csv: no ratings: all 1 rows are unrated"]),
    ("not-an-export", "a.json", lambda s: json.dumps([1, 2]), ["a.json: bad header: expected a JSON object"]),
]


@pytest.mark.parametrize("name, content, words", [c[1:] for c in BAD_FILES], ids=[c[0] for c in BAD_FILES])
def test_a_bad_rating_file_is_refused_in_one_line_naming_file_and_row(study, tmp_path, name, content, words):
    path = tmp_path / name
    data = content(study) if callable(content) else content
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    with pytest.raises(RatingProblems) as caught:
        read_ratings([path], study)
    problems = caught.value.problems
    assert len(problems) == 1, problems
    assert problems[0].startswith(str(tmp_path))
    for word in words:
        assert word in problems[0], problems[0]


def test_every_problem_of_every_file_is_listed_and_nothing_is_kept(study, tmp_path):
    good = tmp_path / "good.json"
    good.write_text(json_doc(study, [GOOD_RATING]), encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + csv_row(study, fluency="0") + csv_row(study, output_id="ru-01b", language="eng"),
                   encoding="utf-8")
    with pytest.raises(RatingProblems) as caught:
        read_ratings([good, bad, tmp_path / "missing.csv"], study)
    lines = caught.value.problems
    assert len(lines) == 4, lines
    assert lines[0] == f"{bad}: row 2: out-of-range value: fluency is '0'; expected an integer 1-5"
    assert lines[1] == f"{bad}: row 2: duplicate rating of ru-01a by ann-a (first at {good}: rating 1)"
    assert lines[2].startswith(f"{bad}: row 3: out-of-range value: language is 'eng'")
    assert lines[3].startswith(f"{tmp_path / 'missing.csv'}: cannot read")


def test_simulated_and_real_annotators_never_share_a_table(study, tmp_path):
    real = tmp_path / "real.json"
    real.write_text(json_doc(study, [GOOD_RATING]), encoding="utf-8")
    fake = tmp_path / "fake.json"
    fake.write_text(json_doc(study, [GOOD_RATING], annotator="sim-1", simulated=True), encoding="utf-8")
    with pytest.raises(RatingProblems, match="real annotators beside simulated ones"):
        read_ratings([real, fake], study)
    fake.write_text(json_doc(study, [GOOD_RATING], annotator="sim-1", simulated=False), encoding="utf-8")
    with pytest.raises(RatingProblems, match="'simulated' is False but annotator 'sim-1' is a simulated"):
        read_ratings([fake], study)


def test_the_cli_refuses_a_bad_file_with_one_line_and_writes_nothing(study, tmp_path):
    path = tmp_path / "ratings_ru_ann-a.csv"
    path.write_text(HEADER + csv_row(study, fluency="9"), encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "xlgen.cli", "human", "import", str(path), "--study",
                           str(study["dir"]), "--tables", str(tmp_path / "tables")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [
        f"xlgen human import: {path}: row 2: out-of-range value: fluency is '9'; expected an integer 1-5"]
    assert not (tmp_path / "tables").exists()


# --- the tables ------------------------------------------------------------------------------

def two_annotators(study, tmp_path) -> list[Path]:
    """ann-a as a page JSON export, ann-b as a filled sheet (Excel's BOM, '4.0', unrated rows)."""
    key = study["key"]
    ru = key[key["lang"] == "ru"].sort_values("output_id")
    english = ru["auto_wrong"] == 1.0
    a = [{"output_id": o, "language": "other" if e else "target", "fluency": 5 if e else 4,
          "adequacy": 1 if e else 4, "comment": ""} for o, e in zip(ru["output_id"], english)]
    page_json = tmp_path / "ratings_summarization_ru_ann-a.json"
    page_json.write_text(json_doc(study, a, simulated=False), encoding="utf-8")
    frame = sheet(study["items"], study, "ru", "ann-b")
    by_id = {r["output_id"]: r for r in a}
    for i, row in frame.iterrows():
        if i == 0:
            continue  # left unrated: skipped
        mine = by_id[row["output_id"]]
        frame.loc[i, ["language", "fluency", "adequacy"]] = [mine["language"], f"{mine['fluency']}.0",
                                                            str(max(1, mine["adequacy"] - 1))]
    filled = tmp_path / "sheet_ru_ann-b.csv"
    filled.write_bytes(b"\xef\xbb\xbf" + frame.to_csv(index=False).encode("utf-8"))
    return [page_json, filled]


def test_ratings_become_means_intervals_alpha_and_validity(study, tmp_path):
    files = two_annotators(study, tmp_path)
    joined, human, validity = import_ratings(files, study, 200, 0)
    assert len(joined) == 8 + 7 and not joined["simulated"].any()
    assert set(joined.columns) >= {"system", "lr", "metric_value", "auto_wrong"}
    row = human[(human["system"] == "all") & (human["lang"] == "ru")].iloc[0]
    assert row["n_outputs"] == 8 and row["n_ratings"] == 15 and row["n_annotators"] == 2
    assert row["alpha_language"] == 1.0 and row["alpha_fluency"] == 1.0  # the same labels and fluency
    assert 0 < row["alpha_adequacy"] < 1 and row["alpha_units"] == 7  # adequacy one lower for ann-b
    assert row["fluency_ci_low"] <= row["fluency"] <= row["fluency_ci_high"]
    key = study["key"][study["key"]["lang"] == "ru"]
    n_english = int((key["auto_wrong"] == 1.0).sum())
    assert 0 < n_english < 4  # the high LR answered some sampled inputs in English
    english = human[(human["system"] == "bb/full") & (human["lang"] == "ru")].iloc[0]
    assert english["lr"] == 0.003 and english["wrong_share"] == n_english / 4
    assert english["target_share"] == 1 - n_english / 4
    assert human.loc[human["system"] == "bb/full@0.0001", "wrong_share"].eq(0).all()
    assert set(human["lang"]) == {"ru", "all"} and not human["simulated"].any()
    # the annotators call exactly the English outputs wrong: the judge's precision and recall are 1
    wrong = validity[(validity["analysis"] == "wrong_language") & (validity["lang"] == "ru")
                     & (validity["human_wrong"] == "other")].iloc[0]
    assert (wrong["tp"], wrong["fp"], wrong["fn"], wrong["tn"]) == (n_english, 0, 0, 8 - n_english)
    assert wrong["precision"] == 1.0 and wrong["recall"] == 1.0
    tau = validity[(validity["analysis"] == "kendall_tau") & (validity["level"] == "segment")
                   & (validity["lang"] == "ru") & (validity["aspect"] == "adequacy")].iloc[0]
    assert tau["n"] == 8 and tau["tau"] > 0.5  # ROUGE-L ranks the copies above the English outputs


def test_krippendorff_alpha_has_its_textbook_values():
    # two coders, nominal: units (a,a) (a,b) (b,b) (b,b): alpha = 1 - 7 * 2 / 30 = 0.5333
    ratings = pd.DataFrame({"annotator": ["x", "y"] * 4, "output_id": ["1", "1", "2", "2", "3", "3", "4", "4"],
                            "language": ["target", "target", "target", "other", "other", "other", "other", "other"]})
    alpha, units = krippendorff_alpha(ratings, "language")
    assert alpha == pytest.approx(1 - 14 / 30) and units == 4
    one = ratings[ratings["annotator"] == "x"]
    assert math.isnan(krippendorff_alpha(one, "language")[0])  # a single annotator: no agreement to measure
    same = ratings.assign(fluency=3)
    assert math.isnan(krippendorff_alpha(same, "fluency")[0])  # one value throughout: undefined


def test_kendall_tau_of_metric_against_ratings():
    assert kendall([1, 2, 3, 4], [1, 2, 3, 4])[0] == pytest.approx(1.0)
    assert kendall([1, 2, 3, 4], [4, 3, 2, 1])[0] == pytest.approx(-1.0)
    tau, p, n = kendall([1, 2], [3, 3])
    assert math.isnan(tau) and n == 2


# --- the simulated annotators ---------------------------------------------------------------

def test_simulated_annotators_are_seeded_labelled_and_see_the_language():
    vocab = vocabularies({"en": ["Music festival in Madrid attracts visitors"], "es": ARTICLES["es"],
                          "ru": ARTICLES["ru"]})
    assert true_language("Music festival in Madrid", "es", vocab)[0] == "other"
    assert true_language("El festival reunió a 5000 espectadores", "es", vocab)[0] == "target"
    assert true_language("Мэр Москвы открыл мост", "ru", vocab)[0] == "target"
    assert true_language("Мэр Москвы visitors attracts music festival", "ru", vocab)[0] == "mixed"
    assert true_language("1,500", "ru", vocab)[0] == "none"


def test_simulated_rating_files_pass_the_import_and_are_marked(study, tmp_path):
    vocab = vocabularies({lang: ARTICLES[lang] for lang in LANGS} | {"en": [ENGLISH]})
    docs = simulate_ratings(study["items"], study["key"], study, vocab, ["sim-1", "sim-2"], 0.1, 0.6)
    again = simulate_ratings(study["items"], study["key"], study, vocab, ["sim-1", "sim-2"], 0.1, 0.6)
    assert docs == again and len(docs) == 4 and all(d["simulated"] for d in docs)
    paths = []
    for doc in docs:
        paths.append(tmp_path / f"{doc['lang']}_{doc['annotator']}.json")
        paths[-1].write_text(json.dumps(doc), encoding="utf-8")
    joined = join_key(read_ratings(paths, study), study["key"])
    assert joined["simulated"].all() and set(joined["annotator"]) == {"sim-1", "sim-2"}
    table = human_table(joined, TASK, 100, 0)
    assert table["simulated"].all()
    english = joined[joined["auto_wrong"] == 1.0]
    assert (english["language"].isin(["other", "mixed"])).mean() >= 0.75  # the English outputs, seen as such
    assert len(validity_table(joined, TASK)) > 0


# --- the config section ----------------------------------------------------------------------

def demo_config(**human) -> dict:
    import yaml

    config = yaml.safe_load((ROOT / "config/config.yaml").read_text(encoding="utf-8"))
    config["human_eval"] = {"enabled": True, "systems": ["mbart-demo/full"], "annotators": ["a1"], **human}
    return config


def test_the_config_section_is_checked_before_any_job():
    from xlgen.config import ConfigError, validate_config

    schema = ROOT / "config/schema.yaml"
    validate_config(demo_config(), schema)
    with pytest.raises(ConfigError, match="unknown key 'human_eval.n_item'"):
        validate_config(demo_config(n_item=3), schema)
    with pytest.raises(ConfigError, match="human_eval.systems"):
        validate_config(demo_config(systems=["mbart-demo"]), schema)
    config = demo_config()
    del config["human_eval"]["annotators"]
    with pytest.raises(ConfigError, match="missing key 'human_eval.annotators'"):
        validate_config(config, schema)
    targets = {"summarization": ["de", "ru"], "qa": ["de", "ru"]}
    plan = human_plan(demo_config(systems=["mbart-demo/full", "mbart-demo/lora@0.01"]), targets)
    assert plan.final_outputs()[:3] == ["results/human/summarization/key.csv",
                                        "results/human/summarization/items.jsonl",
                                        "results/human/summarization/study.json"]
    assert "results/generations/qa/mbart-demo/full/lr~0.003/seed~1/ru.test.jsonl" in plan.generation_files("qa")
    for human, words in [({"systems": ["xx-demo/full"]}, "backbone 'xx-demo' is not run"),
                         ({"systems": ["mbart-demo/prompt"]}, "method 'prompt' is not run"),
                         ({"systems": ["mbart-demo/full@0.5"]}, "0.5 is not in method_settings.full.lrs"),
                         ({"systems": ["mbart-demo/full+tt"]}, "needs translate_train.enabled"),
                         ({"annotators": ["sim-1"]}, "reserved for simulated annotators"),
                         ({"languages": ["vi"]}, "'vi' is not a target language")]:
        with pytest.raises(ValueError, match="'human_eval") as caught:
            human_plan(demo_config(**human), targets)
        assert words in str(caught.value) and "\n" not in str(caught.value)


def test_a_translate_train_system_takes_each_languages_own_run_and_lr():
    from xlgen.human.sample import candidate_generation_files, selected_lr

    system = parse_system("bb/full+tt")
    selection = pd.DataFrame([
        {"protocol": "source_dev", "backbone": "bb", "method": "full+tt-ru", "lang": "ru", "lr": 0.001},
        {"protocol": "source_dev", "backbone": "bb", "method": "full+tt-es", "lang": "es", "lr": 0.003},
        {"protocol": "target_dev", "backbone": "bb", "method": "full+tt-es", "lang": "es", "lr": 0.0001},
    ])
    assert selected_lr(selection, system, "ru") == 0.001 and selected_lr(selection, system, "es") == 0.003
    files = candidate_generation_files(TASK, [system], ["ru", "es"], {"full": [0.001, 0.003]}, 1, "test")
    assert f"results/generations/{TASK}/bb/full+tt-ru/lr~0.001/seed~1/ru.test.jsonl" in files
    assert f"results/generations/{TASK}/bb/full+tt-es/lr~0.003/seed~1/es.test.jsonl" in files
    assert len(files) == 4 and not any("full+tt-ru" in f and f.endswith("es.test.jsonl") for f in files)
    with pytest.raises(ValueError, match="no source_dev learning rate for bb/full"):
        selected_lr(selection, parse_system("bb/full"), "ru")
