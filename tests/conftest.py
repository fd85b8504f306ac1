import os
import subprocess

# No hub here or in CI: fail fast instead of retrying downloads (must be set before imports).
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def apt_install(*packages: str) -> str:
    """apt-get install Debian packages for a test that needs a system tool (SLURM, apertium);
    returns the error text, empty on success."""
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-q", "--no-install-recommends", *packages]
    proc = subprocess.run(install, capture_output=True, text=True, env=env)
    if proc.returncode != 0:  # stale or missing package lists (fresh CI images ship none)
        subprocess.run(["apt-get", "update", "-q"], capture_output=True, text=True, env=env)
        proc = subprocess.run(install, capture_output=True, text=True, env=env)
    return "" if proc.returncode == 0 else (proc.stdout + proc.stderr)[-1500:]
