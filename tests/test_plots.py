"""The LR-sweep plots draw the methods the study has (one of them, or several), with titles
that state what is drawn and fit the figure."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from xlgen.plots import lr_sweep_figure, plot_lr_sweep, plot_wrong_language_story, wrong_language_figure  # noqa: E402

LANGS = ["en", "de", "ru"]
# (method, lr) -> (f1 per language, wrong-language rate per language)
RUNS = {
    ("lora", 1e-3): ({"en": 40.0, "de": 20.0, "ru": 10.0}, {"en": 0.0, "de": 0.2, "ru": 0.4}),
    ("lora", 1e-2): ({"en": 60.0, "de": 24.0, "ru": 12.0}, {"en": 0.0, "de": 0.6, "ru": 0.8}),
    ("full", 1e-4): ({"en": 50.0, "de": 30.0, "ru": 16.0}, {"en": 0.0, "de": 0.1, "ru": 0.3}),
    ("full", 3e-3): ({"en": 70.0, "de": 26.0, "ru": 14.0}, {"en": 0.0, "de": 0.5, "ru": 0.9}),
}


def long_table(methods, backbones=("mbart-demo",), seeds=(1, 2)):
    """A results_long-like table: two seeds (the second +2 F1, so the plotted mean is +1)
    and a translate-train row that no plot may draw."""
    rows = []
    for (method, lr), (f1, wrong) in RUNS.items():
        if method not in methods:
            continue
        for backbone in backbones:
            for seed in seeds:
                for lang in LANGS:
                    rows.append({"task": "qa", "backbone": backbone, "method": method, "lr": lr, "seed": seed,
                                 "lang": lang, "split": "test", "f1_unicode": f1[lang] + 2 * (seed - 1),
                                 "wrong_lang_rate": wrong[lang], "main_metric": "f1_unicode",
                                 "variant": "zero_shot"})
    rows.append({**rows[-1], "method": f"{methods[0]}+tt-ru", "variant": "translate_train", "f1_unicode": 99.0})
    return pd.DataFrame(rows)


def title_fits(fig) -> str:
    """The figure title's text, after checking it lies inside the figure when drawn."""
    fig.canvas.draw()
    box = fig._suptitle.get_window_extent(fig.canvas.get_renderer())
    width, height = fig.canvas.get_width_height()
    assert 0 <= box.x0 and box.x1 <= width and box.y1 <= height, (box, width, height)
    return fig._suptitle.get_text().replace("\n", " ")


def lines_by_label(ax):
    return {line.get_label(): line for line in ax.get_lines()}


def test_lr_sweep_of_a_lora_only_study_draws_lora():
    fig = lr_sweep_figure(long_table(["lora"]), "qa", "en")
    try:
        axes = fig.axes
        assert len(axes) == 6  # (f1, wrong rate) x (en source, Latin targets: de, other: ru)
        assert [ax.get_title() for ax in axes[:3]] == ["en (source)", "Latin-script targets: de",
                                                       "other-script targets: ru"]
        quality = lines_by_label(axes[0])
        assert list(quality) == ["mbart-demo, lora"]
        x, y = quality["mbart-demo, lora"].get_data()
        np.testing.assert_allclose(x, [1e-3, 1e-2])
        np.testing.assert_allclose(y, [41.0, 61.0])  # en, mean of the two seeds
        wrong_ru = lines_by_label(axes[5])["mbart-demo, lora"].get_ydata()
        np.testing.assert_allclose(wrong_ru, [40.0, 80.0])  # %
        assert [t.get_text() for t in axes[0].get_legend().get_texts()] == ["mbart-demo, lora"]
        title = title_fits(fig)
        assert title == ("qa: f1_unicode and wrong-language rate against the finetuning LR, method lora, "
                         "finetuned on en, zero-shot to the other languages (test)")
    finally:
        plt.close(fig)


def test_lr_sweep_with_full_and_lora_draws_a_line_per_method_and_backbone():
    fig = lr_sweep_figure(long_table(["full", "lora"], backbones=("mbart-demo", "mt5-demo")), "qa", "en")
    try:
        quality = lines_by_label(fig.axes[0])
        assert list(quality) == ["mbart-demo, full", "mbart-demo, lora", "mt5-demo, full", "mt5-demo, lora"]
        np.testing.assert_allclose(quality["mt5-demo, full"].get_data(), [[1e-4, 3e-3], [51.0, 71.0]])
        # colour tells the backbone, line style the method
        assert quality["mbart-demo, full"].get_color() == quality["mbart-demo, lora"].get_color()
        assert quality["mbart-demo, full"].get_color() != quality["mt5-demo, full"].get_color()
        assert quality["mbart-demo, full"].get_linestyle() != quality["mbart-demo, lora"].get_linestyle()
        assert "methods full, lora" in title_fits(fig)
    finally:
        plt.close(fig)


def test_wrong_language_plot_of_a_lora_only_study_has_one_panel_stating_what_it_draws():
    fig = wrong_language_figure(long_table(["lora"]), "qa", "en")
    try:
        assert len(fig.axes) == 1
        ax = fig.axes[0]
        assert ax.get_title() == "mbart-demo, lora"
        lines = lines_by_label(ax)
        np.testing.assert_allclose(lines["en f1_unicode"].get_data(), [[1e-3, 1e-2], [41.0, 61.0]])
        mean = lines["wrong-language rate, other languages (%)"]
        np.testing.assert_allclose(mean.get_ydata(), [30.0, 70.0])  # mean of de and ru
        thin = [line for line in ax.get_lines() if line.get_linewidth() == 1]
        assert sorted(tuple(line.get_ydata()) for line in thin) == [(20.0, 60.0), (40.0, 80.0)]  # de, ru
        title = title_fits(fig)
        assert title == ("qa: en f1_unicode and wrong-language rate against the finetuning LR, method lora, "
                         "zero-shot from en (test; thin lines: each language)")
        assert "higher LR" not in title  # a statement of what is drawn, not a conclusion
    finally:
        plt.close(fig)


def test_wrong_language_plot_has_a_row_per_method():
    long = long_table(["full", "lora"], backbones=("mbart-demo", "mt5-demo"))
    long = long[~((long["backbone"] == "mt5-demo") & (long["method"] == "lora"))]  # not every pair ran
    fig = wrong_language_figure(long, "qa", "en")
    try:
        assert [ax.get_title() for ax in fig.axes] == ["mbart-demo, full", "mt5-demo, full",
                                                       "mbart-demo, lora", "mt5-demo, lora"]
        assert [t.get_text() for t in fig.axes[3].texts] == ["no runs"] and not fig.axes[3].get_lines()
        full = lines_by_label(fig.axes[0])["wrong-language rate, other languages (%)"]
        np.testing.assert_allclose(full.get_data(), [[1e-4, 3e-3], [20.0, 70.0]])
        assert "methods full, lora" in title_fits(fig)
    finally:
        plt.close(fig)


def test_plots_are_written_as_png_and_a_task_without_runs_is_one_clear_error(tmp_path):
    long = long_table(["lora"])
    plot_lr_sweep(long, "qa", "en", tmp_path / "lr_sweep_qa.png")
    plot_wrong_language_story(long, "qa", "en", tmp_path / "wrong_language_qa.png")
    for name in ("lr_sweep_qa.png", "wrong_language_qa.png"):
        assert (tmp_path / name).read_bytes()[:4] == b"\x89PNG"
    with pytest.raises(ValueError, match="summarization: no zero-shot runs on the dev split"):
        wrong_language_figure(long.assign(main_metric="rougeL", task="summarization"), "summarization", "en",
                              split="dev")
