"""Faults of issue 16, each injected for real: a damaged backbone (A), a full disk (B), two
runs at once (C), a job SIGKILLed mid-way (D).

Each ends with one line naming the file (or Snakemake's lock message), leaves nothing
half-written that passes for complete, and a rerun gives the bytes of an undisturbed run.
One tiny study (tests/configs/faults.yaml) is shared: fault C starts it twice at once and
its finished outputs are the reference; D, B and A then disturb it in turn and rerun.
Damaged files are always copies (never resources/demo_backbones itself). The tmpfs cases
need root (mount) and skip with the reason where it is not allowed.
"""

import errno
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
import yaml
from conftest import CONFIGS, ROOT, SNAKEMAKE_ENV, run_snakemake  # tests/conftest.py
from conftest import snakemake_cmd as snakemake_line

from xlgen.io import atomic_directory, atomic_path, error_line, write_text

FAULTS = CONFIGS / "faults.yaml"
DEMO = ROOT / "resources" / "demo_backbones" / "mbart-demo"  # read, copied, never written
ENV = SNAKEMAKE_ENV

RUN = "summarization/mbart-tiny/full/lr~0.003/seed~1"
GENERATIONS = [f"results/generations/{RUN}/{lang}.{split}.jsonl"
               for lang in ("en", "ru") for split in ("dev", "test")]
SCORES = f"results/eval/{RUN}/scores.csv"
PER_EXAMPLE = f"results/eval/{RUN}/per_example.csv"
BACKBONE = "results/backbones/mbart-tiny"


def snakemake_cmd(workdir: Path, *args: str, configs=(FAULTS,)) -> list[str]:
    return snakemake_line(workdir, *args, configfile=configs)


def snakemake(workdir: Path, *args: str, configs=(FAULTS,)) -> subprocess.CompletedProcess:
    return run_snakemake(workdir, *args, configfile=configs, check=False, timeout=600)


def ok(proc: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


def outputs(workdir: Path) -> dict[str, str]:
    """sha256 of every generation, score and table file of the study (not plots, not logs)."""
    files = [p for sub in ("generations", "eval", "tables") for p in (workdir / "results" / sub).rglob("*")
             if p.is_file() and p.suffix in (".jsonl", ".csv", ".md") and not p.name.startswith(".")]
    return {str(p.relative_to(workdir)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(files)}


def leftovers(directory: Path) -> list[str]:
    return sorted(str(p.relative_to(directory)) for p in directory.rglob(".tmp-*"))


def log_lines(path: Path) -> list[str]:
    """A job log's lines that are neither blank nor a progress bar (transformers prints those)."""
    return [line for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip() and "it/s]" not in line and "Loading weights" not in line]


def script_process(snakemake_pid: int, script: str) -> psutil.Process | None:
    """The Python process running a rule's `script:` (`.snakemake/scripts/tmp*.<script>`)."""
    try:
        children = psutil.Process(snakemake_pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return None
    for child in children:
        try:
            if any(arg.endswith(f".{script}") and "/.snakemake/scripts/" in arg for arg in child.cmdline()):
                return child
        except psutil.Error:
            continue
    return None


def wait_for(condition, job: subprocess.Popen, what: str, timeout: float = 300):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = condition()
        if value:
            return value
        assert job.poll() is None, f"snakemake ended (status {job.returncode}) before {what}"
        time.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


# ---------------------------------------------------------------------------------------
# The shared study. C: two runs started at once in one directory


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    """Two `snakemake` runs of the tiny study started at once in a new directory: one takes
    the lock and completes, the other stops with Snakemake's lock message. The completed
    run's outputs are the reference every later rerun must reproduce byte for byte."""
    workdir = tmp_path_factory.mktemp("faults")
    pipes = dict(stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)
    first = subprocess.Popen(snakemake_cmd(workdir), **pipes)
    time.sleep(0.2)  # "at once": both build the DAG together; Snakemake's lock check is not atomic
    second = subprocess.Popen(snakemake_cmd(workdir), **pipes)
    results = [(proc.returncode, err) for proc in (first, second) for _, err in [proc.communicate(timeout=600)]]
    return workdir, results, outputs(workdir)


@pytest.mark.slow
def test_c_second_run_stops_at_the_lock_and_the_first_completes(study):
    workdir, results, reference = study
    statuses = sorted(status for status, _ in results)
    assert statuses[0] == 0 and statuses[1] != 0, [err[-2000:] for _, err in results]
    winner, loser = sorted(results, key=lambda r: r[0])
    # stopped by the lock, or (when the winner has already started a job: Snakemake's lock check
    # is not atomic) by the winner's outputs marked incomplete; either way before any job
    stopped = ("Directory cannot be locked" in loser[1] and "--unlock" in loser[1]) or \
        "IncompleteFilesException" in loser[1]
    assert stopped, loser[1][-2000:]
    assert "Error in rule" not in loser[1]  # it ran no job
    assert "steps (100%) done" in winner[1]
    # nothing corrupted: every output there and readable, nothing left to do, no temporaries
    assert set(GENERATIONS + [SCORES, PER_EXAMPLE]) <= set(reference)
    for path in GENERATIONS:
        records = [json.loads(line) for line in (workdir / path).read_text(encoding="utf-8").splitlines()]
        assert len(records) == 24 and all(isinstance(r["prediction"], str) for r in records)
    predictions = [json.loads(line)["prediction"] for path in GENERATIONS
                   for line in (workdir / path).read_text(encoding="utf-8").splitlines()]
    assert sum(map(bool, predictions)) >= 10, "too few non-empty outputs for the byte comparisons to mean much"
    assert len((workdir / SCORES).read_text(encoding="utf-8").splitlines()) == 1 + 4
    assert leftovers(workdir / "results") == []
    dry = ok(snakemake(workdir, "-n"))
    assert "Nothing to be done" in dry.stdout + dry.stderr, dry.stdout[-2000:]
    incomplete = workdir / ".snakemake" / "incomplete"
    assert not incomplete.exists() or not any(incomplete.iterdir())


# ---------------------------------------------------------------------------------------
# D: a generation or evaluation job SIGKILLed mid-way


@pytest.mark.slow
def test_d_generation_killed_mid_way_reruns_to_the_same_bytes(study):
    workdir, _, reference = study
    for path in GENERATIONS + [SCORES, PER_EXAMPLE]:  # as before their first run
        (workdir / path).unlink()
    started = time.time()
    job = subprocess.Popen(snakemake_cmd(workdir, SCORES), stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, text=True, env=ENV, start_new_session=True)
    try:
        script = wait_for(lambda: script_process(job.pid, "generate.py"), job, "the generate job")
        first = workdir / GENERATIONS[0]  # written first; the job then generates three more files
        wait_for(lambda: first.exists() and first.stat().st_mtime >= started, job, "the first generation file")
        script.send_signal(signal.SIGKILL)  # the job's process only: Snakemake sees it die
        _, err = job.communicate(timeout=300)
    finally:
        if job.poll() is None:
            os.killpg(job.pid, signal.SIGKILL)
    assert job.returncode != 0
    assert "Error in rule generate" in err, err[-3000:]
    done = [line for line in log_lines(workdir / f"results/logs/generate/{RUN}.log") if line.endswith(" outputs")]
    assert 1 <= len(done) < len(GENERATIONS), f"not killed mid-way: {done}"
    written = [p for p in GENERATIONS if (workdir / p).exists()]
    assert written == [], f"outputs of the killed job left as if complete: {written}"

    ok(snakemake(workdir, "--rerun-incomplete", SCORES))
    after = outputs(workdir)
    for path in GENERATIONS + [SCORES, PER_EXAMPLE]:
        assert after[path] == reference[path], path


@pytest.mark.slow
def test_d_evaluation_killed_with_snakemake_reruns_to_the_same_bytes(study):
    """Snakemake and its evaluate job SIGKILLed together (a preemption): the lock stays, the
    job's outputs are marked incomplete, so even a half-written scores.csv is never taken as
    complete; `--unlock` then `--rerun-incomplete` gives the undisturbed run's bytes."""
    workdir, _, reference = study
    for path in (SCORES, PER_EXAMPLE):  # as before their first run
        (workdir / path).unlink()
    job = subprocess.Popen(snakemake_cmd(workdir, SCORES), stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, env=ENV, start_new_session=True)
    try:
        wait_for(lambda: script_process(job.pid, "evaluate.py"), job, "the evaluate job")
        time.sleep(0.2)  # inside the job (its imports alone take longer)
    finally:
        os.killpg(job.pid, signal.SIGKILL)  # Snakemake and its job, as a preemption would
        job.wait()
    assert not (workdir / SCORES).exists() and not (workdir / PER_EXAMPLE).exists(), "the killed job finished"

    locked = snakemake(workdir, SCORES)  # the lock of the killed Snakemake is still there
    assert locked.returncode != 0 and "Directory cannot be locked" in locked.stderr, locked.stderr[-2000:]
    ok(snakemake(workdir, "--unlock"))
    # what a writer that is not atomic would have left: Snakemake must not take it as done
    (workdir / SCORES).write_text("task,backbone,method\nsummarization,mbart-ti", encoding="utf-8")
    refused = snakemake(workdir, SCORES)
    assert refused.returncode != 0 and "--rerun-incomplete" in refused.stderr, refused.stderr[-2000:]
    assert "IncompleteFilesException" in refused.stderr and SCORES in refused.stderr
    ok(snakemake(workdir, "--rerun-incomplete", SCORES))
    after = outputs(workdir)
    for path in GENERATIONS + [SCORES, PER_EXAMPLE]:
        assert after[path] == reference[path], path


# ---------------------------------------------------------------------------------------
# B: disk full while saving a model or a table


def mount_tmpfs(where: Path, size: str) -> str:
    """Mount a tmpfs of `size` on `where`; the reason it cannot be done, or ''."""
    if os.geteuid() != 0:
        return "mounting a small tmpfs needs root"
    if shutil.which("mount") is None:
        return "no mount command"
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(where)],
                          capture_output=True, text=True)
    return "" if proc.returncode == 0 else f"mount -t tmpfs not permitted here: {proc.stderr.strip()}"


def remount(where: Path, size: str) -> None:
    subprocess.run(["mount", "-o", f"remount,size={size}", str(where)], check=True, capture_output=True)


def umount(where: Path) -> None:
    if os.path.ismount(where):
        subprocess.run(["umount", "-l", str(where)], capture_output=True)


@pytest.fixture
def small_disk(tmp_path):
    """A 64 KiB tmpfs (skipped with the reason where mounting is not allowed)."""
    where = tmp_path / "disk"
    where.mkdir()
    reason = mount_tmpfs(where, "64k")
    if reason:
        pytest.skip(reason)
    try:
        yield where
    finally:
        umount(where)


def tiny_model():
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    return AutoModelForSeq2SeqLM.from_pretrained(DEMO), AutoTokenizer.from_pretrained(DEMO)


def assert_disk_full_line(err: BaseException, path: Path) -> None:
    line = error_line(err)
    assert "\n" not in line
    assert line.startswith(f"{path}: no space left on device ("), line
    assert isinstance(err, OSError) and err.errno == errno.ENOSPC


def test_b_model_save_on_a_full_disk_is_one_line_and_leaves_nothing(small_disk):
    model, tokenizer = tiny_model()  # 3.3 MB of files: far more than the 64 KiB there
    out = small_disk / "models" / "run" / "model"
    with pytest.raises(OSError) as caught:
        with atomic_directory(out) as tmp:  # safetensors raises its own SafetensorError type
            model.save_pretrained(tmp)
            tokenizer.save_pretrained(tmp)
    assert_disk_full_line(caught.value, out)
    assert not out.exists() and leftovers(small_disk) == []
    remount(small_disk, "16m")  # space freed: the same save completes
    with atomic_directory(out) as tmp:
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
    assert (out / "model.safetensors").read_bytes() == (DEMO / "model.safetensors").read_bytes()
    assert leftovers(small_disk) == []


def test_b_table_and_tensor_writes_on_a_full_disk(small_disk):
    import pandas as pd
    import torch

    from xlgen.tables import write_csv

    table = pd.DataFrame({"lang": ["ru"] * 20_000, "value": [i / 7 for i in range(20_000)]})  # ~250 KB
    for path, write in [
        (small_disk / "tables" / "big.csv", lambda p: write_csv(table, p)),
        (small_disk / "notes.txt", lambda p: write_text(p, "x" * 200_000)),
        (small_disk / "tokenized" / "train.pt", lambda p: _torch_save(torch.zeros(100_000), p)),
    ]:
        with pytest.raises(OSError) as caught:
            write(path)
        assert_disk_full_line(caught.value, path)
        assert not path.exists() and leftovers(small_disk) == []
    write_csv(table.head(3), small_disk / "tables" / "small.csv")  # what fits is written
    assert (small_disk / "tables" / "small.csv").read_text().startswith("lang,value\nru,0\n")


def _torch_save(obj, path: Path) -> None:
    import torch

    with atomic_path(path) as tmp:  # torch's stream writer loses the errno: only the free space tells
        torch.save(obj, tmp)


def test_b_disk_full_without_mounting(tmp_path, monkeypatch):
    """The same lines where no tmpfs can be mounted: the writers' own ENOSPC errors, raised
    inside atomic_path and atomic_directory, become `<path>: no space left on device (...)`."""
    from xlgen.io import one_line_errors

    with pytest.raises(OSError) as caught:
        with atomic_path(tmp_path / "a.csv") as tmp:
            tmp.write_text("partial")
            raise OSError(errno.ENOSPC, "No space left on device")
    assert_disk_full_line(caught.value, tmp_path / "a.csv")
    with pytest.raises(OSError) as caught:
        with atomic_directory(tmp_path / "model") as tmp:
            (tmp / "model.safetensors").write_bytes(b"partial")
            raise Exception("Error while serializing: I/O error: No space left on device (os error 28)")
    assert_disk_full_line(caught.value, tmp_path / "model")
    assert sorted(p.name for p in tmp_path.iterdir()) == []
    with pytest.raises(RuntimeError):  # any other failure keeps its own type
        with atomic_path(tmp_path / "b.csv"):
            raise RuntimeError("a bug")
    # and in a workflow script: one line in the job's log, exit status 1
    log, stderr = tmp_path / "job.log", sys.stderr
    try:
        with pytest.raises(SystemExit) as stopped:
            with one_line_errors(log):
                monkeypatch.setattr(Path, "write_text", _enospc)
                write_text(tmp_path / "results" / "d.csv", "x")
    finally:
        if sys.stderr is not stderr:
            sys.stderr.close()
            sys.stderr = stderr
    assert stopped.value.code == 1
    lines = log_lines(log)
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"xlgen: {tmp_path / 'results' / 'd.csv'}: no space left on device ("), lines
    assert lines[0].endswith("free space there and rerun")


def _enospc(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


@pytest.mark.slow
def test_b_evaluate_job_on_a_full_disk_then_rerun(study):
    """A whole Snakemake run whose evaluation directory is a tmpfs too small for the scores."""
    workdir, _, reference = study
    eval_dir = workdir / "results" / "eval" / "summarization"
    shutil.rmtree(eval_dir)
    eval_dir.mkdir()
    reason = mount_tmpfs(eval_dir, "8k")  # scores.csv (1 page) fits, per_example.csv (2) does not
    if reason:
        ok(snakemake(workdir, SCORES))  # leave the study complete for the tests after this one
        pytest.skip(reason)
    try:
        proc = snakemake(workdir, SCORES)
        assert proc.returncode != 0 and "Error in rule evaluate" in proc.stderr
        lines = log_lines(workdir / f"results/logs/evaluate/{RUN}.log")
        # the failure is one line, the log's last (a metric's logged warning may precede it)
        errors = [line for line in lines if line.startswith("xlgen: ")]
        assert len(errors) == 1 and lines[-1] == errors[0], lines
        assert errors[0].startswith(f"xlgen: {PER_EXAMPLE}: no space left on device (") or \
            errors[0].startswith(f"xlgen: {SCORES}: no space left on device ("), lines
        assert "free space there and rerun" in errors[0]
        assert not (workdir / SCORES).exists() and not (workdir / PER_EXAMPLE).exists()
        assert leftovers(eval_dir) == []

        remount(eval_dir, "4m")
        ok(snakemake(workdir, SCORES))
        keep = workdir / "eval-copy"
        shutil.copytree(eval_dir, keep)  # copy2: mtimes kept, Snakemake sees the same files
    finally:
        umount(eval_dir)
    shutil.rmtree(eval_dir)
    shutil.move(keep, eval_dir)
    after = outputs(workdir)
    for path in GENERATIONS + [SCORES, PER_EXAMPLE]:
        assert after[path] == reference[path], path


# ---------------------------------------------------------------------------------------
# A: a damaged prebuilt demo backbone or hub snapshot


DAMAGES = {
    "missing-weights": ("model.safetensors", lambda p: p.unlink(), "missing"),
    "truncated-weights": ("model.safetensors", lambda p: os.truncate(p, 100_000), "truncated (100,000 of "),
    "broken-tokenizer": ("tokenizer.json", lambda p: p.write_text('{"version": "1.0", "trunc'), "damaged ("),
    "empty-tokenizer": ("tokenizer.json", lambda p: p.write_bytes(b""), "empty (0 bytes)"),
}


def damaged_copy(tmp_path: Path, layout: str, damage: str) -> tuple[Path, Path]:
    """A copy of the mbart demo backbone as a prebuilt (`demo_backbones/<name>`) or as a hub
    snapshot (`models/<org>--<name>`), with one file damaged; (directory, damaged file)."""
    if layout == "demo":
        copy = tmp_path / "resources" / "demo_backbones" / "mbart-demo"
    else:
        copy = tmp_path / "resources" / "models" / "facebook--mbart-large-50"
    shutil.copytree(DEMO, copy)
    if layout == "hub":
        (copy / "xlgen_backbone.json").unlink()  # a hub snapshot has only the hub's files
    name, damage_file, _ = DAMAGES[damage]
    damage_file(copy / name)
    return copy, copy / name


@pytest.mark.parametrize("damage", list(DAMAGES))
@pytest.mark.parametrize("layout", ["demo", "hub"])
def test_a_damaged_backbone_is_one_line_naming_the_file_and_the_rebuild(tmp_path, layout, damage):
    from xlgen.backbones import CheckpointError, load_backbone, load_tokenizer
    from xlgen_demo.backbone import restore_prebuilt

    copy, bad = damaged_copy(tmp_path, layout, damage)
    expected = DAMAGES[damage][2]
    for load in (load_backbone, load_tokenizer):
        with pytest.raises(CheckpointError) as caught:
            load(copy)
        line = error_line(caught.value)
        assert "\n" not in line
        assert line.startswith(f"{bad}: {expected}"), line
        if layout == "demo":
            assert line.endswith("make demo-backbones (or snakemake --forcerun demo_backbone "
                                 "--config rebuild_demo_backbones=True)"), line
        else:
            assert line.endswith(f"snakemake --until download_backbones --forcerun {copy} "
                                 "--configfile config/paper.yaml"), line
    if layout == "demo":  # a matching fingerprint does not let a damaged prebuilt through
        fingerprint = json.loads((copy / "xlgen_backbone.json").read_text())["fingerprint"]
        with pytest.raises(CheckpointError) as caught:
            restore_prebuilt(copy, fingerprint, tmp_path / "results" / "backbones" / "mbart-demo")
        assert error_line(caught.value).startswith(f"{bad}: {expected}")
        assert not (tmp_path / "results" / "backbones").exists() or leftovers(tmp_path / "results") == []
        assert not (tmp_path / "results" / "backbones" / "mbart-demo").exists()


def test_a_prebuilt_without_digests_is_loaded_before_it_is_reused(tmp_path):
    """A tokenizer.json that is valid JSON but no tokenizer passes the file checks; a
    prebuilt copy that records no digests (one made before they were recorded) is therefore
    loaded before it is reused. (The shipped copies record digests: test above.)"""
    from xlgen.backbones import CheckpointError
    from xlgen_demo.backbone import restore_prebuilt

    copy, _ = damaged_copy(tmp_path, "demo", "empty-tokenizer")
    (copy / "tokenizer.json").write_text("{}")
    summary = json.loads((copy / "xlgen_backbone.json").read_text())
    summary.pop("sha256", None)
    (copy / "xlgen_backbone.json").write_text(json.dumps(summary, indent=2) + "\n")
    fingerprint = summary["fingerprint"]
    with pytest.raises(CheckpointError) as caught:
        restore_prebuilt(copy, fingerprint, tmp_path / "restored")
    line = error_line(caught.value)
    assert line.startswith(f"{copy}: cannot be loaded (") and line.endswith("rebuild_demo_backbones=True)"), line
    assert not (tmp_path / "restored").exists()


def test_a_damaged_hub_snapshot_is_fetched_again(tmp_path):
    """The rerun of a hub snapshot: snapshot_backbone replaces a damaged copy (here from a
    local source laid out like the hub repository) and the loaded model is the original."""
    from xlgen.backbones import load_backbone
    from xlgen.hub import snapshot_backbone

    copy, bad = damaged_copy(tmp_path, "hub", "truncated-weights")
    source = tmp_path / "hub-source"
    shutil.copytree(DEMO, source)
    assert snapshot_backbone("facebook/mbart-large-50", copy, source=source) == copy
    assert bad.read_bytes() == (DEMO / "model.safetensors").read_bytes()
    assert leftovers(copy.parent) == []
    load_backbone(copy)
    assert snapshot_backbone("facebook/mbart-large-50", copy, source=tmp_path / "nowhere") == copy  # intact: kept


@pytest.mark.slow
def test_a_bit_flip_in_a_backbone_with_digests_is_caught(study, tmp_path):
    """A demo backbone built by the workflow records the sha256 of its files: a change that
    keeps the size and the header (bit rot) is caught too, at restore and at load."""
    from xlgen.backbones import CheckpointError, load_backbone
    from xlgen_demo.backbone import restore_prebuilt

    workdir, _, _ = study
    built = workdir / BACKBONE
    summary = json.loads((built / "xlgen_backbone.json").read_text())
    assert set(summary["sha256"]) >= {"model.safetensors", "tokenizer.json", "config.json"}
    copy = tmp_path / "demo_backbones" / "mbart-tiny"
    shutil.copytree(built, copy)
    weights = bytearray((copy / "model.safetensors").read_bytes())
    weights[-10] ^= 0x40
    (copy / "model.safetensors").write_bytes(bytes(weights))
    for attempt in (lambda: load_backbone(copy),
                    lambda: restore_prebuilt(copy, summary["fingerprint"], tmp_path / "restored")):
        with pytest.raises(CheckpointError) as caught:
            attempt()
        assert error_line(caught.value).startswith(
            f"{copy / 'model.safetensors'}: damaged (its sha256 differs from the one in xlgen_backbone.json)")
    assert not (tmp_path / "restored").exists()
    # the workflow's own copy (results/backbones/<name>) names the job that rebuilds it
    results_copy = tmp_path / "results" / "backbones" / "mbart-tiny"
    shutil.copytree(copy, results_copy)
    with pytest.raises(CheckpointError) as caught:
        load_backbone(results_copy)
    assert error_line(caught.value) == (
        f"{results_copy / 'model.safetensors'}: damaged (its sha256 differs from the one in "
        f"xlgen_backbone.json); rebuild it: snakemake --forcerun {results_copy}")


@pytest.mark.slow
def test_a_damaged_prebuilt_stops_the_workflow_and_the_rerun_matches(study, tmp_path):
    """The demo_backbone job on a prebuilt copy with truncated weights: one line in its log,
    no backbone directory; with the copy restored, the rerun restores the backbone the
    undisturbed run built, byte for byte (everything after it then follows, as D shows)."""
    from xlgen.backbones import file_digests

    workdir, _, _ = study
    built = file_digests(workdir / BACKBONE, skip=())
    prebuilt = tmp_path / "demo_backbones" / "mbart-tiny"
    shutil.copytree(workdir / BACKBONE, prebuilt)
    intact = (prebuilt / "model.safetensors").read_bytes()
    config = yaml.safe_load(FAULTS.read_text(encoding="utf-8"))
    config["backbone_catalog"]["mbart-tiny"]["demo"]["prebuilt"] = str(prebuilt)
    (tmp_path / "prebuilt.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    args, configs = ("--forcerun", "demo_backbone", "--until", "demo_backbone"), (tmp_path / "prebuilt.yaml",)
    os.truncate(prebuilt / "model.safetensors", 100_000)

    proc = snakemake(workdir, *args, configs=configs)
    assert proc.returncode != 0 and "Error in rule demo_backbone" in proc.stderr, proc.stderr[-3000:]
    lines = log_lines(workdir / "results/logs/demo_backbone/mbart-tiny.log")
    assert lines == [f"xlgen: {prebuilt}/model.safetensors: truncated (100,000 of {len(intact):,} bytes); "
                     "restore it from git or rebuild it: make demo-backbones (or snakemake --forcerun "
                     "demo_backbone --config rebuild_demo_backbones=True)"], lines
    assert not (workdir / BACKBONE).exists() and leftovers(workdir / "results" / "backbones") == []

    (prebuilt / "model.safetensors").write_bytes(intact)  # "restore it from git"
    ok(snakemake(workdir, *args, configs=configs))
    assert "fingerprint matches, reused" in (workdir / "results/logs/demo_backbone/mbart-tiny.log").read_text()
    assert file_digests(workdir / BACKBONE, skip=()) == built
