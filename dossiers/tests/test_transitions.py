"""The whole state machine in one table: every (state, action) pair, through the services."""

import pytest

from dossiers import services
from dossiers.errors import DossierStateError
from dossiers.models import Dossier, DossierEvent
from dossiers.tests.factories import (
    DossierFactory,
    desk_officer_for,
    pdf_upload,
    specialist_department,
)

pytestmark = pytest.mark.django_db

S = Dossier.State
STATES = [S.DRAFT, S.RECEIVED, S.INCOMPLETE, S.PROCESSING, S.DONE, S.RETURNED, S.WITHDRAWN]

# action -> (states it is allowed from, state it leads to)
MACHINE = {
    "submit": ({S.DRAFT}, S.RECEIVED),
    "request_supplement": ({S.RECEIVED}, S.INCOMPLETE),
    "supplement": ({S.INCOMPLETE}, S.RECEIVED),
    "accept": ({S.RECEIVED}, S.PROCESSING),
    "refuse": ({S.RECEIVED, S.INCOMPLETE}, S.RETURNED),
    "forward": ({S.PROCESSING}, S.PROCESSING),
    "withdraw": ({S.RECEIVED, S.INCOMPLETE}, S.WITHDRAWN),
}


def make(state: str) -> Dossier:
    traits = {} if state == S.DRAFT else {state: True}
    dossier = DossierFactory(**traits)
    # The procedure has one optional document, which supplements may answer.
    dossier.procedure.documents.create(name="Giấy tờ bổ sung", is_required=False)
    from procedures import services as procedure_services

    procedure_services.procedure_record_edit(procedure=dossier.procedure, actor=None)
    dossier.procedure.refresh_from_db()
    Dossier.objects.filter(pk=dossier.pk).update(
        procedure_version=dossier.procedure.current_version
    )
    dossier.refresh_from_db()
    return dossier


def act(action: str, dossier: Dossier) -> Dossier:
    owner = dossier.applicant
    desk = desk_officer_for(dossier)
    document_id = dossier.procedure_version.data["documents"][0]["id"]
    match action:
        case "submit":
            return services.dossier_submit(dossier_id=dossier.pk, actor=owner, declaration=True)
        case "request_supplement":
            return services.dossier_request_supplement(
                dossier_id=dossier.pk, officer=desk, document_ids=[], note="Ảnh chụp bị mờ."
            )
        case "supplement":
            return services.dossier_supplement(
                dossier_id=dossier.pk, actor=owner, files={document_id: pdf_upload()}
            )
        case "accept":
            return services.dossier_accept(dossier_id=dossier.pk, officer=desk)
        case "refuse":
            return services.dossier_refuse(
                dossier_id=dossier.pk, officer=desk, reason="Không thuộc thẩm quyền."
            )
        case "forward":
            return services.dossier_forward(
                dossier_id=dossier.pk, officer=desk, department=specialist_department(dossier)
            )
        case "withdraw":
            return services.dossier_withdraw(
                dossier_id=dossier.pk, actor=owner, reason="Nộp nhầm thủ tục."
            )
    raise AssertionError(action)


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("action", list(MACHINE))
def test_transition_table(state, action):
    allowed_from, target = MACHINE[action]
    dossier = make(state)
    events_before = dossier.events.count()
    if state in allowed_from:
        result = act(action, dossier)
        result.refresh_from_db()
        assert result.state == target
        event = result.events.order_by("-pk").first()
        assert result.events.count() == events_before + 1
        assert event.from_state == state and event.to_state == target
    else:
        with pytest.raises(DossierStateError) as error:
            act(action, dossier)
        assert error.value.message  # a sentence for the person, not a stack trace
        dossier.refresh_from_db()
        assert dossier.state == state
        assert dossier.events.count() == events_before


def test_state_cannot_be_assigned_directly():
    dossier = DossierFactory()
    with pytest.raises(AttributeError):
        dossier.state = S.DONE


def test_every_change_is_in_the_history():
    dossier = make(S.RECEIVED)
    services.dossier_accept(dossier_id=dossier.pk, officer=desk_officer_for(dossier))
    states = list(dossier.history.order_by("history_date").values_list("state", flat=True))
    assert states[-2:] == [S.RECEIVED, S.PROCESSING]
    assert dossier.history.first().history_user.has_role  # the officer is recorded


def test_supplement_after_acceptance_goes_back_to_processing():
    dossier = make(S.INCOMPLETE)
    Dossier.objects.filter(pk=dossier.pk).update(accepted_at=dossier.submitted_at)
    document_id = dossier.procedure_version.data["documents"][0]["id"]
    result = services.dossier_supplement(
        dossier_id=dossier.pk, actor=dossier.applicant, files={document_id: pdf_upload()}
    )
    assert result.state == S.PROCESSING
    assert result.events.last().kind == DossierEvent.Kind.SUPPLEMENTED
