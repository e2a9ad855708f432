"""Preparing, freezing, exporting and sending reports; who may see which."""

import csv
import io
from datetime import date

import pytest
from django.core import mail
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from dossiers.models import Dossier
from portal.roles import Role
from reporting import periods, services, tasks
from reporting.figures import AGENCY, Scope
from reporting.models import Report
from reporting.tests.data import H1_2026, at
from tests.factories import AgencyFactory, staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def it_admin():
    return staff_user(Role.IT_ADMIN)


def prepare(scope=None, actor=None, period=H1_2026, **kwargs):
    report = services.report_request(period=period, scope=scope or Scope(), actor=actor, **kwargs)
    services.report_generate(report_id=report.pk)
    report.refresh_from_db()
    return report


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def test_a_report_is_frozen_once_ready(dataset, it_admin):
    report = prepare(actor=it_admin)
    assert report.status == Report.Status.READY and report.progress == 100
    assert report.data["totals"]["received"] == 7

    # A dossier received later inside the period, and an old result changed: the report keeps
    # its numbers; a new report shows the new ones.
    Dossier.objects.filter(due_at=at("2026-02-10 10:00")).update(finished_at=at("2026-02-09 10:00"))
    services.report_generate(report_id=report.pk)  # a redelivered task changes nothing
    report.refresh_from_db()
    assert report.data["totals"]["processed_late"] == 1
    assert prepare(actor=it_admin).data["totals"]["processed_late"] == 0


def test_exports_contain_the_numbers(dataset, it_admin):
    report = prepare(actor=it_admin)

    rows = list(csv.reader(io.StringIO(services.exports.report_csv(report).decode("utf-8-sig"))))
    total = next(row for row in rows if row[:2] == ["", "Total"] or row[1:2] == ["Tổng cộng"])
    assert total[2:9] == ["2", "7", "4", "2", "1", "3", "1"]
    assert any(row[:1] == ["000.00.02.H45"] and row[3] == "4" for row in rows)

    workbook = load_workbook(io.BytesIO(services.exports.report_xlsx(report)))
    summary = workbook.worksheets[0]
    values = [cell.value for cell in summary[6]]
    assert values[:6] == [2, 7, 4, 2, 1, 3]
    agencies = workbook.worksheets[1]
    codes = {row[0].value: row[3].value for row in agencies.iter_rows(min_row=2)}
    assert codes == {"000.00.01.H45": 3, "000.00.02.H45": 4}

    text = pdf_text(services.exports.report_pdf(report))
    for expected in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "BÁO CÁO",
        "15/12/2025",
        "14/06/2026",
        "Sở Tư pháp",
        "Sở Xây dựng",
        "66,7",
        "57,1",
    ):
        assert expected in text, expected


def test_leaders_prepare_and_see_only_their_agency(
    client,
    login_staff,
    dataset,
    django_capture_on_commit_callbacks,
):
    leader = staff_user(Role.LEADER, agency=dataset["B"])
    other = prepare(scope=Scope(AGENCY, agency_id=dataset["A"].pk), actor=None)
    province = prepare(actor=None)
    login_staff(leader)

    page = client.get(reverse("reports:list"))
    assert page.status_code == 200
    response = client.post(
        reverse("reports:list"),
        {
            "period_kind": "h1",
            "year": 2026,
            "convention": "decree09",
            "scope_kind": AGENCY,
            "agency": dataset["A"].pk,
        },
    )
    assert response.status_code == 200  # another agency is not a choice
    assert not Report.objects.filter(agency=dataset["A"], requested_by=leader).exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("reports:list"),
            {
                "period_kind": "h1",
                "year": 2026,
                "convention": "decree09",
                "scope_kind": AGENCY,
                "agency": dataset["B"].pk,
            },
        )
    mine = Report.objects.get(requested_by=leader)
    assert response.status_code == 302 and response["Location"] == reverse(
        "reports:detail", args=[mine.pk]
    )
    mine.refresh_from_db()
    assert mine.status == Report.Status.READY  # tasks run eagerly in tests
    assert mine.data["totals"]["received"] == 4

    assert client.get(reverse("reports:detail", args=[mine.pk])).status_code == 200
    for report in (other, province):
        assert client.get(reverse("reports:detail", args=[report.pk])).status_code == 404
        assert client.get(reverse("reports:download", args=[report.pk, "pdf"])).status_code == 404


def test_it_staff_prepare_any_scope_and_download(
    client,
    login_staff,
    dataset,
    it_admin,
    django_capture_on_commit_callbacks,
):
    login_staff(it_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("reports:list"),
            {
                "period_kind": "custom",
                "start": "2026-01-01",
                "end": "2026-03-31",
                "convention": "decree09",
                "scope_kind": "province",
            },
        )
    report = Report.objects.get(requested_by=it_admin)
    assert response.status_code == 302
    page = client.get(reverse("reports:detail", args=[report.pk]))
    assert b"report-totals" in page.content
    for fmt, kind in (("pdf", "application/pdf"), ("xlsx", "spreadsheetml"), ("csv", "text/csv")):
        download = client.get(reverse("reports:download", args=[report.pk, fmt]))
        assert download.status_code == 200 and kind in download["Content-Type"]
        assert download["Content-Disposition"].startswith("attachment")
    assert client.get(reverse("reports:download", args=[report.pk, "exe"])).status_code == 404


def test_bad_input_keeps_what_was_typed(client, login_staff, it_admin):
    login_staff(it_admin)
    response = client.post(
        reverse("reports:list"),
        {
            "period_kind": "custom",
            "start": "2026-05-01",
            "end": "2026-04-01",
            "convention": "decree09",
            "scope_kind": "agency",
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "end" in form.errors and "agency" in form.errors
    assert b'value="2026-05-01"' in response.content
    assert not Report.objects.exists()


def test_citizens_desk_officers_and_strangers_are_kept_out(client, login_staff, dataset):
    report = prepare()
    assert client.get(reverse("reports:list")).status_code == 302  # to log in
    login_staff(staff_user(Role.DESK_OFFICER, agency=dataset["A"]))
    assert client.get(reverse("reports:list")).status_code == 403
    assert client.get(reverse("reports:detail", args=[report.pk])).status_code == 403


def test_the_day_after_a_period_ends_the_province_report_is_prepared_and_sent_once(
    settings,
    dataset,
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    settings.REPORT_RECIPIENTS = ["ubnd@example.gov.vn", "stttt@example.gov.vn"]
    monkeypatch.setattr(tasks.timezone, "localdate", lambda *args: date(2026, 6, 15))
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.reports_at_period_end() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.reports_at_period_end() == 1  # a second beat: same report, no second mail
    report = Report.objects.get(automatic=True)
    assert (report.period_start, report.period_end) == (date(2025, 12, 15), date(2026, 6, 14))
    assert report.status == Report.Status.READY
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ubnd@example.gov.vn", "stttt@example.gov.vn"]
    assert [name.rsplit(".", 1)[1] for name, _content, _type in message.attachments] == [
        "pdf",
        "xlsx",
    ]


def test_a_period_report_whose_pdf_cannot_be_signed_yet_is_e_mailed_once_it_can(
    settings, dataset, monkeypatch, django_capture_on_commit_callbacks, tmp_path
):
    settings.REPORT_RECIPIENTS = ["ubnd@example.gov.vn"]
    keys = settings.SIGNING_KEYS_DIR
    settings.SIGNING_KEYS_DIR = tmp_path  # no signing key installed yet
    monkeypatch.setattr(tasks.timezone, "localdate", lambda *args: date(2026, 6, 15))
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.reports_at_period_end() == 1
    report = Report.objects.get(automatic=True)
    assert report.status == Report.Status.READY and report.emailed_at is None
    assert mail.outbox == []
    assert tasks.resend_pending_reports() == 0 and mail.outbox == []  # still no key

    settings.SIGNING_KEYS_DIR = keys  # IT staff install the key
    tasks.resend_pending_reports()
    tasks.resend_pending_reports()
    assert len(mail.outbox) == 1
    report.refresh_from_db()
    assert report.emailed_at is not None
    (pdf,) = [content for name, content, _t in mail.outbox[0].attachments if name.endswith("pdf")]
    assert pdf.startswith(b"%PDF") and b"/ByteRange" in pdf  # the signed PDF


def test_an_ordinary_day_prepares_nothing(settings):
    assert periods.periods_ending_on(date(2026, 6, 16)) == []


def test_a_leader_cannot_request_another_agency_through_the_service(dataset):
    leader = staff_user(Role.LEADER, agency=AgencyFactory())
    with pytest.raises(services.PermissionDenied):
        services.report_request(
            period=H1_2026, scope=Scope(AGENCY, agency_id=dataset["A"].pk), actor=leader
        )


def test_fees_feedback_and_satisfaction_sections(dataset, it_admin):
    from feedback.models import Rating
    from feedback.tests.factories import FeedbackFactory, RatingFactory
    from payments.models import Payment
    from payments.tests.factories import PaymentFactory

    b = dataset["B"]
    online = Dossier.objects.filter(agency=b).first()
    PaymentFactory(
        dossier=online, agency=b, paid=True, amount=150000, paid_at=at("2026-03-01 09:00")
    )
    PaymentFactory(
        dossier=online,
        agency=b,
        paid=True,
        amount=50000,
        method=Payment.Method.CASH,
        paid_at=at("2026-03-02 09:00"),
    )
    PaymentFactory(
        dossier=online, agency=b, paid=True, amount=70000, paid_at=at("2026-07-01 09:00")
    )
    FeedbackFactory(
        agency=b,
        received_at=at("2026-02-02 08:00"),
        answered=True,
        answered_at=at("2026-02-03 08:00"),
    )
    FeedbackFactory(
        agency=b,
        received_at=at("2026-02-02 08:00"),
        answered=True,
        answered_at=at("2026-02-20 08:00"),
    )
    done = list(Dossier.objects.filter(agency=b, state=Dossier.State.DONE))
    RatingFactory(dossier=done[0], agency=b, rater=done[0].applicant, stars=5)
    RatingFactory(dossier=done[1], agency=b, rater=done[1].applicant, stars=2)
    Rating.objects.update(created_at=at("2026-02-01 08:00"))

    sections = {
        section["title"]: dict(section["rows"])
        for section in prepare(actor=it_admin).data["sections"]
    }
    fees, feedback, satisfaction = sections.values()
    # In the period: one online payment of 150.000 đ and one cash payment of 50.000 đ (the
    # 70.000 đ of July falls in the next half); rows: count then amount per method, then refunds.
    values = list(fees.values())
    methods = list(Payment.Method)
    cash, online_ = methods.index(Payment.Method.CASH), methods.index(Payment.Method.ONLINE)
    assert values[2 * cash : 2 * cash + 2] == [1, 50000]
    assert values[2 * online_ : 2 * online_ + 2] == [1, 150000]
    assert sum(values[: 2 * len(methods)]) == 2 + 200000
    assert values[-2:] == [0, 0]  # no refunds
    assert list(feedback.values())[:3] == [2, 1, 1]
    assert list(satisfaction.values()) == [2, "3.50"]

    agency_a = prepare(scope=Scope(AGENCY, agency_id=dataset["A"].pk), actor=it_admin)
    assert all(
        value in (0, None) for section in agency_a.data["sections"] for _l, value in section["rows"]
    )
    text = pdf_text(services.exports.report_pdf(prepare(actor=it_admin)))
    assert "150000" in text.replace(".", "") or "150.000" in text


def test_beat_resends_only_reports_left_pending(dataset, it_admin, settings):
    from datetime import timedelta

    from django.utils import timezone

    from portal.celery import app

    # Requested while the broker was down: the after-commit task never ran.
    lost = services.report_request(period=H1_2026, scope=Scope(), actor=it_admin)
    fresh = services.report_request(period=H1_2026, scope=Scope(), actor=it_admin)
    Report.objects.filter(pk=lost.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    settings.REPORT_RESEND_AFTER_SECONDS = 120

    assert tasks.resend_pending_reports() == 1  # tasks run in-process in the tests
    lost.refresh_from_db()
    fresh.refresh_from_db()
    assert lost.status == Report.Status.READY
    assert fresh.status == Report.Status.PENDING  # its own task may still be on its way
    assert tasks.resend_pending_reports() == 0
    entry = settings.CELERY_BEAT_SCHEDULE["resend-pending-reports"]
    assert entry["task"] == tasks.resend_pending_reports.name
    assert entry["task"] in app.tasks


def test_figures_read_the_vietnamese_way_on_the_page_in_the_pdf_and_in_the_spreadsheet(
    dataset, it_admin, login_staff
):
    report = prepare(actor=it_admin)
    rate_column = [key for key, _label in services.exports.COLUMNS].index("on_time_rate")
    assert report.data["totals"]["on_time_rate"] == "66.7"

    page = login_staff(it_admin).get(reverse("reports:detail", args=[report.pk])).content.decode()
    assert f'<td class="num" data-cell="{rate_column}">66,7</td>' in page
    assert "66.7" not in page

    assert "66,7" in pdf_text(services.exports.report_pdf(report))

    summary = load_workbook(io.BytesIO(services.exports.report_xlsx(report))).worksheets[0]
    rate = summary.cell(row=6, column=rate_column + 1)
    assert rate.value == 66.7 and rate.number_format == "#,##0.0#"
    assert summary.cell(row=6, column=2).number_format == "#,##0"


def test_the_report_is_addressed_above_its_recipients_block(dataset, it_admin, settings):
    """The recipients block ("Nơi nhận: - Như trên") needs a "Kính gửi" above it."""
    settings.REPORT_ADDRESSEE = "Ủy ban nhân dân tỉnh Đắk Lắk"
    text = pdf_text(services.exports.report_pdf(prepare(actor=it_admin)))
    assert "Kính gửi: Ủy ban nhân dân tỉnh Đắk Lắk." in text
    assert text.index("Kính gửi") < text.index("Như trên")
