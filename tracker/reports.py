"""The CSVs: one client's (her own download and her PT's), and the PT's cohort CSV with the
trial's outcomes, named or de-identified. They say which sign raised each alert and hold
(SAFETY.md section 2), never in an e-mail. Every cell goes through `tracker.csvsafe`."""

import io
import random
from datetime import date

from django.utils import timezone

from . import csvsafe
from .gestation import gestational_age
from .models import Alert, Assessment, Enrolment, SafetyItem
from .safety import sign_labels
from .scoring import trial_measures

HEADER = [
    "record", "date", "gestational_week", "status", "minutes", "rpe", "avg_heart_rate",
    "done_on", "vas_low_back_mm", "vas_sciatic_mm", "odi_percent", "odi_band", "notes", "signs",
]  # fmt: skip

COHORT_HEADER = [
    "client", "due_date", "baseline_date", "baseline_week",
    "vas_low_back_mm_16", "vas_sciatic_mm_16", "odi_percent_16",
    "followup_date", "followup_week",
    "vas_low_back_mm_34", "vas_sciatic_mm_34", "odi_percent_34",
    "change_vas_low_back_mm", "change_vas_sciatic_mm", "change_odi_points",
    "adherence_percent", "safety_state", "alert_signs",
]  # fmt: skip

# The de-identified cohort: no name, e-mail, account id or date; gestational weeks instead.
DEIDENTIFIED_HEADER = [
    "participant", "enrolled_week", "baseline_week",
    "vas_low_back_mm_16", "vas_sciatic_mm_16", "odi_percent_16",
    "followup_week",
    "vas_low_back_mm_34", "vas_sciatic_mm_34", "odi_percent_34",
    "change_vas_low_back_mm", "change_vas_sciatic_mm", "change_odi_points",
    "adherence_percent", "safety_state", "alert_signs",
]  # fmt: skip


# What the baseline and week-34 columns read from each check-in.
MEASURE_FIELDS = (
    "client_id", "taken_on", "gestational_week", "odi_answers", "odi_percent",
    "vas_low_back_mm", "vas_sciatic_mm",
)  # fmt: skip


def in_english(function):
    """CSV files keep English column keys, codes and words in every language, so analysis
    scripts read every export the same way (README, "Languages")."""
    import functools

    from django.utils import translation

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        with translation.override("en"):
            return function(*args, **kwargs)

    return wrapper


def _words(keys) -> str:
    return "; ".join(sign_labels(keys))


def holds_of(client) -> list[SafetyItem]:
    """Her safety holds, newest first, each with its signs in words."""
    holds = list(
        SafetyItem.objects.filter(client=client, kind=SafetyItem.Kind.HOLD).order_by(
            "-opened_at", "-pk"
        )
    )
    for hold in holds:
        hold.sign_words = sign_labels(hold.signs)
    return holds


def _safety_row(record: str, day, status: str, signs: str) -> list:
    row = [""] * len(HEADER)
    row[0], row[1], row[3], row[-1] = record, day.isoformat(), status, signs
    return row


@in_english
def safety_rows(client) -> list[list]:
    """One CSV row per alert and per hold, oldest first, with the signs in words."""
    rows = [
        _safety_row("alert", a.created_at.date(), a.kind, _words(a.signs))
        for a in Alert.objects.filter(client=client).order_by("created_at", "pk")
    ]
    for hold in reversed(holds_of(client)):
        status = "open" if hold.closed_at is None else f"closed ({hold.closed_how})"
        rows.append(_safety_row("hold", hold.opened_at.date(), status, "; ".join(hold.sign_words)))
    return rows


def _log_cells(log: dict | None) -> list:
    """minutes, rpe, avg_heart_rate, done_on of a log in the export document."""
    if log is None:
        return ["", "", "", ""]
    return [log["minutes"], log["rpe"], log["avg_heart_rate"], log["performed_on"]]


def _measure_kinds(data: dict) -> dict[int, str]:
    """Check-in id -> what it is by the rule of `scoring.trial_measures` (baseline, follow_up
    or check_in; withdrawn for one she withdrew), whatever kind it was stored as."""
    pregnancy = data.get("pregnancy") or {}
    due = date.fromisoformat(pregnancy["due_date"]) if pregnancy.get("due_date") else None
    kept = [a for a in data["assessments"] if not a.get("withdrawn_at")]
    baseline, follow_up = trial_measures(
        (
            gestational_age(due, date.fromisoformat(a["date"])).total_days if due else None,
            a["odi_answers"],
            a["id"],
        )
        for a in kept
    )
    kinds = {a["id"]: "withdrawn" for a in data["assessments"] if a.get("withdrawn_at")}
    kinds.update({a["id"]: "check_in" for a in kept})
    if baseline is not None:
        kinds[baseline] = "baseline"
    if follow_up is not None:
        kinds[follow_up] = "follow_up"
    return kinds


@in_english
def export_csv(data: dict, safety=()) -> str:
    """The client export document (selectors.client_export) as a table: her sessions with
    what she logged, her extra sessions, her check-ins, and her alerts and holds
    (`safety_rows`) when given. The JSON document holds the rest."""
    out = io.StringIO()
    writer = csvsafe.writer(out)
    writer.writerow(HEADER)
    for s in data["sessions"]:
        log = s["log"]
        writer.writerow(
            ["session", s["date"], s["gestational_week"], s["status"]]
            + _log_cells(log)
            + ["", "", "", ""]
            + [log["notes"] if log else "", _words(log["warning_signs"]) if log else ""]
        )
    for log in data["extra_sessions"]:  # with the logs she withdrew (kept, marked)
        writer.writerow(
            ["withdrawn_log" if log.get("withdrawn_at") else "extra_session", log["date"], ""]
            + [log["status"]]
            + _log_cells(log)
            + ["", "", "", "", log["notes"], _words(log["warning_signs"])]
        )
    measures = _measure_kinds(data)
    for a in data["assessments"]:
        writer.writerow([
            "assessment", a["date"], a["gestational_week"], measures.get(a["id"], a["kind"]),
            "", "", "", "",
            a["vas_low_back_mm"], a["vas_sciatic_mm"], a["odi_percent"], a["odi_band"], "", "",
        ])  # fmt: skip
    writer.writerows(safety)
    return out.getvalue()


def _delta(base, follow, field):
    if base is None or follow is None:
        return ""
    before, after = getattr(base, field), getattr(follow, field)
    return "" if before is None or after is None else round(after - before, 1)


def _value(assessment, field):
    return "" if assessment is None else getattr(assessment, field)


def _days(profile, day) -> int | None:
    """Gestational days on `day` (None without a due date)."""
    return None if profile is None else gestational_age(profile.due_date, day).total_days


def _week(profile, day) -> int | str:
    """The completed gestational week on `day` ("" without a due date)."""
    if profile is None or day is None:
        return ""
    return gestational_age(profile.due_date, day).weeks


_random = random.SystemRandom()


def _pseudonyms(count: int) -> list[str]:
    """`count` distinct codes drawn afresh for each export: they say nothing about the
    account and do not link one export to the next."""
    codes: list[str] = []
    while len(codes) < count:
        code = f"P-{_random.getrandbits(32):08x}"
        if code not in codes:
            codes.append(code)
    return codes


@in_english
def cohort_csv(clients, *, deidentify: bool) -> str:
    """One row per client (annotated by caseload(): adherence included): her baseline and
    week-34 measures and their change, the trial's outcome columns, by the one rule of
    `scoring.trial_measures` (SAFETY.md section 6: the first check-in with >= 8 ODI sections
    answered; the later one nearest to 34+0 within 33+0 to 35+6), her safety state and the
    signs of her alerts. A few queries in all, whatever the number of clients.

    De-identified: no name, e-mail or date (gestational weeks instead: when she enrolled,
    when she checked in, when each alert came), a pseudonym per client drawn afresh for each
    export (a stable one would let two exports be joined, and nothing needs that: a study
    keeps its own key), and the rows in a random order (so the order does not give away the
    alphabet of the names)."""
    from .safety import STATE_LABELS, derive
    from .selectors import client_time_zone

    clients = list(clients)
    profiles = {c.pk: getattr(c, "pregnancy", None) for c in clients}
    zones = {c.pk: client_time_zone(c) for c in clients}
    signs: dict[int, list[str]] = {}
    for a in Alert.objects.filter(client__in=clients).order_by("created_at", "pk"):
        if deidentify:
            day = timezone.localtime(a.created_at, zones[a.client_id]).date()
            when = f"week {_week(profiles.get(a.client_id), day)}"
        else:
            when = a.created_at.date().isoformat()
        signs.setdefault(a.client_id, []).append(
            f"{when}: {_words(a.signs) or a.get_kind_display()}"
        )
    open_kinds: dict[int, set] = {}
    for client_id, kind in SafetyItem.objects.filter(
        client__in=clients, closed_at__isnull=True
    ).values_list("client_id", "kind"):
        open_kinds.setdefault(client_id, set()).add(kind)
    check_ins: dict[int, list[Assessment]] = {}
    for a in (
        Assessment.objects.filter(client__in=clients, withdrawn_at__isnull=True)
        .only(*MEASURE_FIELDS)
        .order_by("taken_on", "pk")
    ):
        check_ins.setdefault(a.client_id, []).append(a)
    enrolled: dict[int, object] = {}
    if deidentify:
        for client_id, created_at in Enrolment.objects.filter(client__in=clients).values_list(
            "client_id", "created_at"
        ):
            enrolled[client_id] = timezone.localtime(created_at, zones[client_id]).date()
    rows = []
    for client in clients:
        profile = profiles[client.pk]
        base, follow = trial_measures(
            (_days(profile, a.taken_on), a.odi_answers, a) for a in check_ins.get(client.pk, [])
        )
        if deidentify:
            start = [_week(profile, enrolled.get(client.pk)), _value(base, "gestational_week")]
            middle = [_value(follow, "gestational_week")]
        else:
            due = "" if profile is None else profile.due_date.isoformat()
            start = [f"{client.full_name} <{client.email}>", due]
            start += [_value(base, f) for f in ("taken_on", "gestational_week")]
            middle = [_value(follow, f) for f in ("taken_on", "gestational_week")]
        rows.append(
            start
            + [_value(base, f) for f in ("vas_low_back_mm", "vas_sciatic_mm", "odi_percent")]
            + middle
            + [_value(follow, f) for f in ("vas_low_back_mm", "vas_sciatic_mm", "odi_percent")]
            + [
                _delta(base, follow, f)
                for f in ("vas_low_back_mm", "vas_sciatic_mm", "odi_percent")
            ]
            + ["" if client.adherence is None else round(client.adherence, 1)]
            + [
                str(
                    STATE_LABELS[
                        derive(
                            ended=bool(profile and profile.ended_on),
                            born=bool(profile and profile.birth_date),
                            open_kinds=open_kinds.get(client.pk, set()),
                        )
                    ]
                ),
                " | ".join(signs.get(client.pk, [])),
            ]
        )
    if deidentify:
        _random.shuffle(rows)
        rows = [[code, *row] for code, row in zip(_pseudonyms(len(rows)), rows, strict=True)]
    out = io.StringIO()
    writer = csvsafe.writer(out)
    writer.writerow(DEIDENTIFIED_HEADER if deidentify else COHORT_HEADER)
    writer.writerows(rows)
    return out.getvalue()
