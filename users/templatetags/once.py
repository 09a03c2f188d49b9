"""`{% one_time_token %}`: put it next to `{% csrf_token %}` in every form that creates
something, so that sending the form twice saves once (users/idempotency.py)."""

import uuid

from django import template
from django.utils.html import format_html

from users.idempotency import FORM_FIELD

register = template.Library()


@register.simple_tag
def one_time_token() -> str:
    return format_html('<input type="hidden" name="{}" value="{}">', FORM_FIELD, uuid.uuid4())
