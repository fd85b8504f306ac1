"""The human evaluation end to end: a tiny study's DAG writes the blind pages, sheets and key
and imports SIMULATED ratings; in a real headless browser (Debian's chromium driven by
playwright) two annotators rate a page by keyboard, reload it mid-way, export CSV and JSON,
and `xlgen human import` reads the exports back into the human tables."""

import csv
import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import CONFIGS, ROOT, apt_install, run_snakemake  # tests/conftest.py

CONFIG = CONFIGS / "tiny-human.yaml"
pytestmark = pytest.mark.slow
TASK = "summarization"
CHROMIUM = "/usr/bin/chromium"
# a fresh profile, nothing fetched, nothing synced: the page must work from a USB stick
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("human-study")
    (workdir / "resources").symlink_to(ROOT / "resources")  # the config's backbone `path` is relative
    targets = [f"results/tables/human_{TASK}.csv", f"results/human/{TASK}/pages", f"results/human/{TASK}/sheets"]
    run_snakemake(workdir, *targets, configfile=CONFIG, timeout=600)
    return workdir


def test_the_workflow_writes_blind_pages_sheets_the_key_and_simulated_tables(study):
    folder = study / f"results/human/{TASK}"
    key = pd.read_csv(folder / "key.csv")
    assert len(key) == 2 * 4 * 3 and set(key["lang"]) == {"ru", "es"}  # languages x inputs x systems
    assert set(key["system"]) == {"mbart-demo/full", "mbart-demo/full@0.003", "mbart-demo/full@0.0001"}
    assert key.groupby("item")["example_id"].nunique().eq(1).all()  # every system answers the same input
    for lang in ("ru", "es"):
        for annotator in ("ann-a", "ann-b"):
            html = (folder / f"pages/{lang}/{annotator}.html").read_text(encoding="utf-8")
            assert "mbart-demo" not in html and "lr~" not in html  # the systems stay hidden
            rows = pd.read_csv(folder / f"sheets/{lang}/{annotator}.csv", keep_default_na=False)
            assert len(rows) == 12 and set(rows["output_id"]) == set(key.loc[key["lang"] == lang, "output_id"])
    assert (folder / "sheets/GUIDELINES.txt").exists()
    human = pd.read_csv(study / f"results/tables/human_{TASK}.csv")
    assert human["simulated"].all() and set(human["n_annotators"]) == {2}
    assert set(human["system"]) == set(key["system"]) | {"all"} and set(human["lang"]) == {"ru", "es", "all"}
    ratings = pd.read_csv(folder / "ratings.csv")
    assert set(ratings["annotator"]) == {"sim-1", "sim-2"} and ratings["simulated"].all()
    validity = pd.read_csv(study / f"results/tables/human_validity_{TASK}.csv")
    assert validity["simulated"].all() and set(validity["analysis"]) == {"wrong_language", "kendall_tau"}


def chromium():
    """playwright's sync API with Debian's chromium; skips where either is missing (installs
    chromium with apt-get when XLGEN_CHROMIUM_INSTALL=1, as .ci/run sets)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed (pip install -e '.[test]')")
    if not Path(CHROMIUM).exists():
        if os.environ.get("XLGEN_CHROMIUM_INSTALL") != "1" or os.geteuid() != 0 or not shutil.which("apt-get"):
            pytest.skip(f"no browser at {CHROMIUM} (apt install chromium; XLGEN_CHROMIUM_INSTALL=1 installs it "
                        "as root on Debian)")
        error = apt_install("chromium")
        if error or not Path(CHROMIUM).exists():
            pytest.fail(f"XLGEN_CHROMIUM_INSTALL=1 but installing chromium failed: {error}")
    return sync_playwright


def answer(output_id: str, stricter: bool = False) -> tuple[int, int, int]:
    """An annotator's keys for an output (language 1-3, fluency, adequacy), varied by its id;
    the stricter one gives one point less adequacy."""
    k = 3 * int(output_id[3:5]) + "abc".index(output_id[-1])
    adequacy = (2 * k) % 5 + 1
    return k % 3 + 1, k % 5 + 1, max(1, adequacy - 1) if stricter else adequacy


def rate(page, count: int, stricter: bool) -> dict:
    """Rate `count` outputs by keyboard: the language, fluency and adequacy digits of the
    output on screen, then Enter to the next one. Returns {output id: keys}."""
    given = {}
    for _ in range(count):
        output_id = page.inner_text("#output-id")
        given[output_id] = answer(output_id, stricter)
        for key in (*map(str, given[output_id]), "Enter"):
            page.keyboard.press(key)
    return given


def _appender(items: list, convert):
    """An event handler that appends `convert(event)` to `items`."""
    return lambda event: items.append(convert(event))


def export(page, button, path):
    with page.expect_download() as download:
        page.click(button)
    download.value.save_as(path)
    return path


def test_annotators_rate_reload_export_and_the_import_reads_it_back(study, tmp_path):
    sync_playwright = chromium()
    folder = study / f"results/human/{TASK}"
    n = 12
    # ann-b agrees with ann-a on the language and fluency and is one point stricter on adequacy
    exports, given = {}, {}
    with sync_playwright() as p:
        for annotator, stricter in (("ann-a", False), ("ann-b", True)):
            context = p.chromium.launch_persistent_context(
                str(tmp_path / f"profile-{annotator}"), executable_path=CHROMIUM, headless=True,
                args=CHROMIUM_ARGS, accept_downloads=True)
            page = context.new_page()
            errors = []
            page.on("pageerror", _appender(errors, str))
            requests = []
            page.on("request", _appender(requests, lambda req: req.url))
            page.goto((folder / f"pages/ru/{annotator}.html").as_uri())
            assert page.inner_text("#progress") == f"0 / {n} rated"
            given[annotator] = rate(page, 5, stricter)
            assert page.inner_text("#progress") == f"5 / {n} rated"
            page.reload()  # the answers and the position survive a reload
            assert page.inner_text("#progress") == f"5 / {n} rated"
            assert page.inner_text("#position").startswith("Input 2 of 4 · output 3 of 3")
            page.keyboard.press("r")  # the reference on request
            assert page.is_visible("#reference")
            given[annotator].update(rate(page, n - 5, stricter))
            assert page.inner_text("#progress") == f"{n} / {n} rated"
            assert page.is_visible("#done")
            exports[annotator] = (export(page, "#export-json", tmp_path / f"{annotator}.json"),
                                  export(page, "#export-csv", tmp_path / f"{annotator}.csv"))
            assert errors == [] and all(url.startswith("file://") for url in requests), (errors, requests)
            context.close()
    # the exports parse, in page order, with the answers given
    doc = json.loads(exports["ann-a"][0].read_text(encoding="utf-8"))
    assert doc["format"] == "xlgen-human-ratings/1" and doc["annotator"] == "ann-a" and doc["lang"] == "ru"
    labels = ["target", "mixed", "other", "none"]
    assert {r["output_id"]: (r["language"], r["fluency"], r["adequacy"]) for r in doc["ratings"]} == {
        o: (labels[lang - 1], flu, ade) for o, (lang, flu, ade) in given["ann-a"].items()}
    assert len(given["ann-a"]) == n and set(given["ann-a"]) == set(given["ann-b"])
    with open(exports["ann-b"][1], encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["output_id"]: (r["language"], int(r["fluency"]), int(r["adequacy"])) for r in rows} == {
        o: (labels[lang - 1], flu, ade) for o, (lang, flu, ade) in given["ann-b"].items()}
    assert {r["annotator"] for r in rows} == {"ann-b"} and all(r["rated_at"] for r in rows)
    # one annotator's JSON and CSV exports hold the same ratings: importing both is a duplicate
    both = subprocess.run([sys.executable, "-m", "xlgen.cli", "human", "import", *map(str, exports["ann-a"]),
                           "--study", str(folder), "--check"], capture_output=True, text=True, timeout=120)
    assert both.returncode == 2 and both.stderr.count("duplicate rating of ru-") == n
    # the import: ann-a's JSON and ann-b's CSV into the human tables
    tables = tmp_path / "tables"
    proc = subprocess.run([sys.executable, "-m", "xlgen.cli", "human", "import", str(exports["ann-a"][0]),
                           str(exports["ann-b"][1]), "--study", str(folder), "--tables", str(tables)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "24 ratings of 2 annotators" in proc.stdout and "Krippendorff's alpha (12 outputs" in proc.stdout
    human = pd.read_csv(tables / f"human_{TASK}.csv")
    assert not human["simulated"].any()
    overall = human[(human["system"] == "all") & (human["lang"] == "ru")].iloc[0]
    assert overall["n_ratings"] == 24 and overall["alpha_units"] == n
    assert overall["alpha_language"] == 1.0 and overall["alpha_fluency"] == 1.0  # they agree on both
    assert 0 < overall["alpha_adequacy"] < 1
    assert overall["fluency"] == pytest.approx(sum(f for _, f, _ in given["ann-a"].values()) / n)
    validity = pd.read_csv(tables / f"human_validity_{TASK}.csv")
    assert set(validity["analysis"]) == {"wrong_language", "kendall_tau"} and not validity["simulated"].any()
    taus = validity[(validity["analysis"] == "kendall_tau") & (validity["level"] == "segment")
                    & (validity["lang"] == "ru")]
    assert set(taus["aspect"]) == {"fluency", "adequacy"} and (taus["n"] == n).all()
    assert taus["tau"].map(lambda t: math.isnan(t) or -1 <= t <= 1).all()
