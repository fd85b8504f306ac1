"""The workflow on a real SLURM cluster: munged, slurmctld and slurmd started here on localhost,
a tiny study run by `snakemake --profile profiles/slurm`, every non-local job through sbatch;
then a finetune job that reaches its time limit: warned by SLURM, it saves, is submitted again
and resumes to the weights of an uninterrupted run.

Needs root and Debian's slurm-wlm; installs it with apt-get when XLGEN_SLURM_INSTALL=1 (CI).
Skips, saying why, where it cannot run. The daemons it starts are stopped by their PIDs.
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

# tests/conftest.py
from conftest import CONFIGS, PLUGINS_ENV, ROOT, SNAKEMAKE_ENV, apt_install, run_snakemake, snakemake_cmd

PROFILE = ROOT / "profiles" / "slurm" / "config.yaml"
CONFIG = CONFIGS / "slurm.yaml"
SLURM_CONF_TEMPLATE = ROOT / "tests" / "slurm" / "slurm.conf.in"
DAEMONS = ("munged", "slurmctld", "slurmd")
CLIENTS = ("sbatch", "srun", "squeue", "sinfo", "scancel")
# Rules the study must send through sbatch whatever becomes `localrules` (the heavy stages).
COMPUTE_RULES = {"demo_backbone", "finetune", "generate", "evaluate"}
SUBMITTED = re.compile(r"Job \d+ has been submitted with SLURM jobid (\d+) \(log: (.+?)\)\.")
# Rules whose jobs save a checkpoint on SIGTERM and exit 143: the profile asks SLURM to warn them.
TRAINING_RULES = ("intermediate_tuning", "finetune")
WARNING = re.compile(r"--signal=TERM@(\d+)")  # no `B:`: every process of the job's steps, not the batch shell
# docs/cluster.md "Time limits": the warning's lead writes the largest trainable state at this speed
SAVE_BYTES_PER_SECOND = 250e6
# The time-limit study's one run, trained long enough to meet its time limit at little CPU:
# tests/plugins/paced_full.py, full finetuning at a fixed pace
PACE_S, PACED_STEPS = 0.25, 320  # >= 80 s of training, past the warning's latest arrival (59 s in)
TIME_LIMIT_RUN = "summarization/mbart-tiny/paced_full/lr~0.003/seed~1"


def find_program(name: str) -> str | None:
    """The program on PATH or in the sbin directories, which a non-login root PATH may lack."""
    return shutil.which(name, path=os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"]))


def missing_programs() -> list[str]:
    return [name for name in DAEMONS + CLIENTS if find_program(name) is None]


def free_ports(n: int) -> list[int]:
    """n distinct ports nobody listens on (all held open until all are chosen)."""
    sockets = [socket.socket() for _ in range(n)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def tail(path: Path, lines: int = 15) -> str:
    if not path.exists():
        return f"({path.name} not written)"
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def profile_partitions(profile: dict) -> list[str]:
    """Every partition the profile names, the default one first."""
    names = [profile.get("default-resources", {}).get("slurm_partition")]
    names += [r.get("slurm_partition") for r in profile.get("set-resources", {}).values()]
    return list(dict.fromkeys(str(n) for n in names if n))


def gpu_rules() -> set[str]:
    """Rules that ask for a GPU in workflow/rules/*.smk (`gpu=N` in their resources)."""
    rules = set()
    for smk in (ROOT / "workflow" / "rules").glob("*.smk"):
        # rules inside `if ...:` blocks (the translation baselines) are indented
        # a rule made in a loop (`rule:` with `name: "generate" if ... else ...`) by its first name
        for block in re.split(r"^(?=\s*rule(?: \w+)?:)", smk.read_text(), flags=re.M):
            name = re.match(r"\s*rule (\w+):", block) or re.match(r'\s*rule:\s*name:\s*"(\w+)"', block)
            if name and re.search(r"^\s+gpu\s*=", block, flags=re.M):
                rules.add(name.group(1))
    return rules


def local_rules() -> set[str]:
    """Rules named in a `localrules:` directive of workflow/rules/*.smk (run where Snakemake runs)."""
    names = set()
    for smk in (ROOT / "workflow" / "rules").glob("*.smk"):
        for block in re.findall(r"^[ \t]*localrules:[ \t]*\n((?:[ \t]+\w+,?[ \t]*\n)+)", smk.read_text(), flags=re.M):
            names |= set(re.findall(r"\w+", block))
    return names


def profile_for_test_cluster(profile: dict) -> dict:
    """The repository's profile with only what this GPU-less, accounting-less node cannot honour
    taken out: the account (the plugin checks it with sacctmgr, which needs slurmdbd) and the
    GPU requests (gpu=0 for every GPU rule, no gpu_model or gres)."""
    profile = yaml.safe_load(yaml.safe_dump(profile, sort_keys=False))
    profile.get("default-resources", {}).pop("slurm_account", None)
    set_resources = profile.setdefault("set-resources", {})
    for rule in gpu_rules() | {r for r, res in set_resources.items() if {"gpu", "gpu_model", "gres"} & set(res)}:
        resources = set_resources.setdefault(rule, {})
        resources.pop("slurm_account", None)
        resources.pop("gpu_model", None)
        resources.pop("gres", None)
        resources["gpu"] = 0
    return profile


class Cluster:
    """munged, slurmctld and slurmd in the foreground, each a child of this process."""

    def __init__(self, base: Path, partitions: list[str]):
        self.base = base
        self.processes: dict[str, subprocess.Popen] = {}
        self.outputs = []
        self.logs = base / "log"
        for sub in ("log", "state", "spool", "run", "munge"):
            (base / sub).mkdir(mode=0o700)
        self.munge_socket = base / "munge" / "munge.socket"
        self.conf = base / "slurm.conf"
        memory_mb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20
        lines = [f"PartitionName={name} Nodes=localhost Default={'YES' if i == 0 else 'NO'} "
                 "MaxTime=INFINITE State=UP" for i, name in enumerate(partitions)]
        ctld_port, slurmd_port = free_ports(2)
        self.conf.write_text(SLURM_CONF_TEMPLATE.read_text().format(
            ctld_port=ctld_port, slurmd_port=slurmd_port, munge_socket=self.munge_socket,
            state_dir=base / "state", spool_dir=base / "spool", run_dir=base / "run", log_dir=self.logs,
            cpus=os.cpu_count() or 1,
            # never below the rules' largest request (4 GB), so a small CI machine still schedules
            memory_mb=max(memory_mb, 8192), partitions="\n".join(lines)))
        # The slurm-jobstep plugin strips SLURM_* (SLURM_CONF too) from the environment of the
        # `srun` it runs inside each job, so that srun would look for /etc/slurm/slurm.conf. A
        # real cluster keeps its config there; this one reaches the real srun through a shim.
        shims = base / "bin"
        shims.mkdir()
        srun = shims / "srun"
        srun.write_text(f'#!/bin/sh\nSLURM_CONF="{self.conf}" exec "{find_program("srun")}" "$@"\n')
        srun.chmod(0o755)
        self.env = {**os.environ, "SLURM_CONF": str(self.conf),
                    "PATH": os.pathsep.join([str(shims), os.environ.get("PATH", "")])}

    def start(self, name: str, *args: str) -> None:
        log = open(self.logs / f"{name}.out", "w")
        self.outputs.append(log)
        self.processes[name] = subprocess.Popen([find_program(name), *args], stdout=log,
                                                stderr=subprocess.STDOUT, env=self.env)

    def start_all(self) -> str:
        """Starts the daemons and waits until the node is idle; returns why not, empty if up."""
        key = self.base / "munge" / "munge.key"
        key.write_bytes(os.urandom(1024))
        key.chmod(0o600)
        self.start("munged", "--foreground", "--force", f"--socket={self.munge_socket}",
                   f"--key-file={key}", f"--pid-file={self.base / 'run' / 'munged.pid'}",
                   f"--seed-file={self.base / 'munge' / 'seed'}")
        if not self.wait(lambda: self.munge_socket.exists(), 15):
            return self.failure("munged did not create its socket")
        self.start("slurmctld", "-D", "-i", "-f", str(self.conf))
        self.start("slurmd", "-D", "-N", "localhost", "-f", str(self.conf))
        if not self.wait(lambda: self.node_state() in {"idle", "mixed", "allocated"}, 60):
            return self.failure(f"node not idle after 60 s (state: {self.node_state() or 'none'})")
        return ""

    def node_state(self) -> str:
        proc = subprocess.run([find_program("sinfo"), "-h", "-N", "-n", "localhost", "-o", "%T"],
                              capture_output=True, text=True, env=self.env)
        return proc.stdout.strip().split("\n")[0].rstrip("*~#!%$@^-") if proc.returncode == 0 else ""

    def wait(self, ready, seconds: float) -> bool:
        deadline = time.time() + seconds
        while time.time() < deadline:
            if any(p.poll() is not None for p in self.processes.values()):
                return False
            if ready():
                return True
            time.sleep(0.5)
        return False

    def failure(self, reason: str) -> str:
        exited = [f"{n} exited with {p.returncode}" for n, p in self.processes.items() if p.poll() is not None]
        logs = "\n".join(f"--- {path.name}\n{tail(path)}" for path in sorted(self.logs.iterdir()))
        return f"{reason}; {', '.join(exited) or 'all daemons alive'}\n{logs}"

    def jobs(self) -> pd.DataFrame:
        """Every job the controller still knows (finished ones for MinJobAge): id, partition, state
        and time limit (`1:00` is one minute)."""
        proc = subprocess.run([find_program("squeue"), "--states=all", "-h", "-o", "%i|%P|%T|%l"],
                              capture_output=True, text=True, env=self.env, check=True)
        rows = [line.split("|") for line in proc.stdout.split()]
        return pd.DataFrame(rows, columns=["jobid", "partition", "state", "time_limit"])

    def no_job_running(self) -> bool:
        proc = subprocess.run([find_program("squeue"), "-h", "-t", "RUNNING,COMPLETING", "-o", "%i"],
                              capture_output=True, text=True, env=self.env)
        return proc.returncode != 0 or not proc.stdout.strip()

    def stop(self) -> None:
        """Cancels leftover jobs, then stops exactly the daemons started here, slurmd first."""
        if "slurmctld" in self.processes and self.processes["slurmctld"].poll() is None:
            subprocess.run([find_program("scancel"), "--user", "root"], env=self.env, capture_output=True)
            self.wait(self.no_job_running, 20)
        for name in ("slurmd", "slurmctld", "munged"):
            process = self.processes.get(name)
            if process is None or process.poll() is not None:
                continue
            os.kill(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.kill(process.pid, signal.SIGKILL)
                process.wait()
        for output in self.outputs:
            output.close()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    if os.geteuid() != 0:
        pytest.skip("SLURM test: needs root to run munged, slurmctld and slurmd")
    if missing_programs():
        if os.environ.get("XLGEN_SLURM_INSTALL") != "1":
            pytest.skip(f"SLURM test: {', '.join(missing_programs())} not installed; "
                        "XLGEN_SLURM_INSTALL=1 on a Debian machine installs slurm-wlm")
        if shutil.which("apt-get") is None:
            pytest.skip(f"SLURM test: {', '.join(missing_programs())} not installed and no apt-get "
                        "to install slurm-wlm with (XLGEN_SLURM_INSTALL=1 needs Debian)")
        error = apt_install("slurm-wlm", "munge")
        if error or missing_programs():
            pytest.skip(f"SLURM test: installing slurm-wlm failed: {error or missing_programs()}")
    profile = yaml.safe_load(PROFILE.read_text())
    base = tmp_path_factory.mktemp("slurm")
    cluster = Cluster(base, profile_partitions(profile) or ["debug"])
    try:
        reason = cluster.start_all()
        if reason:
            pytest.skip(f"SLURM test: daemons failed to start: {reason}")
        profile_dir = base / "profile"
        profile_dir.mkdir()
        (profile_dir / "config.yaml").write_text(yaml.safe_dump(profile_for_test_cluster(profile), sort_keys=False))
        cluster.profile_dir = profile_dir
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="module")
def slurm_run(cluster, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("slurm-study")
    proc = run_snakemake(workdir, "--profile", str(cluster.profile_dir),
                         # test-only: poll every few seconds, not every 40, and keep the logs of successful jobs
                         "--slurm-init-seconds-before-status-checks", "2", "--slurm-keep-successful-logs",
                         configfile=CONFIG, cores=None, env=cluster.env, check=False)
    output = proc.stdout + proc.stderr
    if proc.returncode != 0:
        failed = set(re.findall(r"Error in rule (\w+):", output))
        logs = [p for p in sorted(workdir.glob(".snakemake/slurm_logs/**/*.log")) if p.parts[-3][5:] in failed
                or p.parts[-2][5:] in failed]  # .../rule_<name>[/<wildcards>]/<jobid>.log
        logs += [p for rule in sorted(failed) for p in sorted(workdir.glob(f"results/logs/{rule}*/**/*.log"))
                 + sorted(workdir.glob(f"results/logs/{rule}.log"))]
        job_logs = "\n".join(f"--- {path.relative_to(workdir)}\n{tail(path, 12)}" for path in logs)
        pytest.fail(f"snakemake failed:\n{output[-4000:]}\nSLURM job logs:\n{job_logs[-6000:]}\n"
                    f"slurmctld:\n{tail(cluster.logs / 'slurmctld.log', 8)}")
    return workdir, output, cluster.jobs()


def test_profile_gives_every_gpu_rule_a_gpu_on_a_gpu_partition():
    profile = yaml.safe_load(PROFILE.read_text())
    assert profile["executor"] == "slurm" and profile["slurm-status-command"] == "squeue"
    assert {"slurm_partition", "slurm_account", "runtime", "mem_mb"} <= set(profile["default-resources"])
    assert gpu_rules() >= {"finetune", "generate", "generate_translate_train", "translate_test", "mt_quality"}
    for rule in gpu_rules():  # a GPU rule the profile forgets would queue on the CPU partition
        resources = profile["set-resources"].get(rule, {})
        assert resources.get("gpu", 0) >= 1 or "gpu" in resources.get("gres", ""), \
            f"rule {rule} asks for a GPU: give it one and a GPU partition in {PROFILE.relative_to(ROOT)}"
        assert resources.get("slurm_partition") not in (None, profile["default-resources"]["slurm_partition"]), rule


@pytest.mark.slow
def test_compute_jobs_ran_through_sbatch_on_the_profiles_partitions(slurm_run):
    workdir, output, jobs = slurm_run
    submitted = {jobid: re.search(r"rule_(\w+)", log).group(1) for jobid, log in SUBMITTED.findall(output)}
    assert COMPUTE_RULES <= set(submitted.values()), output[-3000:]
    assert not set(submitted.values()) & local_rules()  # tables and plots stay off the queue
    jobs = jobs.set_index("jobid")
    assert set(submitted) <= set(jobs.index)  # the controller ran them ...
    assert (jobs.loc[list(submitted), "state"] == "COMPLETED").all(), jobs  # ... to the end
    profile = yaml.safe_load(PROFILE.read_text())
    for jobid, rule in submitted.items():
        expected = profile["set-resources"].get(rule, {}).get(
            "slurm_partition", profile["default-resources"]["slurm_partition"])
        assert jobs.loc[jobid, "partition"] == expected, (rule, jobid)
        # the job's own log (kept by --slurm-keep-successful-logs): Snakemake inside it finished
        slurm_log = next((workdir / ".snakemake" / "slurm_logs").glob(f"rule_{rule}/**/{jobid}.log"))
        assert "1 of 1 steps (100%) done" in slurm_log.read_text(), slurm_log


@pytest.mark.slow
def test_study_tables_have_a_row_per_language_and_split(slurm_run):
    workdir = slurm_run[0]
    long = pd.read_csv(workdir / "results/tables/results_long.csv", keep_default_na=False, na_values=[""])
    # 1 task x 1 backbone x 1 method x 1 lr x 1 seed x 2 languages x 2 splits
    assert len(long) == 4 and set(long["lang"]) == {"en", "ru"} and set(long["split"]) == {"dev", "test"}
    assert (long["status"] == "ok").all() and (long["n"] == 8).all()
    assert long["rougeL"].between(0, 100).all() and long["chrf"].notna().all()
    main = pd.read_csv(workdir / "results/tables/main_summarization.csv")
    assert main[["backbone", "method", "lr"]].values.tolist() == [["mbart-tiny", "full", 3e-3]]
    selection = pd.read_csv(workdir / "results/tables/lr_selection_summarization.csv")
    assert set(selection["protocol"]) == {"source_dev", "target_dev", "mean_target_dev"}
    for png in ("lr_sweep_summarization.png", "wrong_language_summarization.png"):
        assert (workdir / "results/plots" / png).read_bytes()[:4] == b"\x89PNG"


def warning_lead(profile: dict, rule: str) -> int:
    """The seconds before the time limit at which the profile has SLURM send `rule`'s jobs SIGTERM
    (its `slurm_extra`, a quoted string as Snakemake reads it); fails where it asks none."""
    extra = str(profile["set-resources"].get(rule, {}).get("slurm_extra", "")).strip("'\"")
    warning = WARNING.fullmatch(extra)
    assert warning, f"{rule}: slurm_extra {extra!r} is not --signal=TERM@<seconds> ({PROFILE.relative_to(ROOT)})"
    return int(warning.group(1))


def test_profile_warns_training_jobs_in_time_to_save_the_largest_trainable_state():
    profile = yaml.safe_load(PROFILE.read_text())
    assert profile["retries"] >= 1  # a job stopped by the warning is submitted again, and resumes
    catalog = yaml.safe_load((ROOT / "config" / "llm.yaml").read_text())["backbone_catalog"]
    largest = max(entry["params"] for entry in catalog.values())
    assert largest > 9e9  # gemma-2-9b
    for rule in TRAINING_RULES:
        # fp32 weights and AdamW's two moments, written at the speed docs/cluster.md assumes
        assert warning_lead(profile, rule) >= largest * 12 / SAVE_BYTES_PER_SECOND, rule


def copy_study(world: Path, workdir: Path) -> Path:
    """The SLURM study's data, backbone and tokenized sets with Snakemake's records of them
    (copy2 keeps their times): Snakemake finds them up to date and starts at finetuning."""
    for part in ("results/data", "results/backbones", "results/tokenized", ".snakemake/metadata"):
        shutil.copytree(world / part, workdir / part, symlinks=True)
    return workdir


def safetensors_weights(model_dir: Path) -> dict:
    from safetensors.torch import load_file

    return {name: tensor for path in sorted(model_dir.glob("*.safetensors"))
            for name, tensor in load_file(path).items()}


@pytest.mark.slow
def test_a_finetune_job_warned_before_its_time_limit_saves_and_its_retry_resumes_to_the_same_weights(
        cluster, slurm_run, tmp_path):
    import torch

    config = yaml.safe_load(CONFIG.read_text())
    slurm_dir, local_dir = (copy_study(slurm_run[0], tmp_path / name) for name in ("slurm", "local"))
    # a run of >= PACED_STEPS x PACE_S seconds whatever the load: it outlasts the warning's latest
    # arrival (59 s after the job starts, below) at ~10 s of CPU (the plug-in waits, full trains)
    steps = PACED_STEPS
    config["methods"] = ["paced_full"]
    config["method_settings"] = {"paced_full": {"lrs": config["method_settings"]["full"]["lrs"], "seconds": PACE_S}}
    config["finetune"].update(steps=steps, dev_every=steps)
    configfile = tmp_path / "config.yaml"
    configfile.write_text(yaml.safe_dump(config, sort_keys=False))  # key order kept: params compare equal
    profile = profile_for_test_cluster(yaml.safe_load(PROFILE.read_text()))
    finetune = profile["set-resources"]["finetune"]
    assert warning_lead(profile, "finetune") >= 60  # the repository's lead, replaced by 1 s below
    finetune["runtime"] = "1 if attempt == 1 else 10"  # minutes; Snakemake evaluates it per attempt
    # SLURM warns at its first 30-s time-limit check within lead + 30 s of the end: 1 s warns 29-59 s in
    finetune["slurm_extra"] = "'--signal=TERM@1'"
    (tmp_path / "profile").mkdir()
    (tmp_path / "profile" / "config.yaml").write_text(yaml.safe_dump(profile, sort_keys=False))
    target = f"results/models/{TIME_LIMIT_RUN}/run.json"

    started = time.time()
    # the uninterrupted run, here, meanwhile (both wait far more than they compute)
    with open(tmp_path / "local.out", "w") as local_out:
        local_cmd = snakemake_cmd(local_dir, target, configfile=configfile, cores=1)
        local = subprocess.Popen(local_cmd, stdout=local_out, stderr=subprocess.STDOUT,
                                 env={**SNAKEMAKE_ENV, **PLUGINS_ENV})
        proc = run_snakemake(slurm_dir, "--profile", str(tmp_path / "profile"),
                             "--slurm-init-seconds-before-status-checks", "2", "--slurm-keep-successful-logs",
                             "--show-failed-logs", target,
                             configfile=configfile, cores=None, env={**cluster.env, **PLUGINS_ENV}, check=False)
        assert local.wait(timeout=900) == 0, tail(tmp_path / "local.out", 30)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"{output[-5000:]}\nslurmctld:\n{tail(cluster.logs / 'slurmctld.log', 8)}"
    print(f"time-limit study: {steps} steps, {time.time() - started:.0f} s")

    submitted = [(jobid, re.search(r"rule_(\w+?)/", log).group(1)) for jobid, log in SUBMITTED.findall(output)]
    # paced, the run cannot end before the warning: one submission means the pace was lost
    assert [rule for _, rule in submitted] == ["finetune", "finetune"], \
        f"not one finetune job submitted twice: {submitted}\n{output[-3000:]}"
    (first, _), (second, _) = submitted
    jobs = cluster.jobs().set_index("jobid")
    # the first attempt ended before its one-minute limit (FAILED, not TIMEOUT): on the warning
    assert jobs.loc[first, ["state", "time_limit"]].tolist() == ["FAILED", "1:00"], jobs
    assert jobs.loc[second, ["state", "time_limit"]].tolist() == ["COMPLETED", "10:00"], jobs
    slurm_logs = {jobid: next((slurm_dir / ".snakemake" / "slurm_logs").glob(f"rule_finetune/**/{jobid}.log"))
                  .read_text() for jobid in (first, second)}
    assert "--attempt 1 " in slurm_logs[first] and "--attempt 2 " in slurm_logs[second]
    # SLURM's SIGTERM reached the job step (not the time limit's "DUE TO TIME LIMIT"), and the
    # training exited 143 by itself (a process killed by it would have "died with <Signals.SIGTERM")
    assert re.search(rf"\*\*\* STEP {first}\.0 ON \S+ CANCELLED AT \S+ \*\*\*\n", slurm_logs[first]), slurm_logs[first]
    assert "died with <Signals.SIGTERM" not in slurm_logs[first], "warned before training started (start-up > 29 s)"
    assert "returned non-zero exit status 143" in slurm_logs[first], slurm_logs[first][-3000:]
    assert "Trying to restart job" in output

    # the first attempt's log, shown by --show-failed-logs before the retry overwrote it
    checkpoint = f"results/checkpoints/{TIME_LIMIT_RUN}/checkpoint.pt"
    saved = re.search(rf"SIGTERM: saved checkpoint {re.escape(checkpoint)} at step (\d+); exiting with status 143",
                      output)
    assert saved, output[-5000:]
    saved_at = int(saved.group(1))
    assert 0 < saved_at < steps
    log = (slurm_dir / f"results/logs/finetune/{TIME_LIMIT_RUN}.log").read_text()
    assert f"resumed from {checkpoint} at step {saved_at}\n" in log, log[-2000:]
    assert not (slurm_dir / checkpoint).exists()  # spent once the run is saved
    assert json.loads((slurm_dir / target).read_text())["steps"] == steps

    local_log = (local_dir / f"results/logs/finetune/{TIME_LIMIT_RUN}.log").read_text()
    assert "resumed" not in local_log and "SIGTERM" not in local_log
    resumed, uninterrupted = (safetensors_weights(d / f"results/models/{TIME_LIMIT_RUN}/model")
                              for d in (slurm_dir, local_dir))
    assert resumed.keys() == uninterrupted.keys() and resumed
    assert all(torch.equal(resumed[name], uninterrupted[name]) for name in resumed), \
        [name for name in resumed if not torch.equal(resumed[name], uninterrupted[name])]
