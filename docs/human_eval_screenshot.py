"""Take docs/human_eval_page.png: the demo's Russian rating page in headless chromium, two
outputs rated, the reference shown. Run after `snakemake --configfile config/demo-human.yaml`:

    .venv/bin/python docs/human_eval_screenshot.py

Needs Debian's chromium (/usr/bin/chromium) and the playwright package (never downloads a browser).
"""

import sys
import tempfile
from pathlib import Path

from PIL import Image
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "results/human/summarization/pages/ru/rater-1.html"
OUT = ROOT / "docs/human_eval_page.png"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

if not PAGE.exists():
    sys.exit(f"{PAGE}: missing; run: .venv/bin/snakemake --cores 2 --configfile config/demo-human.yaml")
with tempfile.TemporaryDirectory() as profile, sync_playwright() as p:
    context = p.chromium.launch_persistent_context(profile, executable_path="/usr/bin/chromium", headless=True,
                                                   args=ARGS, viewport={"width": 960, "height": 860})
    page = context.new_page()
    page.goto(PAGE.as_uri())
    for key in ("1", "4", "3", "Enter", "1", "5", "4", "Enter", "1", "4"):  # two outputs rated, a third begun
        page.keyboard.press(key)
    page.evaluate("document.getElementById('guide').open = false")
    page.keyboard.press("r")  # the reference, on request
    page.screenshot(path=str(OUT))
    context.close()
# a palette of 64 colours: the text stays sharp, the file small
Image.open(OUT).convert("RGB").quantize(colors=64, method=Image.Quantize.MEDIANCUT).save(OUT, optimize=True)
print(f"{OUT}: {OUT.stat().st_size // 1024} KB")
