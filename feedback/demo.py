"""Demo data of the feedback app: published Q&A, one open feedback item, some ratings.

Called from `portal.demo.seed_demo`; running it again changes nothing.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from portal.models import Agency, Department, User

from . import services
from .models import Feedback, Rating

DEMO_AGENCY = "000.00.21.H45"

QUESTIONS = [
    (
        "1.001612",
        "Đăng ký khai sinh cho con quá hạn cần giấy tờ gì?",
        "Con tôi đã được 3 tháng mà chưa đăng ký khai sinh. Tôi là Trần Văn Sơn, "
        "số điện thoại 0905 222 333. Nay đăng ký cần những giấy tờ gì và có bị phạt không?",
        "Chào ông/bà. Hồ sơ gồm tờ khai theo mẫu và giấy chứng sinh (bản chính). Việc đăng ký "
        "khai sinh quá hạn không bị thu lệ phí nếu đăng ký cho trẻ dưới 6 tuổi. Ông/bà có thể "
        "nộp trực tuyến trên Cổng dịch vụ công và nhận kết quả tại Bộ phận Một cửa.",
        5,
    ),
    (
        "2.000908",
        "Lệ phí chứng thực bản sao từ bản chính là bao nhiêu?",
        "Tôi cần chứng thực 5 bản sao căn cước, lệ phí tính thế nào? Liên hệ an.le@example.com.",
        "Lệ phí chứng thực bản sao từ bản chính là 2.000 đồng/trang; từ trang thứ ba trở đi "
        "thu 1.000 đồng/trang, tối đa 200.000 đồng/bản.",
        2,
    ),
    (
        "",
        "Thời gian làm việc của Bộ phận Một cửa vào thứ Bảy?",
        "Bộ phận Một cửa có làm việc sáng thứ Bảy không?",
        "Bộ phận Một cửa làm việc từ thứ Hai đến thứ Sáu, sáng 07:30-11:30, chiều 13:00-17:00. "
        "Ngoài giờ, ông/bà có thể nộp hồ sơ trực tuyến 24/7.",
        0,
    ),
]


@transaction.atomic
def seed_feedback_demo() -> int:
    """Create the demo items once; returns how many feedback items were created."""
    agency = Agency.objects.filter(code=DEMO_AGENCY).first()
    if agency is None or Feedback.objects.filter(agency=agency).exists():
        return 0
    desk = User.objects.filter(username="motcua").first()
    leader = User.objects.filter(username="lanhdao").first()
    if desk is None or leader is None:
        return 0
    from procedures.models import Procedure

    created = 0
    for code, subject, text, answer, asked in QUESTIONS:
        procedure = Procedure.published.filter(code=code).first() if code else None
        feedback = services.feedback_submit(
            data=services.FeedbackInput(
                name="Trần Văn Sơn",
                phone="0905222333",
                agency=agency,
                procedure=procedure if procedure and procedure.agency_id == agency.pk else None,
                subject=subject,
                text=text,
                consent_to_publish=True,
            )
        )
        services.feedback_answer(feedback_id=feedback.pk, actor=desk, answer=answer)
        services.feedback_record_verdict(token=feedback.token, resolved=True)
        services.feedback_publish(feedback_id=feedback.pk, actor=leader)
        Feedback.objects.filter(pk=feedback.pk).update(same_question_count=asked)
        created += 1
    # One open item, assigned to the justice department, waiting for its answer.
    open_item = services.feedback_submit(
        data=services.FeedbackInput(
            name="Nguyễn Thị Lan",
            email="lan.nguyen@example.com",
            agency=agency,
            subject="Chưa nhận được kết quả đúng hẹn",
            text="Hồ sơ của tôi hẹn trả hôm qua nhưng tôi chưa nhận được thông báo nào.",
            consent_to_publish=False,
        )
    )
    department = Department.objects.filter(agency=agency, code="UBTH.PTP").first()
    if department is not None:
        services.feedback_assign(feedback_id=open_item.pk, actor=leader, department=department)
    return created + 1 + _seed_ratings(agency)


def _finished_dossiers_of_citizen(agency: Agency, count: int) -> None:
    """Demo only: online dossiers of the demo citizen taken to "result ready", so that there
    is something to rate. Made the way `portal.demo` makes its finished dossier."""
    from dossiers import services as dossier_services
    from dossiers.models import Dossier, DossierEvent
    from payments.demo import pay_at_desk
    from portal.demo import DEMO_CITIZEN, _demo_files
    from procedures.models import Procedure, ReturnMethod

    citizen = User.objects.filter(username=DEMO_CITIZEN).first()
    desk = User.objects.filter(username="motcua").first()
    department = Department.objects.filter(agency=agency, is_one_stop_desk=False).first()
    if citizen is None or desk is None or department is None:
        return
    procedures = Procedure.published.filter(agency=agency, level__gte=3).order_by("code")
    for procedure in procedures[:count]:
        draft = dossier_services.dossier_create_draft(procedure=procedure, applicant=citizen)
        # Collected at the desk: these demo results have no file to download.
        dossier_services.dossier_update_draft(
            dossier_id=draft.pk,
            actor=citizen,
            applicant_details=dossier_services.Applicant(
                name=draft.applicant_name,
                national_id=draft.applicant_national_id,
                phone=draft.applicant_phone,
                email=draft.applicant_email,
                address=draft.applicant_address,
            ),
            return_method=ReturnMethod.DESK,
        )
        for document_id, upload in _demo_files(procedure, citizen.full_name).items():
            dossier_services.attachment_add(
                dossier_id=draft.pk,
                actor=citizen,
                document_id=document_id,
                upload=upload,  # type: ignore[arg-type]
            )
        submitted = dossier_services.dossier_submit(
            dossier_id=draft.pk, actor=citizen, declaration=True
        )
        pay_at_desk(dossier=submitted, officer=desk)  # fees due at submission come first
        dossier_services.dossier_accept(dossier_id=draft.pk, officer=desk)
        dossier_services.dossier_forward(dossier_id=draft.pk, officer=desk, department=department)
        dossier = Dossier.objects.select_for_update().get(pk=draft.pk)
        dossier.complete(at=timezone.now(), result_text="Kết quả đã sẵn sàng.")
        dossier.save()
        DossierEvent.objects.create(
            dossier=dossier,
            kind=DossierEvent.Kind.COMPLETED,
            actor=desk,
            from_state=Dossier.State.PROCESSING,
            to_state=Dossier.State.DONE,
        )


def _seed_ratings(agency: Agency) -> int:
    """Ratings of finished dossiers by their owners (those not rated yet)."""
    from dossiers.models import Dossier

    finished = Dossier.objects.filter(state=Dossier.State.DONE, applicant__isnull=False).count()
    if finished < 3:  # two to rate and one left for the rating prompt
        _finished_dossiers_of_citizen(agency, 3 - finished)
    rated = 0
    # Two rated; a third finished dossier (if any) stays unrated to show the rating prompt.
    samples = [(5, True, True, True, "Cán bộ hướng dẫn tận tình."), (4, True, False, True, "")]
    done = Dossier.objects.filter(
        state=Dossier.State.DONE, applicant__isnull=False, rating__isnull=True
    ).order_by("pk")[: len(samples)]
    for dossier, (stars, attitude, on_time, clear, comment) in zip(done, samples, strict=False):
        Rating.objects.create(
            dossier=dossier,
            agency_id=dossier.agency_id,
            rater_id=dossier.applicant_id,
            stars=stars,
            good_attitude=attitude,
            on_time=on_time,
            clear_guidance=clear,
            comment=comment,
        )
        rated += 1
    return rated
