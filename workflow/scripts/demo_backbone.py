"""Build, pretrain and save one tiny demo backbone (tokenizer + model, save_pretrained).

A prebuilt copy shipped in the repository is reused when its fingerprint (code version,
spec, seed, bytes of the demo-world inputs) matches; `--config rebuild_demo_backbones=True`
builds from scratch regardless.
"""

from xlgen.io import one_line_errors

with one_line_errors(snakemake.log[0]):  # bad input: one line in the log, exit 1
    import sys
    from pathlib import Path

    import torch

    from xlgen_demo.backbone import build_demo_backbone, demo_fingerprint, demo_inputs, restore_prebuilt

    def log(message):
        print(message, file=sys.stderr)

    torch.set_num_threads(snakemake.threads)
    spec = snakemake.params.spec
    data_root = Path(snakemake.input.unlabeled[0]).parents[1]  # results/data/unlabeled/<lang>.txt
    out_dir = Path(snakemake.output[0])
    languages = snakemake.params.languages
    summary = None
    if snakemake.params.prebuilt and not snakemake.config.get("rebuild_demo_backbones", False):
        inputs = demo_inputs(data_root, languages, spec["demo"]["objectives"])
        fingerprint = demo_fingerprint(spec["family"], spec["demo"], snakemake.params.seed, inputs)
        summary = restore_prebuilt(Path(snakemake.params.prebuilt), fingerprint, out_dir)
        log(f"prebuilt {snakemake.params.prebuilt}: "
            + ("fingerprint matches, reused" if summary else "missing or stale, building from scratch"))
    if summary is None:
        summary = build_demo_backbone(spec["family"], data_root, languages, spec["demo"],
                                      snakemake.params.seed, out_dir, log=log)
    log(str(summary))
