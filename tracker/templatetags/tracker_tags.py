from django import template

register = template.Library()


@register.filter
def signed(value):
    """+9, -7.5, 0: a change shown with its direction."""
    if value is None or value == "":
        return "—"
    number = float(value)
    text = f"{number:g}"
    return f"+{text}" if number > 0 else text.replace("-", "−")
