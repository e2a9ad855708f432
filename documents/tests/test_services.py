"""What the store keeps, what the citizen may delete, and how a dossier takes a document."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone, translation

from documents import services
from documents.errors import StoreError
from documents.models import StoredDocument, StoreUse
from documents.services import DocumentDetails
from dossiers import processing
from dossiers import services as dossier_services
from dossiers.errors import DossierStateError, DossierValidationError
from dossiers.models import Attachment
from dossiers.tests.factories import desk_officer_for, pdf_upload
from procedures.models import ReturnMethod
from tests.factories import UserFactory

from .helpers import (
    BIRTH,
    ID_CARD,
    accepted_dossier,
    document_ids,
    finished_dossier,
    submitted_dossier,
    two_document_procedure,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def upload(owner, name="cccd.pdf", **details):
    details.setdefault("kind", "Căn cước công dân")
    return services.stored_document_upload(
        owner=owner, upload=pdf_upload(name), details=DocumentDetails(**details)
    )


# --- Kept from dossiers --------------------------------------------------------------------


def test_accepted_documents_are_kept_with_kind_agency_date_and_the_same_bytes():
    owner = UserFactory()
    dossier = submitted_dossier(owner)
    assert not StoredDocument.objects.exists()  # submitted is not accepted
    dossier_services.dossier_accept(dossier_id=dossier.pk, officer=desk_officer_for(dossier))
    kept = StoredDocument.objects.filter(owner=owner).order_by("kind")
    assert [item.kind for item in kept] == sorted([BIRTH, ID_CARD])
    for item in kept:
        assert item.source == StoredDocument.Source.ACCEPTED and not item.deletable
        assert item.dossier == dossier and item.issuer_agency == dossier.agency
        assert item.issued_on == timezone.localdate()
        # No bytes copied: the entry names the dossier's own file.
        assert item.file.name == item.attachment.file.name
        assert item.sha256 == item.attachment.sha256
    # Acceptance replayed, or called again: nothing kept twice.
    services.store_keep_accepted(dossier, actor=None)
    assert StoredDocument.objects.filter(owner=owner).count() == 2


def test_a_walk_in_without_an_account_has_no_store():
    procedure = two_document_procedure()
    desk = desk_officer_for_procedure(procedure)
    dossier = dossier_services.dossier_register_walk_in(
        officer=desk,
        procedure=procedure,
        applicant=dossier_services.Applicant(name="Lê Văn Tám", national_id="054090000777"),
        files={document_ids_of(procedure)[0]: pdf_upload()},
        originals_checked=True,
    )
    dossier_services.dossier_accept(dossier_id=dossier.pk, officer=desk)
    assert not StoredDocument.objects.exists()


def desk_officer_for_procedure(procedure):
    from portal.roles import Role
    from tests.factories import staff_user

    return staff_user(Role.DESK_OFFICER, agency=procedure.agency)


def document_ids_of(procedure):
    return [d["id"] for d in procedure.current_version.data["documents"]]


def test_a_result_delivered_online_is_kept_as_soon_as_it_is_issued():
    owner = UserFactory()
    dossier = finished_dossier(owner)
    result = StoredDocument.objects.get(owner=owner, source=StoredDocument.Source.RESULT)
    assert result.kind == "Giấy chứng nhận"  # what the procedure issues
    assert result.issuer == dossier.agency.name and result.issuer_agency == dossier.agency
    assert result.issued_on == timezone.localdate(dossier.finished_at)
    assert result.attachment.kind == Attachment.Kind.RESULT
    assert result.file.name == result.attachment.file.name
    assert not result.deletable
    assert result.file.read().startswith(b"%PDF")


def test_a_result_collected_at_the_desk_is_kept_once_handed_over():
    owner = UserFactory()
    dossier = finished_dossier(owner, return_method=ReturnMethod.DESK)
    assert not StoredDocument.objects.filter(source=StoredDocument.Source.RESULT).exists()
    processing.dossier_deliver(
        dossier_id=dossier.pk,
        actor=desk_officer_for(dossier),
        method=ReturnMethod.DESK,
        collector=processing.Collector("Nguyễn Văn A", "054090000123"),
    )
    assert StoredDocument.objects.filter(
        owner=owner, source=StoredDocument.Source.RESULT, dossier=dossier
    ).exists()


def test_a_result_with_a_fee_still_due_waits_for_the_payment():
    from payments.tests.factories import PaymentFactory

    owner = UserFactory()
    procedure = two_document_procedure(fee=50000, fee_due="result")
    dossier = finished_dossier(owner, procedure)
    assert dossier.state == "done"
    assert not StoredDocument.objects.filter(source=StoredDocument.Source.RESULT).exists()
    PaymentFactory(
        dossier=dossier,
        due="result",
        items=[{"name": "Lệ phí đăng ký", "kind": "charge", "amount": 50000}],
        paid=True,
    )
    processing.dossier_deliver(dossier_id=dossier.pk, actor=owner, method=ReturnMethod.ONLINE)
    assert (
        StoredDocument.objects.filter(owner=owner, source=StoredDocument.Source.RESULT).count() == 1
    )


# --- Uploads -------------------------------------------------------------------------------


def test_the_citizen_uploads_a_document_with_what_they_know_of_it():
    owner = UserFactory()
    item = upload(
        owner,
        kind="Giấy chứng nhận kết hôn",
        issuer="UBND phường 7",
        issued_on=timezone.localdate() - timedelta(days=400),
        valid_until=None,
    )
    assert item.source == StoredDocument.Source.UPLOAD and item.deletable
    assert item.content_type == "application/pdf" and item.size > 0
    assert item.file.name.startswith("store/")
    assert Path(item.file.path).read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize(
    ("details", "field"),
    [
        ({"kind": "  "}, "kind"),
        ({"issued_on": timezone.localdate() + timedelta(days=2)}, "issued_on"),
        (
            {
                "issued_on": timezone.localdate() - timedelta(days=2),
                "valid_until": timezone.localdate() - timedelta(days=3),
            },
            "valid_until",
        ),
    ],
)
def test_impossible_details_are_refused(details, field):
    with pytest.raises(DossierValidationError) as caught:
        upload(UserFactory(), **details)
    assert field in caught.value.field_errors
    assert not StoredDocument.objects.exists()


def test_a_file_that_is_not_a_real_pdf_is_refused():
    with pytest.raises(DossierValidationError) as caught:
        services.stored_document_upload(
            owner=UserFactory(),
            upload=pdf_upload("gia.pdf", b"not a pdf at all"),
            details=DocumentDetails(kind="Giấy tờ"),
        )
    assert "gia.pdf" in caught.value.field_errors["file"]


def test_uploads_are_limited_per_person(monkeypatch):
    monkeypatch.setattr(services, "MAX_UPLOADS", 2)
    owner = UserFactory()
    upload(owner)
    upload(owner)
    with pytest.raises(DossierValidationError, match="already holds 2"):
        upload(owner)
    upload(UserFactory())  # another person's store is their own


def test_the_citizen_deletes_an_upload_and_its_file(django_capture_on_commit_callbacks):
    owner = UserFactory()
    item = upload(owner)
    path = Path(item.file.path)
    with django_capture_on_commit_callbacks(execute=True):
        services.stored_document_delete(owner=owner, document_id=item.pk)
    assert not StoredDocument.objects.exists()
    assert not path.exists()


def test_accepted_documents_and_results_cannot_be_deleted_by_the_citizen():
    owner = UserFactory()
    finished_dossier(owner)
    for item in StoredDocument.objects.filter(owner=owner):
        with pytest.raises(StoreError, match="only the documents you"):
            services.stored_document_delete(owner=owner, document_id=item.pk)
    assert StoredDocument.objects.filter(owner=owner).count() == 3


def test_nobody_deletes_another_persons_document():
    item = upload(UserFactory())
    with pytest.raises(StoreError, match="no longer in your store"):
        services.stored_document_delete(owner=UserFactory(), document_id=item.pk)
    assert StoredDocument.objects.filter(pk=item.pk).exists()


# --- Into a new dossier --------------------------------------------------------------------


def draft_of(owner, procedure=None):
    procedure = procedure or two_document_procedure()
    return dossier_services.dossier_create_draft(procedure=procedure, applicant=owner)


def test_a_stored_document_answers_a_document_of_a_draft_without_copying_bytes():
    owner = UserFactory()
    earlier = accepted_dossier(owner)
    kept = StoredDocument.objects.get(owner=owner, kind=BIRTH)
    draft = draft_of(owner, earlier.procedure)
    birth = document_ids(draft)[0]
    attachment = services.store_take_into_draft(
        dossier_id=draft.pk, actor=owner, document_id=birth, stored_document_id=kept.pk
    )
    assert attachment.dossier == draft and attachment.document_id == birth
    assert attachment.document_name == BIRTH
    assert attachment.file.name == kept.file.name  # the same immutable bytes
    assert (attachment.size, attachment.sha256) == (kept.size, kept.sha256)
    use = attachment.store_use
    assert use.stored_document == kept and use.source == StoredDocument.Source.ACCEPTED
    assert use.source_dossier == earlier and use.source_dossier_code == earlier.code
    assert dossier_services.missing_documents(draft) != []  # the second one is still missing


def test_a_new_choice_replaces_the_file_of_that_document(django_capture_on_commit_callbacks):
    owner = UserFactory()
    draft = draft_of(owner)
    first = document_ids(draft)[0]
    uploaded = dossier_services.attachment_add(
        dossier_id=draft.pk, actor=owner, document_id=first, upload=pdf_upload("cu.pdf")
    )
    old_path = Path(uploaded.file.path)
    item = upload(owner)
    with django_capture_on_commit_callbacks(execute=True):
        services.store_take_into_draft(
            dossier_id=draft.pk, actor=owner, document_id=first, stored_document_id=item.pk
        )
    assert list(draft.attachments.values_list("original_name", flat=True)) == ["cccd.pdf"]
    assert not old_path.exists()


def test_another_persons_document_cannot_be_taken():
    owner = UserFactory()
    draft = draft_of(owner)
    stranger_item = upload(UserFactory())
    with pytest.raises(DossierValidationError, match="no longer in your store"):
        services.store_take_into_draft(
            dossier_id=draft.pk,
            actor=owner,
            document_id=document_ids(draft)[0],
            stored_document_id=stranger_item.pk,
        )
    assert not draft.attachments.exists()


def test_an_expired_document_cannot_be_taken():
    owner = UserFactory()
    draft = draft_of(owner)
    item = upload(
        owner,
        issued_on=timezone.localdate() - timedelta(days=800),
        valid_until=timezone.localdate() - timedelta(days=1),
    )
    with pytest.raises(DossierValidationError, match="expired on"):
        services.store_take_into_draft(
            dossier_id=draft.pk,
            actor=owner,
            document_id=document_ids(draft)[0],
            stored_document_id=item.pk,
        )


def test_only_a_draft_of_ones_own_takes_documents():
    owner = UserFactory()
    item = upload(owner)
    submitted = submitted_dossier(owner)
    with pytest.raises(DossierStateError):
        services.store_take_into_draft(
            dossier_id=submitted.pk,
            actor=owner,
            document_id=document_ids(submitted)[0],
            stored_document_id=item.pk,
        )
    someone = UserFactory()
    their_draft = draft_of(someone)
    with pytest.raises(DossierValidationError, match="not yours"):
        services.store_take_into_draft(
            dossier_id=their_draft.pk,
            actor=owner,
            document_id=document_ids(their_draft)[0],
            stored_document_id=item.pk,
        )


def test_an_unknown_document_of_the_procedure_is_refused():
    owner = UserFactory()
    draft = draft_of(owner)
    with pytest.raises(DossierValidationError, match="not part of the procedure"):
        services.store_take_into_draft(
            dossier_id=draft.pk,
            actor=owner,
            document_id=999999,
            stored_document_id=upload(owner).pk,
        )


def test_deleting_the_upload_later_leaves_the_dossier_its_file(
    django_capture_on_commit_callbacks,
):
    owner = UserFactory()
    item = upload(owner)
    draft = draft_of(owner)
    attachment = services.store_take_into_draft(
        dossier_id=draft.pk,
        actor=owner,
        document_id=document_ids(draft)[0],
        stored_document_id=item.pk,
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.stored_document_delete(owner=owner, document_id=item.pk)
    attachment.refresh_from_db()
    assert attachment.file.open("rb").read().startswith(b"%PDF")
    use = StoreUse.objects.get(attachment=attachment)
    assert use.stored_document is None and use.kind == "Căn cước công dân"  # details kept

    # Once the draft lets go of it too, the bytes go.
    path = Path(attachment.file.path)
    with django_capture_on_commit_callbacks(execute=True):
        dossier_services.attachment_remove(
            dossier_id=draft.pk, actor=owner, attachment_id=attachment.pk
        )
    assert not path.exists()


def test_removing_it_from_the_draft_leaves_the_store_its_file(
    django_capture_on_commit_callbacks,
):
    owner = UserFactory()
    item = upload(owner)
    draft = draft_of(owner)
    attachment = services.store_take_into_draft(
        dossier_id=draft.pk,
        actor=owner,
        document_id=document_ids(draft)[0],
        stored_document_id=item.pk,
    )
    with django_capture_on_commit_callbacks(execute=True):
        dossier_services.attachment_remove(
            dossier_id=draft.pk, actor=owner, attachment_id=attachment.pk
        )
        dossier_services.dossier_discard_draft(dossier_id=draft.pk, actor=owner)
    assert Path(item.file.path).exists()


def test_an_upload_taken_into_a_dossier_is_kept_for_good_once_accepted():
    owner = UserFactory()
    item = upload(
        owner,
        issuer="Công an tỉnh Phú Yên",
        valid_until=timezone.localdate() + timedelta(days=3650),
    )
    procedure = two_document_procedure()
    draft = draft_of(owner, procedure)
    first, second = document_ids(draft)
    services.store_take_into_draft(
        dossier_id=draft.pk, actor=owner, document_id=first, stored_document_id=item.pk
    )
    dossier_services.attachment_add(
        dossier_id=draft.pk, actor=owner, document_id=second, upload=pdf_upload()
    )
    dossier_services.dossier_submit(dossier_id=draft.pk, actor=owner, declaration=True)
    dossier_services.dossier_accept(dossier_id=draft.pk, officer=desk_officer_for(draft))
    # The upload itself becomes the accepted document: one entry, kept for good, with what
    # the citizen said about it.
    item.refresh_from_db()
    assert item.source == StoredDocument.Source.ACCEPTED and not item.deletable
    assert item.dossier_id == draft.pk and item.issuer_agency == draft.agency
    assert item.issuer == "Công an tỉnh Phú Yên"
    accepted = item

    # An accepted document taken again is not kept a second time.
    again = draft_of(owner, procedure)
    services.store_take_into_draft(
        dossier_id=again.pk, actor=owner, document_id=first, stored_document_id=accepted.pk
    )
    dossier_services.attachment_add(
        dossier_id=again.pk, actor=owner, document_id=second, upload=pdf_upload("khac.pdf")
    )
    dossier_services.dossier_submit(dossier_id=again.pk, actor=owner, declaration=True)
    dossier_services.dossier_accept(dossier_id=again.pk, officer=desk_officer_for(again))
    kept = StoredDocument.objects.filter(owner=owner, source=StoredDocument.Source.ACCEPTED)
    assert kept.filter(pk=item.pk).count() == 1 and kept.filter(kind=BIRTH).count() == 0
    assert kept.filter(kind=ID_CARD).count() == 2  # a new file each time
    assert StoredDocument.objects.filter(owner=owner).count() == 3
