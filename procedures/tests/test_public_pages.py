"""Public pages of the catalogue: a procedure with all its parts, versions, sectors, agencies."""

import re
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext, ngettext

from portal.demo import load_catalogue
from portal.models import Agency
from portal.services import organisation_import
from procedures import presenters, services
from procedures.catalogue_io import catalogue_import
from procedures.models import Procedure, RequiredDocument
from procedures.tests.factories import FeeItemFactory, ProcedureFactory, RequiredDocumentFactory
from procedures.usage import ProcedureUsage, on_time_rate, procedure_usage
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

BUILDING_PERMIT = "1.013225"
SAME_DAY_COPY = "2.000815"  # level 2, 8 working hours
BIRTH = "1.001193"  # level 4
TUY_HOA = "000.00.21.H45"


def vi(message: str, **params) -> str:
    """What the page says in Vietnamese (the English msgid until it is translated)."""
    with translation.override("vi"):
        text = gettext(message)
    return text % params if params else text


def vi_count(singular: str, plural: str, number: int, **params) -> str:
    with translation.override("vi"):
        text = ngettext(singular, plural, number)
    return text % params


def page(client, url, status=200) -> str:
    response = client.get(url)
    assert response.status_code == status, url
    return response.content.decode()


def detail_url(code: str) -> str:
    return reverse("procedures:detail", kwargs={"code": code})


@pytest.fixture
def catalogue():
    data = load_catalogue()
    organisation_import(agencies=data["agencies"])
    catalogue_import(data=data, actor=None)
    return data


@pytest.fixture
def form_file(catalogue):
    """The application form of the building permit as a PDF, published as a new version."""
    procedure = Procedure.objects.get(code=BUILDING_PERMIT)
    document = procedure.documents.order_by("position", "pk").first()
    document.template_file.save(
        "mau-don-xin-phep.pdf", ContentFile(b"%PDF-1.4\n%test\n"), save=True
    )
    services.procedure_record_edit(procedure=procedure, actor=None)
    return document


# --- Presenters ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "text"),
    [(0, "0 đ"), (500, "500 đ"), (75000, "75.000 đ"), (1000000, "1.000.000 đ"), (None, "")],
)
def test_money_is_grouped_with_dots(amount, text):
    assert presenters.format_vnd(amount) == text


def test_decimals_follow_the_language():
    with translation.override("vi"):
        assert presenters.format_decimal(Decimal("7.50")) == "7,5"
        assert presenters.format_decimal(Decimal("20")) == "20"
    with translation.override("en"):
        assert presenters.format_decimal(Decimal("7.5")) == "7.5"


def test_on_time_rate_without_settled_dossiers_is_none():
    assert on_time_rate(0, 0) is None
    assert on_time_rate(3, 2) == Decimal("66.7")
    assert on_time_rate(4, 4) == Decimal("100.0")


# --- The procedure page ----------------------------------------------------------------------


def test_procedure_page_shows_every_part(client, catalogue, form_file):
    procedure = Procedure.objects.get(code=BUILDING_PERMIT)
    data = procedure.current_version.data
    html = page(client, detail_url(BUILDING_PERMIT))

    assert f'<h1 class="mt-0">{escape(procedure.name)}</h1>' in html
    assert BUILDING_PERMIT in html
    # Level with the Decree 42/2022 words.
    assert 'class="badge badge-level-3"' in html
    assert vi("Partly online public service") in html
    # Implementing agency with its contacts and department.
    agency = Agency.objects.get(code=TUY_HOA)
    for value in (agency.name, agency.address, agency.hotline, agency.email):
        assert escape(value) in html
    assert f'href="/co-quan/{TUY_HOA}/"' in html
    assert escape(procedure.department.name) in html
    # Processing time. The national database gives 20 days online, longer than the published
    # 15: a dossier never gets more than the published time, so no separate online time.
    assert vi_count("%(amount)s working day", "%(amount)s working days", 15, amount="15") in html
    assert vi("Submitted online: %(time)s", time="").split(":")[0] not in html
    assert escape(procedure.processing_note) in html
    # Submission channels and return methods.
    assert vi("By post") in html
    assert vi("Collected at the one-stop desk") in html
    # Documents: one row each, with copies, form, required or not, and the form to download.
    rows = re.findall(r'<th scope="row" class="document-name">(.*?)</th>', html, re.S)
    assert rows == [escape(document["name"]) for document in data["documents"]]
    assert vi("Certified copy") in html or vi("Copy") in html
    assert vi("Optional") in html
    assert f'href="/thu-tuc/{BUILDING_PERMIT}/mau/{form_file.pk}/"' in html
    assert '<span class="file-type">PDF</span>' in html
    # Fees in VND, when they are due and how to pay.
    assert "75.000 đ" in html
    assert vi("Charge") in html
    assert vi("When the dossier is submitted") in html
    assert escape(procedure.fee_note) in html
    # Result and legal bases.
    assert escape(procedure.result) in html
    for basis in procedure.legal_bases:
        assert f"<li>{escape(basis)}</li>" in html
    # Version 2 (the form was attached after the first publication).
    assert re.search(r"2, [^<]*\d\d/\d\d/\d{4}", html)
    assert f'href="/thu-tuc/{BUILDING_PERMIT}/phien-ban/1/"' in html
    # Level 3: the online submission button.
    assert f'href="/nop-ho-so/{BUILDING_PERMIT}/"' in html
    assert vi("Submit this dossier online") in html


def test_online_time_is_halved_by_the_province(client, catalogue):
    procedure = ProcedureFactory(processing_time=Decimal("15"), published=True)
    html = page(client, detail_url(procedure.code))
    with translation.override("vi"):
        halved = ngettext("%(amount)s working day", "%(amount)s working days", 2) % {
            "amount": "7,5"
        }
    assert vi("Submitted online: %(time)s", time=halved) in html
    assert "7,5" in html
    assert (
        vi(
            "Under the province's policy, dossiers of procedures of two working days or more "
            "that are submitted online are settled in half the published time."
        )
        in html
    )


def test_same_day_procedure_says_so(client, catalogue):
    procedure = Procedure.objects.get(code=SAME_DAY_COPY)
    assert procedure.processing_unit == "hours"
    html = page(client, detail_url(SAME_DAY_COPY))
    hours = vi_count("%(amount)s working hour", "%(amount)s working hours", 8, amount="8")
    expected = vi(
        "Same day (%(hours)s); dossiers received after %(cutoff)s are settled on the next "
        "working day",
        hours="HOURS",
        cutoff="15:00",
    ).replace("HOURS", hours)
    assert expected in html


def test_levels_1_and_2_have_no_submit_button(client, catalogue):
    html = page(client, detail_url(SAME_DAY_COPY))
    assert "/nop-ho-so/" not in html
    assert 'class="badge badge-level-2"' in html
    assert vi("Partly online public service") not in html
    assert (
        escape(Agency.objects.get(code=Procedure.objects.get(code=SAME_DAY_COPY).agency.code).name)
        in html
    )


def test_level_4_has_the_submit_button_and_decree_42_words(client, catalogue):
    html = page(client, detail_url(BIRTH))
    assert f'href="/nop-ho-so/{BIRTH}/"' in html
    assert vi("Fully online public service") in html


def test_procedure_without_fees(client, catalogue):
    procedure = ProcedureFactory(documents=1, published=True)
    html = page(client, detail_url(procedure.code))
    assert vi("No fees or charges") in html
    assert " đ<" not in html


def test_several_fees_are_totalled(client, catalogue):
    procedure = ProcedureFactory(published=False)
    FeeItemFactory(procedure=procedure, name="Phí thẩm định", kind="fee", amount=1000000)
    FeeItemFactory(procedure=procedure, name="Lệ phí cấp giấy", amount=50000)
    services.procedure_publish(procedure=procedure, actor=None)
    html = page(client, detail_url(procedure.code))
    assert "1.000.000 đ" in html
    assert "50.000 đ" in html
    assert "1.050.000 đ" in html
    assert vi("Fee") in html


def test_inter_agency_steps_are_listed(client, catalogue):
    from procedures.tests.factories import InterAgencyStepFactory

    procedure = ProcedureFactory(published=False)
    partner = Agency.objects.get(code="000.00.00.H45")
    InterAgencyStepFactory(procedure=procedure, agency=partner, description="Thẩm định hồ sơ")
    services.procedure_publish(procedure=procedure, actor=None)
    html = page(client, detail_url(procedure.code))
    assert "Thẩm định hồ sơ" in html
    assert f'href="/co-quan/{partner.code}/"' in html


def test_unknown_or_unpublished_procedure_is_not_found(client, catalogue):
    page(client, detail_url("9.999999"), status=404)
    procedure = Procedure.objects.get(code=BUILDING_PERMIT)
    services.procedure_unpublish(procedure=procedure, actor=None)
    page(client, detail_url(BUILDING_PERMIT), status=404)
    draft = ProcedureFactory(published=False)
    page(client, detail_url(draft.code), status=404)


def test_usage_figures_show_zero(client, catalogue):
    procedure = Procedure.objects.get(code=BUILDING_PERMIT)
    assert procedure_usage(procedure) == ProcedureUsage(0, 0, 0, None)
    html = page(client, detail_url(BUILDING_PERMIT))
    zero = vi_count("%(count)s dossier", "%(count)s dossiers", 0, count="0")
    assert html.count(zero) >= 2
    assert vi("No dossier settled yet") in html
    assert "None" not in html
    assert "%</dd>" not in html


def test_usage_rate_is_a_percentage():
    display = presenters.usage_display(
        ProcedureUsage(
            received=1200, processed=3, processed_on_time=2, on_time_rate=Decimal("66.7")
        )
    )
    assert display.received.startswith("1.200")
    with translation.override("vi"):
        display = presenters.usage_display(
            ProcedureUsage(
                received=3, processed=3, processed_on_time=2, on_time_rate=Decimal("66.7")
            )
        )
    assert display.on_time == "66,7\u00a0%"


# --- Versions --------------------------------------------------------------------------------


def test_an_older_version_stays_readable_after_an_edit(client, catalogue):
    procedure = Procedure.objects.get(code=BUILDING_PERMIT)
    old_name = procedure.name
    old_document = procedure.documents.first().name
    procedure.name = "Cấp giấy phép xây dựng (tên mới sau khi sửa)"
    procedure.save()
    procedure.documents.first().delete()
    RequiredDocumentFactory(
        procedure=procedure, name="Giấy tờ mới thêm", form=RequiredDocument.Form.COPY
    )
    FeeItemFactory(procedure=procedure, amount=150000)
    version = services.procedure_record_edit(procedure=procedure, actor=None)
    assert version.number == 2

    current = page(client, detail_url(BUILDING_PERMIT))
    assert "tên mới sau khi sửa" in current
    assert "Giấy tờ mới thêm" in current
    assert escape(old_document) not in current

    old_url = reverse("procedures:version", kwargs={"code": BUILDING_PERMIT, "number": 1})
    assert f'href="{old_url}"' in current
    old = page(client, old_url)
    assert escape(old_name) in old
    assert escape(old_document) in old
    assert "Giấy tờ mới thêm" not in old
    assert "150.000 đ" not in old
    # The banner says which version this is and links to the current one.
    assert 'class="alert alert-warning version-banner"' in old
    assert f'href="{detail_url(BUILDING_PERMIT)}"' in old
    assert '<meta name="robots" content="noindex">' in old
    # Dossiers are filed under the current version only.
    assert "/nop-ho-so/" not in old

    response = client.get(
        reverse("procedures:version", kwargs={"code": BUILDING_PERMIT, "number": 2})
    )
    assert response.status_code == 302
    assert response["Location"] == detail_url(BUILDING_PERMIT)
    page(client, reverse("procedures:version", kwargs={"code": BUILDING_PERMIT, "number": 9}), 404)
    page(client, reverse("procedures:version", kwargs={"code": "9.999999", "number": 1}), 404)


def test_versions_stay_readable_after_unpublishing(client, catalogue):
    procedure = Procedure.objects.get(code=BUILDING_PERMIT)
    procedure.name = "Tên đã sửa"
    procedure.save()
    services.procedure_record_edit(procedure=procedure, actor=None)
    services.procedure_unpublish(procedure=procedure, actor=None)
    html = page(
        client, reverse("procedures:version", kwargs={"code": BUILDING_PERMIT, "number": 1})
    )
    assert vi("This procedure is no longer published in the catalogue.") in html


# --- Sectors and agencies --------------------------------------------------------------------


def test_sector_index_and_page(client, catalogue):
    html = page(client, reverse("procedures:sectors"))
    assert 'href="/linh-vuc/XAYDUNG/"' in html
    assert "Hoạt động xây dựng" in html
    sector_page = client.get(reverse("procedures:sector", kwargs={"code": "XAYDUNG"}))
    assert sector_page.status_code == 200
    codes = {item.code for item in sector_page.context["procedures"]}
    assert BUILDING_PERMIT in codes
    assert codes == set(
        Procedure.published.filter(sector__code="XAYDUNG").values_list("code", flat=True)
    )
    assert '<h1 class="mt-0">Hoạt động xây dựng</h1>' in sector_page.content.decode()
    page(client, reverse("procedures:sector", kwargs={"code": "KHONGCO"}), 404)


def test_sector_page_combines_with_other_filters(client, catalogue):
    response = client.get(
        reverse("procedures:sector", kwargs={"code": "XAYDUNG"}), {"q": "gia han"}
    )
    codes = [item.code for item in response.context["procedures"]]
    assert codes == ["1.013227"]


def test_agency_index_groups_by_level(client, catalogue):
    response = client.get(reverse("procedures:agencies"))
    html = response.content.decode()
    assert f'href="/co-quan/{TUY_HOA}/"' in html
    labels = [str(label) for label, _agencies in response.context["groups"]]
    assert labels == [
        str(Agency.Level.PROVINCE.label),
        str(Agency.Level.DISTRICT.label),
        str(Agency.Level.COMMUNE.label),
    ]


def test_agency_page_shows_contacts_departments_and_procedures(client, catalogue):
    agency = Agency.objects.select_related("parent").get(code=TUY_HOA)
    response = client.get(reverse("procedures:agency", kwargs={"code": TUY_HOA}))
    html = response.content.decode()
    for value in (agency.name, agency.address, agency.hotline, agency.email):
        assert escape(value) in html
    assert f'href="/co-quan/{agency.parent.code}/"' in html
    desk = agency.departments.get(is_one_stop_desk=True)
    assert escape(desk.name) in html
    assert vi("One-stop desk") in html
    codes = {item.code for item in response.context["procedures"]}
    assert BUILDING_PERMIT in codes
    assert codes <= set(Procedure.published.filter(agency=agency).values_list("code", flat=True))
    page(client, reverse("procedures:agency", kwargs={"code": "000.00.99.H99"}), 404)


def test_agency_page_paginates(client, catalogue, django_assert_max_num_queries):
    agency = Agency.objects.get(code=TUY_HOA)
    ProcedureFactory.create_batch(25, agency=agency, published=True)
    total = Procedure.published.filter(agency=agency).count()
    with django_assert_max_num_queries(8):
        first = client.get(reverse("procedures:agency", kwargs={"code": TUY_HOA}))
    assert len(first.context["procedures"]) == 20
    last = client.get(reverse("procedures:agency", kwargs={"code": TUY_HOA}), {"trang": "xyz"})
    assert last.context["page_obj"].number == 1
    second = client.get(reverse("procedures:agency", kwargs={"code": TUY_HOA}), {"trang": "2"})
    assert len(second.context["procedures"]) == total - 20


# --- Home ------------------------------------------------------------------------------------


def test_home_lists_popular_procedures(client, catalogue):
    Procedure.objects.filter(code=BUILDING_PERMIT).update(popularity=500)
    response = client.get("/")
    popular = response.context["popular_procedures"]
    assert 1 <= len(popular) <= 6
    assert popular[0].code == BUILDING_PERMIT
    html = response.content.decode()
    assert f'href="{detail_url(BUILDING_PERMIT)}"' in html
    assert 'href="/linh-vuc/"' in html
    assert 'href="/co-quan/"' in html


# --- Online submission entry -----------------------------------------------------------------


def test_submission_needs_an_account(client, catalogue):
    url = reverse("dossiers:submit", kwargs={"code": BUILDING_PERMIT})
    assert url == f"/nop-ho-so/{BUILDING_PERMIT}/"
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"/tai-khoan/dang-nhap/?next=/nop-ho-so/{BUILDING_PERMIT}/"


def test_submission_start_lists_what_to_prepare(client, catalogue):
    client.force_login(UserFactory())
    procedure = Procedure.objects.get(code=BUILDING_PERMIT)
    # Levels 3-4 open the online form of the person's draft (dossiers/views_citizen.py).
    response = client.get(f"/nop-ho-so/{BUILDING_PERMIT}/", follow=True)
    assert response.status_code == 200
    assert re.search(r"/ho-so-cua-toi/\d+/soan/$", response.redirect_chain[-1][0])
    html = response.content.decode()
    for document in procedure.current_version.data["documents"]:
        assert escape(document["name"]) in html
    assert "PDF, JPEG, PNG" in html
    assert "75.000 đ" in html
    assert 'enctype="multipart/form-data"' in html


def test_submission_of_levels_1_and_2_is_explained(client, catalogue):
    client.force_login(UserFactory())
    html = page(client, f"/nop-ho-so/{SAME_DAY_COPY}/")
    assert vi("Online submission is not available") in html
    assert vi("Prepare your dossier") not in html


def test_submission_of_unknown_or_unpublished_procedure_is_not_found(client, catalogue):
    client.force_login(UserFactory())
    page(client, "/nop-ho-so/9.999999/", 404)
    services.procedure_unpublish(procedure=Procedure.objects.get(code=BIRTH), actor=None)
    page(client, f"/nop-ho-so/{BIRTH}/", 404)


def test_form_download_serves_the_published_file(client, catalogue, form_file):
    response = client.get(f"/thu-tuc/{BUILDING_PERMIT}/mau/{form_file.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert "attachment" in response["Content-Disposition"]
    assert response["Content-Disposition"].endswith('.pdf"')


def test_form_download_refuses_what_no_version_publishes(client, catalogue, form_file):
    other = Procedure.objects.exclude(code=BUILDING_PERMIT).first()
    # A document id of another procedure, an unknown id, an unpublished procedure: 404.
    assert client.get(f"/thu-tuc/{other.code}/mau/{form_file.pk}/").status_code == 404
    assert client.get(f"/thu-tuc/{BUILDING_PERMIT}/mau/999999/").status_code == 404
    services.procedure_unpublish(procedure=form_file.procedure, actor=None)
    assert client.get(f"/thu-tuc/{BUILDING_PERMIT}/mau/{form_file.pk}/").status_code == 404
