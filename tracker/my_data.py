"""'All your data': the document a client downloads about herself (web JSON and CSV, and
`GET /api/v1/me/export/`), built by `document` and served through `selectors.client_export`.

It holds every row about her in every model of ours, each with all its columns, except what
`NOT_EXPORTED` (whole models) and `SKIPPED_FIELDS` (single columns) list with their reason.
`EXPORTED` says which section holds each model; `tests/tracker/test_exports_trust.py` walks the
models and fails when one that leads to a user is in neither, so a new model cannot be forgotten.
Other people appear by name or role ("you", her PT's name), never by e-mail. Times are in her
time zone. A fixed number of queries, whatever she has logged.
"""

import datetime as dt
import uuid
from decimal import Decimal

from django.db import connection
from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from users.models import CareLink, Consent, Invitation, User

from .models import (
    Alert,
    Assessment,
    AssessmentRevision,
    AuditEvent,
    Clearance,
    Delivery,
    Enrolment,
    ExerciseLog,
    ExerciseSwap,
    Notification,
    NotificationSettings,
    PlanChange,
    PregnancyProfile,
    SafetyItem,
    ScheduledSession,
    Screening,
    ScreeningQuestion,
    SessionLog,
    SessionLogRevision,
)
from .safety import sign_labels

# The document's sections, in order (the API schema lists them).
SECTIONS = (
    "profile", "pregnancy", "care_links", "invitations", "consents", "screenings", "safety_items",
    "clearances", "enrolment", "sessions", "extra_sessions", "assessments", "alerts",
    "exercise_swaps", "plan_changes", "notifications", "notification_settings", "reminders",
    "access_log", "adherence",
)  # fmt: skip

# Which section of the document holds each model's rows about her.
EXPORTED = {
    "users.User": ("profile",),
    "users.CareLink": ("care_links",),
    "users.Consent": ("consents",),  # her consent to the privacy notice, each version
    "users.Invitation": ("invitations",),  # those addressed to her e-mail or accepted by her
    "tracker.PregnancyProfile": ("pregnancy",),
    "tracker.Screening": ("screenings",),
    "tracker.Clearance": ("clearances",),
    "tracker.SafetyItem": ("safety_items",),
    "tracker.Enrolment": ("enrolment",),
    "tracker.ScheduledSession": ("sessions",),
    # Each log once: under its scheduled session ("log"), or as an extra session.
    "tracker.SessionLog": ("sessions", "extra_sessions"),
    "tracker.ExerciseLog": ("sessions", "extra_sessions"),
    "tracker.SessionLogRevision": ("sessions", "extra_sessions"),
    "tracker.Assessment": ("assessments",),
    "tracker.AssessmentRevision": ("assessments",),  # earlier versions of a corrected check-in
    "tracker.Alert": ("alerts",),
    "tracker.Notification": ("notifications",),  # hers, and her PT's notices about her
    "tracker.NotificationSettings": ("notification_settings",),
    "tracker.Delivery": ("reminders",),
    "tracker.ExerciseSwap": ("exercise_swaps",),
    "tracker.PlanChange": ("plan_changes",),
    "tracker.AuditEvent": ("access_log",),  # who viewed, changed or exported her data
}

# Models that lead to a user but are not in her export, and why.
NOT_EXPORTED = {
    "tracker.PTNote": "her PT's private notes (visible to PTs only)",
    "users.ApiToken": "sign-in credentials of her apps (she lists and revokes them in the API)",
    "tracker.PushSubscription": "her devices' push addresses and encryption keys (credentials; "
    "she lists and removes them on her reminder settings page and in the API)",
    "users.RequestKey": "copies of answers already sent to her app, kept 90 days so a retry "
    "is not saved twice (what they created is exported in its own section)",
}

# Single columns left out of exported rows, and why.
SKIPPED_FIELDS = {
    "users.User": {"password": "a hash of her password (a credential)"},
    "users.Invitation": {"token_hash": "a hash of the invitation link (a credential)"},
    "tracker.Enrolment": {"feed_token": "the secret in her calendar feed's address"},
    "tracker.ScheduledSession": {
        "uid": "the calendar entry's identifier (bookkeeping)",
        "sequence": "the calendar entry's version counter (bookkeeping)",
    },
    "tracker.AuditEvent": {
        "client_ids": "may list the other clients shown on the same page",
        "actor_ref": "the actor's account id, kept for the audit trail",
    },
}

# A foreign key to the user whose value is her says nothing: left out of the rows.
_OWNER_FIELDS = {"client", "recipient", "user"}


def _plain(value, tz):
    if isinstance(value, dt.datetime):
        return timezone.localtime(value, tz).isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    return value


def _user_fks(model) -> list[str]:
    return [
        f.name for f in model._meta.concrete_fields if f.is_relation and f.related_model is User
    ]


def _of(model):
    """The model's rows, with the users its foreign keys name (for their names, one join)."""
    return model.objects.select_related(*_user_fks(model))


class _Document:
    def __init__(self, client, today: dt.date):
        from .selectors import client_time_zone

        self.client = client
        self.today = today
        self.tz = client_time_zone(client)

    def who(self, user) -> str | None:
        """How another person appears: "you", or a name (a role if she gave none)."""
        if user is None:
            return None
        if user.pk == self.client.pk:
            return _("you")
        if user.full_name:
            return user.full_name
        if user.is_staff:
            return _("an administrator")
        return str(User.Role(user.role).label) if user.role else _("another user")

    def row(self, obj, *, skip=()) -> dict:
        """Every column of `obj` (but `SKIPPED_FIELDS` and `skip`): values in plain JSON,
        people as `who` says, other records by id."""
        skipped = SKIPPED_FIELDS.get(obj._meta.label, {})
        out = {}
        for field in obj._meta.concrete_fields:
            if field.name in skip or field.name in skipped:
                continue
            raw = getattr(obj, field.attname)
            if field.is_relation and field.related_model is User:
                if field.name in _OWNER_FIELDS and raw == self.client.pk:
                    continue
                out[field.name] = None if raw is None else self.who(getattr(obj, field.name))
            elif field.is_relation:
                out[field.attname] = raw
            else:
                out[field.name] = _plain(raw, self.tz)
        return out

    # --- sections -----------------------------------------------------------------------

    def logs(self) -> dict[int, dict]:
        """Every log (scheduled and extra) by id, with its checklist and its revisions."""
        logs = (
            _of(SessionLog)
            .filter(client=self.client)
            .prefetch_related(
                Prefetch(
                    "exercises",
                    queryset=ExerciseLog.objects.select_related("prescription__exercise"),
                ),
                Prefetch("revisions", queryset=_of(SessionLogRevision)),
            )
            .order_by("performed_on", "pk")
        )
        return {
            log.pk: {
                **self.row(log),
                "warning_sign_words": sign_labels(log.warning_signs),
                "exercises": [
                    {**self.row(e, skip={"log"}), "exercise": e.prescription.exercise.name}
                    for e in log.exercises.all()
                ],
                "revisions": [self.row(r, skip={"log"}) for r in log.revisions.all()],
            }
            for log in logs
        }

    def sessions(self, logs: dict[int, dict]) -> list[dict]:
        from .selectors import _has_log_cached, session_state

        rows = []
        sessions = (
            ScheduledSession.objects.filter(client=self.client)
            .select_related("template", "phase", "log")
            .order_by("date", "start_time", "pk")
        )
        for s in sessions:
            log = logs.get(s.log.pk) if _has_log_cached(s) else None
            rows.append(
                {
                    **self.row(s, skip={"enrolment", "version", "phase", "template", "status"}),
                    "template": s.template.code,
                    "phase": s.phase.name,
                    "status": session_state(s, self.today),
                    "scheduled_status": s.status,
                    "minutes": log["minutes"] if log else None,
                    "rpe": log["rpe"] if log else None,
                    "done_on": log["performed_on"] if log else None,
                    "log": log,
                }
            )
        return rows

    def screenings(self) -> list[dict]:
        questions = dict(ScreeningQuestion.objects.values_list("key", "text"))
        return [
            {
                **self.row(s),
                "questions": [
                    {"key": key, "question": questions.get(key, key), "answer": answer}
                    for key, answer in (s.answers or {}).items()
                ],
            }
            for s in Screening.objects.filter(client=self.client).order_by("submitted_at", "pk")
        ]

    def assessments(self) -> list[dict]:
        from .scoring import odi_band, vas_band

        return [
            {
                **self.row(a),
                "date": a.taken_on.isoformat(),
                "vas_bands": {
                    "low_back": vas_band(a.vas_low_back_mm),
                    "sciatic": vas_band(a.vas_sciatic_mm),
                },
                "odi_band": odi_band(a.odi_percent),
                "revisions": [self.row(r, skip={"assessment"}) for r in a.revisions.all()],
            }
            for a in Assessment.objects.filter(client=self.client)
            .prefetch_related(Prefetch("revisions", queryset=_of(AssessmentRevision)))
            .order_by("taken_on", "pk")
        ]

    def with_signs(self, rows) -> list[dict]:
        return [{**self.row(r), "sign_words": sign_labels(r.signs)} for r in rows]

    def access_log(self) -> list[dict]:
        about_her = Q(client=self.client) | Q(actor=self.client)
        if connection.features.supports_json_field_contains:
            about_her |= Q(client_ids__contains=[self.client.pk])
        rows = _of(AuditEvent).filter(about_her).order_by("at", "pk")
        return [self.row(e) for e in rows]

    def build(self) -> dict:
        from .scoring import adherence
        from .selectors import session_records

        client = self.client
        profile = PregnancyProfile.objects.filter(client=client).first()
        enrolment = (
            Enrolment.objects.select_related("program_version__program")
            .defer("program_version__facts", "program_version__notes")
            .filter(client=client)
            .first()
        )
        settings_row = NotificationSettings.objects.filter(user=client).first()
        logs = self.logs()
        overall = adherence(
            session_records(client),
            self.today,
            enrolment.program_version.adherence_threshold_percent if enrolment else 80,
        )
        mine = Q(client=client)
        return {
            "profile": {
                **self.row(client),
                "due_date": profile.due_date.isoformat() if profile else None,
                "lmp_date": profile.lmp_date.isoformat() if profile and profile.lmp_date else None,
                "birth_date": profile.birth_date.isoformat()
                if profile and profile.birth_date
                else None,
            },
            "pregnancy": self.row(profile) if profile else None,
            "care_links": [
                self.row(link) for link in _of(CareLink).filter(mine).order_by("started_at", "pk")
            ],
            "invitations": [
                self.row(invitation)
                for invitation in _of(Invitation)
                .filter(Q(email__iexact=client.email) | Q(accepted_by=client))
                .order_by("created_at", "pk")
            ],
            "consents": [
                self.row(consent)
                for consent in _of(Consent).filter(user=client).order_by("consented_at", "pk")
            ],
            "screenings": self.screenings(),
            "safety_items": [
                self.row(item) | {"sign_words": sign_labels(item.signs)}
                for item in _of(SafetyItem).filter(mine).order_by("opened_at", "pk")
            ],
            "clearances": [
                self.row(c) for c in _of(Clearance).filter(mine).order_by("recorded_at", "pk")
            ],
            "enrolment": None
            if enrolment is None
            else {
                **self.row(enrolment),
                "program": enrolment.program_version.program.name,
                "program_version": enrolment.program_version.label
                or str(enrolment.program_version.number),
            },
            "sessions": self.sessions(logs),
            "extra_sessions": [
                {"date": log["performed_on"], **log}
                for log in logs.values()
                if log["session_id"] is None
            ],
            "assessments": self.assessments(),
            "alerts": self.with_signs(_of(Alert).filter(mine).order_by("created_at", "pk")),
            "exercise_swaps": [
                {
                    **self.row(swap),
                    "original": swap.original.name,
                    "replacement": swap.replacement.name,
                }
                for swap in _of(ExerciseSwap)
                .select_related("original", "replacement")
                .filter(mine)
                .order_by("created_at", "pk")
            ],
            "plan_changes": [
                self.row(c) for c in _of(PlanChange).filter(mine).order_by("changed_at", "pk")
            ],
            "notifications": [
                self.row(n)
                for n in _of(Notification)
                .filter(Q(recipient=client) | Q(about_client=client))
                .order_by("created_at", "pk")
            ],
            "notification_settings": self.row(settings_row) if settings_row else None,
            "reminders": [
                self.row(d) for d in _of(Delivery).filter(recipient=client).order_by("due_at", "pk")
            ],
            "access_log": self.access_log(),
            "adherence": {
                "attended": overall.attended,
                "scheduled": overall.scheduled,
                "percent": overall.percent,
            },
        }


def document(client, today: dt.date) -> dict:
    """Everything about her, as `/me/export.json` and `/api/v1/me/export/` return it."""
    return _Document(client, today).build()
