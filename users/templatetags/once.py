"""`{% one_time_token %}`: put it next to `{% csrf_token %}` in every form that creates
something, so that sending the form twice saves once (users/idempotency.py)."""

import uuid

from django import template
from django.utils.html import format_html

from users.idempotency import FORM_FIELD

register = template.Library()


@register.simple_tag(takes_context=True)
def one_time_token(context) -> str:
    # In a cached page part (tracker.fragments.page_part), a placeholder each request fills.
    if context.get("one_time_placeholder"):
        from tracker.fragments import ONE_TIME_PLACEHOLDER

        value = ONE_TIME_PLACEHOLDER
    else:
        value = uuid.uuid4()
    return format_html('<input type="hidden" name="{}" value="{}">', FORM_FIELD, value)
