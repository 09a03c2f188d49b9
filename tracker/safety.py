"""The program's safety state, derived from her open safety items (SAFETY.md section 1), and
the facts every door shows about it: which signs stop the program, with which message, and
who may close what. Reads only; the writes are in `tracker/services/safety.py`.

The state is never stored: `derive` (pure) computes it from the kinds of her open items and
her pregnancy; `state_of` reads those and calls it; `active_clients_q` says the same in SQL
for the reminder dispatcher."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from .gestation import date_at
from .models import SafetyItem

# --- states ---------------------------------------------------------------------------------

ENDED = "ended"
COMPLETED = "completed"
BLOCKED = "blocked"
HELD = "held"
PENDING_CLEARANCE = "pending_clearance"
PAUSED = "paused"
ACTIVE = "active"
STATES = [ENDED, COMPLETED, BLOCKED, HELD, PENDING_CLEARANCE, PAUSED, ACTIVE]

STATE_LABELS = {
    ENDED: _("Pregnancy ended"),
    COMPLETED: _("Completed (baby born)"),
    BLOCKED: _("Stopped: absolute contraindication"),
    HELD: _("On hold"),
    PENDING_CLEARANCE: _("Waiting for clearance"),
    PAUSED: _("Paused"),
    ACTIVE: _("Active"),
}

K = SafetyItem.Kind


def derive(*, ended: bool, born: bool, open_kinds: set[str]) -> str:
    """The state, first match wins (SAFETY.md section 1)."""
    if ended:
        return ENDED
    if born:
        return COMPLETED
    if K.ABSOLUTE in open_kinds:
        return BLOCKED
    if K.HOLD in open_kinds or K.RESCREEN_DUE in open_kinds:
        return HELD
    if K.RELATIVE in open_kinds:
        return PENDING_CLEARANCE
    if K.PAUSE in open_kinds:
        return PAUSED
    return ACTIVE


# --- triggers and their message tiers (SAFETY.md section 2) -----------------------------------

EMERGENCY = "emergency"
URGENT_CARE = "urgent_care"
ASAP = "asap"
TODAY = "today"
TIER_ORDER = [EMERGENCY, URGENT_CARE, ASAP, TODAY]

TIER_MESSAGES = {
    EMERGENCY: _("Stop now. Call your maternity unit or the emergency number now."),
    URGENT_CARE: _("Stop exercising and seek urgent medical care now."),
    ASAP: _("Stop exercising and call your doctor as soon as possible."),
    TODAY: _("Stop exercising. Contact your midwife, obstetrician or doctor today."),
}

# Keys shared by session logs (programs.safety.WARNING_SIGNS) and check-ins (scoring.SYMPTOMS).
SIGN_TIERS = {
    # emergency tier, in a session log or a check-in
    "vaginal_bleeding": EMERGENCY,
    "fluid_leaking": EMERGENCY,
    "contractions": EMERGENCY,
    "chest_pain": EMERGENCY,
    # the other ACOG warning signs, in a session log
    "breathless_before_exertion": TODAY,
    "dizziness": TODAY,
    "headache": TODAY,
    "muscle_weakness_balance": TODAY,
    "calf_pain_swelling": TODAY,
    # check-in red flags
    "weakness": ASAP,
    "calf_swelling": TODAY,
    "saddle_numbness": URGENT_CARE,
    "bladder_bowel_change": URGENT_CARE,
    "both_legs": URGENT_CARE,
}

SIGN_LABELS = {
    "vaginal_bleeding": _("Vaginal bleeding"),
    "fluid_leaking": _("Fluid leaking from the vagina"),
    "contractions": _("Regular painful contractions"),
    "chest_pain": _("Chest pain"),
    "breathless_before_exertion": _("Shortness of breath before exertion"),
    "dizziness": _("Dizziness"),
    "headache": _("Headache"),
    "muscle_weakness_balance": _("Muscle weakness affecting balance"),
    "calf_pain_swelling": _("Calf pain or swelling"),
    "weakness": _("New weakness in the leg"),
    "calf_swelling": _("Pain with swelling, redness or warmth in one calf"),
    "saddle_numbness": _("New numbness between the legs or around the back passage"),
    "bladder_bowel_change": _(
        "Cannot pass urine, no feeling of a full bladder, or bowel control lost"
    ),
    "both_legs": _("New numbness or weakness in both legs"),
}


def hold_signs(keys) -> list[str]:
    """The keys among `keys` that open a safety hold, most urgent first."""
    found = [k for k in set(keys) if k in SIGN_TIERS]
    return sorted(found, key=lambda k: (TIER_ORDER.index(SIGN_TIERS[k]), k))


def tier_of(keys) -> str | None:
    signs = hold_signs(keys)
    return SIGN_TIERS[signs[0]] if signs else None


def sign_labels(keys) -> list[str]:
    return [str(SIGN_LABELS.get(k, k)) for k in keys]


# --- who was told -----------------------------------------------------------------------------

NOBODY_TOLD = _(
    "Nobody has been told: you have no physical therapist in Prenafit. "
    "Contact your midwife, obstetrician or doctor yourself."
)
OFFLINE_NOT_TOLD = _(
    "Nobody has been told yet; this will be sent when you are back online. "
    "Contact your midwife or doctor now."
)


def told_text(pt) -> str:
    if pt is None:
        return str(NOBODY_TOLD)
    return str(_("Your physical therapist %(name)s has been alerted in Prenafit.") % {"name": pt})


# --- reading her state ------------------------------------------------------------------------


def pt_of(client):
    """Her PT: the PT of an active care link, if that PT is approved. None otherwise."""
    from users.selectors import active_link_for_client

    link = active_link_for_client(client=client)
    if link is None or not link.pt.is_active_pt:
        return None
    return link.pt


def open_items(client):
    return SafetyItem.objects.filter(client=client, closed_at__isnull=True).order_by(
        "opened_at", "pk"
    )


@dataclass
class SafetyState:
    state: str
    items: list = field(default_factory=list)  # her open items, oldest first
    pt: object = None
    profile: object = None
    # her active care link (its PT may not be approved: then `pt` is None), read by `state_of`
    link: object = field(default=None, repr=False, compare=False)

    @property
    def active(self) -> bool:
        return self.state == ACTIVE

    @property
    def finished(self) -> bool:
        return self.state in (ENDED, COMPLETED)

    @property
    def label(self) -> str:
        return str(STATE_LABELS[self.state])

    @property
    def pause(self):
        return next((i for i in self.items if i.kind == K.PAUSE), None)

    @property
    def next_step(self) -> str:
        return next_step(self.state, has_pt=self.pt is not None, pt=self.pt)


def screen_result(items) -> str:
    """Her screen as it stands, from her open screen answers (answers are sticky, so a later
    all-"no" screen does not hide an open "yes"): blocked, pending_clearance or cleared."""
    kinds = {i.kind for i in items}
    if K.ABSOLUTE in kinds:
        return "blocked"
    return "pending_clearance" if K.RELATIVE in kinds else "cleared"


def state_of(client, *, profile=None) -> SafetyState:
    """Her derived state, her open items and her PT (three queries)."""
    from .models import PregnancyProfile

    if profile is None:
        profile = PregnancyProfile.objects.filter(client=client).first()
    items = list(open_items(client).select_related("opened_by"))
    state = derive(
        ended=bool(profile and profile.ended_on),
        born=bool(profile and profile.birth_date),
        open_kinds={i.kind for i in items},
    )
    from users.selectors import active_link_for_client

    # `pt_of`, from her care link read once: her home page names the PT of that link too.
    link = active_link_for_client(client=client)
    pt = link.pt if link is not None and link.pt.is_active_pt else None
    return SafetyState(state=state, items=items, pt=pt, profile=profile, link=link)


def next_step(state: str, *, has_pt: bool, pt=None) -> str:
    """What she should do next, in one calm sentence."""
    if state == ENDED:
        return str(_("The program has ended. Your records are kept; nothing more is planned."))
    if state == COMPLETED:
        return str(_("The program has ended with the birth. Your records are kept."))
    if state == ACTIVE:
        return str(_("Your sessions go on as planned."))
    if state == PAUSED:
        return str(_("Your program is paused. Resume it when you are ready."))
    if state == BLOCKED:
        if has_pt:
            return str(
                _(
                    "Your safety screen found a reason not to exercise in this program. Your "
                    "PT %(name)s will review this with you; please talk to your care provider."
                )
                % {"name": pt}
            )
        return str(
            _(
                "Your safety screen found a reason not to exercise in this program. Please "
                "talk to your obstetric care provider; only a PT or an admin can record "
                "their clearance."
            )
        )
    if has_pt:
        return str(
            _(
                "Your sessions are on hold. Your PT %(name)s will review this. Once your care "
                "provider has seen you, tell your PT."
            )
            % {"name": pt}
        )
    return str(
        _(
            "Your sessions are on hold until your care provider clears you to exercise. "
            "When they have, record their clearance here."
        )
    )


# --- who may close which item (SAFETY.md sections 1 and 3) ------------------------------------


def _is_admin(user) -> bool:
    return bool(user.is_staff or user.is_superuser)


def can_self_clear(item, *, has_pt: bool) -> bool:
    """She may record her own provider's clearance for a relative item or a hold opened while
    she had no PT, and only while she still has none. Never for an absolute item."""
    return (
        item.kind in (K.RELATIVE, K.HOLD)
        and not item.opened_with_pt
        and not has_pt
        and item.closed_at is None
    )


def clearable_by(item, user, *, client, pt) -> bool:
    """May `user` close `item` with a provider's clearance?"""
    if item.kind not in (K.ABSOLUTE, K.RELATIVE, K.HOLD):
        return False
    if _is_admin(user) or (pt is not None and user.pk == pt.pk):
        return True
    if user.pk == client.pk:
        return can_self_clear(item, has_pt=pt is not None)
    return False


def pause_liftable_by(item, user, *, client, pt) -> bool:
    """Whoever set it, or her PT or an admin; a pause set by a PT who is no longer her PT
    becomes hers to lift."""
    if item.kind != K.PAUSE:
        return False
    if _is_admin(user) or (pt is not None and user.pk == pt.pk):
        return True
    if user.pk == client.pk:
        setter = item.opened_by
        if setter is None or setter.pk == client.pk:
            return True
        # set by a PT whose link has ended: hers to lift (an admin's pause is not)
        return setter.role == "pt" and (pt is None or pt.pk != setter.pk)
    return False


def closes_by(item) -> str:
    """What closes an item, in words (for her page and the API)."""
    return str(
        {
            K.ABSOLUTE: _("a clearance from your care provider, recorded by your PT or an admin"),
            K.RELATIVE: _("a clearance from your care provider, or your PT's review"),
            K.HOLD: _("a clearance from your care provider"),
            K.RESCREEN_DUE: _("answering the 26-week safety re-screen"),
            K.PAUSE: _("resuming the program"),
        }[item.kind]
    )


# --- the 26-week re-screen (SAFETY.md section 4) -------------------------------------------------

RESCREEN_ASK_FROM = (25, 4)  # asked on home and by reminder from 25+4
RESCREEN_DUE_AT = 28  # an item opens at 28+0 without an answer


def rescreen_answered(client, due_date: dt.date | None) -> bool:
    """Has she answered the 26-week questions from 25+4 on? The re-screen counts, and so
    does a whole screen (it asks them too), e.g. from a client who joined late."""
    from .models import PregnancyProfile, Screening

    if due_date is None:
        profile = PregnancyProfile.objects.filter(client=client).first()
        if profile is None:
            return False
        due_date = profile.due_date
    start = date_at(due_date, RESCREEN_ASK_FROM[0]) + dt.timedelta(days=RESCREEN_ASK_FROM[1])
    return Screening.objects.filter(client=client, submitted_at__date__gte=start).exists()


# --- the same rule in SQL, for the dispatcher -------------------------------------------------


def active_clients_q(prefix: str = "") -> Q:
    """A filter on users (or on a model through `prefix`, e.g. "client__") that keeps only
    clients whose derived state is active: no open item, no birth, no end."""
    open_item = SafetyItem.objects.filter(client=OuterRef(f"{prefix}pk"), closed_at__isnull=True)
    return (
        ~Q(Exists(open_item))
        & Q(**{f"{prefix}pregnancy__birth_date__isnull": True})
        & Q(**{f"{prefix}pregnancy__ended_on__isnull": True})
    )


@functools.cache
def active_clients():
    """Users whose derived state is active (`active_clients_q`), as a queryset built once per
    process: narrowing it (`.filter(pk=...)`) clones a resolved query, a third of the cost of
    resolving the rule's subquery again on every log. Never evaluated itself, so it holds no
    rows."""
    from users.models import User

    return User.objects.filter(active_clients_q())


def after_program(due_date: dt.date, day: dt.date) -> bool:
    """No reminder is ever sent after 42+0."""
    return day >= date_at(due_date, 42)
