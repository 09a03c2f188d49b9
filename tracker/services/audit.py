"""The audit trail and plan-change history: who changed or saw which clients' data, and what
kind of page or change it was. An audit row holds ids and a fixed label only: never a name, an
e-mail, a symptom, a score or any other value (the plan change itself holds the words)."""

from collections.abc import Iterable

from django.db import models

from ..models import AuditEvent, PlanChange


def audit_record(
    *,
    actor,
    action: str,
    what: str,
    client=None,
    clients: Iterable[int] = (),
    obj: models.Model | None = None,
) -> AuditEvent:
    """One row per request or change. `client` is the one client concerned (if any), `clients`
    the ids of every client shown (a list page, an export), `obj` the record concerned. `what`
    is a fixed label of the page or change (e.g. "client page"), never built from her data."""
    ids = sorted({*(int(pk) for pk in clients), *([client.pk] if client is not None else [])})
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        actor_ref=getattr(actor, "pk", None),
        client=client,
        client_ids=ids,
        action=action,
        what=what[:200],
        object_type=obj._meta.label if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
    )


def audit_view(viewer, what: str, *, client=None, clients: Iterable[int] = (), obj=None) -> None:
    """One row for a page or API answer that shows other people's health data: `what` is its
    fixed label, `client`/`clients` who is shown. Nothing is recorded when nobody but the
    viewer herself is shown (a client on her own pages)."""
    ids = {int(pk) for pk in clients} | ({client.pk} if client is not None else set())
    if not ids - {viewer.pk}:
        return
    audit_record(
        actor=viewer,
        action=AuditEvent.Action.VIEW,
        what=what,
        client=client,
        clients=ids - {viewer.pk},
        obj=obj,
    )


def audit_notices_view(viewer, notices, *, what: str) -> None:
    """Notices (a PT's alerts) are about clients: seeing them is seeing their health news."""
    audit_view(viewer, what, clients={n.about_client_id for n in notices} - {None})


def plan_change(client, by, description, params: dict | None = None) -> PlanChange:
    """A change to her plan: the words go in her PT's plan history (deleted with her account);
    the audit log records only that a plan change happened, and its id. `description` is a
    (lazy) translatable text, with `params` for its %(name)s placeholders: it is written in
    her PT's language (hers while she has no PT), whoever made the change."""
    from ..language import history_reader, speaking_to

    with speaking_to(history_reader(client)):
        text = str(description) % params if params else str(description)
    change = PlanChange.objects.create(client=client, changed_by=by, description=text[:300])
    audit_record(
        actor=by, client=client, action=AuditEvent.Action.CHANGE, what="plan change", obj=change
    )
    return change
