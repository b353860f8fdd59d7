"""Read-only model serializers that build their fields once per class.

``ModelSerializer.get_fields`` introspects the model and builds every field on
each instance, i.e. on every request; for the dispute it was a fifth of the
detail endpoint's time (docs/benchmarks.md). The shapes here never change
with the request, so the fields built the first time are kept per class and
each instance gets copies (unbound; DRF binds them to the new serializer).

Measured with and without (issue 14, 100 000 disputes, two runs each): the
detail API answers at about 21 % of the framework floor's throughput with it
and 12.5 % without, against a budget of 15 % (docs/benchmarks.md).
"""

from __future__ import annotations

import copy
from typing import Any, ClassVar

from rest_framework import serializers


class PrebuiltFields(serializers.ModelSerializer):
    _prebuilt: ClassVar[dict[type, dict[str, serializers.Field[Any, Any, Any, Any]]]] = {}

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        cls = type(self)
        fields = PrebuiltFields._prebuilt.get(cls)
        if fields is None:
            fields = PrebuiltFields._prebuilt[cls] = super().get_fields()
        # A plain field is copied shallowly: it is read-only here, and binding
        # sets attributes on the copy only (a deep copy would run __init__ again,
        # which for a ChoiceField rebuilds its choices). A nested serializer is
        # copied deeply: its child is bound to it and must not be shared.
        return {
            name: copy.deepcopy(field)
            if isinstance(field, serializers.BaseSerializer)
            else copy.copy(field)
            for name, field in fields.items()
        }
