"""The store's pages, the draft's one-click "Use" button, and what the desk sees."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from documents import services
from documents.models import StoredDocument
from documents.services import DocumentDetails
from dossiers.models import Dossier
from dossiers.tests.factories import PDF_BYTES, desk_officer_for, pdf_upload
from tests.factories import UserFactory

from .helpers import (
    BIRTH,
    accepted_dossier,
    asked_for_supplement_in_processing,
    document_ids,
    two_document_procedure,
)

pytestmark = pytest.mark.django_db

INDEX = "/kho-du-lieu/"


def upload(owner, name="cccd.pdf", kind="Căn cước công dân", **details):
    return services.stored_document_upload(
        owner=owner, upload=pdf_upload(name), details=DocumentDetails(kind=kind, **details)
    )


def test_the_store_lists_what_is_kept_with_source_issuer_date_and_validity(client):
    owner = UserFactory()
    dossier = accepted_dossier(owner)
    upload(
        owner,
        issuer="Công an tỉnh Phú Yên",
        issued_on=timezone.localdate() - timedelta(days=30),
        valid_until=timezone.localdate() - timedelta(days=1),
    )
    client.force_login(owner)
    response = client.get(INDEX)
    assert response.status_code == 200
    html = response.content.decode()
    assert BIRTH in html and "Căn cước công dân" in html
    assert "Đã tiếp nhận cùng hồ sơ" in html and dossier.code in html
    assert "Công an tỉnh Phú Yên" in html
    assert "Hết hạn" in html  # the upload expired yesterday
    # Only the upload has a delete button.
    assert html.count('action="/kho-du-lieu/') == 2  # the delete form + the upload form


def test_an_upload_through_the_page_is_kept(client):
    owner = UserFactory()
    client.force_login(owner)
    response = client.post(
        reverse("documents:upload"),
        {
            "file": pdf_upload("giay-ket-hon.pdf"),
            "kind": "Giấy chứng nhận kết hôn",
            "issuer": "UBND phường 7",
            "issued_on": "2020-05-04",
            "valid_until": "",
        },
    )
    assert response.status_code == 302 and response["Location"] == INDEX
    item = StoredDocument.objects.get(owner=owner)
    assert (item.kind, item.issuer, str(item.issued_on)) == (
        "Giấy chứng nhận kết hôn",
        "UBND phường 7",
        "2020-05-04",
    )
    assert "được lưu trong kho dữ liệu" in client.get(INDEX).content.decode()


def test_a_bad_upload_says_why_in_vietnamese_and_keeps_what_was_typed(client):
    client.force_login(UserFactory())
    response = client.post(
        reverse("documents:upload"),
        {
            "file": pdf_upload("gia.pdf", b"day khong phai PDF"),
            "kind": "Sổ hộ khẩu cũ",
            "issuer": "Công an huyện Đồng Xuân",
            "issued_on": "2031-01-01",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "không phải tệp PDF, JPEG hoặc PNG" in html
    assert "Ngày cấp không thể ở tương lai" in html
    assert 'value="Sổ hộ khẩu cũ"' in html and 'value="Công an huyện Đồng Xuân"' in html
    assert not StoredDocument.objects.exists()


def test_the_owner_deletes_an_upload_but_not_an_accepted_document(client):
    owner = UserFactory()
    accepted_dossier(owner)
    mine = upload(owner)
    kept = StoredDocument.objects.filter(owner=owner, source="accepted").first()
    client.force_login(owner)
    response = client.post(reverse("documents:delete", kwargs={"pk": kept.pk}), follow=True)
    assert "chỉ xóa được các giấy tờ do bạn tự tải lên" in response.content.decode()
    assert StoredDocument.objects.filter(pk=kept.pk).exists()
    response = client.post(reverse("documents:delete", kwargs={"pk": mine.pk}), follow=True)
    assert "đã được xóa khỏi kho" in response.content.decode()
    assert not StoredDocument.objects.filter(pk=mine.pk).exists()


def draft_post(dossier, **extra):
    return {
        "applicant_name": dossier.applicant_name,
        "applicant_national_id": dossier.applicant_national_id,
        "applicant_address": "12 Lê Duẩn, Tuy Hòa",
        "return_method": "online",
        **extra,
    }


def test_the_draft_offers_stored_documents_and_takes_one_in_one_click(client):
    owner = UserFactory()
    earlier = accepted_dossier(owner)
    upload(owner)
    draft_url = None
    client.force_login(owner)
    response = client.get(reverse("dossiers:submit", kwargs={"code": earlier.procedure.code}))
    draft = Dossier.objects.get(applicant=owner, state=Dossier.State.DRAFT)
    draft_url = reverse("dossiers:draft_edit", kwargs={"pk": draft.pk})
    assert response["Location"] == draft_url
    html = client.get(draft_url).content.decode()
    birth, id_card = document_ids(draft)
    kept_birth = StoredDocument.objects.get(owner=owner, kind=BIRTH)
    # The document of the same name is offered as a button, the rest in a list.
    assert f'value="{birth}:{kept_birth.pk}"' in html
    assert f'name="store_pick_{id_card}"' in html

    response = client.post(draft_url, draft_post(draft, from_store=f"{birth}:{kept_birth.pk}"))
    assert response.status_code == 302 and response["Location"] == draft_url
    attachment = draft.attachments.get(document_id=birth)
    assert attachment.file.name == kept_birth.file.name
    page = client.get(draft_url).content.decode()
    assert "lấy từ kho dữ liệu của bạn" in page
    draft.refresh_from_db()
    assert draft.applicant_address == "12 Lê Duẩn, Tuy Hòa"  # what was typed is saved too

    # The second through the list.
    other = StoredDocument.objects.get(owner=owner, source="upload")
    client.post(
        draft_url, draft_post(draft, from_store=str(id_card), **{f"store_pick_{id_card}": other.pk})
    )
    assert draft.attachments.get(document_id=id_card).original_name == "cccd.pdf"
    response = client.post(draft_url, draft_post(draft, declaration="on", action="submit"))
    draft.refresh_from_db()
    assert draft.state == Dossier.State.RECEIVED


@pytest.mark.parametrize("value", ["", "abc", "1:", "١:٢", "99999999999999:1"])
def test_a_forged_use_button_is_a_message_not_an_error(client, value):
    owner = UserFactory()
    procedure = two_document_procedure()
    client.force_login(owner)
    client.get(reverse("dossiers:submit", kwargs={"code": procedure.code}))
    draft = Dossier.objects.get(applicant=owner)
    url = reverse("dossiers:draft_edit", kwargs={"pk": draft.pk})
    response = client.post(url, draft_post(draft, from_store=value or ":"), follow=True)
    assert response.status_code == 200
    assert not draft.attachments.exists()


def test_taking_another_persons_document_is_refused_with_a_message(client):
    owner = UserFactory()
    stranger_item = upload(UserFactory(), name="ho-chieu-nguoi-la.pdf", kind="Hộ chiếu người lạ")
    procedure = two_document_procedure()
    client.force_login(owner)
    client.get(reverse("dossiers:submit", kwargs={"code": procedure.code}))
    draft = Dossier.objects.get(applicant=owner)
    url = reverse("dossiers:draft_edit", kwargs={"pk": draft.pk})
    birth = document_ids(draft)[0]
    html = client.get(url).content.decode()
    assert "Hộ chiếu người lạ" not in html  # nobody else's store is offered
    assert "ho-chieu-nguoi-la.pdf" not in html
    response = client.post(
        url, draft_post(draft, from_store=f"{birth}:{stranger_item.pk}"), follow=True
    )
    assert "không còn trong kho dữ liệu của bạn" in response.content.decode()
    assert not draft.attachments.exists()


def test_the_desk_sees_the_file_came_from_the_store_and_from_which_dossier(login_staff):
    owner = UserFactory()
    earlier = accepted_dossier(owner)
    kept = StoredDocument.objects.get(owner=owner, kind=BIRTH)
    from dossiers import services as dossier_services

    draft = dossier_services.dossier_create_draft(procedure=earlier.procedure, applicant=owner)
    birth, id_card = document_ids(draft)
    services.store_take_into_draft(
        dossier_id=draft.pk, actor=owner, document_id=birth, stored_document_id=kept.pk
    )
    dossier_services.attachment_add(
        dossier_id=draft.pk, actor=owner, document_id=id_card, upload=pdf_upload()
    )
    dossier_services.dossier_submit(dossier_id=draft.pk, actor=owner, declaration=True)
    client = login_staff(desk_officer_for(draft))
    html = client.get(reverse("desk:dossier", kwargs={"pk": draft.pk})).content.decode()
    assert "Lấy từ kho dữ liệu của công dân" in html
    assert f"đã tiếp nhận trước đây cùng hồ sơ {earlier.code}" in html
    assert html.count('data-store-origin="accepted"') == 1
    attachment = draft.attachments.get(document_id=birth)
    response = client.get(
        reverse("desk:attachment", kwargs={"pk": draft.pk, "attachment_pk": attachment.pk})
    )
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_the_store_is_linked_from_my_dossiers(client):
    owner = UserFactory()
    client.force_login(owner)
    assert 'href="/kho-du-lieu/"' in client.get(reverse("dossiers:mine")).content.decode()
    assert PDF_BYTES  # the factory's PDF is what uploads carry


def test_a_long_store_is_shown_twenty_at_a_time_newest_first(client):
    owner = UserFactory()
    first = upload(owner, kind="Giấy tờ số 0")
    StoredDocument.objects.bulk_create(
        StoredDocument(
            owner=owner,
            source=StoredDocument.Source.UPLOAD,
            kind=f"Giấy tờ số {number}",
            original_name=f"giay-to-{number}.pdf",
            content_type="application/pdf",
            size=first.size,
            sha256=first.sha256,
            file=first.file.name,
        )
        for number in range(1, 25)
    )
    client.force_login(owner)
    html = client.get(INDEX).content.decode()
    assert "25 giấy tờ" in html
    assert html.count("<tr data-stored=") == 20
    assert "Giấy tờ số 24" in html and "Giấy tờ số 0<" not in html
    assert 'href="?trang=2"' in html
    second = client.get(INDEX, {"trang": "2"}).content.decode()
    assert second.count("<tr data-stored=") == 5
    assert "Giấy tờ số 0<" in second and "Giấy tờ số 24" not in second
    # A page that does not exist shows the last one, never an error.
    for wrong in ("99", "x", "-1", "２"):
        response = client.get(INDEX, {"trang": wrong})
        assert response.status_code == 200
        assert response.content.decode().count("<tr data-stored=") in (5, 20)


def test_a_supplement_after_acceptance_takes_a_document_from_the_store(client):
    from dossiers.models import Attachment

    owner = UserFactory()
    dossier, certificate = asked_for_supplement_in_processing(owner)
    clearer = upload(owner, name="giay-chung-sinh-ro.pdf", kind=BIRTH)
    client.force_login(owner)
    page = client.get(f"/ho-so-cua-toi/{dossier.pk}/").content.decode()
    assert f'name="store_{certificate}"' in page
    assert f'<option value="{clearer.pk}">' in page

    # Both a file and a stored document for the same document: said, nothing sent.
    both = client.post(
        f"/ho-so-cua-toi/{dossier.pk}/bo-sung/",
        {f"document_{certificate}": pdf_upload("khac.pdf"), f"store_{certificate}": clearer.pk},
    )
    assert both.status_code == 200
    assert "Hãy đính kèm tệp hoặc lấy từ kho, không chọn cả hai." in both.content.decode()
    # Another person's document is not a choice.
    stranger = upload(UserFactory(), name="cua-nguoi-khac.pdf", kind=BIRTH)
    foreign = client.post(
        f"/ho-so-cua-toi/{dossier.pk}/bo-sung/", {f"store_{certificate}": stranger.pk}
    )
    assert foreign.status_code == 200
    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.INCOMPLETE

    sent = client.post(
        f"/ho-so-cua-toi/{dossier.pk}/bo-sung/",
        {f"store_{certificate}": clearer.pk, "note": "Đã gửi lại từ kho."},
    )
    assert sent.status_code == 302
    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.PROCESSING
    supplement = dossier.attachments.get(kind=Attachment.Kind.SUPPLEMENT)
    assert supplement.document_id == certificate
    assert supplement.file.name == clearer.file.name  # the same bytes, not a copy
    assert supplement.original_name == "giay-chung-sinh-ro.pdf"
    assert supplement.store_use.stored_document == clearer
