# xlgen: zero-shot cross-lingual transfer in generation (Chirkova & Nikoulina, NAACL 2024).
# The default config is the offline demo study; `--configfile` swaps in another study.
from snakemake.utils import min_version

min_version("9.0")


configfile: "config/config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/backbone.smk"
include: "workflow/rules/finetune.smk"
include: "workflow/rules/generate.smk"
include: "workflow/rules/translate.smk"
include: "workflow/rules/evaluate.smk"
include: "workflow/rules/aggregate.smk"
include: "workflow/rules/remedies.smk"
include: "workflow/rules/human.smk"


rule all:
    default_target: True
    input:
        get_final_output(),
