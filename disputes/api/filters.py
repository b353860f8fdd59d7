"""``GET disputes/`` filters: ``state``, ``type``, ``overdue``, ``q`` (SPEC section 9)."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone

from disputes.choices import DisputeState, DisputeType
from disputes.models import Dispute
from disputes.search import MAX_LENGTH, search_cases, search_text


class DisputeFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=DisputeState.choices)
    type = django_filters.ChoiceFilter(choices=DisputeType.choices)
    overdue = django_filters.BooleanFilter(
        method="filter_overdue",
        label="Flagged overdue, or past its deadline",
    )
    q = django_filters.CharFilter(
        method="filter_q",
        max_length=MAX_LENGTH,
        label=(
            "Search: a dispute or order reference (or part of one), a party's or store's "
            "name, or words of the description or of the messages the viewer may read"
        ),
    )

    class Meta:
        model = Dispute
        fields = ["state", "type", "overdue", "q"]

    def filter_overdue(
        self, queryset: QuerySet[Dispute], name: str, value: bool | None
    ) -> QuerySet[Dispute]:
        late = Q(is_overdue=True) | Q(deadline_at__lt=timezone.now())
        if value is None:
            return queryset
        return queryset.filter(late) if value else queryset.exclude(late)

    def filter_q(self, queryset: QuerySet[Dispute], name: str, value: str) -> QuerySet[Dispute]:
        # The field refused a NUL and more than MAX_LENGTH characters (400) already.
        return search_cases(queryset, self.request.user, search_text(value).text)
