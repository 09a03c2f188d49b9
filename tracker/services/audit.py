"""The audit trail and plan-change history: who changed or saw which client's data, and
why (never a score or a symptom)."""

from ..models import AuditEvent, PlanChange


def audit_record(*, actor, client, action: str, what: str) -> AuditEvent:
    """Record who saw or changed which client's data. `what` names the page or the change,
    never a score or a symptom."""
    return AuditEvent.objects.create(
        actor=actor,
        client=client,
        client_label=f"{client.full_name} <{client.email}>" if client else "",
        action=action,
        what=what[:200],
    )


def plan_change(client, by, description: str) -> PlanChange:
    """A change to her plan: in her PT's plan history and in the audit log."""
    audit_record(actor=by, client=client, action=AuditEvent.Action.CHANGE, what=description)
    return PlanChange.objects.create(client=client, changed_by=by, description=description[:300])
