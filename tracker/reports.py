"""Reports a PT downloads: one client's CSV, and the cohort CSV with the trial's outcomes.
Both say which sign raised each alert and hold (SAFETY.md section 2): PTs only, never in an
e-mail."""

import csv
import hashlib
import io

from django.conf import settings

from .models import Alert, Assessment, SafetyItem
from .safety import sign_labels

HEADER = [
    "record", "date", "gestational_week", "status", "minutes", "rpe",
    "vas_low_back_mm", "vas_sciatic_mm", "odi_percent", "odi_band", "signs",
]  # fmt: skip

COHORT_HEADER = [
    "client", "due_date", "baseline_date", "baseline_week",
    "vas_low_back_mm_16", "vas_sciatic_mm_16", "odi_percent_16",
    "followup_date", "followup_week",
    "vas_low_back_mm_34", "vas_sciatic_mm_34", "odi_percent_34",
    "change_vas_low_back_mm", "change_vas_sciatic_mm", "change_odi_points",
    "adherence_percent", "safety_state", "alert_signs",
]  # fmt: skip


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
    return [record, day.isoformat(), "", status, "", "", "", "", "", "", signs]


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


def export_csv(data: dict, safety=()) -> str:
    """The client export document (selectors.client_export) as CSV text, and her alerts
    and holds (`safety_rows`) when given."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for s in data["sessions"]:
        writer.writerow(
            [
                "session",
                s["date"],
                s["gestational_week"],
                s["status"],
                s["minutes"],
                s["rpe"],
                "",
                "",
                "",
                "",
                "",
            ]
        )
    for s in data["extra_sessions"]:
        writer.writerow([
            "extra_session", s["date"], "", s["status"], s["minutes"], s["rpe"], "", "", "", "",
            _words(s.get("warning_signs") or []),
        ])  # fmt: skip
    for a in data["assessments"]:
        writer.writerow([
            "assessment", a["date"], a["gestational_week"], a["kind"], "", "",
            a["vas_low_back_mm"], a["vas_sciatic_mm"], a["odi_percent"], a["odi_band"], "",
        ])  # fmt: skip
    writer.writerows(safety)
    return out.getvalue()


def pseudonym(client_id: int) -> str:
    """A stable code that does not reveal the account (keyed with the secret key)."""
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{client_id}".encode()).hexdigest()
    return f"P-{digest[:8]}"


def _delta(base, follow, field):
    if base is None or follow is None:
        return ""
    before, after = getattr(base, field), getattr(follow, field)
    return "" if before is None or after is None else round(after - before, 1)


def _value(assessment, field):
    return "" if assessment is None else getattr(assessment, field)


def cohort_csv(clients, *, deidentify: bool) -> str:
    """One row per client (annotated by caseload(): adherence included): baseline (week 16)
    and week-34 values and their change, the trial's outcome columns, her safety state and
    the signs of her alerts. A few queries in all, whatever the number of clients."""
    from .safety import STATE_LABELS, derive

    clients = list(clients)
    signs: dict[int, list[str]] = {}
    for a in Alert.objects.filter(client__in=clients).order_by("created_at", "pk"):
        signs.setdefault(a.client_id, []).append(
            f"{a.created_at.date().isoformat()}: {_words(a.signs) or a.get_kind_display()}"
        )
    open_kinds: dict[int, set] = {}
    for client_id, kind in SafetyItem.objects.filter(
        client__in=clients, closed_at__isnull=True
    ).values_list("client_id", "kind"):
        open_kinds.setdefault(client_id, set()).add(kind)
    firsts: dict[tuple[int, str], Assessment] = {}
    kinds = (Assessment.Kind.BASELINE, Assessment.Kind.FOLLOW_UP)
    for a in Assessment.objects.filter(client__in=clients, kind__in=kinds).order_by(
        "taken_on", "pk"
    ):
        firsts.setdefault((a.client_id, a.kind), a)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COHORT_HEADER)
    for client in clients:
        base = firsts.get((client.pk, Assessment.Kind.BASELINE))
        follow = firsts.get((client.pk, Assessment.Kind.FOLLOW_UP))
        profile = getattr(client, "pregnancy", None)
        label = pseudonym(client.pk) if deidentify else f"{client.full_name} <{client.email}>"
        due = "" if deidentify or profile is None else profile.due_date.isoformat()
        writer.writerow(
            [label, due]
            + [_value(base, f) for f in ("taken_on", "gestational_week")]
            + [_value(base, f) for f in ("vas_low_back_mm", "vas_sciatic_mm", "odi_percent")]
            + [_value(follow, f) for f in ("taken_on", "gestational_week")]
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
    return out.getvalue()
