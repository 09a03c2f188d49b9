"""The PT's caseload dashboard: one row per linked client, computed in the database so the
number of queries does not depend on how many clients, sessions or logs there are. The
dashboard (`caseload_page`) orders all her clients by the few columns its sort needs and
computes the rest for one page of them; the other readers (the API, the cohort CSV, the
digest) take `caseload()`, every column for every client."""

import datetime as dt
import functools
from dataclasses import dataclass, field, fields

from django.core.paginator import Page, Paginator
from django.db.models import (
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    JSONField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, JSONObject
from django.template.loader import render_to_string
from django.utils.formats import date_format, localize
from django.utils.functional import cached_property
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language, gettext

from programs.translation import localized
from users.models import User
from users.selectors import linked_clients

from .gestation import TERM_DAYS, gestational_age
from .models import Alert, Assessment, SafetyItem, ScheduledSession, SessionLog
from .safety import sign_labels
from .templatetags.tracker_tags import signed

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


# The computed columns each sort and filter needs: the dashboard orders and counts her clients
# with these only, and computes the others for the clients on the page.
_SORT_NEEDS = {
    "alerts": {"alerts"},
    "adherence": {"adherence"},
    "-adherence": {"adherence"},
    "last": {"last_session"},
}
_SHOW_NEEDS = {"alerts": {"alerts"}, "below": {"adherence", "threshold"}}


def _count(qs) -> Subquery:
    return Coalesce(
        Subquery(qs.values("client").annotate(n=Count("pk")).values("n")[:1]),
        Value(0),
        output_field=IntegerField(),
    )


def _check_ins(kind: str | None = None) -> QuerySet[Assessment]:
    """Her check-ins (of `kind`) that stand, the latest first."""
    qs = Assessment.objects.filter(client=OuterRef("pk"), withdrawn_at__isnull=True)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("-taken_on", "-pk")


def _latest(field: str, kind: str | None = None):
    return Subquery(_check_ins(kind).values(field)[:1])


# The scores of a row: its attribute, and the assessment's field.
SCORES = {"low_back": "vas_low_back_mm", "sciatic": "vas_sciatic_mm", "odi": "odi_percent"}


def _latest_scores(kind: str | None = None) -> Subquery:
    """The SCORES of her latest check-in (of `kind`) in one JSON object: one subquery where
    `_latest` takes three."""
    return Subquery(
        _check_ins(kind).values(scores=JSONObject(**SCORES))[:1], output_field=JSONField()
    )


def _score(name: str, scores: dict | None):
    """A score from `_latest_scores` (JSON may write 40.0 as 40: the ODI is a float)."""
    value = (scores or {}).get(name)
    return float(value) if name == "odi" and value is not None else value


def _sessions():
    return ScheduledSession.objects.filter(client=OuterRef("pk")).exclude(
        status=ScheduledSession.Status.CANCELLED
    )


def _due(today: dt.date) -> QuerySet[ScheduledSession]:
    """Her sessions due by today (today's once logged)."""
    return _sessions().filter(
        Q(date__lte=today),  # lets the database read her sessions up to today only
        Q(date__lt=today) | Q(log__isnull=False),
    )


# A session she attended: a completed log, or a partial one of at least half the planned time.
ATTENDED = Q(log__status=SessionLog.Status.COMPLETED) | Q(
    log__status=SessionLog.Status.PARTIAL, log__minutes__gte=F("planned_minutes") / 2.0
)


def _session_counts(today: dt.date) -> dict:
    """How many of her sessions were due, and how many of those she attended."""
    due = _due(today)
    return {"scheduled": _count(due), "attended": _count(due.filter(ATTENDED))}


def _session_counts_in_one(today: dt.date) -> Subquery:
    """Both `_session_counts` in one JSON object (None before any is due): one pass over her
    sessions where those take two."""
    counts = JSONObject(scheduled=Count("pk"), attended=Count("pk", filter=ATTENDED))
    return Subquery(
        _due(today).values("client").annotate(counts=counts).values("counts")[:1],
        output_field=JSONField(),
    )


# The share of her due sessions she attended (None before any is due): in the database to sort
# and filter by, in Python (`_percent`) for a page's rows.
ADHERENCE = Case(
    When(scheduled=0, then=Value(None)),
    default=ExpressionWrapper(F("attended") * 100.0 / F("scheduled"), output_field=FloatField()),
    output_field=FloatField(),
)


def _percent(attended: int, scheduled: int) -> float | None:
    return None if scheduled == 0 else attended * 100.0 / scheduled


def _open_alerts() -> Subquery:
    return _count(Alert.objects.filter(client=OuterRef("pk"), acknowledged_at__isnull=True))


def _pending() -> Case:
    """1 with an open safety item (screen answer, hold, re-screen due): needs her PT."""
    return Case(
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
    )


def _last_session() -> Subquery:
    return Subquery(
        SessionLog.objects.filter(client=OuterRef("pk"), withdrawn_at__isnull=True)
        .exclude(status=SessionLog.Status.SKIPPED)
        .order_by("-performed_on")
        .values("performed_on")[:1]
    )


def _phase_name(today: dt.date) -> Subquery:
    """The phase of her next session, in the active language."""
    return Subquery(
        _sessions()
        .filter(date__gte=today)
        .order_by("date")
        .values(name=localized("phase__name"))[:1]
    )


BASELINE = Assessment.Kind.BASELINE
THRESHOLD = Coalesce(F("enrolment__program_version__adherence_threshold_percent"), Value(80))


def _filtered(clients: QuerySet[User], today: dt.date, q: str, show: str) -> QuerySet[User]:
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
    return clients


def caseload(
    *, pt: User, today: dt.date, q: str = "", show: str = "all", sort: str = "alerts"
) -> QuerySet[User]:
    """Every client of hers matching `q` and `show`, in the `sort` order, with every column."""
    clients = (
        linked_clients(pt=pt)
        .select_related("pregnancy")  # the row needs no JSON-heavy program version
        .annotate(
            **_session_counts(today),
            open_alerts=_open_alerts(),
            last_session=_last_session(),
            phase_name=_phase_name(today),
            **{name: _latest(field) for name, field in SCORES.items()},
            **{f"base_{name}": _latest(field, BASELINE) for name, field in SCORES.items()},
            pending=_pending(),
            threshold=THRESHOLD,
        )
        .annotate(adherence=ADHERENCE)
    )
    return _filtered(clients, today, q, show).order_by(*SORTS.get(sort, SORTS["alerts"]))


@functools.lru_cache(maxsize=16)
def _ranking_columns(today: dt.date, needs: frozenset[str]) -> QuerySet[User]:
    """Clients with only the columns a sort and a filter need (`_SORT_NEEDS`, `_SHOW_NEEDS`),
    to combine with hers. Built once a day in each process and shared, never evaluated
    itself (`&` and `filter` make copies, like a class-based view's `queryset`): building
    these subqueries costs more than running them."""
    clients = User.objects.all()
    if "adherence" in needs:
        clients = clients.annotate(**_session_counts(today)).annotate(adherence=ADHERENCE)
    if "alerts" in needs:
        clients = clients.annotate(open_alerts=_open_alerts(), pending=_pending())
    if "last_session" in needs:
        clients = clients.annotate(last_session=_last_session())
    if "threshold" in needs:
        clients = clients.annotate(threshold=THRESHOLD)
    return clients


@functools.lru_cache(maxsize=8)
def _page_columns(today: dt.date, language: str) -> QuerySet[User]:
    """Clients with every column of a row but her open alerts (`_open_alerts_of`), to filter
    by a page's ids; `language` is the active one (it names the phases). Shared like
    `_ranking_columns`."""
    return (
        User.objects.select_related("pregnancy")
        .only("full_name", "email", "pregnancy__due_date")  # what a row shows of her account
        .annotate(
            session_counts=_session_counts_in_one(today),
            last_session=_last_session(),
            phase_name=_phase_name(today),
            latest_scores=_latest_scores(),
            base_scores=_latest_scores(BASELINE),
            pending=_pending(),
            threshold=THRESHOLD,
        )
        .order_by()
    )


def caseload_page(
    *,
    pt: User,
    today: dt.date,
    q: str = "",
    show: str = "all",
    sort: str = "alerts",
    number: int | str | None = None,
    per_page: int = 25,
) -> tuple[Page, list["CaseloadRow"]]:
    """One page of `caseload()` (the same clients in the same order) and its rows, in three
    queries whatever the number of clients, sessions and logs: the ids of every matching
    client, ordered with only the columns this sort and filter need (their number is the
    page count: no COUNT); the other columns for the page's clients only; their open alerts."""
    sort = sort if sort in SORTS else "alerts"
    needs = frozenset(_SORT_NEEDS.get(sort, set()) | _SHOW_NEEDS.get(show, set()))
    clients = linked_clients(pt=pt)
    if needs:
        clients = _ranking_columns(today, needs) & clients
    ids = _filtered(clients, today, q, show).order_by(*SORTS[sort]).values_list("pk", flat=True)
    page = Paginator(list(ids), per_page).get_page(number)
    # Her clients a moment ago, by the query above: the ids are the access check.
    shown = _page_columns(today, get_language()).filter(pk__in=page.object_list)
    found = {c.pk: c for c in shown}
    alerts = _open_alerts_of(page.object_list)
    clients = [found[pk] for pk in page.object_list if pk in found]
    for c in clients:
        counts = c.session_counts or {}
        c.adherence = _percent(counts.get("attended", 0), counts.get("scheduled", 0))
        c.open_alerts = len(alerts.get(c.pk, ()))
        for name in SCORES:
            setattr(c, name, _score(name, c.latest_scores))
            setattr(c, f"base_{name}", _score(name, c.base_scores))
    return page, rows(clients, today, signs=_signs(alerts))


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

    # What the dashboard shows, formatted once here in the active language (a template tag per
    # value made the page's 25 rows cost more than its queries). Numbers and dates as the
    # template would write them (`localize`, `signed`, "j M"); the HTML escaped by format_html.
    @property
    def tone(self) -> str:
        return "table-danger" if self.open_alerts else "table-warning" if self.pending else ""

    @cached_property
    def last_session_text(self) -> str:
        if not self.last_session:
            return "—"
        return date_format(self.last_session, gettext("j M"))

    @property
    def adherence_cell(self) -> str:
        if self.adherence is None:
            return "—"
        below = "badge text-bg-danger" if self.below else ""
        return format_html('<span class="{}">{}%</span>', below, localize(self.adherence))

    @property
    def low_back_cell(self) -> str:
        return _measure_cell(self.low_back, self.low_back_change)

    @property
    def sciatic_cell(self) -> str:
        return _measure_cell(self.sciatic, self.sciatic_change)

    @property
    def odi_cell(self) -> str:
        return _measure_cell(self.odi, self.odi_change)

    @property
    def phone_summary(self) -> str:
        """The pain columns in one line of plain words, for a phone (no markup: escaped by
        the template)."""
        parts = []
        if self.last_session:
            parts.append(gettext("Last session %(d)s") % {"d": self.last_session_text})
        for label, value, unit, change in (
            (gettext("Low back"), self.low_back, " mm", self.low_back_change),
            (gettext("Sciatic"), self.sciatic, " mm", self.sciatic_change),
            ("ODI", self.odi, "%", self.odi_change),
        ):
            text = "—" if value is None else f"{localize(value)}{unit}"
            if change is not None:
                text += f" ({signed(change)})"
            parts.append(f"{label} {text}")
        return " · ".join(parts)


def _measure_cell(value, change) -> str:
    """A pain column: her latest value and, in brackets, its change since her baseline."""
    text = "—" if value is None else localize(value)
    if change is None:
        return conditional_escape(text)
    return format_html(
        '{} <span class="small text-body-secondary">({})</span>', text, signed(change)
    )


# The words for an alert's kind (what `get_kind_display` gives, without translating them all).
ALERT_KINDS = dict(Alert.Kind.choices)


def _open_alerts_of(ids) -> dict[int, list[Alert]]:
    """Each client's unacknowledged alerts, newest first: one query for a page."""
    found: dict[int, list[Alert]] = {}
    for alert in Alert.objects.filter(client__in=list(ids), acknowledged_at__isnull=True).order_by(
        "-created_at", "-pk"
    ):
        found.setdefault(alert.client_id, []).append(alert)
    return found


def _signs(alerts: dict[int, list[Alert]]) -> dict[int, list[str]]:
    """The signs (in words) of each client's alerts, each once."""
    found: dict[int, list[str]] = {}
    for client_id, hers in alerts.items():
        known = found.setdefault(client_id, [])
        for alert in hers:
            words = sign_labels(alert.signs) or [str(ALERT_KINDS.get(alert.kind, alert.kind))]
            known.extend(w for w in words if w not in known)
    return found


def rows(clients, today: dt.date, signs: dict | None = None) -> list[CaseloadRow]:
    """Shape a page of annotated clients for the template (no queries); `signs`: the signs
    (in words) of each one's open alerts."""
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


# --- the rows' markup, cached ------------------------------------------------------------------

ROWS_TEMPLATE = "tracker/pt_dashboard.html#caseload_rows"


def rows_markup(rows: list[CaseloadRow], today: dt.date) -> SafeString:
    """The dashboard's table rows, kept (`tracker.fragments.cached`) under everything they are
    written from: every field of every row as shown (of her account, the template shows only
    her id and name) and today, so an entry is never stale and never needs deleting; a cache
    that fails only costs the rendering."""
    from .fragments import cached

    names = [f.name for f in fields(CaseloadRow) if f.name not in ("client", "ga")]
    data = [
        (row.client.pk, str(row.client), str(row.ga), *(getattr(row, name) for name in names))
        for row in rows
    ]
    return cached(
        "caseload-rows", (today, data), lambda: render_to_string(ROWS_TEMPLATE, {"rows": rows})
    )
