"""Citizen pages: online submission, "My dossiers", supplements, withdrawal, the timeline."""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext
from PIL import Image

from dossiers import presenters, services
from dossiers.models import Attachment, Dossier, DossierEvent
from dossiers.tests.factories import PDF_BYTES, DossierFactory, desk_officer_for, pdf_upload
from procedures import services as procedure_services
from procedures.models import RequiredDocument
from procedures.tests.factories import ProcedureFactory, RequiredDocumentFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def vi(message: str, **params) -> str:
    """What the page says in Vietnamese (the English msgid until it is translated), escaped."""
    with translation.override("vi"):
        text = gettext(message)
    return escape(text % params if params else text)


def png_upload(name: str = "anh.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def fake_pdf(name: str = "to-khai.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"just some text pretending", content_type="application/pdf")


def make_procedure(*, level4: bool = True):
    """Two required uploads, one optional, one shown at the desk only."""
    procedure = ProcedureFactory(level4=level4) if level4 else ProcedureFactory()
    RequiredDocumentFactory(procedure=procedure, name="Tờ khai đăng ký")
    RequiredDocumentFactory(procedure=procedure, name="Bản sao giấy khai sinh", copy=True)
    RequiredDocumentFactory(procedure=procedure, name="Ảnh chân dung", optional=True)
    RequiredDocumentFactory(
        procedure=procedure, name="Căn cước công dân", form=RequiredDocument.Form.PRESENT
    )
    procedure_services.procedure_publish(procedure=procedure, actor=None)
    procedure.refresh_from_db()
    return procedure


def document_ids(dossier):
    return [d["id"] for d in dossier.procedure_version.data["documents"]]


@pytest.fixture
def citizen(client):
    user = UserFactory(address="12 Trần Hưng Đạo, Tuy Hòa")
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def draft(citizen):
    procedure = make_procedure()
    response = citizen.get(reverse("dossiers:submit", kwargs={"code": procedure.code}))
    assert response.status_code == 302
    return Dossier.objects.get(applicant=citizen.user, procedure=procedure)


def form_data(dossier, **overrides):
    data = {
        "applicant_name": dossier.applicant_name,
        "applicant_national_id": dossier.applicant_national_id,
        "applicant_phone": dossier.applicant_phone,
        "applicant_email": dossier.applicant_email,
        "applicant_address": dossier.applicant_address,
        "on_behalf_of": "",
        "return_method": "desk",
        "postal_address": "",
        "action": "save",
    }
    data.update(overrides)
    return data


def edit_url(dossier):
    return reverse("dossiers:draft_edit", kwargs={"pk": dossier.pk})


def row_html(html: str, number: int) -> str:
    """The markup of one document row of the form."""
    match = re.search(
        rf'<li class="document-row[^"]*" id="document-{number}">(.*?)</li>', html, re.S
    )
    assert match, f"document row {number}"
    return match.group(1)


# --- Starting and resuming -----------------------------------------------------------------


def test_submission_needs_an_account(client):
    procedure = make_procedure()
    url = reverse("dossiers:submit", kwargs={"code": procedure.code})
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('two_factor:login')}?next={url}"
    assert not Dossier.objects.exists()


def test_opening_the_submission_twice_resumes_the_same_draft(citizen):
    procedure = make_procedure()
    url = reverse("dossiers:submit", kwargs={"code": procedure.code})
    first = citizen.get(url)
    second = citizen.get(url)
    dossier = Dossier.objects.get()
    assert first["Location"] == second["Location"] == edit_url(dossier)
    assert dossier.state == Dossier.State.DRAFT
    assert dossier.applicant == citizen.user


def test_levels_1_and_2_explain_where_to_go(citizen):
    procedure = ProcedureFactory(information_only=True, published=True)
    response = citizen.get(reverse("dossiers:submit", kwargs={"code": procedure.code}))
    assert response.status_code == 200
    assert vi("Online submission is not available") in response.content.decode()
    assert not Dossier.objects.exists()


def test_unknown_procedure_is_404(citizen):
    assert citizen.get(reverse("dossiers:submit", kwargs={"code": "9.999999"})).status_code == 404


def test_the_form_is_prefilled_with_one_input_per_uploadable_document(citizen, draft):
    html = citizen.get(edit_url(draft)).content.decode()
    user = citizen.user
    assert f'value="{escape(user.full_name)}"' in html
    assert f'value="{user.national_id}"' in html
    assert escape("12 Trần Hưng Đạo, Tuy Hòa") in html
    assert 'enctype="multipart/form-data"' in html
    ids = document_ids(draft)
    for document_id in ids[:3]:
        assert f'name="document_{document_id}"' in html
    # The ID card is shown at the desk: no upload.
    assert f'name="document_{ids[3]}"' not in html
    assert vi("No upload needed: show the original at the one-stop desk; it is not kept.") in html
    assert vi("Required") in row_html(html, 1)
    assert vi("Optional") in row_html(html, 3)
    # Level 4: three ways to get the result and the signature note.
    for method in ("online", "post", "desk"):
        assert f'name="return_method" value="{method}"' in html
    assert 'id="level4-note"' in html
    assert 'name="declaration"' in html
    assert 'name="on_behalf_of"' in html


def test_a_fully_online_dossier_proposes_online_delivery(citizen, draft):
    html = citizen.get(edit_url(draft)).content.decode()
    checked = re.findall(
        r'<input type="radio" name="return_method" value="(\w+)"[^>]*checked', html
    )
    assert checked == ["online"]
    assert draft.return_method == "online"


def test_level_3_results_are_collected_at_the_desk_only(citizen):
    procedure = make_procedure(level4=False)
    citizen.get(reverse("dossiers:submit", kwargs={"code": procedure.code}))
    dossier = Dossier.objects.get()
    html = citizen.get(edit_url(dossier)).content.decode()
    assert 'name="return_method" value="desk"' in html
    assert 'value="post"' not in html
    assert 'value="online"' not in html
    assert 'id="level4-note"' not in html
    response = citizen.post(edit_url(dossier), form_data(dossier, return_method="post"))
    assert response.status_code == 200
    assert 'class="error-summary"' in response.content.decode()
    dossier.refresh_from_db()
    assert dossier.return_method == "desk"


def test_a_draft_is_saved_and_resumed(citizen, draft):
    first, _second, _optional, _present = document_ids(draft)
    response = citizen.post(
        edit_url(draft),
        {
            **form_data(draft, applicant_phone="0905 111 222", on_behalf_of="Công ty TNHH An Phú"),
            f"document_{first}": pdf_upload("to-khai.pdf"),
        },
    )
    assert response.status_code == 302
    assert response["Location"] == edit_url(draft)
    draft.refresh_from_db()
    assert draft.state == Dossier.State.DRAFT
    assert draft.applicant_phone == "0905111222"
    assert draft.on_behalf_of == "Công ty TNHH An Phú"
    assert draft.attachments.get().document_id == first

    # Later: the same draft, with its file and the typed details.
    again = citizen.get(reverse("dossiers:submit", kwargs={"code": draft.procedure.code}))
    assert again["Location"] == edit_url(draft)
    html = citizen.get(edit_url(draft)).content.decode()
    assert "to-khai.pdf" in row_html(html, 1)
    assert vi("Replace the file") in row_html(html, 1)
    assert 'value="Công ty TNHH An Phú"' in html
    assert Dossier.objects.count() == 1


def test_a_new_file_replaces_the_previous_one(citizen, draft):
    first = document_ids(draft)[0]
    citizen.post(edit_url(draft), {**form_data(draft), f"document_{first}": pdf_upload("a.pdf")})
    citizen.post(edit_url(draft), {**form_data(draft), f"document_{first}": png_upload("b.png")})
    attachment = draft.attachments.get()
    assert attachment.original_name == "b.png"
    assert attachment.content_type == "image/png"


def test_an_optional_file_attached_by_mistake_can_be_removed(citizen, draft):
    first, _second, optional, _present = document_ids(draft)
    citizen.post(
        edit_url(draft),
        {
            **form_data(draft),
            f"document_{first}": pdf_upload("to-khai.pdf"),
            f"document_{optional}": pdf_upload("nham.pdf"),
        },
    )
    mistaken = draft.attachments.get(document_id=optional)
    html = citizen.get(edit_url(draft)).content.decode()
    assert f'name="remove_file" value="{mistaken.pk}"' in row_html(html, 3)
    # What was typed meanwhile is kept with the removal.
    response = citizen.post(
        edit_url(draft),
        {**form_data(draft, applicant_phone="0905 333 444"), "remove_file": str(mistaken.pk)},
        follow=True,
    )
    assert response.redirect_chain == [(edit_url(draft), 302)]
    assert vi("The file “%(name)s” has been removed.", name="nham.pdf") in (
        response.content.decode()
    )
    assert list(draft.attachments.values_list("document_id", flat=True)) == [first]
    draft.refresh_from_db()
    assert draft.applicant_phone == "0905333444"
    assert "nham.pdf" not in row_html(response.content.decode(), 3)


def test_a_file_of_someone_else_cannot_be_removed(citizen, draft):
    other_citizen = UserFactory()
    other = services.dossier_create_draft(procedure=draft.procedure, applicant=other_citizen)
    theirs = services.attachment_add(
        dossier_id=other.pk,
        actor=other_citizen,
        document_id=document_ids(other)[0],
        upload=pdf_upload("cua-nguoi-khac.pdf"),
    )
    for value in (str(theirs.pk), "abc", "99999999999999999999"):
        response = citizen.post(edit_url(draft), {**form_data(draft), "remove_file": value})
        assert response.status_code in (200, 302)
    assert Attachment.objects.filter(pk=theirs.pk).exists()


def test_a_submitted_dossier_keeps_its_files(citizen, draft):
    first, second, _optional, _present = document_ids(draft)
    for document_id in (first, second):
        services.attachment_add(
            dossier_id=draft.pk, actor=citizen.user, document_id=document_id, upload=pdf_upload()
        )
    services.dossier_submit(dossier_id=draft.pk, actor=citizen.user, declaration=True)
    kept = draft.attachments.first()
    with pytest.raises(services.DossierStateError):
        services.attachment_remove(dossier_id=draft.pk, actor=citizen.user, attachment_id=kept.pk)
    assert draft.attachments.count() == 2


def test_the_address_typed_in_a_dossier_is_kept_in_the_account(citizen, draft):
    citizen.user.address = ""
    citizen.user.save()
    citizen.post(
        edit_url(draft),
        form_data(draft, applicant_address="Số 7 Lê Duẩn, Phường 5, TP. Tuy Hòa"),
    )
    citizen.user.refresh_from_db()
    assert citizen.user.address == "Số 7 Lê Duẩn, Phường 5, TP. Tuy Hòa"
    # The next dossier starts with it.
    procedure = make_procedure()
    citizen.get(reverse("dossiers:submit", kwargs={"code": procedure.code}))
    later = Dossier.objects.get(procedure=procedure)
    assert later.applicant_address == "Số 7 Lê Duẩn, Phường 5, TP. Tuy Hòa"


def test_a_dossier_for_someone_else_leaves_the_account_address_alone(citizen, draft):
    citizen.post(
        edit_url(draft),
        form_data(draft, applicant_address="Số 9 Hùng Vương", on_behalf_of="Công ty TNHH An Phú"),
    )
    citizen.user.refresh_from_db()
    assert citizen.user.address == "12 Trần Hưng Đạo, Tuy Hòa"


# --- Bad files keep everything else --------------------------------------------------------


def test_a_forged_pdf_is_rejected_next_to_its_document_and_nothing_else_is_lost(citizen, draft):
    first, second, *_ = document_ids(draft)
    response = citizen.post(
        edit_url(draft),
        {
            **form_data(draft, applicant_name="Nguyễn Thị Hoa", postal_address="", action="submit"),
            "declaration": "on",
            f"document_{first}": fake_pdf("to-khai.pdf"),
            f"document_{second}": png_upload("khai-sinh.png"),
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    message = vi(
        "The file “%(name)s” is not a PDF, JPEG or PNG file (or it is damaged).",
        name="to-khai.pdf",
    )
    assert message in row_html(html, 1)
    assert message not in row_html(html, 2)
    # The good file is stored and shown; the typed name and the declaration are kept.
    assert "khai-sinh.png" in row_html(html, 2)
    assert 'value="Nguyễn Thị Hoa"' in html
    assert re.search(r'<input type="checkbox" name="declaration"[^>]*checked', html)
    assert 'class="error-summary"' in html
    draft.refresh_from_db()
    assert draft.state == Dossier.State.DRAFT
    assert draft.applicant_name == "Nguyễn Thị Hoa"
    assert list(draft.attachments.values_list("document_id", flat=True)) == [second]


def test_an_image_with_a_pdf_name_is_checked_by_its_content(citizen, draft):
    first = document_ids(draft)[0]
    citizen.post(edit_url(draft), {**form_data(draft), f"document_{first}": png_upload("x.pdf")})
    assert draft.attachments.get().content_type == "image/png"


def test_a_file_over_the_size_limit_is_refused_with_the_limit(citizen, draft, settings):
    settings.DOSSIER_MAX_FILE_MB = 1
    first, second, *_ = document_ids(draft)
    big = PDF_BYTES[:-6] + b"0" * (1024 * 1024 + 10) + b"\n%%EOF\n"
    response = citizen.post(
        edit_url(draft),
        {
            **form_data(draft),
            f"document_{first}": pdf_upload("ban-ve.pdf", big),
            f"document_{second}": pdf_upload("ok.pdf"),
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert vi("The file “%(name)s” is larger than %(limit)s MB.", name="ban-ve.pdf", limit=1) in (
        row_html(html, 1)
    )
    assert list(draft.attachments.values_list("document_id", flat=True)) == [second]


def test_an_invalid_national_id_is_shown_and_files_are_still_kept(citizen, draft):
    first = document_ids(draft)[0]
    response = citizen.post(
        edit_url(draft),
        {**form_data(draft, applicant_national_id="12345"), f"document_{first}": pdf_upload()},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="12345"' in html
    assert 'aria-invalid="true"' in html
    assert draft.attachments.count() == 1


# --- Submitting ----------------------------------------------------------------------------


def test_submitting_lists_what_is_missing(citizen, draft):
    response = citizen.post(edit_url(draft), form_data(draft, action="submit"))
    assert response.status_code == 200
    html = response.content.decode()
    summary = html.split('class="error-summary"', 1)[1].split("</div>", 1)[0]
    assert vi("The dossier cannot be submitted yet.") in summary
    assert vi("Attach a file for this required document.") in summary
    assert vi("Confirm that the information and documents are true and complete.") in summary
    assert vi("Attach a file for this required document.") in row_html(html, 1)
    assert vi("Attach a file for this required document.") in row_html(html, 2)
    # The optional document is not asked for.
    assert vi("Attach a file for this required document.") not in row_html(html, 3)
    draft.refresh_from_db()
    assert draft.state == Dossier.State.DRAFT
    assert draft.code is None


def test_post_needs_a_postal_address(citizen, draft):
    first, second, *_ = document_ids(draft)
    response = citizen.post(
        edit_url(draft),
        {
            **form_data(draft, return_method="post", action="submit"),
            "declaration": "on",
            f"document_{first}": pdf_upload(),
            f"document_{second}": pdf_upload(),
        },
    )
    assert response.status_code == 200
    assert vi("Give the address where the result should be posted.") in response.content.decode()
    draft.refresh_from_db()
    assert draft.state == Dossier.State.DRAFT


def test_a_complete_dossier_is_submitted_and_its_code_shown(citizen, draft):
    first, second, *_ = document_ids(draft)
    response = citizen.post(
        edit_url(draft),
        {
            **form_data(draft, return_method="post", postal_address="5 Lê Lợi, Tuy Hòa"),
            "action": "submit",
            "declaration": "on",
            f"document_{first}": pdf_upload(),
            f"document_{second}": png_upload(),
        },
    )
    draft.refresh_from_db()
    assert draft.state == Dossier.State.RECEIVED
    assert draft.return_method == "post"
    assert response["Location"] == reverse("dossiers:submitted", kwargs={"pk": draft.pk})
    html = citizen.get(response["Location"]).content.decode()
    assert f'<p class="confirmation-code" id="dossier-code">{draft.code}</p>' in html
    assert 'id="level4-note"' in html
    assert f'href="{reverse("dossiers:mine")}"' in html
    assert f'href="/tra-cuu/?ma={draft.code}"' in html
    # A submitted dossier can no longer be edited: the form sends you to its page.
    edit = citizen.get(edit_url(draft))
    assert edit["Location"] == reverse("dossiers:detail", kwargs={"pk": draft.pk})
    # And a new visit to the procedure starts a new draft.
    citizen.get(reverse("dossiers:submit", kwargs={"code": draft.procedure.code}))
    assert Dossier.objects.filter(state=Dossier.State.DRAFT).count() == 1


def test_the_confirmation_of_a_draft_goes_back_to_the_form(citizen, draft):
    response = citizen.get(reverse("dossiers:submitted", kwargs={"pk": draft.pk}))
    assert response["Location"] == edit_url(draft)


# --- Discarding a draft --------------------------------------------------------------------


def test_a_draft_can_be_discarded_with_its_files(
    citizen, draft, django_capture_on_commit_callbacks
):
    first = document_ids(draft)[0]
    citizen.post(edit_url(draft), {**form_data(draft), f"document_{first}": pdf_upload()})
    stored = draft.attachments.get().file
    storage, name = stored.storage, stored.name
    assert storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        response = citizen.post(reverse("dossiers:discard", kwargs={"pk": draft.pk}))
    assert response["Location"] == reverse("dossiers:mine")
    assert not Dossier.objects.filter(pk=draft.pk).exists()
    assert not storage.exists(name)


def test_a_submitted_dossier_cannot_be_discarded():
    dossier = DossierFactory(received=True)
    with pytest.raises(services.DossierStateError):
        services.dossier_discard_draft(dossier_id=dossier.pk, actor=dossier.applicant)
    other = DossierFactory()
    with pytest.raises(services.DossierPermissionError):
        services.dossier_discard_draft(dossier_id=other.pk, actor=UserFactory())
    assert Dossier.objects.filter(pk=other.pk).exists()


# --- My dossiers ---------------------------------------------------------------------------


def test_my_dossiers_lists_drafts_first_then_the_latest_submitted(citizen):
    from datetime import timedelta

    from django.utils import timezone

    user = citizen.user
    old = DossierFactory(applicant=user, received=True)
    old.submitted_at = timezone.now() - timedelta(days=10)
    old.save()
    new = DossierFactory(applicant=user, processing=True)
    draft = DossierFactory(applicant=user)
    someone_elses = DossierFactory(received=True)
    html = citizen.get(reverse("dossiers:mine")).content.decode()
    order = re.findall(r'<tr data-dossier="(\d+)"', html)
    assert order == [str(draft.pk), str(new.pk), str(old.pk)]
    assert someone_elses.code not in html
    assert new.code in html
    assert escape(presenters.when(new.appointment_at)) in html
    assert f'href="{edit_url(draft)}"' in html


def test_my_dossiers_is_paginated(citizen):
    for _ in range(22):
        DossierFactory(applicant=citizen.user, received=True)
    first = citizen.get(reverse("dossiers:mine")).content.decode()
    assert len(re.findall(r"<tr data-dossier=", first)) == 20
    assert "trang=2" in first
    second = citizen.get(reverse("dossiers:mine") + "?trang=2").content.decode()
    assert len(re.findall(r"<tr data-dossier=", second)) == 2


def test_my_dossiers_needs_an_account(client):
    response = client.get(reverse("dossiers:mine"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("two_factor:login"))


# --- Withdrawal ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("trait", "allowed"),
    [("received", True), ("incomplete", True), ("processing", False), ("done", False)],
)
def test_withdrawal_only_before_processing(citizen, trait, allowed):
    dossier = DossierFactory(applicant=citizen.user, **{trait: True})
    detail = citizen.get(reverse("dossiers:detail", kwargs={"pk": dossier.pk})).content.decode()
    assert ('id="withdraw-form"' in detail) is allowed
    response = citizen.post(
        reverse("dossiers:withdraw", kwargs={"pk": dossier.pk}), {"reason": "Tôi nộp nhầm"}
    )
    assert response["Location"] == reverse("dossiers:detail", kwargs={"pk": dossier.pk})
    before = dossier.state
    dossier.refresh_from_db()
    if allowed:
        assert dossier.state == Dossier.State.WITHDRAWN
        page = citizen.get(response["Location"]).content.decode()
        assert "Tôi nộp nhầm" in page
    else:
        assert dossier.state == before
        page = citizen.get(response["Location"]).content.decode()
        assert vi("A dossier can only be withdrawn before it is being processed.") in page


def test_withdrawal_needs_a_reason(citizen):
    dossier = DossierFactory(applicant=citizen.user, received=True)
    response = citizen.post(reverse("dossiers:withdraw", kwargs={"pk": dossier.pk}), {"reason": ""})
    assert response.status_code == 200
    assert "<details open>" in response.content.decode()
    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.RECEIVED


# --- Supplements ---------------------------------------------------------------------------


def submitted_dossier(citizen):
    procedure = make_procedure()
    dossier = services.dossier_create_draft(procedure=procedure, applicant=citizen.user)
    first, second, *_ = document_ids(dossier)
    for document_id in (first, second):
        services.attachment_add(
            dossier_id=dossier.pk, actor=citizen.user, document_id=document_id, upload=pdf_upload()
        )
    return services.dossier_submit(dossier_id=dossier.pk, actor=citizen.user, declaration=True)


def test_supplement_flow(citizen):
    dossier = submitted_dossier(citizen)
    first, second, *_ = document_ids(dossier)
    officer = desk_officer_for(dossier, full_name="Đặng Quốc Zũng")
    services.dossier_request_supplement(
        dossier_id=dossier.pk,
        officer=officer,
        document_ids=[second],
        note="Bản sao giấy khai sinh bị mờ, đề nghị chụp lại.",
    )
    url = reverse("dossiers:detail", kwargs={"pk": dossier.pk})
    html = citizen.get(url).content.decode()
    assert 'id="supplement-form"' in html
    assert "Bản sao giấy khai sinh bị mờ, đề nghị chụp lại." in html
    assert "Ghi chú của Bộ phận Một cửa" in html  # asked at reception
    assert f'name="document_{second}"' in html
    assert f'name="document_{first}"' not in html
    assert officer.full_name not in html

    # A forged file first: refused next to the document, nothing changes.
    supplement_url = reverse("dossiers:supplement", kwargs={"pk": dossier.pk})
    response = citizen.post(supplement_url, {f"document_{second}": fake_pdf("mo.pdf")})
    assert response.status_code == 200
    assert (
        vi("The file “%(name)s” is not a PDF, JPEG or PNG file (or it is damaged).", name="mo.pdf")
        in response.content.decode()
    )
    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.INCOMPLETE

    # Nothing attached: asked for a file.
    response = citizen.post(supplement_url, {"note": "Gửi lại"})
    assert vi("Attach at least one file.") in response.content.decode()

    response = citizen.post(
        supplement_url,
        {f"document_{second}": png_upload("khai-sinh-ro.png"), "note": "Đã chụp lại"},
    )
    assert response["Location"] == url
    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.RECEIVED
    supplement = dossier.attachments.get(kind=Attachment.Kind.SUPPLEMENT)
    assert supplement.document_id == second
    html = citizen.get(url).content.decode()
    assert 'id="supplement-form"' not in html
    timeline = html.split('id="timeline"', 1)[1].split("</ol>", 1)[0]
    assert vi("Supplement requested") in timeline
    assert vi("Supplement provided") in timeline
    assert vi("You sent the requested documents.") in timeline
    assert "khai-sinh-ro.png" in html


# --- The timeline in plain language --------------------------------------------------------


@pytest.mark.parametrize(
    ("trait", "who", "next_step"),
    [
        (None, "You: the dossier has not been sent yet.", "Complete the form"),
        ("received", "The one-stop desk of %(agency)s", "The desk checks that your dossier"),
        ("incomplete", "You: %(asker)s asked for more documents.", "Upload the requested"),
        ("processing", "The one-stop desk of %(agency)s, which hands it", "being examined"),
        ("done", "The result is ready at %(agency)s.", "Collect the result"),
        ("returned", "No one: the dossier was returned", "Read the reasons below."),
        ("withdrawn", "No one: you withdrew the dossier", "Nothing more to do."),
    ],
)
def test_the_status_says_who_has_it_what_is_next_and_by_when(citizen, trait, who, next_step):
    dossier = DossierFactory(applicant=citizen.user, **({trait: True} if trait else {}))
    events = list(dossier.events.all())
    status = presenters.dossier_status(dossier, events)
    with translation.override("en"):
        status = presenters.dossier_status(dossier, events)
    assert status.who.startswith(
        (who % {"agency": dossier.agency.name, "asker": "the one-stop desk"}).split("%")[0]
    )
    assert next_step in status.next_step
    if trait == "received":
        assert re.search(r"\d\d:\d\d, \d\d/\d\d/\d{4}", status.by_when)
    if trait == "processing":
        assert presenters.when(dossier.appointment_at) in status.by_when
    if trait in (None, "done", "returned", "withdrawn"):
        assert status.by_when == ""
    html = citizen.get(reverse("dossiers:detail", kwargs={"pk": dossier.pk})).content.decode()
    assert 'id="status-who"' in html
    vi_status = presenters.dossier_status(dossier, events)
    assert escape(vi_status.who) in html
    assert escape(vi_status.next_step) in html


def test_a_forwarded_dossier_names_the_department(citizen):
    from tests.factories import DepartmentFactory

    dossier = DossierFactory(applicant=citizen.user, processing=True)
    dossier.department = DepartmentFactory(agency=dossier.agency, name="Phòng Tư pháp")
    dossier.save()
    with translation.override("en"):
        status = presenters.dossier_status(dossier, [])
    assert status.who == f"Phòng Tư pháp, {dossier.agency.name}"


@pytest.mark.parametrize(
    ("method", "expected"),
    [
        ("desk", "Collect the result at the one-stop desk"),
        ("online", "Download the result"),
        ("post", "registered post to: 5 Lê Lợi"),
    ],
)
def test_a_finished_dossier_says_how_the_result_comes(method, expected):
    dossier = DossierFactory(done=True, return_method=method, postal_address="5 Lê Lợi")
    with translation.override("en"):
        assert expected in presenters.dossier_status(dossier, []).next_step


def test_refusal_reasons_are_shown(citizen):
    dossier = DossierFactory(applicant=citizen.user, received=True)
    officer = desk_officer_for(dossier, full_name="Đặng Quốc Zũng")
    services.dossier_refuse(dossier_id=dossier.pk, officer=officer, reason="Sai thẩm quyền.")
    html = citizen.get(reverse("dossiers:detail", kwargs={"pk": dossier.pk})).content.decode()
    assert "Sai thẩm quyền." in html
    assert vi("Refused") in html
    assert officer.full_name not in html


def test_acceptance_shows_the_appointment_in_the_timeline(citizen):
    dossier = submitted_dossier(citizen)
    services.dossier_accept(dossier_id=dossier.pk, officer=desk_officer_for(dossier))
    dossier.refresh_from_db()
    html = citizen.get(reverse("dossiers:detail", kwargs={"pk": dossier.pk})).content.decode()
    assert escape(presenters.when(dossier.appointment_at)) in html
    kinds = list(dossier.events.values_list("kind", flat=True))
    assert kinds == [
        DossierEvent.Kind.CREATED,
        DossierEvent.Kind.SUBMITTED,
        DossierEvent.Kind.ACCEPTED,
    ]
    # The receipt of the acceptance is listed when the notices module made one.
    from dossiers import notices

    for notice in notices.notices_for(dossier):
        assert reverse("dossiers:notice", kwargs={"pk": dossier.pk, "notice_pk": notice.pk}) in html


def test_the_draft_page_of_a_dossier_offers_to_continue(citizen, draft):
    html = citizen.get(reverse("dossiers:detail", kwargs={"pk": draft.pk})).content.decode()
    assert f'href="{edit_url(draft)}"' in html
    assert reverse("dossiers:discard", kwargs={"pk": draft.pk}) in html
