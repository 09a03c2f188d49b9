"""What bench/run.py and its Django child processes share: sizes, names, small helpers."""

import json
import math
import os
import resource
import statistics
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent

PROGRAM = "aparicio2023"
TIME_ZONE = "Europe/Madrid"

N_CLIENTS = 200  # linked to the one PT: the dashboard's caseload
N_REMINDER_CLIENTS = 10_000  # unlinked, one session each whose reminder is due
# reminder_dispatch_100k: this many reminder clients alone in a PostgreSQL database of their own
# (BENCH_100K_DATABASE_URL, default below), the tasks published to Redis (BENCH_REDIS_URL).
N_DISPATCH_CLIENTS = 100_000
DISPATCH_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/prenafit_bench_100k"
# The bench's Redis database: the server's cache on PostgreSQL and the 100k pass's broker. It is
# flushed, so never database 0 (a developer's cache and broker).
REDIS_URL = "redis://127.0.0.1:6379/15"
CLIENT_WEEKS = range(20, 39)  # the gestational week of each linked client today
MEASURED_CLIENT_WEEK = 38  # the client whose pages are measured: 63 past sessions
WARMUP = 5
MEASURED = 40
# The measured client keeps this many past sessions unlogged: one per HTTP POST (warm-up and
# measured) and one for the in-process query count; all other past sessions are logged.
UNLOGGED_FOR_POSTS = WARMUP + MEASURED + 1

ENROLMENT_WARMUP = 3
ENROLMENT_RUNS = 20
ENROLMENT_WEEK = 19  # a new client at 19+0: about 70 sessions up to 42+0

PT_EMAIL = "bench-pt@prenafit.test"


def client_email(i: int) -> str:
    return f"bench-client-{i:03d}@prenafit.test"


def reminder_email(i: int) -> str:
    return f"bench-reminder-{i:05d}@prenafit.test"


# --- memory of this process (Linux /proc; the peak falls back to getrusage elsewhere) --------


def _status_kb(field: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def rss_mb() -> float | None:
    """The resident set size of this process now, in MB."""
    kb = _status_kb("VmRSS")
    return None if kb is None else round(kb / 1024, 1)


def reset_peak_rss() -> bool:
    """Reset the kernel's peak RSS of this process (VmHWM) to its current RSS, so that
    peak_rss_mb() afterwards is the peak of what runs in between. False where unsupported."""
    try:
        fd = os.open("/proc/self/clear_refs", os.O_WRONLY)
    except OSError:
        return False
    try:
        os.write(fd, b"5")
    except OSError:
        return False
    finally:
        os.close(fd)
    return True


def peak_rss_mb() -> float:
    """The peak RSS of this process in MB: since the last reset_peak_rss() (VmHWM), or over
    its whole life (getrusage) where /proc is not available."""
    kb = _status_kb("VmHWM")
    if kb is None:
        kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(kb / 1024, 1)


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p95 of 40 samples is the 38th smallest)."""
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def summary_ms(seconds: list[float]) -> dict:
    ms = [s * 1000 for s in seconds]
    return {
        "median_ms": round(statistics.median(ms), 2),
        "p95_ms": round(percentile(ms, 95), 2),
        "samples": len(ms),
    }


def write_json(path: str | Path, data) -> None:
    Path(path).write_text(json.dumps(data, indent=2, default=str) + "\n")


def read_json(path: str | Path):
    return json.loads(Path(path).read_text())
