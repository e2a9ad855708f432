"""Public form, private link, staff pages (IDOR), the public Q&A, ratings and the ranking."""

import io

import pytest
from django.urls import reverse
from PIL import Image

from dossiers.tests.factories import DossierFactory, pdf_upload
from feedback import services
from feedback.models import Feedback, Rating
from portal.models import Notification
from portal.roles import Role
from procedures.tests.factories import ProcedureFactory, SectorFactory
from tests.factories import AgencyFactory, DepartmentFactory, UserFactory, staff_user

from .factories import FeedbackFactory, RatingFactory

pytestmark = pytest.mark.django_db
FORM = "/phan-anh/"


def _post(client, to, *, ip="10.1.1.1", **overrides):
    data = {
        "name": "Lê Thị Hoa",
        "phone": "0905 123 456",
        "email": "",
        "agency": to.pk,
        "subject": "Hỏi thủ tục",
        "text": "Nội dung phản ánh",
        "consent_to_publish": "on",
        "website": "",
        **overrides,
    }
    return client.post(FORM, data, REMOTE_ADDR=ip)


def test_anonymous_feedback_is_received_with_a_private_link(client):
    agency = AgencyFactory()
    response = _post(client, agency)
    feedback = Feedback.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/phan-anh/theo-doi/{feedback.token}/"
    assert feedback.sender_phone == "0905123456"  # normalised like at sign-up
    assert feedback.channel == Feedback.Channel.ONLINE
    assert feedback.consent_to_publish
    assert len(feedback.token) >= 40
    page = client.get(response["Location"])
    assert feedback.code in page.content.decode()
    assert page["Cache-Control"] == "private, no-store"
    assert Notification.objects.filter(template="feedback_received", recipient="0905123456")


def test_the_form_keeps_what_was_typed_and_says_what_is_wrong(client):
    agency = AgencyFactory()
    response = _post(
        client, agency, phone="12345", email="", subject="Giữ lại", dossier_code="KHONG-CO"
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Giữ lại" in html
    assert "0912345678" in html  # the example in the mobile error message
    assert 'id="id_dossier_code"' in html
    assert not Feedback.objects.exists()
    response = _post(client, agency, phone="", email="")
    assert "e-mail" in response.content.decode().lower()
    response = _post(client, agency, agency="", procedure="")
    assert response.status_code == 200 and not Feedback.objects.exists()


def test_dossier_code_and_procedure_are_validated_and_linked(client):
    procedure = ProcedureFactory(published=True)
    dossier = DossierFactory(received=True)
    _post(client, AgencyFactory(), agency="", procedure=procedure.code, dossier_code=dossier.code)
    feedback = Feedback.objects.get()
    assert feedback.agency == procedure.agency  # the procedure decides the agency
    assert feedback.sector == procedure.sector
    assert feedback.dossier == dossier


def test_attachment_is_checked_by_its_content(client):
    agency = AgencyFactory()
    fake = io.BytesIO(b"MZ\x90\x00 not a pdf")
    fake.name = "hoa-don.pdf"
    response = _post(client, agency, attachment=fake)
    assert response.status_code == 200 and not Feedback.objects.exists()
    assert "PDF, JPEG" in response.content.decode()
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, format="PNG")
    buffer.seek(0)
    buffer.name = "anh.png"
    _post(client, agency, attachment=buffer)
    feedback = Feedback.objects.get()
    assert feedback.attachment_type == "image/png"
    assert feedback.attachment.name.startswith("feedback/")


def test_honeypot_keeps_nothing(client):
    response = _post(client, AgencyFactory(), website="http://spam.example")
    assert response.status_code == 302 and response["Location"] == "/phan-anh/da-gui/"
    assert not Feedback.objects.exists()
    assert not Notification.objects.exists()


def test_rate_limit_per_address(client, settings):
    settings.FEEDBACK_RATE_LIMIT = 2
    agency = AgencyFactory()
    assert _post(client, agency, ip="10.9.9.9").status_code == 302
    assert _post(client, agency, ip="10.9.9.9").status_code == 302
    refused = _post(client, agency, ip="10.9.9.9", subject="Lần ba")
    assert refused.status_code == 429
    assert "Lần ba" in refused.content.decode()  # kept for later
    assert _post(client, agency, ip="10.9.9.10").status_code == 302  # another address
    assert Feedback.objects.count() == 3


def test_dossier_code_check_shares_the_lookup_limit_per_address(client, settings):
    """Codes cannot be guessed through the feedback form when the lookup is throttled."""
    settings.LOOKUP_RATE_LIMIT = 3
    agency = AgencyFactory()
    dossier = DossierFactory(received=True)
    for number in range(settings.LOOKUP_RATE_LIMIT):
        guess = _post(client, agency, ip="10.7.7.7", dossier_code=f"000.00.01.H45-261124-{number}")
        assert guess.status_code == 200  # "no dossier has this code"
    # The next check from that address is refused, even for a real code, and nothing is lost.
    refused = _post(client, agency, ip="10.7.7.7", subject="Giữ lại", dossier_code=dossier.code)
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    html = refused.content.decode()
    assert "Có quá nhiều mã hồ sơ được kiểm tra" in html
    assert "Giữ lại" in html and dossier.code in html
    assert not Feedback.objects.exists()
    # The public lookup counts against the same budget.
    assert client.get(f"/tra-cuu/?ma={dossier.code}", REMOTE_ADDR="10.7.7.7").status_code == 429
    # Feedback without a code, and other addresses, go through.
    assert _post(client, agency, ip="10.7.7.7").status_code == 302
    assert _post(client, agency, ip="10.7.7.8", dossier_code=dossier.code).status_code == 302
    assert Feedback.objects.filter(dossier=dossier).count() == 1


def test_script_in_feedback_is_shown_as_text_everywhere(client, login_staff):
    payload = "<script>alert('x')</script>"
    agency = AgencyFactory()
    _post(client, agency, subject=payload, text=payload, name=payload)
    feedback = Feedback.objects.get()
    public = client.get(f"/phan-anh/theo-doi/{feedback.token}/").content.decode()
    assert payload not in public and "&lt;script&gt;" in public
    desk = staff_user(Role.DESK_OFFICER, agency=agency)
    staff_client = login_staff(desk)
    page = staff_client.get(f"/can-bo/phan-anh/{feedback.pk}/").content.decode()
    assert payload not in page and "&lt;script&gt;" in page
    services.feedback_answer(feedback_id=feedback.pk, actor=desk, answer=payload)
    services.feedback_publish(feedback_id=feedback.pk, actor=desk)
    qa = client.get(f"/hoi-dap/{feedback.pk}/").content.decode()
    assert payload not in qa and "&lt;script&gt;" in qa


def test_sender_says_resolved_through_the_link(client):
    feedback = FeedbackFactory(answered=True)
    page = client.get(f"/phan-anh/theo-doi/{feedback.token}/").content.decode()
    assert 'id="verdict-form"' in page and feedback.answer in page
    response = client.post(f"/phan-anh/theo-doi/{feedback.token}/y-kien/", {"resolved": "1"})
    assert response.status_code == 302
    feedback.refresh_from_db()
    assert feedback.resolved is True
    assert client.get("/phan-anh/theo-doi/not-a-token/").status_code == 404
    assert (
        client.post("/phan-anh/theo-doi/not-a-token/y-kien/", {"resolved": "0"}).status_code == 404
    )


def test_account_holder_sees_their_feedback(client):
    citizen = UserFactory()
    other = FeedbackFactory(subject="Của người khác")
    client.force_login(citizen)
    form = client.get(FORM).content.decode()
    assert citizen.email in form  # pre-filled
    _post(client, AgencyFactory(), email=citizen.email)
    mine = client.get("/phan-anh/cua-toi/").content.decode()
    assert Feedback.objects.get(sender=citizen).code in mine
    assert other.code not in mine


# --- Staff pages --------------------------------------------------------------------------


def test_queue_sorted_by_due_time_for_the_agency_only(login_staff):
    leader = staff_user(Role.LEADER)
    from datetime import timedelta

    from django.utils import timezone

    later = FeedbackFactory(agency=leader.agency, subject="Sau")
    sooner = FeedbackFactory(
        agency=leader.agency,
        subject="Trước",
        received_at=timezone.now() - timedelta(days=10),
    )
    foreign = FeedbackFactory(subject="Cơ quan khác")
    html = login_staff(leader).get("/can-bo/phan-anh/").content.decode()
    assert html.index(sooner.code) < html.index(later.code)
    assert foreign.code not in html
    assert 'id="alert-overdue"' in html
    # The overdue one is marked late with its badge; the one still in time is not.
    assert f'<tr data-code="{sooner.code}" class="is-late">' in html
    assert f'<tr data-code="{later.code}">' in html
    assert html.count('<span class="badge badge-danger">') == 1  # the alert has an id


@pytest.mark.parametrize("role", [Role.LEADER, Role.DESK_OFFICER, Role.SPECIALIST])
def test_other_agency_staff_get_404_everywhere(login_staff, role):
    feedback = FeedbackFactory(answered=False)
    outsider = staff_user(role)
    client = login_staff(outsider)
    base = f"/can-bo/phan-anh/{feedback.pk}/"
    assert client.get(base).status_code == 404
    for action, data in [
        ("tra-loi/", {"answer": "x"}),
        ("dong/", {"reason": "x"}),
        ("chuyen/", {"agency": outsider.agency_id, "reason": "x"}),
        ("phan-cong/", {"department": outsider.department_id}),
        ("cong-khai/", {"title": "t", "question": "q", "answer": "a"}),
    ]:
        assert client.post(base + action, data).status_code == 404
    assert client.get(base + "tep/").status_code == 404
    feedback.refresh_from_db()
    assert feedback.state == Feedback.State.RECEIVED and feedback.answer == ""


def test_specialist_sees_only_their_departments_feedback(login_staff):
    leader = staff_user(Role.LEADER)
    mine = DepartmentFactory(agency=leader.agency)
    specialist = staff_user(Role.SPECIALIST, agency=leader.agency, department=mine)
    assigned = FeedbackFactory(agency=leader.agency, department=mine, state="assigned")
    other_department = FeedbackFactory(
        agency=leader.agency, department=DepartmentFactory(agency=leader.agency), state="assigned"
    )
    client = login_staff(specialist)
    assert client.get(f"/can-bo/phan-anh/{assigned.pk}/").status_code == 200
    assert client.get(f"/can-bo/phan-anh/{other_department.pk}/").status_code == 404
    assert client.get("/can-bo/phan-anh/ghi-nhan/").status_code == 403


def test_citizens_and_anonymous_people_cannot_enter_the_staff_area(client):
    feedback = FeedbackFactory()
    assert client.get(f"/can-bo/phan-anh/{feedback.pk}/").status_code == 302  # log in
    client.force_login(UserFactory())
    assert client.get("/can-bo/phan-anh/").status_code == 403
    assert client.get(f"/can-bo/phan-anh/{feedback.pk}/").status_code == 403


def test_staff_entry_by_phone(login_staff):
    desk = staff_user(Role.DESK_OFFICER)
    client = login_staff(desk)
    response = client.post(
        "/can-bo/phan-anh/ghi-nhan/",
        {
            "channel": "phone",
            "name": "Ông Ba",
            "phone": "0905000111",
            "subject": "Gọi điện hỏi",
            "text": "Hỏi qua điện thoại",
        },
    )
    feedback = Feedback.objects.get()
    assert response.status_code == 302
    assert feedback.channel == "phone" and feedback.recorded_by == desk
    assert feedback.agency == desk.agency


def test_staff_answer_transfer_and_error_messages(login_staff):
    desk = staff_user(Role.DESK_OFFICER)
    feedback = FeedbackFactory(agency=desk.agency)
    client = login_staff(desk)
    response = client.post(f"/can-bo/phan-anh/{feedback.pk}/tra-loi/", {"answer": " "})
    assert response.status_code == 400
    other = AgencyFactory()
    response = client.post(
        f"/can-bo/phan-anh/{feedback.pk}/chuyen/", {"agency": other.pk, "reason": "Sai nơi"}
    )
    assert response.status_code == 302 and response["Location"] == "/can-bo/phan-anh/"
    feedback.refresh_from_db()
    assert feedback.agency == other
    assert client.get(f"/can-bo/phan-anh/{feedback.pk}/").status_code == 404


# --- Public Q&A ---------------------------------------------------------------------------


def test_qa_search_without_diacritics_and_filters():
    from django.test import Client

    client = Client()
    sector = SectorFactory(name="Hộ tịch")
    procedure = ProcedureFactory(published=True, sector=sector)
    birth = FeedbackFactory(
        published=True,
        agency=procedure.agency,
        sector=sector,
        subject="Đăng ký khai sinh quá hạn",
        text="Đăng ký khai sinh cho con đã 2 tuổi cần giấy tờ gì?",
    )
    fee = FeedbackFactory(published=True, subject="Lệ phí chứng thực", text="Bao nhiêu tiền?")
    FeedbackFactory(answered=True, subject="Khai sinh chưa công bố")  # not published
    html = client.get("/hoi-dap/", {"q": "dang ky khai sinh"}).content.decode()
    assert birth.public_title in html
    assert fee.public_title not in html and "chưa công bố" not in html
    html = client.get("/hoi-dap/", {"q": "LỆ PHÍ"}).content.decode()
    assert fee.public_title in html and birth.public_title not in html
    html = client.get("/hoi-dap/", {"linh-vuc": sector.code}).content.decode()
    assert birth.public_title in html and fee.public_title not in html
    html = client.get("/hoi-dap/", {"co-quan": fee.agency.code}).content.decode()
    assert fee.public_title in html and birth.public_title not in html
    assert client.get("/hoi-dap/", {"q": "x" * 5000, "trang": "abc"}).status_code == 200


def test_most_asked_first_and_one_vote_per_visitor(client):
    old = FeedbackFactory(published=True, subject="Câu hỏi nhiều người hỏi")
    new = FeedbackFactory(published=True, subject="Câu hỏi mới")
    for _ in range(3):
        client.post(f"/hoi-dap/{old.pk}/cung-cau-hoi/")
    old.refresh_from_db()
    assert old.same_question_count == 1  # once per visitor
    html = client.get("/hoi-dap/").content.decode()
    assert html.index(old.public_title) < html.index(new.public_title)
    hidden = FeedbackFactory(answered=True)
    assert client.get(f"/hoi-dap/{hidden.pk}/").status_code == 404
    assert client.post(f"/hoi-dap/{hidden.pk}/cung-cau-hoi/").status_code == 404


# --- Ratings --------------------------------------------------------------------------------


def test_owner_rates_a_finished_dossier_once(client):
    dossier = DossierFactory(done=True)
    client.force_login(dossier.applicant)
    page = client.get(f"/ho-so-cua-toi/{dossier.pk}/").content.decode()
    assert 'id="rate-dossier"' in page
    url = reverse("feedback:rate", kwargs={"pk": dossier.pk})
    response = client.post(url, {"stars": "5", "on_time": "on", "comment": "Nhanh"})
    assert response.status_code == 302
    rating = Rating.objects.get()
    assert (rating.stars, rating.on_time, rating.good_attitude) == (5, True, False)
    assert rating.agency == dossier.agency
    client.post(url, {"stars": "1"})
    assert Rating.objects.get().stars == 5  # only once
    assert 'id="already-rated"' in client.get(url).content.decode()
    assert 'id="rating-given"' in client.get(f"/ho-so-cua-toi/{dossier.pk}/").content.decode()


def test_only_the_owner_and_only_when_done(client):
    dossier = DossierFactory(done=True)
    client.force_login(UserFactory())
    url = reverse("feedback:rate", kwargs={"pk": dossier.pk})
    assert client.get(url).status_code == 404
    assert client.post(url, {"stars": "1"}).status_code == 404
    processing = DossierFactory(processing=True)
    client.force_login(processing.applicant)
    processing_url = reverse("feedback:rate", kwargs={"pk": processing.pk})
    client.post(processing_url, {"stars": "3"})
    assert not Rating.objects.exists()
    page = client.get(f"/ho-so-cua-toi/{processing.pk}/").content.decode()
    assert 'id="rating-prompt"' not in page
    with pytest.raises(services.RatingError):
        services.rating_submit(
            dossier_id=dossier.pk, rater=processing.applicant, data=services.RatingInput(stars=4)
        )
    client.force_login(dossier.applicant)
    assert client.post(url, {"stars": "9"}).status_code == 400
    assert client.post(url, {"stars": "4"}).status_code == 302


def test_ranking_page_orders_agencies_by_average():
    from django.test import Client

    good, poor = AgencyFactory(name="Sở Tốt"), AgencyFactory(name="Sở Chậm")
    for stars in (5, 4):
        RatingFactory(stars=stars, agency=good, good_attitude=True)
    RatingFactory(stars=2, agency=poor)
    html = Client().get("/danh-gia-hai-long/").content.decode()
    assert html.index("Sở Tốt") < html.index("Sở Chậm")
    assert "4,50" in html or "4.50" in html
    assert f'data-agency="{good.code}"' in html


def test_pdf_attachment_is_served_to_staff_only(client, login_staff):
    agency = AgencyFactory()
    _post(client, agency, attachment=pdf_upload("bien-ban.pdf"))
    feedback = Feedback.objects.get()
    desk = staff_user(Role.DESK_OFFICER, agency=agency)
    response = login_staff(desk).get(f"/can-bo/phan-anh/{feedback.pk}/tep/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
