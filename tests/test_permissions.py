"""Outputs get the permissions any program's files get, not tempfile's private 0600/0700.

Each case runs in a child process that sets its umask first (the umask is process-wide, so
the test process's own is left alone) and compares every output with a reference file made
by a plain `open(path, "w")` and a reference directory made by `os.mkdir` in the same place.
"""

import json
import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MBART = ROOT / "resources" / "demo_backbones" / "mbart-demo"

CHILD = textwrap.dedent(r"""
    import json, os, stat, sys
    from pathlib import Path

    os.umask(int(sys.argv[1], 8))
    root, with_model = Path(sys.argv[2]), sys.argv[3] == "1"

    from xlgen.io import atomic_directory, atomic_path, write_json, write_jsonl, write_text

    def mode(p):
        return stat.S_IMODE(os.stat(p).st_mode)

    with open(root / "reference.txt", "w") as fh:
        fh.write("x")
    os.mkdir(root / "reference-dir")
    modes = {"reference_file": mode(root / "reference.txt"), "reference_dir": mode(root / "reference-dir")}
    files, dirs = {}, {}

    write_text(root / "out" / "a.txt", "a\n")
    write_json(root / "out" / "b.json", {"b": 1})
    write_jsonl(root / "out" / "c.jsonl", [{"c": 1}])
    with atomic_path(root / "out" / "d.bin") as tmp:
        tmp.write_bytes(b"d")
    for name in ("a.txt", "b.json", "c.jsonl", "d.bin"):
        files[name] = mode(root / "out" / name)

    # an output an earlier version left private is replaced by a readable one
    (root / "out" / "old.json").write_text("{}")
    os.chmod(root / "out" / "old.json", 0o600)
    write_json(root / "out" / "old.json", {"new": True})
    files["rewritten old.json"] = mode(root / "out" / "old.json")

    with atomic_directory(root / "out" / "dir") as tmp:
        (tmp / "inside.txt").write_text("x")
        (tmp / "sub").mkdir()
        # a writer that makes its files private, as safetensors 0.8 does with weights
        os.close(os.open(tmp / "sub" / "private.bin", os.O_WRONLY | os.O_CREAT, 0o600))
        os.mkdir(tmp / "private-sub", 0o700)
    for name in ("dir", "dir/sub", "dir/private-sub"):
        dirs[name] = mode(root / "out" / name)
    for name in ("dir/inside.txt", "dir/sub/private.bin"):
        files[name] = mode(root / "out" / name)

    # the demo world's data files (their own atomic writer)
    from xlgen_demo.world import _write_text
    _write_text(root / "world" / "en" / "train.jsonl", ['{"id": 1}'])
    files["demo world train.jsonl"] = mode(root / "world" / "en" / "train.jsonl")

    # restore_prebuilt copies a backbone with copytree, which copies the source dir's mode
    from xlgen.backbones import SUMMARY_FILE
    from xlgen_demo.backbone import restore_prebuilt
    prebuilt = root / "prebuilt"
    prebuilt.mkdir(mode=0o700)
    (prebuilt / SUMMARY_FILE).write_text(json.dumps({"fingerprint": "f"}))
    assert restore_prebuilt(prebuilt, "f", root / "out" / "backbone") is not None
    dirs["restored backbone"] = mode(root / "out" / "backbone")

    if with_model:  # a finetuned model directory, saved as xlgen.finetune saves it
        from xlgen.backbones import load_backbone
        from xlgen.methods import get_method
        model, tokenizer = load_backbone(sys.argv[4])
        model_dir = root / "results" / "models" / "run" / "model"
        with atomic_directory(model_dir) as tmp:
            get_method("full").save(model, tokenizer, tmp)
        dirs["model"] = mode(model_dir)
        for p in sorted(model_dir.rglob("*")):
            (dirs if p.is_dir() else files)[f"model/{p.relative_to(model_dir)}"] = mode(p)
        assert files, "the model directory is empty"

    modes["files"], modes["dirs"] = files, dirs
    modes["leftovers"] = sorted(str(p.relative_to(root)) for p in root.rglob(".tmp-*"))
    print(json.dumps(modes))
""")


def run_child(umask: int, root: Path, with_model: bool) -> dict:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, f"{umask:o}", str(root), "1" if with_model else "0", str(MBART)],
        capture_output=True, text=True, env=env, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("umask", [0o022, 0o002], ids=["umask022", "umask002"])
def test_outputs_get_the_modes_of_plain_open_and_mkdir(tmp_path, umask):
    with_model = umask == 0o022 and MBART.is_dir()  # one model save is enough, and costs seconds
    got = run_child(umask, tmp_path, with_model)
    ref_file, ref_dir = got["reference_file"], got["reference_dir"]
    # no default ACL on the test's tmp directory: the references are the textbook modes
    assert (ref_file, ref_dir) == (0o666 & ~umask, 0o777 & ~umask)
    wrong_files = {k: oct(v) for k, v in got["files"].items() if v != ref_file}
    wrong_dirs = {k: oct(v) for k, v in got["dirs"].items() if v != ref_dir}
    assert not wrong_files, f"files not {oct(ref_file)} as open() gives: {wrong_files}"
    assert not wrong_dirs, f"directories not {oct(ref_dir)} as os.mkdir gives: {wrong_dirs}"
    assert got["files"]["a.txt"] & stat.S_IRGRP and got["dirs"]["dir"] & stat.S_IXGRP
    if umask == 0o002:
        assert got["files"]["a.txt"] & stat.S_IWGRP and got["dirs"]["dir"] & stat.S_IWGRP
    if with_model:
        assert "model" in got["dirs"] and any(k.startswith("model/") for k in got["files"])
    assert got["leftovers"] == []


def test_a_failed_write_still_leaves_nothing(tmp_path):
    from xlgen.io import atomic_directory, atomic_path

    with pytest.raises(RuntimeError):
        with atomic_path(tmp_path / "f.txt") as tmp:
            tmp.write_text("half")
            raise RuntimeError
    with pytest.raises(RuntimeError):
        with atomic_directory(tmp_path / "d") as tmp:
            (tmp / "x").write_text("half")
            raise RuntimeError
    assert list(tmp_path.iterdir()) == []
