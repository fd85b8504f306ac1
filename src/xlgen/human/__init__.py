"""Human evaluation of the study's outputs: blind rating pages, ratings back into tables.

The pieces, in the order the workflow runs them (workflow/rules/human.smk):

* `sample`: per target language, N test inputs (seeded, stratified by input length) that
  every compared system answered, and each system's output for them; the systems are
  shuffled per input and hidden behind output ids (`ru-07b`); the key from output id to
  system (and the automatic metric and language verdict of each output) is a separate file.
* `page`: a self-contained HTML rating page per language and annotator (no server, no
  network; answers kept in the browser's localStorage, exported as CSV or JSON), and a CSV
  sheet with the same rows for those who prefer a spreadsheet.
* `simulate`: seeded simulated annotators (`sim-1`, `sim-2`, ...) for the demo, clearly
  labelled; never a stand-in for a real study.
* `ratings`: reading and checking returned rating files (one line per problem, naming the
  file and row) and joining them with the key.
* `agreement`: mean ratings with bootstrap intervals, Krippendorff's alpha, and the validity
  of the automatic measures (wrong-language verdict against the human language judgement,
  Kendall's tau of the task metric against fluency and adequacy).
"""

from __future__ import annotations

# The aspects an annotator rates, as the page, the sheet and the import name them.
LANGUAGE_LABELS = ("target", "mixed", "other", "none")
LANGUAGE_DESCRIPTIONS = {
    "target": "in the target language (names, numbers and loanwords are fine)",
    "mixed": "partly in the target language and partly in another one",
    "other": "in another language (e.g. English)",
    "none": "not language: empty, only numbers or symbols, or word salad",
}
SCALE = (1, 2, 3, 4, 5)
ASPECTS = ("language", "fluency", "adequacy")
GUIDELINES = {
    "language": "In which language is the output written? " + "; ".join(
        f"{label}: {text}" for label, text in LANGUAGE_DESCRIPTIONS.items()),
    "fluency": ("How well-formed is the output as text, whatever it says? 5: flawless, natural; "
                "4: good, minor slips; 3: understandable but clumsy; 2: hard to read; 1: incomprehensible. "
                "Judge it as text of the language it is written in."),
    "adequacy": ("How well does the output do the task for this input (a headline of the article, the answer "
                 "to the question), for a reader of the target language? 5: fully; 4: mostly; 3: partly; "
                 "2: barely; 1: not at all (also: unreadable for that reader, e.g. in another language)."),
    "comment": "Optional: anything worth telling the study (offensive content, a broken input, ...).",
}
# Annotator ids with this prefix are simulated: the tables mark them (`simulated`), and the
# import refuses to mix them with real annotators in one table.
SIMULATED_PREFIX = "sim-"
RATINGS_FORMAT = "xlgen-human-ratings/1"


def is_simulated(annotator: str) -> bool:
    return str(annotator).startswith(SIMULATED_PREFIX)
