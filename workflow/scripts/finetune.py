"""Finetune one (task, backbone, method, lr, seed) run on the tokenized source-language data.

With `gpu=1` (the rule's default) the job trains in this process; with `gpu=N` (a profile's
or the command line's `--set-resources finetune:gpu=N`) in N processes on this node,
started by `accelerate launch` (DDP, or `finetune.accelerate_config`'s FSDP), each running
the same job spec; the outputs are the same files either way.
"""

from xlgen.io import one_line_errors

with one_line_errors(snakemake.log[0], snakemake.resources):  # bad input: one log line, exit 1; else a usage line
    import sys

    from xlgen.finetune import launch, run_job

    processes = int(snakemake.resources.get("gpu", 1) or 1)
    run = snakemake.params.run  # the run's identity: method, lr and seed come from here only
    spec = {
        "backbone": snakemake.input.backbone,
        "method": run["base_method"],
        "method_settings": snakemake.params.method_settings,
        "train": snakemake.input.train,
        "dev": snakemake.input.dev,
        "unlabeled": list(snakemake.input.get("unlabeled", [])),
        # a several-sources run: the sources' example counts, for run.json
        "sources": snakemake.input.get("sources", ""),
        "lr": run["lr"],
        "seed": run["seed"],
        "finetune": snakemake.params.finetune,
        "model": snakemake.output.model,
        "run_json": snakemake.output.run,
        # outside the outputs: Snakemake deletes the outputs of a failed job, not this
        "checkpoint": snakemake.params.checkpoint,
        "run": run,
        "processes": processes,
        "threads": max(1, snakemake.threads // processes),
    }
    if processes > 1:
        launch(spec, processes, snakemake.params.finetune.get("accelerate_config"))
    else:
        import torch

        torch.set_num_threads(snakemake.threads)
        run_job(spec, log=lambda msg: print(msg, file=sys.stderr))
