"""Feedback end to end in a real browser: an anonymous citizen, an officer, the public Q&A.

An anonymous citizen sends feedback; the agency's leader (password + TOTP) answers within the
3 working days and publishes it; the citizen gets the answer by e-mail and SMS (outbox rows),
opens the private link and says it is resolved; anybody finds it in the Q&A by searching
without diacritics, with the sender's personal data removed. Then a citizen rates a finished
dossier and the agency appears in the public ranking.
"""

import re
from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from dossiers.tests.factories import DossierFactory
from feedback.models import Feedback, Rating
from portal.models import Notification
from portal.roles import Role
from tests.conftest import ARTIFACTS, shot
from tests.factories import PASSWORD, AgencyFactory, staff_user, totp_device
from tests.helpers import totp_now

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def people(browser, live_server):
    contexts = []

    def open_context():
        context = browser.new_context(
            base_url=live_server.url, locale="vi-VN", viewport={"width": 1280, "height": 900}
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield open_context
    ARTIFACTS.mkdir(exist_ok=True)
    for context in contexts:
        context.close()


def test_feedback_answered_resolved_published_and_found(people):
    agency = AgencyFactory(name="UBND thành phố Tuy Hòa", code="000.00.21.H45")
    leader_user = staff_user(Role.LEADER, agency=agency, full_name="Phạm Thị Dung")
    device = totp_device(leader_user)

    # 1. An anonymous citizen sends feedback from the menu.
    citizen = people()
    citizen.goto("/")
    citizen.locator('.nav-list a[href="/phan-anh/"]').click()
    expect(citizen).to_have_url(re.compile(r"/phan-anh/$"))
    citizen.locator("#id_name").fill("Võ Thị Hạnh")
    citizen.locator("#id_phone").fill("0905 678 901")
    citizen.locator("#id_email").fill("hanh.vo@example.com")
    citizen.locator("#id_agency").select_option(str(agency.pk))
    citizen.locator("#id_subject").fill("Thủ tục đăng ký kết hôn có yếu tố nước ngoài")
    citizen.locator("#id_text").fill(
        "Tôi là Võ Thị Hạnh (0905 678 901). Xin hỏi đăng ký kết hôn với người nước ngoài "
        "cần những giấy tờ gì và nộp ở đâu?"
    )
    citizen.locator("#id_consent_to_publish").check()
    shot(citizen, "feedback-1-form")
    citizen.locator("#send-feedback").click()
    expect(citizen.locator("#feedback-code")).to_have_text(re.compile(r"^PAKN-\d{6}-\d{4}$"))
    code = citizen.locator("#feedback-code").inner_text()
    expect(citizen.locator("#feedback-state")).to_have_attribute("data-state", "received")
    shot(citizen, "feedback-2-received")
    feedback = Feedback.objects.get(code=code)
    received = Notification.objects.filter(template="feedback_received", context__code=code)
    assert {n.recipient for n in received} == {"0905678901", "hanh.vo@example.com"}

    # 2. The leader logs in with a one-time code and answers from the queue.
    officer = people()
    officer.goto("/tai-khoan/dang-nhap/?next=/can-bo/phan-anh/")
    officer.locator("#id_auth-username").fill(leader_user.username)
    officer.locator("#id_auth-password").fill(PASSWORD)
    officer.locator("#id_auth-password").press("Enter")
    officer.locator("#id_token-otp_token").fill(totp_now(device))
    officer.locator("#id_token-otp_token").press("Enter")
    expect(officer).to_have_url(re.compile(r"/can-bo/phan-anh/$"))
    shot(officer, "feedback-3-queue")
    officer.locator(f'#feedback-queue tr[data-code="{code}"] a').click()
    expect(officer.locator("#feedback-code")).to_have_text(code)
    officer.locator("#id_answer").fill(
        "Chào bà. Hồ sơ gồm tờ khai đăng ký kết hôn, giấy xác nhận tình trạng hôn nhân và "
        "hộ chiếu; nộp tại UBND cấp huyện hoặc trực tuyến trên Cổng dịch vụ công."
    )
    officer.locator("#send-answer").click()
    expect(officer.locator("#feedback-state")).to_have_attribute("data-state", "answered")
    feedback.refresh_from_db()
    assert feedback.answered_at <= feedback.due_at  # within the 3 working days

    # 3. The citizen receives the answer and says it resolved the issue.
    answered = Notification.objects.filter(template="feedback_answered", context__code=code)
    assert {n.recipient for n in answered} == {"0905678901", "hanh.vo@example.com"}
    link = urlparse(answered[0].context["lookup_url"]).path
    assert link == f"/phan-anh/theo-doi/{feedback.token}/"
    citizen.goto(link)
    expect(citizen.locator("#feedback-answer")).to_contain_text("tờ khai đăng ký kết hôn")
    citizen.locator("#id_resolved_0").check()
    shot(citizen, "feedback-4-answer")
    citizen.locator("#send-verdict").click()
    expect(citizen.locator("#verdict-given")).to_be_visible()
    feedback.refresh_from_db()
    assert feedback.resolved is True

    # 4. The leader publishes it in the Q&A, personal data already masked in the form.
    officer.reload()
    expect(officer.locator("#feedback-verdict")).to_be_visible()
    question = officer.locator("#id_question").input_value()
    assert "Võ Thị Hạnh" not in question and "0905 678 901" not in question
    shot(officer, "feedback-5-publish")
    officer.locator("#publish").click()
    expect(officer.locator("#feedback-state")).to_have_attribute("data-state", "published")

    # 5. Anybody finds it without typing diacritics.
    visitor = people()
    visitor.goto("/")
    visitor.locator('.nav-list a[href="/hoi-dap/"]').click()
    visitor.locator("#qa-q").fill("ket hon nuoc ngoai")
    visitor.locator("#qa-search").click()
    result = visitor.locator(f'#qa-results li[data-pk="{feedback.pk}"]')
    expect(result).to_contain_text("Thủ tục đăng ký kết hôn có yếu tố nước ngoài")
    shot(visitor, "feedback-6-qa-search")
    result.locator("a").click()
    expect(visitor.locator("#qa-answer")).to_contain_text("giấy xác nhận tình trạng hôn nhân")
    body = visitor.locator("main").inner_text()
    assert "Hạnh" not in body and "0905" not in body and "hanh.vo" not in body
    visitor.locator("#same-question").click()
    expect(visitor.locator("#same-question")).to_have_count(0)
    shot(visitor, "feedback-7-qa-detail")


def test_citizen_rates_a_finished_dossier(people):
    dossier = DossierFactory(done=True)
    citizen = people()
    citizen.goto("/tai-khoan/dang-nhap/")
    citizen.locator("input[name='auth-username']").fill(dossier.applicant.national_id)
    citizen.locator("input[name='auth-password']").fill(PASSWORD)
    citizen.locator("form button[type=submit].btn-primary").click()
    expect(citizen.locator(".user-name")).to_be_visible()
    citizen.goto(f"/ho-so-cua-toi/{dossier.pk}/")
    shot(citizen, "rating-1-prompt")
    citizen.locator("#rate-dossier").click()
    citizen.locator("#send-rating").click()  # nothing chosen: a message, nothing saved
    expect(citizen.locator(".error-summary")).to_be_visible()
    assert not Rating.objects.exists()
    citizen.locator('input[name="stars"][value="4"]').check()
    citizen.locator("#id_good_attitude").check()
    citizen.locator("#id_clear_guidance").check()
    citizen.locator("#id_comment").fill("Cán bộ hướng dẫn rõ ràng.")
    shot(citizen, "rating-2-form")
    citizen.locator("#send-rating").click()
    expect(citizen).to_have_url(re.compile(rf"/ho-so-cua-toi/{dossier.pk}/$"))
    expect(citizen.locator("#rating-given")).to_contain_text("4/5")
    rating = Rating.objects.get()
    assert (rating.stars, rating.good_attitude, rating.on_time, rating.clear_guidance) == (
        4,
        True,
        False,
        True,
    )
    citizen.goto("/danh-gia-hai-long/")
    row = citizen.locator(f'#agency-ranking tr[data-agency="{dossier.agency.code}"]')
    expect(row.locator(".rating-count")).to_have_text("1")
    shot(citizen, "rating-3-ranking")
