"""What bench/run.py and its Django child processes share: sizes, names, small helpers."""

import json
import math
import statistics
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent

PROGRAM = "aparicio2023"
TIME_ZONE = "Europe/Madrid"

N_CLIENTS = 200  # linked to the one PT: the dashboard's caseload
N_REMINDER_CLIENTS = 10_000  # unlinked, one session each whose reminder is due
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
