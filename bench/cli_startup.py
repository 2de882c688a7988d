"""CLI start-up: whole-process time of `junshi --version`, `junshi --help` and `junshi kpi --help`
against `python -c pass` (the interpreter alone), in the same run.

Target (issue 12): `junshi --version` and `junshi --help` under 0.3 s. Each command runs as its own
process through the installed entry point's module (``python -c "from junshi.cli import main; main()"``
with the arguments), best of ``--repeat`` runs, so a busy machine's slow runs do not count. Prints each
time and its ratio to the interpreter alone; exits 1 when --version or --help misses the target.

    .venv/bin/python bench/cli_startup.py [--repeat 7]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
RUN_CLI = "import sys; from junshi.cli import main; sys.argv[0] = 'junshi'; main()"
COMMANDS = (("--version",), ("--help",), ("kpi", "--help"))
TARGET = 0.3  # seconds, for --version and --help


def best_time(argv: list[str], repeat: int) -> tuple[float, float]:
    """The fastest wall-clock time and CPU time (user + system) of ``repeat`` whole-process runs of
    ``argv`` (output discarded; a failure raises). CPU time suffers less from a busy shared machine."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")])}
    walls, cpus = [], []
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, env=env)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return min(walls), min(cpus)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    base, base_cpu = best_time([sys.executable, "-c", "pass"], args.repeat)
    print(f"python -c pass: {base:.3f}s (cpu {base_cpu:.3f}s)")
    ok = True
    for command in COMMANDS:
        took, cpu = best_time([sys.executable, "-c", RUN_CLI, *command], args.repeat)
        checked = command in (("--version",), ("--help",))
        ok = ok and (took <= TARGET or not checked)
        target = f" (target <= {TARGET}s)" if checked else ""
        print(f"junshi {' '.join(command)}: {took:.3f}s, {took / base:.1f}x python -c pass{target}; "
              f"cpu {cpu:.3f}s, {cpu / base_cpu:.1f}x")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
