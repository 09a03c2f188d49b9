"""Every look at a client's health data by someone other than herself leaves one audit row per
request: who, the action, a fixed label of the page and the ids of the clients shown (one row
for a list, not one per client), never a name, an e-mail or a value."""

import json

import pytest
from django.urls import reverse

from tests.clock import pin
from tests.conftest import make_cast
from tests.test_authorization_matrix import MATRIX, all_patterns, row_key
from tracker import services
from tracker.models import Alert, AuditEvent, Notification, PTNote, SessionLog
from tracker.selectors import local_today

pytestmark = [pytest.mark.django_db, pin()]

NAME, EMAIL = "Xena Quillfeather", "xena.quillfeather@example.test"
NOTE, LOG_NOTE, PROVIDER = "Hip pain on the left side", "Felt dizzy after squats", "Dr Ruizabal"

# Every GET a PT makes that shows her client's health data: the page's fixed label and action.
VIEW, EXPORT = AuditEvent.Action.VIEW, AuditEvent.Action.EXPORT
AUDITED = {
    "home": ("PT dashboard", VIEW),
    "tracker:notifications": ("notifications page", VIEW),
    "tracker:pt_client": ("client page", VIEW),
    "tracker:pt_client_logs": ("client page: logs", VIEW),
    "tracker:pt_client_check_ins": ("client page: check-ins", VIEW),
    "tracker:pt_client_corrections": ("client page: corrections", VIEW),
    "tracker:pt_client_sessions": ("client page: sessions", VIEW),
    "tracker:pt_client_screen": ("client page: screen", VIEW),
    "tracker:pt_client_notes": ("client page: notes", VIEW),
    "tracker:pt_client_plan_changes": ("client page: plan changes", VIEW),
    "tracker:pt_clearance": ("clearance page", VIEW),
    "tracker:pt_schedule": ("schedule page", VIEW),
    "tracker:pt_note_edit": ("note page", VIEW),
    "tracker:pt_report": ("printable report", EXPORT),
    "tracker:pt_client_csv": ("client CSV", EXPORT),
    "tracker:pt_cohort_csv": ("cohort CSV", EXPORT),
    "api_notifications": ("API: notifications", VIEW),
    "api_clients": ("API: client list", VIEW),
    "api_client": ("API: profile", VIEW),
    "api_client_sessions": ("API: sessions", VIEW),
    "api_client_assessments": ("API: assessments", VIEW),
    "api_client_alerts": ("API: alerts", VIEW),
    "api_client_notes": ("API: notes", VIEW),
    "api_client_logs": ("API: logs", VIEW),
    "api_client_swaps": ("API: swaps", VIEW),
    "api_client_schedule": ("API: schedule", VIEW),
    "api_client_csv": ("API: client CSV", EXPORT),
    "api_cohort_csv": ("API: cohort CSV", EXPORT),
}
# PT pages that show no health data.
NOT_HEALTH_DATA = {
    "invite": "her invitations: e-mail addresses she typed, no client's data",
    "api_invitations": "the same list as the invite page",
}
# Pages every role has: a PT's shows her notices about clients' alerts.
SHARED = {"home", "tracker:notifications", "api_notifications"}


@pytest.fixture
def cast():
    """The matrix's cast, her data in every place a PT can look, and a notice to her PT."""
    cast = make_cast()
    client = cast.client
    client.full_name, client.email = NAME, EMAIL
    client.save(update_fields=["full_name", "email"])
    today = local_today(client)
    cast.note = PTNote.objects.create(client=client, author=cast.her_pt, text=NOTE)
    services.assessment_record(
        client=client,
        vas_low_back_mm=37,
        vas_sciatic_mm=23,
        odi_answers=[2] * 10,
        pain_locations=["low_back"],
        symptoms=["numbness"],
        today=today,
    )
    SessionLog.objects.create(
        client=client,
        status="completed",
        performed_on=today,
        minutes=31,
        rpe=13,
        avg_heart_rate=141,
        notes=LOG_NOTE,
        warning_signs=["dizziness"],
        flagged=True,
    )
    Alert.objects.create(client=client, pt=cast.her_pt, kind="warning_sign", signs=["dizziness"])
    Notification.objects.create(
        recipient=cast.her_pt, about_client=client, kind="warning_sign", title="Warning sign"
    )
    return cast


def _url(name, cast) -> str:
    pattern = next(p for n, _, _, p in all_patterns() if n == name)
    kwargs = {}
    if "client_id" in pattern.pattern.converters:
        kwargs["client_id"] = cast.client.pk
    if "note_id" in pattern.pattern.converters:
        kwargs["note_id"] = cast.note.pk
    return reverse(name, kwargs=kwargs)


def test_every_pt_page_of_a_client_is_listed_here():
    """A new GET page only PTs open (or a PT's side of a shared one) must say whether it is
    audited: it is in AUDITED, or in NOT_HEALTH_DATA with the reason."""
    pt_only = {
        row_key(n, r, ns)
        for n, r, ns, _ in all_patterns()
        if row_key(n, r, ns) in MATRIX
        and MATRIX[row_key(n, r, ns)].method == "get"
        and MATRIX[row_key(n, r, ns)].her_pt == 200
        and MATRIX[row_key(n, r, ns)].client == 404
    }
    assert pt_only | SHARED == set(AUDITED) | set(NOT_HEALTH_DATA)


@pytest.mark.parametrize("name", sorted(AUDITED))
def test_a_pt_looking_at_her_data_leaves_exactly_one_audit_row(client, cast, name):
    label, action = AUDITED[name]
    client.force_login(cast.her_pt)
    before = set(AuditEvent.objects.values_list("pk", flat=True))

    response = client.get(_url(name, cast))

    assert response.status_code == 200
    new = list(AuditEvent.objects.exclude(pk__in=before))
    assert len(new) == 1, [(e.what, e.client_ids) for e in new]
    event = new[0]
    assert (event.actor, event.action, event.what) == (cast.her_pt, action, label)
    assert event.client_ids == [cast.client.pk]  # her PT has one client: the ids shown


def test_lists_record_every_client_on_the_page_in_one_row(client, cast):
    """The dashboard and the API list: one row with every id shown, not a row per client."""
    from tests.factories import CareLinkFactory, ClientFactory

    others = [ClientFactory() for _ in range(3)]
    for other in others:
        CareLinkFactory(pt=cast.her_pt, client=other)
    client.force_login(cast.her_pt)
    everyone = sorted([cast.client.pk, *(o.pk for o in others)])

    for name in ("home", "api_clients", "tracker:pt_cohort_csv"):
        before = AuditEvent.objects.count()
        client.get(reverse(name))
        assert AuditEvent.objects.count() == before + 1, name
        assert AuditEvent.objects.first().client_ids == everyone, name


def test_no_audit_row_holds_her_name_her_e_mail_or_a_value(client, cast):
    client.force_login(cast.her_pt)
    for name in AUDITED:
        client.get(_url(name, cast))
    client.post(
        reverse("tracker:pt_clearance", args=[cast.client.pk]),
        {"provider": PROVIDER, "note": NOTE},
    )
    client.force_login(cast.admin)
    client.get(reverse("admin:tracker_sessionlog_changelist"))
    client.get(reverse("admin:tracker_ptnote_change", args=[cast.note.pk]))

    rows = list(AuditEvent.objects.values())
    assert len(rows) > len(AUDITED)
    text = json.dumps(rows, default=str).lower()
    values = [NAME, "Xena", EMAIL, NOTE, LOG_NOTE, PROVIDER, "dizz", "numbness", "low_back"]
    for value in values:
        assert value.lower() not in text, value
    labels = {label for label, _ in AUDITED.values()}
    for row in rows:  # a fixed label: the page's, an admin page's, or a change's
        assert row["what"] in labels or row["what"].startswith("admin ") or row["action"] != VIEW, (
            row["what"]
        )


ADMIN_LISTS = {
    "sessionlog": "admin list of session logs",
    "assessment": "admin list of assessments",
    "alert": "admin list of alerts",
    "ptnote": "admin list of pt notes",
    "notification": "admin list of notifications",
    "clearance": "admin list of clearances",
}


@pytest.mark.parametrize("model", sorted(ADMIN_LISTS))
def test_an_admin_list_of_health_records_records_the_clients_on_its_page(client, cast, model):
    from tracker.models import Clearance

    Clearance.objects.create(client=cast.client, provider=PROVIDER, recorded_by=cast.her_pt)
    client.force_login(cast.admin)
    before = AuditEvent.objects.count()

    assert client.get(reverse(f"admin:tracker_{model}_changelist")).status_code == 200

    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.first()
    assert (event.actor, event.action, event.what) == (cast.admin, VIEW, ADMIN_LISTS[model])
    assert event.client_ids == [cast.client.pk]  # hers are the only such records


def test_an_admin_record_page_records_her_and_the_record(client, cast):
    client.force_login(cast.admin)
    client.get(reverse("admin:tracker_ptnote_change", args=[cast.note.pk]))

    event = AuditEvent.objects.first()
    assert (event.actor, event.what, event.client, event.client_ids) == (
        cast.admin,
        "admin pt note",
        cast.client,
        [cast.client.pk],
    )
    assert (event.object_type, event.object_id) == ("tracker.PTNote", str(cast.note.pk))


def test_her_own_pages_are_not_audited(client, cast):
    client.force_login(cast.client)
    before = AuditEvent.objects.count()
    for name in ("home", "tracker:week", "tracker:progress", "tracker:notifications", "api_me"):
        assert client.get(reverse(name)).status_code == 200, name
    assert AuditEvent.objects.count() == before
