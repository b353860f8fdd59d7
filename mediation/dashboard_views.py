"""The dashboard page and its CSV: both built from the same sections, so they always agree."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from disputes.choices import DisputeState, DisputeType
from mediation.charts import bar_chart, stacked_chart
from mediation.dashboard import (
    DEFAULT_PERIOD,
    OPEN_STATES,
    PERIODS,
    SIDES,
    STAGES,
    Figures,
    figures_for,
)


class PeriodForm(forms.Form):
    period = forms.ChoiceField(
        label=gettext_lazy("Period"),
        choices=[(key, label) for key, (_days, label) in PERIODS.items()],
        required=False,
        help_text=gettext_lazy(
            "Resolutions, time per stage and decisions in this period; open cases and workload are as of now."
        ),
    )


@dataclass
class Section:
    key: str
    title: str
    columns: list[str]
    rows: list[tuple[str, list[str]]]
    chart: SafeString | None = None
    note: str = ""


def hours(value: timedelta | None) -> str:
    """Durations in hours with one decimal, in the page and the CSV alike ("" when unknown)."""
    return "" if value is None else f"{value.total_seconds() / 3600:.1f}"


def _state_label(state: str) -> str:
    return str(DisputeState(state).label)


def sections(figures: Figures) -> list[Section]:
    side_labels = [str(label) for _side, label in SIDES]
    open_rows = [(_state_label(s), [str(figures.open_by_state[s])]) for s in OPEN_STATES]
    result = [
        Section(
            "open",
            _("Open cases by state"),
            [_("Cases")],
            [*open_rows, (_("All open cases"), [str(figures.open_total)])],
            chart=bar_chart(
                chart_id="chart-open",
                title=_("Open cases by state"),
                desc=_(
                    "Bar chart of the open cases in each state; the table below has the figures."
                ),
                bars=[(label, int(v[0]), v[0]) for label, v in open_rows],
            ),
        ),
        Section(
            "attention",
            _("Needing attention now"),
            [_("Cases")],
            [
                (_("Overdue reviews"), [str(figures.overdue)]),
                (_("Platform cases without a mediator"), [str(figures.unassigned)]),
            ],
        ),
        Section(
            "resolution",
            _("Resolved in the period"),
            [_("Cases"), _("Median time to resolution (hours)")],
            [(figures.period.label, [str(figures.resolved), hours(figures.median_resolution)])],
            note=_("From submission to the final resolution (after an appeal, its decision)."),
        ),
    ]
    stage_rows = [
        (_state_label(s), [str(figures.stage_medians[s][1]), hours(figures.stage_medians[s][0])])
        for s in STAGES
    ]
    result.append(
        Section(
            "stages",
            _("Time per stage of the cases resolved in the period"),
            [_("Stays"), _("Median (hours)")],
            stage_rows,
            chart=bar_chart(
                chart_id="chart-stages",
                title=_("Median time per stage, in hours"),
                desc=_(
                    "Bar chart of the median stay in each state; the table below has the figures."
                ),
                bars=[(label, float(v[1] or 0), v[1] or "-") for label, v in stage_rows],
            ),
            note=_("Each stay runs from the event that entered the state to the one that left it."),
        )
    )
    by_side = figures.outcomes_by_side
    type_rows = [
        (
            str(DisputeType(t).label),
            [str(figures.outcomes_by_type[t][side]) for side, _label in SIDES],
        )
        for t in DisputeType.values
    ]
    result += [
        Section(
            "sides",
            _("Outcomes by side"),
            [_("Cases")],
            [(str(label), [str(by_side[side])]) for side, label in SIDES],
            note=_(
                "Seller won: claim rejected. Split: a partial refund below the amount claimed. "
                "Buyer won: a full refund, a return and refund, a replacement, or a partial "
                "refund of at least the amount claimed."
            ),
        ),
        Section(
            "types",
            _("Outcomes by type"),
            [*side_labels, _("Total")],
            [(label, [*values, str(sum(map(int, values)))]) for label, values in type_rows],
            chart=stacked_chart(
                chart_id="chart-types",
                title=_("Outcomes by type and side"),
                desc=_(
                    "Stacked bars: for each type, the cases the buyer won, split, and the seller won."
                ),
                series=side_labels,
                rows=[(label, [int(v) for v in values]) for label, values in type_rows],
            ),
        ),
    ]
    mediator_rows = [
        (m.name, [*(str(m.decisions[side]) for side, _label in SIDES), str(m.decided)])
        for m in figures.mediators
    ]
    workload_rows = [(m.name, [str(m.open_cases), str(m.overdue)]) for m in figures.mediators]
    everyone = figures.all_mediators
    result += [
        Section(
            "decisions",
            _("Decisions by mediator") if everyone else _("Your decisions"),
            [*side_labels, _("Total")],
            mediator_rows,
            chart=stacked_chart(
                chart_id="chart-decisions",
                title=_("Decisions by mediator and side"),
                desc=_(
                    "Stacked bars: each mediator's decisions in the period by the side they favour."
                ),
                series=side_labels,
                rows=[(name, [int(v) for v in values[:-1]]) for name, values in mediator_rows],
            )
            if everyone
            else None,
            note=_("First decisions and appeal decisions made in the period."),
        ),
        Section(
            "workload",
            _("Workload per mediator") if everyone else _("Your workload"),
            [_("Open cases assigned"), _("Overdue")],
            workload_rows,
            chart=bar_chart(
                chart_id="chart-workload",
                title=_("Open cases assigned to each mediator"),
                desc=_(
                    "Bar chart of each active mediator's open cases; the table below has the figures."
                ),
                bars=[(name, int(v[0]), v[0]) for name, v in workload_rows],
            )
            if everyone
            else None,
            note=_("Cases under review, awaiting information or appealed, as of now."),
        ),
    ]
    return result


def _dashboard_input(request: HttpRequest) -> tuple[User, PeriodForm, str]:
    user: User = request.user  # type: ignore[assignment]
    if not user.is_mediator:
        # Parties have no dashboard; like any page they may not see, it does not exist for them.
        raise Http404("No such page.")
    form = PeriodForm(request.GET or None)
    key = DEFAULT_PERIOD
    if form.is_bound and form.is_valid() and form.cleaned_data["period"]:
        key = form.cleaned_data["period"]
    return user, form, key


@login_required
def dashboard_view(request: HttpRequest) -> HttpResponse:
    user, form, period_key = _dashboard_input(request)
    figures = figures_for(user, period_key)
    return render(
        request,
        "mediation/dashboard.html",
        {
            "form": form,
            "period": figures.period,
            "figures": figures,
            "median_hours": hours(figures.median_resolution),
            "cache_seconds": settings.MEDIATION_DASHBOARD_CACHE_SECONDS,
            "sections": sections(figures),
        },
    )


# Spreadsheets run cells that start with these as formulas (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: str) -> str:
    return f"'{value}" if value.startswith(FORMULA_START) else value


@login_required
def dashboard_csv_view(request: HttpRequest) -> HttpResponse:
    """The page's figures, one per line: section, item, measure, value."""
    user, _form, period_key = _dashboard_input(request)
    figures = figures_for(user, period_key)
    period = figures.period
    stamp = timezone.now().strftime("%Y%m%d")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="mediation-dashboard-{period.key}-{stamp}.csv"'
    )
    writer = csv.writer(response)
    writer.writerow(["section", "item", "measure", "value"])
    start = period.start.isoformat() if period.start else ""
    writer.writerow([_("Period"), period.label, _("from"), start])
    writer.writerow([_("Period"), period.label, _("to"), period.end.isoformat()])
    writer.writerow([_("Period"), period.label, _("computed at"), figures.computed_at.isoformat()])
    for section in sections(figures):
        for item, values in section.rows:
            for column, value in zip(section.columns, values, strict=True):
                writer.writerow([_cell(section.title), _cell(item), _cell(column), _cell(value)])
    return response
