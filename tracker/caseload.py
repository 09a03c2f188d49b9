"""The PT's caseload dashboard: one row per linked client, computed in the database so the
number of queries does not depend on how many clients, sessions or logs there are."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import (
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from programs.translation import localized
from users.models import User
from users.selectors import linked_clients

from .gestation import TERM_DAYS, gestational_age
from .models import Alert, Assessment, SafetyItem, ScheduledSession, SessionLog
from .safety import sign_labels

SORTS = {
    "alerts": ("-open_alerts", "-pending", "full_name"),
    "name": ("full_name", "email"),
    "-name": ("-full_name", "-email"),
    "adherence": (F("adherence").asc(nulls_last=True), "full_name"),
    "-adherence": (F("adherence").desc(nulls_last=True), "full_name"),
    "week": ("-pregnancy__due_date", "full_name"),
    "-week": ("pregnancy__due_date", "full_name"),
    "last": (F("last_session").desc(nulls_last=True), "full_name"),
}
FILTERS = ("all", "alerts", "below", "t1", "t2", "t3")


def _count(qs) -> Subquery:
    return Coalesce(
        Subquery(qs.values("client").annotate(n=Count("pk")).values("n")[:1]),
        Value(0),
        output_field=IntegerField(),
    )


def _latest(field: str, kind: str | None = None):
    qs = Assessment.objects.filter(client=OuterRef("pk"), withdrawn_at__isnull=True)
    if kind:
        qs = qs.filter(kind=kind)
    return Subquery(qs.order_by("-taken_on", "-pk").values(field)[:1])


def caseload(
    *, pt: User, today: dt.date, q: str = "", show: str = "all", sort: str = "alerts"
) -> QuerySet[User]:
    sessions = ScheduledSession.objects.filter(client=OuterRef("pk")).exclude(
        status=ScheduledSession.Status.CANCELLED
    )
    due = sessions.filter(Q(date__lt=today) | Q(date=today, log__isnull=False))
    attended = due.filter(
        Q(log__status=SessionLog.Status.COMPLETED)
        | Q(log__status=SessionLog.Status.PARTIAL, log__minutes__gte=F("planned_minutes") / 2.0)
    )
    clients = (
        linked_clients(pt=pt)
        .select_related("pregnancy")  # the row needs no JSON-heavy program version
        .annotate(
            scheduled=_count(due),
            attended=_count(attended),
            open_alerts=_count(
                Alert.objects.filter(client=OuterRef("pk"), acknowledged_at__isnull=True)
            ),
            last_session=Subquery(
                SessionLog.objects.filter(client=OuterRef("pk"), withdrawn_at__isnull=True)
                .exclude(status=SessionLog.Status.SKIPPED)
                .order_by("-performed_on")
                .values("performed_on")[:1]
            ),
            phase_name=Subquery(
                sessions.filter(date__gte=today)
                .order_by("date")
                .values(name=localized("phase__name"))[:1]
            ),
            low_back=_latest("vas_low_back_mm"),
            sciatic=_latest("vas_sciatic_mm"),
            odi=_latest("odi_percent"),
            base_low_back=_latest("vas_low_back_mm", Assessment.Kind.BASELINE),
            base_sciatic=_latest("vas_sciatic_mm", Assessment.Kind.BASELINE),
            base_odi=_latest("odi_percent", Assessment.Kind.BASELINE),
            # An open safety item (screen answer, hold, re-screen due): needs her PT.
            pending=Case(
                When(
                    Exists(
                        SafetyItem.objects.filter(
                            client=OuterRef("pk"),
                            closed_at__isnull=True,
                            kind__in=[
                                SafetyItem.Kind.ABSOLUTE,
                                SafetyItem.Kind.RELATIVE,
                                SafetyItem.Kind.HOLD,
                                SafetyItem.Kind.RESCREEN_DUE,
                            ],
                        )
                    ),
                    then=Value(1),
                ),
                default=Value(0),
                output_field=IntegerField(),
            ),
            threshold=Coalesce(
                F("enrolment__program_version__adherence_threshold_percent"), Value(80)
            ),
        )
        .annotate(
            adherence=Case(
                When(scheduled=0, then=Value(None)),
                default=ExpressionWrapper(
                    F("attended") * 100.0 / F("scheduled"), output_field=FloatField()
                ),
                output_field=FloatField(),
            )
        )
    )
    if q:
        clients = clients.filter(Q(full_name__icontains=q) | Q(email__icontains=q))
    if show == "alerts":
        clients = clients.filter(Q(open_alerts__gt=0) | Q(pending=1))
    elif show == "below":
        clients = clients.filter(adherence__lt=F("threshold"))
    elif show in ("t1", "t2", "t3"):
        first, last = {"t1": (0, 13), "t2": (14, 27), "t3": (28, 42)}[show]
        # GA weeks [first, last] today <=> due date in this range.
        latest_due = today + dt.timedelta(days=TERM_DAYS - 7 * first)
        earliest_due = today + dt.timedelta(days=TERM_DAYS - 7 * last - 6)
        clients = clients.filter(pregnancy__due_date__range=(earliest_due, latest_due))
    return clients.order_by(*SORTS.get(sort, SORTS["alerts"]))


@dataclass
class CaseloadRow:
    client: User
    ga: object
    phase: str | None
    adherence: float | None
    below: bool
    last_session: dt.date | None
    low_back: int | None
    sciatic: int | None
    odi: float | None
    low_back_change: int | None
    sciatic_change: int | None
    odi_change: float | None
    open_alerts: int
    pending: bool
    alert_signs: list[str] = field(default_factory=list)  # the signs of her open alerts


def open_alert_signs(clients) -> dict[int, list[str]]:
    """The signs (in words) of each client's unacknowledged alerts: one query for a page."""
    found: dict[int, list[str]] = {}
    for alert in Alert.objects.filter(
        client__in=list(clients), acknowledged_at__isnull=True
    ).order_by("-created_at", "-pk"):
        words = sign_labels(alert.signs) or [str(alert.get_kind_display())]
        known = found.setdefault(alert.client_id, [])
        known.extend(w for w in words if w not in known)
    return found


def rows(clients, today: dt.date, signs: dict | None = None) -> list[CaseloadRow]:
    """Shape a page of annotated clients for the template (no queries); `signs` from
    `open_alert_signs`."""
    out = []
    for c in clients:
        profile = getattr(c, "pregnancy", None)
        ga = gestational_age(profile.due_date, today) if profile else None

        def diff(latest, base):
            return None if latest is None or base is None else round(latest - base, 1)

        out.append(
            CaseloadRow(
                client=c,
                ga=ga,
                phase=c.phase_name,
                adherence=round(c.adherence, 1) if c.adherence is not None else None,
                below=c.adherence is not None and c.adherence < c.threshold,
                last_session=c.last_session,
                low_back=c.low_back,
                sciatic=c.sciatic,
                odi=c.odi,
                low_back_change=diff(c.low_back, c.base_low_back),
                sciatic_change=diff(c.sciatic, c.base_sciatic),
                odi_change=diff(c.odi, c.base_odi),
                open_alerts=c.open_alerts,
                pending=bool(c.pending),
                alert_signs=(signs or {}).get(c.pk, []),
            )
        )
    return out
