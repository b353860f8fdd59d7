"""SPEC 13.6 and issue 12: a mediator acts on or writes to a case only when it is
assigned to them, or as a lead (who may also reassign it); an unassigned case
is taken first, by a lead too; pages and API answer the same.

One table, ``TABLE``, says what every (actor, assignment, action) comes to, and
every door is held to it: the API, the mediator's case page and the dispute
page. The assignment is relative to the actor: the case is theirs, another
mediator's, or nobody's ("the assigned mediator" and "another mediator" of the
issue are the rows ``("mediator", "mine")`` and ``("mediator", "another")``).
A refusal leaves nothing behind: no message, note, evidence (row or file),
decision, event or change of state or of hands.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from disputes import services
from disputes.errors import NotYourCase
from disputes.models import Decision, Dispute, MediatorNote, Message
from evidence.models import Evidence
from mediation.services import case_take
from tests.api.conftest import api_for
from tests.conftest import client_for, open_dispute
from tests.evidence.corpus import png
from tests.factories import MediatorFactory, full_order, make_lead, make_senior

pytestmark = pytest.mark.django_db

OK = "ok"  # done
NOT_YOURS = "not_your_case"  # 403 everywhere, with the reason
REFUSED = "refused"  # not this person's kind of action, or not now (409, 400, 404, …)

ACTIONS = (
    "request_info",
    "decide",
    "decide_appeal",
    "message_all",
    "message_buyer",
    "message_seller",
    "note",
    "evidence",
    "take",
    "reassign",
)
# decide_appeal is tried on an appealed case; everything else on a case under review.
ON_APPEAL = {"decide_appeal"}

# (actor, assignment) -> the outcome of each action, in ACTIONS order.
# A lead is not senior here (decide_appeal), and a senior is not a lead (reassign).
# fmt: off
TABLE: dict[tuple[str, str], tuple[str, ...]] = {
    #                          request_info decide     appeal     msg all    msg buyer  msg seller note       evidence   take       reassign
    ("mediator", "mine"):       (OK,        OK,        REFUSED,   OK,        OK,        OK,        OK,        OK,        REFUSED,   REFUSED),
    ("mediator", "another"):    (NOT_YOURS, NOT_YOURS, REFUSED,   NOT_YOURS, NOT_YOURS, NOT_YOURS, NOT_YOURS, NOT_YOURS, REFUSED,   REFUSED),
    ("mediator", "unassigned"): (NOT_YOURS, NOT_YOURS, REFUSED,   NOT_YOURS, NOT_YOURS, NOT_YOURS, NOT_YOURS, NOT_YOURS, OK,        REFUSED),
    ("lead", "mine"):           (OK,        OK,        REFUSED,   OK,        OK,        OK,        OK,        OK,        REFUSED,   OK),
    # "The assigned mediator, or a lead" (issue 12): a lead steps in on a case someone has.
    ("lead", "another"):        (OK,        OK,        REFUSED,   OK,        OK,        OK,        OK,        OK,        REFUSED,   OK),
    ("lead", "unassigned"):     (NOT_YOURS, NOT_YOURS, REFUSED,   NOT_YOURS, NOT_YOURS, NOT_YOURS, NOT_YOURS, NOT_YOURS, OK,        OK),
    ("senior", "mine"):         (OK,        OK,        OK,        OK,        OK,        OK,        OK,        OK,        REFUSED,   REFUSED),
    ("senior", "another"):      (NOT_YOURS, NOT_YOURS, NOT_YOURS, NOT_YOURS, NOT_YOURS, NOT_YOURS, NOT_YOURS, NOT_YOURS, REFUSED,   REFUSED),
    ("senior", "unassigned"):   (NOT_YOURS, NOT_YOURS, NOT_YOURS, NOT_YOURS, NOT_YOURS, NOT_YOURS, NOT_YOURS, NOT_YOURS, OK,        REFUSED),
    # A party's messages to everyone and their evidence are theirs by right, whoever mediates.
    ("buyer", "another"):       (REFUSED,   REFUSED,   REFUSED,   OK,        REFUSED,   REFUSED,   REFUSED,   OK,        REFUSED,   REFUSED),
    ("buyer", "unassigned"):    (REFUSED,   REFUSED,   REFUSED,   OK,        REFUSED,   REFUSED,   REFUSED,   OK,        REFUSED,   REFUSED),
    ("seller", "another"):      (REFUSED,   REFUSED,   REFUSED,   OK,        REFUSED,   REFUSED,   REFUSED,   OK,        REFUSED,   REFUSED),
    ("seller", "unassigned"):   (REFUSED,   REFUSED,   REFUSED,   OK,        REFUSED,   REFUSED,   REFUSED,   OK,        REFUSED,   REFUSED),
}
# fmt: on


def expected(actor: str, assignment: str, action: str) -> str:
    return TABLE[(actor, assignment)][ACTIONS.index(action)]


# The doors: what each offers. Notes, taking and reassigning have no API.
DOORS = {
    "api": set(ACTIONS) - {"note", "take", "reassign"},
    "case page": set(ACTIONS),
    "dispute page": {
        "request_info",
        "decide",
        "decide_appeal",
        "message_all",
        "message_buyer",
        "message_seller",
    },
}
PARTIES = ("buyer", "seller")


def _has_door(actor: str, action: str, door: str) -> bool:
    # Parties have no case page (it answers them 404): their messages and moves
    # go through the dispute page; notes, taking and reassigning are tried there.
    if actor in PARTIES and door == "case page":
        return action not in DOORS["dispute page"]
    return action in DOORS[door]


CELLS = [
    (actor, assignment, action, door)
    for (actor, assignment) in TABLE
    for action in ACTIONS
    for door in DOORS
    if _has_door(actor, action, door)
]

TEXT = {
    "question": "Do you have the tracking number?",
    "rationale": "Both sides share the fault here, evenly.",
    "appeal_rationale": "The first decision weighed the photos right.",
    "message": "Please send the packing photos.",
    "note": "The seller's photos look staged.",
}


@pytest.fixture
def people(buyer, seller, db):
    """Nobody is on the roster, so an escalated case waits unassigned until we say."""
    return {
        "buyer": buyer,
        "seller": seller,
        "mediator": MediatorFactory(email="mia@example.com", name="Mia Mediator"),
        "lead": make_lead(MediatorFactory(email="lena@example.com", name="Lena Lead")),
        "senior": make_senior(MediatorFactory(email="selma@example.com", name="Selma Senior")),
        # The other mediator (senior, so that an appeal may be theirs too).
        "otto": make_senior(MediatorFactory(email="otto@example.com", name="Otto Other")),
        # Decides the case that is then appealed (and so never reviews the appeal).
        "dora": MediatorFactory(email="dora@example.com", name="Dora Decider"),
        # Whom a lead reassigns to.
        "max": MediatorFactory(email="max@example.com", name="Max Moreau"),
    }


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path / "media"


def _assign(case: Dispute, mediator: Any) -> Dispute:
    # Who put the case there (the roster, a take, a lead) does not change who may act.
    Dispute.objects.filter(pk=case.pk).update(assigned_mediator=mediator)
    return Dispute.objects.get(pk=case.pk)


def make_case(people: dict[str, Any], *, appealed: bool, assigned_to: Any) -> Dispute:
    order = full_order(buyer=people["buyer"], seller=people["seller"])
    d = services.dispute_submit(dispute=open_dispute(order), actor=people["buyer"])
    d = services.dispute_reject_claim(dispute=d, actor=people["seller"])
    d = services.dispute_escalate(
        dispute=d, actor=people["buyer"], justification="We cannot agree on anything."
    )
    assert d.assigned_mediator_id is None
    if appealed:
        d = services.dispute_decide(
            dispute=_assign(d, people["dora"]),
            actor=people["dora"],
            outcome="partial_refund",
            refund_amount="30.00",
            reason_code="shared_fault",
            rationale=TEXT["rationale"],
        )
        d = services.dispute_appeal(
            dispute=d, actor=people["buyer"], explanation="New photos show every mug broke."
        )
    return _assign(d, assigned_to)


def _holder(people: dict[str, Any], actor: str, assignment: str) -> Any:
    return {"mine": people[actor] if assignment == "mine" else None, "another": people["otto"]}.get(
        assignment
    )


def snapshot(case: Dispute, media: Path) -> tuple[Any, ...]:
    """Everything an action could leave behind."""
    d = Dispute.objects.get(pk=case.pk)
    files = [p for p in media.rglob("*") if p.is_file()] if media.exists() else []
    return (
        d.state,
        d.version,
        d.event_count,
        d.assigned_mediator_id,
        Message.objects.filter(dispute=d).count(),
        MediatorNote.objects.filter(dispute=d).count(),
        Evidence.objects.filter(dispute=d).count(),
        Decision.objects.filter(dispute=d).count(),
        len(files),
    )


def _visibility(action: str) -> str:
    return action.removeprefix("message_")


def _photo() -> SimpleUploadedFile:
    return SimpleUploadedFile("packing.png", png(), content_type="image/png")


def call_api(action: str, client: Any, case: Dispute) -> Any:
    ref = case.reference
    if action == "request_info":
        body: dict[str, Any] = {"party": "seller", "question": TEXT["question"]}
    elif action == "decide":
        body = {
            "outcome": "partial_refund",
            "refund_amount": "30.00",
            "reason_code": "shared_fault",
            "rationale": TEXT["rationale"],
        }
    elif action == "decide_appeal":
        body = {"result": "upheld", "rationale": TEXT["appeal_rationale"]}
    elif action.startswith("message_"):
        url = reverse("api:dispute-messages", args=[ref])
        return client.post(
            url, {"body": TEXT["message"], "visibility": _visibility(action)}, format="json"
        )
    else:
        assert action == "evidence"
        url = reverse("api:evidence-list", args=[ref])
        return client.post(url, {"file": _photo(), "visibility": "parties"}, format="multipart")
    url = reverse(f"api:dispute-{action.replace('_', '-')}", args=[ref])
    return client.post(url, body, format="json")


def _form(action: str) -> dict[str, str]:
    """The posted form of a transition (its fields carry the action's prefix)."""
    fields = {
        "request_info": {"party": "seller", "question": TEXT["question"]},
        "decide": {
            "outcome": "partial_refund",
            "refund_amount": "30.00",
            "reason_code": "shared_fault",
            "rationale": TEXT["rationale"],
        },
        "decide_appeal": {"result": "upheld", "rationale": TEXT["appeal_rationale"]},
    }[action]
    return {f"{action}-{key}": value for key, value in fields.items()}


def call_page(action: str, door: str, client: Any, case: Dispute, people: dict[str, Any]) -> Any:
    ref = case.reference
    if action == "evidence":
        return client.post(
            reverse("evidence:upload", args=[ref]), {"file": _photo(), "visibility": "parties"}
        )
    if action == "note":
        return client.post(reverse("mediation:note", args=[ref]), {"note-body": TEXT["note"]})
    if action == "take":
        return client.post(reverse("mediation:take", args=[ref]))
    if action == "reassign":
        return client.post(
            reverse("mediation:reassign"), {"cases": ref, "mediator": people["max"].pk}
        )
    app = "mediation" if door == "case page" else "disputes"
    if action.startswith("message_"):
        return client.post(
            reverse(f"{app}:message", args=[ref]),
            {"message-body": TEXT["message"], "message-visibility": _visibility(action)},
        )
    return client.post(reverse(f"{app}:act", args=[ref, action]), _form(action))


REASONS = ("Take the case before you act on it.", "assigned to another mediator")


@pytest.mark.parametrize(("actor", "assignment", "action", "door"), CELLS)
def test_every_door_answers_as_the_table_says(actor, assignment, action, door, people, media):
    case = make_case(
        people, appealed=action in ON_APPEAL, assigned_to=_holder(people, actor, assignment)
    )
    before = snapshot(case, media)
    user = people[actor]
    if door == "api":
        response = call_api(action, api_for(user), case)
    else:
        response = call_page(action, door, client_for(user), case, people)
    after = snapshot(case, media)
    outcome = expected(actor, assignment, action)
    where = (actor, assignment, action, door, response.status_code)
    body = response.content.decode()
    if outcome == OK:
        assert response.status_code in (200, 201, 302), where
        assert after != before, where
        if response.status_code == 302:
            # A page that refuses may go back to the case too, but with an error on top.
            follow = client_for(user).get(response["Location"]).content.decode()
            assert "alert-danger" not in follow, where
        return
    # A refusal leaves nothing behind, whatever the door.
    assert after == before, where
    reason = REASONS[0] if assignment == "unassigned" else REASONS[1]
    if outcome == NOT_YOURS:
        assert response.status_code == 403, where
        if door == "api":
            assert response.json()["code"] == "not_your_case", where
        assert reason in body, where
    else:
        assert response.status_code in (302, 400, 403, 404, 409), where
        assert not any(text in body for text in REASONS), where
        if door == "api" and response.status_code == 403:
            assert response.json()["code"] != "not_your_case", where


MEDIATOR_MOVES = ("request_info", "decide", "decide_appeal")


@pytest.mark.parametrize(("actor", "assignment"), list(TABLE))
@pytest.mark.parametrize("appealed", [False, True], ids=["under_review", "appealed"])
def test_allowed_actions_and_waiting_on_say_what_the_doors_accept(
    actor, assignment, appealed, people
):
    case = make_case(people, appealed=appealed, assigned_to=_holder(people, actor, assignment))
    user = people[actor]
    moves = [m for m in MEDIATOR_MOVES if (m in ON_APPEAL) == appealed]
    accepted = {m for m in moves if expected(actor, assignment, m) == OK}
    detail = api_for(user).get(reverse("api:dispute-detail", args=[case.reference])).json()
    assert set(detail["allowed_actions"]) & set(MEDIATOR_MOVES) == accepted
    page = client_for(user).get(reverse("disputes:detail", args=[case.reference])).content.decode()
    offered = {m for m in MEDIATOR_MOVES if f'data-action="{m}"' in page}
    assert offered == accepted
    # The services never give an appeal to a mediator who is not senior; set by
    # hand here, it is theirs to wait on although only a senior may decide it.
    if not (appealed and assignment == "mine" and actor != "senior"):
        # The case waits on the platform: on "you" only for the mediator whose move it
        # is (a lead may step in on another's case; it does not wait on the lead).
        yours = bool(accepted) and assignment == "mine"
        assert detail["waiting_on"] == ("you" if yours else "platform")
        assert ("You." in page) == yours
    if actor in PARTIES:
        return
    page = client_for(user).get(reverse("mediation:case", args=[case.reference])).content.decode()
    assert {m for m in MEDIATOR_MOVES if f'data-action="{m}"' in page} == accepted
    # The forms a mediator may not send are not offered either.
    writes = expected(actor, assignment, "note") == OK
    assert (f'action="{reverse("mediation:note", args=[case.reference])}"' in page) == writes


def test_a_mediator_must_take_an_unassigned_case_before_writing_to_it(people, media):
    """Message, evidence and decision from a mediator who has not taken the case: each
    refused with the reason, nothing written; once taken, the same requests go through."""
    mia = people["mediator"]
    case = make_case(people, appealed=False, assigned_to=None)
    before = snapshot(case, media)
    api = api_for(mia)
    for action in ("message_buyer", "evidence", "decide"):
        response = call_api(action, api, case)
        assert response.status_code == 403, action
        assert response.json() == {
            "code": "not_your_case",
            "detail": "Take the case before you act on it.",
        }
    assert snapshot(case, media) == before
    assert not Message.objects.filter(dispute=case).exists()
    assert not Evidence.objects.filter(dispute=case).exists()
    assert not Decision.objects.filter(dispute=case).exists()

    assert client_for(mia).post(reverse("mediation:take", args=[case.reference])).status_code == 302
    for action in ("message_buyer", "evidence", "decide"):
        assert call_api(action, api, case).status_code in (200, 201), action
    assert Dispute.objects.get(pk=case.pk).state == "resolved"


def test_the_check_reads_the_case_as_it_is_now_not_as_the_page_read_it(people, media):
    """A lead hands the case to Max while Mia's page is open: what Mia sends with the
    copy she read is refused under the row lock, and her stored upload is removed."""
    mia, lena, max_ = people["mediator"], people["lead"], people["max"]
    case = make_case(people, appealed=False, assigned_to=None)
    mias_copy = case_take(dispute=case, actor=mia)
    from mediation.services import case_reassign

    case_reassign(dispute=case, actor=lena, mediator=max_)
    before = snapshot(case, media)
    from evidence.services import evidence_add

    for attempt in (
        lambda: services.message_post(dispute=mias_copy, actor=mia, body=TEXT["message"]),
        lambda: services.note_add(dispute=mias_copy, actor=mia, body=TEXT["note"]),
        lambda: evidence_add(dispute=mias_copy, actor=mia, upload=_photo()),
        lambda: services.dispute_request_info(
            dispute=mias_copy, actor=mia, party="seller", question=TEXT["question"]
        ),
    ):
        with pytest.raises(NotYourCase):
            attempt()
    assert snapshot(case, media) == before


def test_a_command_run_as_another_mediator_is_refused_too(people):
    from django.core.management import CommandError, call_command

    case = make_case(people, appealed=False, assigned_to=people["otto"])
    with pytest.raises(CommandError, match="not_your_case"):
        call_command(
            "dispute_action",
            case.reference,
            "request_info",
            "--as",
            people["mediator"].email,
            "--set",
            "party=seller",
            "--set",
            f"question={TEXT['question']}",
        )
    assert Dispute.objects.get(pk=case.pk).state == "under_review"
