"""The feedback workflow as services: receipt, clock, assignment, transfer, answer, reopen."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from feedback import services
from feedback.errors import FeedbackError, FeedbackStateError
from feedback.models import Feedback, FeedbackEvent
from portal.models import Notification
from portal.roles import Role
from tests.factories import AgencyFactory, DepartmentFactory, staff_user

from .factories import FeedbackFactory

pytestmark = pytest.mark.django_db
HCM = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture(autouse=True)
def _english():
    # Messages are matched by their English source text; the Vietnamese is checked elsewhere.
    with translation.override("en"):
        yield


def _input(agency, **kwargs):
    defaults = {
        "name": "Trần Văn Hùng",
        "phone": "0905111222",
        "email": "hung@example.com",
        "agency": agency,
        "subject": "Hỏi về lệ phí",
        "text": "Lệ phí cấp bản sao trích lục là bao nhiêu?",
    }
    return services.FeedbackInput(**{**defaults, **kwargs})


@pytest.mark.parametrize(
    ("received", "due"),
    [
        # Friday before the Hùng Kings holiday (Mon 27/4), then 30/4 and 1/5 and a weekend.
        (datetime(2026, 4, 24, 10, 0), datetime(2026, 5, 4, 10, 0)),
        # Thursday: Friday, (weekend), Monday, (24/11 Vietnamese Culture Day), Wednesday.
        (datetime(2026, 11, 19, 9, 0), datetime(2026, 11, 25, 9, 0)),
        # Saturday evening: the clock starts on Monday 07:30; Mon, (Tue off), Wed, Thu.
        (datetime(2026, 11, 21, 20, 0), datetime(2026, 11, 26, 17, 0)),
        # An ordinary week: Monday 15:00 → Thursday 15:00.
        (datetime(2026, 10, 5, 15, 0), datetime(2026, 10, 8, 15, 0)),
        # Before Tết 2026 (16/2-20/2): Friday 13/2 → 25/2 (Mon 23, Tue 24, Wed 25).
        (datetime(2026, 2, 13, 14, 0), datetime(2026, 2, 25, 14, 0)),
    ],
)
def test_due_three_working_days_over_weekends_and_holidays(received, due):
    agency = AgencyFactory()
    feedback = services.feedback_submit(
        data=_input(agency), received_at=received.replace(tzinfo=HCM)
    )
    assert timezone.localtime(feedback.due_at).replace(tzinfo=None) == due
    assert timezone.localtime(feedback.received_at).replace(tzinfo=None) == received


def test_submit_gives_a_code_and_acknowledges_by_sms_and_email():
    agency = AgencyFactory()
    first = services.feedback_submit(data=_input(agency))
    second = services.feedback_submit(data=_input(agency))
    day = timezone.localdate().strftime("%y%m%d")
    assert first.code == f"PAKN-{day}-0001"
    assert second.code == f"PAKN-{day}-0002"
    assert first.state == Feedback.State.RECEIVED
    rows = Notification.objects.filter(template="feedback_received", context__code=first.code)
    assert {(n.channel, n.recipient) for n in rows} == {
        ("email", "hung@example.com"),
        ("sms", "0905111222"),
    }
    assert "/phan-anh/theo-doi/" in rows[0].context["lookup_url"]
    assert first.events.get().kind == FeedbackEvent.Kind.RECEIVED


def test_submit_refuses_without_contact_and_bad_files():
    agency = AgencyFactory()
    with pytest.raises(FeedbackError):
        services.feedback_submit(data=_input(agency, phone="", email=""))
    fake = SimpleUploadedFile("x.pdf", b"<script>alert(1)</script>", content_type="application/pdf")
    with pytest.raises(FeedbackError, match="PDF, JPEG"):
        services.feedback_submit(data=_input(agency, attachment=fake))
    assert not Feedback.objects.exists()


def test_staff_entry_records_the_channel_and_answers_by_it():
    desk = staff_user(Role.DESK_OFFICER)
    feedback = services.feedback_submit(
        data=_input(None, email=""), channel=Feedback.Channel.PHONE, recorded_by=desk
    )
    assert feedback.channel == Feedback.Channel.PHONE
    assert feedback.agency == desk.agency
    assert feedback.recorded_by == desk
    services.feedback_answer(feedback_id=feedback.pk, actor=desk, answer="Lệ phí 8.000 đồng/bản.")
    answered = Notification.objects.filter(template="feedback_answered")
    assert [(n.channel, n.recipient) for n in answered] == [("sms", "0905111222")]


def test_email_feedback_is_answered_by_email_only():
    desk = staff_user(Role.DESK_OFFICER)
    feedback = services.feedback_submit(
        data=_input(None), channel=Feedback.Channel.EMAIL, recorded_by=desk
    )
    services.feedback_answer(feedback_id=feedback.pk, actor=desk, answer="Trả lời.")
    answered = Notification.objects.filter(template="feedback_answered")
    assert [n.channel for n in answered] == ["email"]


def test_specialist_cannot_record_or_assign():
    specialist = staff_user(Role.SPECIALIST)
    with pytest.raises(FeedbackError):
        services.feedback_submit(
            data=_input(None), channel=Feedback.Channel.PHONE, recorded_by=specialist
        )


def test_assign_then_answer_by_the_departments_specialist():
    leader = staff_user(Role.LEADER)
    department = DepartmentFactory(agency=leader.agency)
    specialist = staff_user(Role.SPECIALIST, agency=leader.agency, department=department)
    other_specialist = staff_user(Role.SPECIALIST, agency=leader.agency)
    feedback = FeedbackFactory(agency=leader.agency)
    with pytest.raises(FeedbackError):  # not yet in their department
        services.feedback_answer(feedback_id=feedback.pk, actor=specialist, answer="x")
    services.feedback_assign(feedback_id=feedback.pk, actor=leader, department=department)
    with pytest.raises(FeedbackError):
        services.feedback_answer(feedback_id=feedback.pk, actor=other_specialist, answer="x")
    with pytest.raises(FeedbackError):
        services.feedback_assign(feedback_id=feedback.pk, actor=specialist, department=department)
    answered = services.feedback_answer(
        feedback_id=feedback.pk, actor=specialist, answer="Đã kiểm tra."
    )
    assert answered.state == Feedback.State.ANSWERED
    assert answered.answered_by == specialist
    assert answered.answered_on_time is True
    with pytest.raises(FeedbackStateError):
        services.feedback_answer(feedback_id=feedback.pk, actor=specialist, answer="again")


def test_department_of_another_agency_cannot_be_assigned():
    leader = staff_user(Role.LEADER)
    feedback = FeedbackFactory(agency=leader.agency)
    with pytest.raises(FeedbackError, match="department of your agency"):
        services.feedback_assign(
            feedback_id=feedback.pk, actor=leader, department=DepartmentFactory()
        )


def test_other_agency_cannot_act_on_feedback():
    feedback = FeedbackFactory()
    outsider = staff_user(Role.LEADER)
    with pytest.raises(FeedbackError, match="not in your queue"):
        services.feedback_answer(feedback_id=feedback.pk, actor=outsider, answer="x")
    with pytest.raises(FeedbackError):
        services.feedback_close(feedback_id=feedback.pk, actor=outsider, reason="spam")
    feedback.refresh_from_db()
    assert feedback.state == Feedback.State.RECEIVED


def test_transfer_gives_the_receiving_agency_its_own_three_days():
    desk = staff_user(Role.DESK_OFFICER)
    department = DepartmentFactory(agency=desk.agency)
    received = datetime(2026, 11, 16, 8, 0, tzinfo=HCM)  # Monday
    feedback = FeedbackFactory(
        agency=desk.agency,
        department=department,
        state=Feedback.State.ASSIGNED,
        received_at=received,
    )
    original_due = feedback.due_at
    competent = AgencyFactory()
    before = timezone.now()
    moved = services.feedback_transfer(
        feedback_id=feedback.pk, actor=desk, agency=competent, reason="Thuộc thẩm quyền Sở Tư pháp"
    )
    assert moved.agency == competent
    assert moved.department is None
    assert moved.state == Feedback.State.RECEIVED
    assert moved.received_at == received  # statistics keep the original receipt
    assert moved.clock_started_at >= before
    assert moved.due_at == services.answer_due(moved.clock_started_at)
    assert moved.due_at > original_due
    event = moved.events.get(kind=FeedbackEvent.Kind.TRANSFERRED)
    assert event.data["from_agency"] == desk.agency.name
    assert event.data["to_agency"] == competent.name
    assert datetime.fromisoformat(event.data["old_due_at"]) == original_due
    assert event.actor == desk
    # It left the first agency's queue.
    with pytest.raises(FeedbackError):
        services.feedback_answer(feedback_id=feedback.pk, actor=desk, answer="x")
    with pytest.raises(FeedbackError):
        services.feedback_transfer(
            feedback_id=feedback.pk,
            actor=staff_user(Role.DESK_OFFICER, agency=competent),
            agency=competent,
            reason="x",
        )


def test_sender_can_reopen_once():
    desk = staff_user(Role.DESK_OFFICER)
    feedback = FeedbackFactory(agency=desk.agency)
    services.feedback_answer(feedback_id=feedback.pk, actor=desk, answer="Lần 1")
    reopened = services.feedback_record_verdict(
        token=feedback.token, resolved=False, note="Chưa rõ"
    )
    assert reopened.state == Feedback.State.RECEIVED
    assert reopened.reopen_count == 1
    assert reopened.due_at == services.answer_due(reopened.clock_started_at)
    with pytest.raises(FeedbackStateError):  # not answered again yet
        services.feedback_record_verdict(token=feedback.token, resolved=True)
    services.feedback_answer(feedback_id=feedback.pk, actor=desk, answer="Lần 2")
    # The second answer is a second message, not swallowed by the first one's dedupe key.
    assert Notification.objects.filter(template="feedback_answered", channel="sms").count() == 2
    final = services.feedback_record_verdict(token=feedback.token, resolved=False)
    assert final.state == Feedback.State.ANSWERED  # no second reopening
    assert final.resolved is False
    assert final.reopen_count == 1
    with pytest.raises(FeedbackStateError):
        services.feedback_record_verdict(token=feedback.token, resolved=True)
    kinds = list(final.events.values_list("kind", flat=True))
    assert kinds.count(FeedbackEvent.Kind.REOPENED) == 1
    assert kinds[-1] == FeedbackEvent.Kind.NOT_RESOLVED


def test_publication_strips_personal_data_and_needs_consent():
    desk = staff_user(Role.DESK_OFFICER)
    feedback = FeedbackFactory(
        agency=desk.agency,
        sender_name="Nguyễn Thị Mai",
        subject="Hồ sơ 000.00.01.H45-261120-0012 của Nguyễn Thị Mai chậm",
        text=(
            "Tôi là Nguyễn Thị Mai, CCCD 054190001234, điện thoại 0912 345 678, "
            "email mai.nguyen@example.com. Hồ sơ 000.00.01.H45-261120-0012 đã quá hạn. "
            "Chị Mai xin hỏi khi nào có kết quả?"
        ),
        answered=True,
        answer="Chào bà Nguyễn Thị Mai, hồ sơ 000.00.01.H45-261120-0012 sẽ trả ngày 25/11.",
    )
    published = services.feedback_publish(feedback_id=feedback.pk, actor=desk)
    public = " ".join([published.public_title, published.public_question, published.public_answer])
    for secret in [
        "Nguyễn Thị Mai",
        "054190001234",
        "0912 345 678",
        "mai.nguyen@example.com",
        "000.00.01.H45-261120-0012",
    ]:
        assert secret not in public
    assert "Thị Mai" not in public
    assert "***" in published.public_question
    assert "quá hạn" in published.public_question  # the substance stays
    assert "25/11" in published.public_answer
    assert "qua han" in published.search_text
    assert "0912" not in published.search_text

    no_consent = FeedbackFactory(agency=desk.agency, answered=True, consent_to_publish=False)
    with pytest.raises(FeedbackError, match="did not agree"):
        services.feedback_publish(feedback_id=no_consent.pk, actor=desk)


def test_staff_edited_publication_is_masked_again():
    desk = staff_user(Role.DESK_OFFICER)
    feedback = FeedbackFactory(agency=desk.agency, answered=True)
    published = services.feedback_publish(
        feedback_id=feedback.pk,
        actor=desk,
        title="Câu hỏi",
        question="Liên hệ 0905111222 hoặc 0905.111.222",
        answer="Gọi +84 905 111 222",
    )
    assert "0905" not in published.public_question
    assert "905" not in published.public_answer


def test_close_needs_a_reason_and_is_final():
    desk = staff_user(Role.DESK_OFFICER)
    feedback = FeedbackFactory(agency=desk.agency)
    with pytest.raises(FeedbackError):
        services.feedback_close(feedback_id=feedback.pk, actor=desk, reason=" ")
    closed = services.feedback_close(feedback_id=feedback.pk, actor=desk, reason="Trùng lặp")
    assert closed.state == Feedback.State.CLOSED
    with pytest.raises(FeedbackStateError):
        services.feedback_answer(feedback_id=feedback.pk, actor=desk, answer="x")


def test_reopening_a_published_item_takes_it_out_of_the_qa():
    desk = staff_user(Role.DESK_OFFICER)
    feedback = FeedbackFactory(agency=desk.agency)
    services.feedback_answer(feedback_id=feedback.pk, actor=desk, answer="Trả lời")
    services.feedback_publish(feedback_id=feedback.pk, actor=desk)
    reopened = services.feedback_record_verdict(token=feedback.token, resolved=False)
    assert reopened.state == Feedback.State.RECEIVED
    assert reopened.published_at is None and reopened.public_answer == ""
    from feedback.selectors import published_questions

    assert not published_questions().filter(pk=feedback.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_codes_never_repeat_when_sent_at_the_same_time():
    from dossiers.tests.test_concurrency import run_together

    agency = AgencyFactory()
    results = run_together([lambda: services.feedback_submit(data=_input(agency))] * 4)
    codes = [r.code for r in results]
    assert len(set(codes)) == 4, results
