"""Every write about users and care links."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from .models import ApiToken, CareLink, Consent, Invitation, User, validate_time_zone

ERR_ALREADY_LINKED = _("This client already has an active PT. Unlink her first.")
ERR_NOT_A_PT = _("Only an approved physical therapist can look after clients.")
ERR_NOT_A_CLIENT = _("Only a client account can be linked to a PT.")


@transaction.atomic
def care_link_create(*, pt: User, client: User, created_by: User | None = None) -> CareLink:
    if not pt.is_active_pt:
        raise ValidationError(ERR_NOT_A_PT)
    if not client.is_client:
        raise ValidationError(ERR_NOT_A_CLIENT)
    existing = (
        CareLink.objects.select_for_update().filter(client=client, ended_at__isnull=True).first()
    )
    if existing is not None:
        if existing.pt_id == pt.pk:
            return existing
        raise ValidationError(ERR_ALREADY_LINKED)
    link = CareLink(pt=pt, client=client, created_by=created_by)
    link.full_clean()
    link.save()
    return link


@transaction.atomic
def care_link_end(*, link: CareLink, ended_by: User | None = None) -> CareLink:
    """End a link. The row stays, so history shows who looked after whom and when."""
    if link.ended_at is None:
        link.ended_at = timezone.now()
        link.ended_by = ended_by
        link.save(update_fields=["ended_at", "ended_by"])
    return link


@transaction.atomic
def user_update_profile(*, user: User, full_name: str, time_zone: str, language: str) -> User:
    user.full_name = full_name
    user.time_zone = time_zone
    user.language = language
    user.full_clean()
    user.save(update_fields=["full_name", "time_zone", "language"])
    _enrolment_zone_follows(user)
    return user


@transaction.atomic
def user_time_zone_set(*, user: User, time_zone: str) -> User:
    """Her time zone changes (profile, API): her enrolment's follows (see below)."""
    validate_time_zone(time_zone)
    user.time_zone = time_zone
    user.save(update_fields=["time_zone"])
    _enrolment_zone_follows(user)
    return user


def _enrolment_zone_follows(user: User) -> None:
    """The zone is kept on the user and on her enrolment (reminders read the enrolment's):
    enrolling and changing the schedule set both (tracker.services.enrolment); a change here
    sets the enrolment's too, so her pages and her reminders agree on her day. The enrolment
    is tracker's: reached by name, as users imports nothing of ours. Sessions keep their
    local date and time; only when they fall in UTC moves."""
    from django.apps import apps

    if not apps.is_installed("tracker"):
        return
    enrolment = apps.get_model("tracker", "Enrolment")
    enrolment.objects.filter(client=user).exclude(time_zone=user.time_zone).update(
        time_zone=user.time_zone, updated_at=timezone.now()
    )


def pt_approve(*, pt: User) -> User:
    if pt.role != User.Role.PT:
        raise ValidationError(ERR_NOT_A_PT)
    pt.pt_approved = True
    pt.save(update_fields=["pt_approved"])
    return pt


# --- consent and deletion ------------------------------------------------------------------


def consent_record(*, user: User, age_confirmed: bool, version: str | None = None) -> Consent:
    """She agrees to the privacy notice of `version` (default: the current one) and confirms
    her age. Agreeing twice to the same version keeps the first row."""
    from django.conf import settings

    consent, _created = Consent.objects.get_or_create(
        user=user,
        notice_version=version or settings.PRENAFIT_PRIVACY_NOTICE_VERSION,
        defaults={"age_confirmed": age_confirmed},
    )
    return consent


def user_deletion_mark(*, user: User, now) -> User:
    """Mark the account for deletion (the grace period starts `now`); every API token dies."""
    user.deletion_requested_at = now
    user.save(update_fields=["deletion_requested_at"])
    api_tokens_revoke(user=user)
    return user


def user_deletion_unmark(*, user: User) -> User:
    user.deletion_requested_at = None
    user.save(update_fields=["deletion_requested_at"])
    return user


DELETED_REPR = "(deleted account)"


@transaction.atomic
def user_delete(*, user: User) -> None:
    """Delete an account and everything about her, now. Every row that points to her account
    with a cascade goes (in tracker: her health data, notices about her; here: care links,
    consents, API tokens; allauth's e-mail addresses and two-factor keys); so do invitations
    sent to any of her addresses or accepted by her, and her sessions. The admin's history of
    her records keeps its rows (who did what, when, to which id) but loses the names. Rows that
    only record who acted (the audit trail, a PT's plan history) keep their ids and lose the
    link (SET_NULL).

    The web gives her a grace period first (tracker.services.account_deletion_request, purged
    by accounts_purge); the admin's "delete" comes here directly."""
    from allauth.account.models import EmailAddress
    from django.db.models import Q

    addresses = {user.email.lower()} | {
        e.lower() for e in EmailAddress.objects.filter(user=user).values_list("email", flat=True)
    }
    needles = {a for a in addresses if a} | (
        {user.full_name.strip().lower()} if user.full_name.strip() else set()
    )
    invited = Q(accepted_by=user)
    for address in addresses:
        invited |= Q(email__iexact=address)
    Invitation.objects.filter(invited).delete()
    _admin_history_forget(user, needles)
    _sessions_end(user, needles)
    user.delete()


def _admin_history_forget(user: User, needles: set[str]) -> None:
    """The admin's history (LogEntry) of every record that goes with her keeps its rows, ids
    and action, but not the record's name (e.g. "Pregnancy of <her name>") nor the change
    message (which may name related records); nor does any other entry that names her."""
    from django.apps import apps
    from django.db import router
    from django.db.models import Q
    from django.db.models.deletion import Collector

    if not apps.is_installed("django.contrib.admin"):
        return
    from django.contrib.admin.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    collector = Collector(using=router.db_for_write(User))
    collector.collect([user])
    doomed: dict[type, set[str]] = {}
    for model, instances in collector.data.items():
        doomed.setdefault(model, set()).update(str(obj.pk) for obj in instances)
    for queryset in collector.fast_deletes:
        doomed.setdefault(queryset.model, set()).update(
            str(pk) for pk in queryset.values_list("pk", flat=True)
        )
    entries = LogEntry.objects.exclude(user=user)
    scrub = {"object_repr": DELETED_REPR, "change_message": ""}
    for model, pks in doomed.items():
        if model is LogEntry:
            continue
        content_type = ContentType.objects.get_for_model(model, for_concrete_model=False)
        ids = sorted(pks)
        for start in range(0, len(ids), 500):
            entries.filter(
                content_type=content_type, object_id__in=ids[start : start + 500]
            ).update(**scrub)
    named = Q()
    for needle in needles:
        named |= Q(object_repr__icontains=needle) | Q(change_message__icontains=needle)
    if named:
        entries.filter(named).update(**scrub)


def _sessions_end(user: User, needles: set[str]) -> None:
    """End every stored session that is hers or holds her name or address (a pending log-in,
    a message). Sessions kept only in a cache or a cookie hold nothing in the database."""
    import json
    from importlib import import_module

    from django.conf import settings

    store = import_module(settings.SESSION_ENGINE).SessionStore
    if not hasattr(store, "get_model_class"):
        return
    for session in store.get_model_class().objects.iterator():
        data = store().decode(session.session_data)
        text = json.dumps(data, default=str, ensure_ascii=False).lower()
        if str(data.get("_auth_user_id")) == str(user.pk) or any(n in text for n in needles):
            store(session_key=session.session_key).delete()


# --- invitations -----------------------------------------------------------------------

INVITATION_DAYS = 14
ERR_INVITE_USED = _("This invitation has already been used.")
ERR_INVITE_EXPIRED = _("This invitation has expired. Ask your physical therapist for a new one.")
ERR_INVITE_WRONG_ACCOUNT = _(
    "This invitation was sent to another email address. Log in with that address, "
    "or ask your physical therapist to invite this one."
)
ERR_INVITE_NOT_CLIENT = _("Only a client account can accept an invitation from a PT.")
ERR_INVITE_INVALID = _("This invitation link is not valid.")


def invitation_token_hash(token: str) -> str:
    import hashlib

    return hashlib.sha256(token.encode()).hexdigest()


ERR_INVITE_NOT_SENT = _(
    "The invitation email could not be sent, so no invitation was made. Try again in a few minutes."
)


@transaction.atomic
def invitation_create(
    *, pt: User, email: str, base_url: str | None = None
) -> tuple[Invitation, str]:
    """A single-use invitation; returns it and the raw token (only its hash is stored).

    The e-mail is built inside the transaction and sent once the row is committed: a failure
    before the commit leaves neither the row nor an e-mail, and a failed send takes the row
    back (ERR_INVITE_NOT_SENT). `base_url` is where the link points (default
    PRENAFIT_BASE_URL)."""
    import secrets
    from datetime import timedelta
    from functools import partial

    if not pt.is_active_pt:
        raise ValidationError(ERR_NOT_A_PT)
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        pt=pt,
        email=email.strip().lower(),
        token_hash=invitation_token_hash(token),
        expires_at=timezone.now() + timedelta(days=INVITATION_DAYS),
    )
    invitation.full_clean()
    invitation.save()
    message = invitation_email(invitation=invitation, token=token, base_url=base_url)
    transaction.on_commit(partial(_invitation_send, invitation.pk, message))
    return invitation, token


def invitation_language(email: str) -> str:
    """The language of the invitation e-mail: the invitee's own if she already has an account,
    else the language the inviting PT is using now."""
    invitee = User.objects.filter(email__iexact=email).only("language").first()
    if invitee is not None and invitee.language:
        return invitee.language
    return translation.get_language() or "en"


def invitation_email(*, invitation: Invitation, token: str, base_url: str | None = None):
    """The invitation e-mail. Its headers are fixed text and her address; the body says what
    is waiting and links to it, without anyone's name (the page behind the link says who).
    Written in her language (`invitation_language`)."""
    from django.conf import settings
    from django.core.mail import EmailMultiAlternatives
    from django.template.loader import render_to_string
    from django.urls import reverse
    from django.utils.translation import gettext

    base = (base_url or settings.PRENAFIT_BASE_URL).rstrip("/")
    context = {"url": base + reverse("invitation", args=[token]), "days": INVITATION_DAYS}
    with translation.override(invitation_language(invitation.email)):
        message = EmailMultiAlternatives(
            subject="[Prenafit] " + gettext("An invitation to Prenafit"),
            body=render_to_string("users/email/invitation.txt", context),
            to=[invitation.email],
        )
        html = render_to_string("users/email/invitation.html", context)
    message.attach_alternative(html, "text/html")
    return message


def _invitation_send(invitation_id: int, message) -> None:
    """Run after the commit. If the e-mail cannot go out, the invitation goes too."""
    import logging

    try:
        message.send()
    except Exception as exc:
        Invitation.objects.filter(pk=invitation_id).delete()
        logging.getLogger(__name__).warning(
            "invitation %s: the email failed (%s), the invitation was withdrawn",
            invitation_id,
            type(exc).__name__,
        )
        raise ValidationError(ERR_INVITE_NOT_SENT) from exc


def invitation_lookup(*, token: str) -> Invitation:
    invitation = (
        Invitation.objects.select_related("pt")
        .filter(token_hash=invitation_token_hash(token or ""))
        .first()
    )
    if invitation is None:
        raise ValidationError(ERR_INVITE_INVALID)
    return invitation


ERR_INVITE_ALREADY_YOURS = _("You have already accepted this invitation.")
INVITE_ALREADY_ACCEPTED = "already_accepted"  # the code of ERR_INVITE_ALREADY_YOURS


@transaction.atomic
def invitation_accept(*, token: str, user: User) -> CareLink:
    """Link her to the inviting PT. Two acceptances at once are decided by the database: the
    invitation row's lock (the same link clicked twice: the second is told she already
    accepted, code INVITE_ALREADY_ACCEPTED) and the one-active-PT-per-client constraint (two
    invitations: the second is accepted too if it is from the same PT, refused otherwise)."""
    from django.db import IntegrityError

    invitation = invitation_lookup(token=token)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        if invitation.accepted_by_id == user.pk:
            raise ValidationError(ERR_INVITE_ALREADY_YOURS, code=INVITE_ALREADY_ACCEPTED)
        raise ValidationError(ERR_INVITE_USED)
    if invitation.expires_at <= timezone.now():
        raise ValidationError(ERR_INVITE_EXPIRED)
    if invitation.email.lower() != user.email.lower():
        raise ValidationError(ERR_INVITE_WRONG_ACCOUNT)
    if not user.is_client:
        raise ValidationError(ERR_INVITE_NOT_CLIENT)
    try:
        with transaction.atomic():
            link = care_link_create(pt=invitation.pt, client=user, created_by=user)
    except (IntegrityError, ValidationError) as exc:
        # Another acceptance linked her in the meantime (the constraint or its check saw it).
        link = CareLink.objects.filter(client=user, pt=invitation.pt, ended_at__isnull=True).first()
        if link is None:
            if isinstance(exc, ValidationError):
                raise
            raise ValidationError(ERR_ALREADY_LINKED) from exc
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    return link


# --- API tokens ---------------------------------------------------------------------------


def api_token_create(*, user: User, name: str = "") -> tuple[ApiToken, str]:
    """A new token for one app or device; returns it and the key (only a hash is stored).
    Past the per-account limit the least recently used tokens go first."""
    from knox.settings import knox_settings

    limit = knox_settings.TOKEN_LIMIT_PER_USER
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()
        stale = (
            ApiToken.objects.filter(user=user)
            .order_by("-expiry")
            .values_list("pk")[max(limit - 1, 0) :]
        )
        ApiToken.objects.filter(pk__in=list(stale)).delete()
        return ApiToken.objects.create(user=user, name=name.strip()[:100])


def api_tokens_revoke(*, user: User) -> int:
    """Every token of the account dies (password changed or reset, two-factor turned on or
    off, deactivated, approval withdrawn, account deleted)."""
    deleted, _ = ApiToken.objects.filter(user=user).delete()
    return deleted


def api_token_revoke(*, user: User, token_id: int) -> bool:
    """She revokes one of her own tokens; False if it is not hers (or already gone)."""
    deleted, _ = ApiToken.objects.filter(user=user, pk=token_id).delete()
    return bool(deleted)


def user_language_set(*, user: User, language: str) -> User:
    """Her language, for her pages and for every e-mail and notification sent to her."""
    from django.conf import settings
    from django.utils.translation import gettext as _

    if language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("Choose one of the languages offered.")})
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])
    return user
