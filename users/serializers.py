"""What every API request serializer shares: a request is stored or refused, never silently
trimmed. A field the operation does not take answers 400 next to its name."""

from collections.abc import Mapping

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

ERR_UNKNOWN_FIELD = _("Unknown field: nothing was saved. The API schema lists the fields.")
ERR_READ_ONLY_FIELD = _("This field cannot be changed here: nothing was saved.")


class StrictFields:
    """Mix into a request serializer (before `serializers.Serializer`)."""

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            extra = sorted(set(data) - writable)
            if extra:
                raise serializers.ValidationError(
                    {
                        name: [ERR_READ_ONLY_FIELD if name in self.fields else ERR_UNKNOWN_FIELD]
                        for name in extra
                    }
                )
        return super().to_internal_value(data)
