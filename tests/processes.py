"""Run ``matcher`` in separate processes, as users do (``matcher import ... &``)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

_MAIN = "from cli.main import main; main()"


def spawn(*args: str, home: Path) -> subprocess.Popen[str]:
    """``matcher ARGS`` in a new process whose XDG folders are under ``home``."""
    env = {**os.environ, "XDG_DATA_HOME": str(home / "data"),
           "XDG_CACHE_HOME": str(home / "cache"), "PYTHONWARNINGS": "error",
           # one BLAS thread each: several processes share two cores
           "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    env.pop("MATCHER_DB", None)
    return subprocess.Popen([sys.executable, "-c", _MAIN, *args], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def finish(processes: list[subprocess.Popen[str]], timeout: float = 120
           ) -> list[tuple[int, str, str]]:
    """``(exit code, stdout, stderr)`` of each process, in order."""
    results = []
    for process in processes:
        out, err = process.communicate(timeout=timeout)
        results.append((process.returncode, out, err))
    return results
