"""Public lookup by dossier code (/tra-cuu/) and the kiosk (/kiosk/)."""

import psycopg
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from dossiers.models import Dossier, LookupNamesVersion
from dossiers.tests.factories import DossierFactory
from dossiers.views_public import mask_name, normalise_code
from procedures.tests.factories import ProcedureFactory

pytestmark = pytest.mark.django_db

LOOKUP = "/tra-cuu/"


def vi(text) -> str:
    """The Vietnamese the page shows (English until the catalogue has the entry)."""
    with translation.override("vi"):
        return str(translation.gettext(text) if isinstance(text, str) else text)


@pytest.fixture
def dossier():
    return DossierFactory(
        processing=True,
        code="000.00.01.H45-261124-0007",
        applicant_name="Nguyễn Văn An",
        applicant_national_id="054090001234",
        applicant_phone="0905123456",
        applicant_email="an.nguyen@example.com",
        applicant_address="Số 5 Trần Hưng Đạo, phường 1, TP. Tuy Hòa",
        appointment_at=timezone.make_aware(timezone.datetime(2026, 12, 3, 10, 30)),
    )


def test_a_dossier_is_found_by_its_code(client, dossier):
    response = client.get(LOOKUP, {"ma": dossier.code})

    assert response.status_code == 200
    html = response.content.decode()
    assert dossier.code in html
    assert dossier.procedure.name in html
    assert dossier.agency.name in html
    assert vi(Dossier.State.PROCESSING.label) in html  # the state, in Vietnamese
    assert "03/12/2026" in html  # the appointment
    assert timezone.localtime(dossier.submitted_at).strftime("%d/%m/%Y") in html
    assert response["Cache-Control"] == "private, no-store"


def test_the_applicant_name_is_masked(client, dossier):
    html = client.get(LOOKUP, {"ma": dossier.code}).content.decode()
    assert "Nguyễn V** A**" in html
    assert "Văn An" not in html


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("Nguyễn Văn An", "Nguyễn V** A**"),
        ("Lê Thị Ánh Tuyết", "Lê T** Á** T**"),
        ("  Trần   Bảo ", "Trần B**"),
        ("Hùng", "H**"),
        ("", ""),
    ],
)
def test_mask_name(name, masked):
    assert mask_name(name) == masked


def test_nothing_personal_is_shown(client, dossier):
    html = client.get(LOOKUP, {"ma": dossier.code}).content.decode()
    for secret in (
        "054090001234",
        "0905123456",
        "an.nguyen@example.com",
        "Trần Hưng Đạo",
        "/ho-so-cua-toi/",
    ):
        assert secret not in html, secret


def test_an_unknown_code_gets_a_clear_message_and_keeps_what_was_typed(client, dossier):
    response = client.get(LOOKUP, {"ma": "000.00.01.H45-261124-9999"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "000.00.01.H45-261124-9999" in html
    assert 'value="000.00.01.H45-261124-9999"' in html
    assert 'role="alert"' in html
    assert vi(Dossier.State.PROCESSING.label) not in html


def test_a_draft_is_not_found(client):
    draft = DossierFactory(code="000.00.01.H45-261124-0042")
    assert draft.state == Dossier.State.DRAFT

    html = client.get(LOOKUP, {"ma": draft.code}).content.decode()

    assert 'role="alert"' in html
    assert draft.procedure.name not in html


def test_the_code_is_normalised(client, dossier):
    html = client.get(LOOKUP, {"ma": "  000.00.01.h45 - 261124 - 0007 "}).content.decode()
    assert dossier.procedure.name in html
    assert normalise_code(" 000.00.01.h45–261124–0007\t") == "000.00.01.H45-261124-0007"


def test_the_empty_form_counts_nothing(client, settings):
    settings.LOOKUP_RATE_LIMIT = 1
    for _ in range(3):
        assert client.get(LOOKUP).status_code == 200


def test_lookups_are_rate_limited_per_address(client, dossier, settings):
    settings.LOOKUP_RATE_LIMIT = 5
    for _ in range(5):
        assert client.get(LOOKUP, {"ma": dossier.code}).status_code == 200

    response = client.get(LOOKUP, {"ma": dossier.code})

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert vi("Too many lookups") in response.content.decode()
    assert dossier.procedure.name not in response.content.decode()
    # Another address is not affected.
    other = client.get(LOOKUP, {"ma": dossier.code}, REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 200


def test_the_lookup_is_one_query(client, dossier):
    client.get(LOOKUP, {"ma": dossier.code})  # warm up (content types, translations)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(LOOKUP, {"ma": dossier.code})
    assert response.status_code == 200
    assert len(queries) <= 2, [query["sql"] for query in queries]


def test_a_saved_page_costs_one_query_that_reads_nothing_personal(client, dossier):
    client.get(LOOKUP, {"ma": "000.00.01.H45-261124-9999"})  # warm up (translations)
    with CaptureQueriesContext(connection) as queries:
        client.get(LOOKUP, {"ma": dossier.code})
    assert len(queries) == 3  # a new page: the dossier, then the procedure and agency names
    with CaptureQueriesContext(connection) as queries:
        response = client.get(LOOKUP, {"ma": dossier.code})

    assert response.status_code == 200
    assert dossier.procedure.name in response.content.decode()
    assert len(queries) == 1, [query["sql"] for query in queries]
    sql = queries[0]["sql"]
    # The dossier by its code and the one-row names version: no join.
    assert "dossiers_dossier" in sql and "dossiers_lookupnamesversion" in sql
    assert "JOIN" not in sql
    assert "applicant_national_id" not in sql and "applicant_phone" not in sql
    assert "applicant_address" not in sql


def test_names_are_read_once_per_process_and_names_version(
    client, dossier, django_capture_on_commit_callbacks
):
    other = DossierFactory(
        processing=True,
        code="000.00.01.H45-261124-0008",
        procedure=dossier.procedure,
        agency=dossier.agency,
    )
    client.get(LOOKUP, {"ma": dossier.code})  # the names are read for this page
    with CaptureQueriesContext(connection) as queries:
        page = client.get(LOOKUP, {"ma": other.code}).content.decode()
    # A new page, but the same procedure and agency: the dossier only.
    assert len(queries) == 1, [query["sql"] for query in queries]
    assert dossier.procedure.name in page and dossier.agency.name in page

    with django_capture_on_commit_callbacks(execute=True):
        dossier.agency.name = "Trung tâm Phục vụ hành chính công tỉnh"
        dossier.agency.save()
    assert (
        "Trung tâm Phục vụ hành chính công tỉnh"
        in client.get(LOOKUP, {"ma": other.code}).content.decode()
    )


def test_an_address_that_keeps_coming_back_asks_redis_only_every_few_lookups(
    client, dossier, redis_round_trips
):
    for _ in range(15):
        assert client.get(LOOKUP, {"ma": dossier.code}).status_code == 200
    # Counts reserved 1, 2, 4 and 8 at a time: four round trips for fifteen lookups (and
    # nothing else: no page stored or read in Redis).
    sent = [b"".join(chunks) for chunks in redis_round_trips]
    assert len([commands for commands in sent if b"INCRBY" in commands]) == 4
    assert not [c for c in sent if b"$3\r\nGET\r\n" in c or b"$3\r\nSET\r\n" in c]


def test_a_renamed_procedure_or_agency_shows_at_once(
    client, dossier, django_capture_on_commit_callbacks
):
    first = client.get(LOOKUP, {"ma": dossier.code}).content.decode()
    assert dossier.procedure.name in first

    with django_capture_on_commit_callbacks(execute=True):
        dossier.procedure.name = "Cấp giấy phép xây dựng nhà ở riêng lẻ"
        dossier.procedure.save()
    renamed = client.get(LOOKUP, {"ma": dossier.code}).content.decode()
    assert "Cấp giấy phép xây dựng nhà ở riêng lẻ" in renamed

    with django_capture_on_commit_callbacks(execute=True):
        dossier.agency.name = "Trung tâm Phục vụ hành chính công tỉnh"
        dossier.agency.save()
    moved = client.get(LOOKUP, {"ma": dossier.code}).content.decode()
    assert "Trung tâm Phục vụ hành chính công tỉnh" in moved
    assert client.get(LOOKUP, {"ma": dossier.code}).content.decode() == moved  # reused again


def test_a_refused_lookup_does_not_read_the_dossier(client, dossier, settings):
    settings.LOOKUP_RATE_LIMIT = 1
    client.get(LOOKUP, {"ma": dossier.code})
    with CaptureQueriesContext(connection) as queries:
        response = client.get(LOOKUP, {"ma": dossier.code})
    assert response.status_code == 429
    assert not [query for query in queries if "dossiers_dossier" in query["sql"]]


def test_a_stored_page_is_reused_only_for_what_the_database_still_says(client, dossier):
    first = client.get(LOOKUP, {"ma": dossier.code}).content.decode()
    Dossier.objects.filter(pk=dossier.pk).update(applicant_name="Lê Thị Ánh Tuyết")

    after = client.get(LOOKUP, {"ma": dossier.code}).content.decode()

    assert "Nguyễn V** A**" in first
    assert "Lê T** Á** T**" in after and "Nguyễn V** A**" not in after
    # And once the dossier is back to a draft it is not found, whatever was stored.
    Dossier.objects.filter(pk=dossier.pk).update(state=Dossier.State.DRAFT)
    gone = client.get(LOOKUP, {"ma": dossier.code}).content.decode()
    assert 'role="alert"' in gone and "Lê T** Á** T**" not in gone


@pytest.mark.django_db(transaction=True)
def test_the_lookup_query_is_its_own_connection_health_check(client, dossier, monkeypatch):
    checks = []
    wrapper = connections["default"]
    is_usable = wrapper.is_usable
    monkeypatch.setattr(wrapper, "is_usable", lambda: checks.append(1) or is_usable())
    client.get(LOOKUP, {"ma": dossier.code})
    connection.close_if_unusable_or_obsolete()  # what Django does when a request starts

    assert client.get(LOOKUP, {"ma": dossier.code}).status_code == 200
    assert checks == []  # no "SELECT 1" before the query

    # The database dropped the persistent connection (restart, idle timeout...).
    dropped = connection.connection.info.backend_pid
    with psycopg.connect(**connection.get_connection_params(), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s, 5000)", [dropped])
    connection.close_if_unusable_or_obsolete()

    response = client.get(LOOKUP, {"ma": dossier.code})

    assert response.status_code == 200
    assert "Nguyễn V** A**" in response.content.decode()
    assert connection.connection.info.backend_pid != dropped


def test_the_names_version_is_raised_only_once_a_rename_is_committed(
    client, dossier, django_capture_on_commit_callbacks
):
    before = LookupNamesVersion.objects.get().version
    with django_capture_on_commit_callbacks() as callbacks:
        dossier.procedure.name = "Đăng ký khai sinh"
        dossier.procedure.save()
        assert LookupNamesVersion.objects.get().version == before
    # Other caches listen to the same save (the catalogue API's pages): run ours.
    (raise_names_version,) = [c for c in callbacks if c.__name__ == "raise_version"]
    raise_names_version()
    assert LookupNamesVersion.objects.get().version == before + 1


def test_the_kiosk_renders_without_the_site_navigation(client, dossier):
    response = client.get("/kiosk/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="ma"' in html
    assert 'inputmode="text"' in html
    assert 'autocapitalize="characters"' in html
    assert "primary-nav" not in html
    assert 'data-idle-seconds="60"' in html
    assert "kiosk.js" in html
    assert 'http-equiv="refresh"' not in html  # nothing to clear on the empty form


def test_the_kiosk_result_clears_itself(client, dossier):
    response = client.get("/kiosk/", {"ma": dossier.code, "idle": "5"})
    html = response.content.decode()
    assert "Nguyễn V** A**" in html
    assert 'data-idle-seconds="5"' in html
    assert 'content="5;url=/kiosk/?idle=5"' in html  # the refresh without JavaScript
    assert 'name="idle" value="5"' in html
    assert response["Cache-Control"] == "private, no-store"


def test_the_kiosk_is_rate_limited_too(client, dossier, settings):
    settings.LOOKUP_RATE_LIMIT = 1
    client.get("/kiosk/", {"ma": dossier.code})
    response = client.get("/kiosk/", {"ma": dossier.code})
    assert response.status_code == 429
    assert "kiosk.css" in response.content.decode()


def test_bench_dossier_command_is_idempotent():
    ProcedureFactory(published=True)
    call_command("bench_lookup_dossier")
    call_command("bench_lookup_dossier")
    dossier = Dossier.objects.get(code="000.00.01.H45-260101-0001")
    assert dossier.state == Dossier.State.PROCESSING


def test_bench_dossier_command_refuses_in_production(settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError):
        call_command("bench_lookup_dossier")


def test_a_change_of_state_shows_at_once_though_pages_are_reused(client, dossier):
    first = client.get(LOOKUP, {"ma": dossier.code}).content.decode()
    assert client.get(LOOKUP, {"ma": dossier.code}).content.decode() == first  # reused
    Dossier.objects.filter(pk=dossier.pk).update(
        state=Dossier.State.DONE, finished_at=timezone.now()
    )
    after = client.get(LOOKUP, {"ma": dossier.code}).content.decode()
    assert 'data-state="done"' in after and 'data-state="done"' not in first


def test_public_pages_carry_no_token_and_nothing_of_a_logged_in_visitor(client, dossier):
    from tests.factories import UserFactory

    citizen = UserFactory(full_name="Trần Thị Bích")
    client.force_login(citizen)
    own = client.get(LOOKUP, {"ma": dossier.code}).content.decode()
    assert "Trần Thị Bích" in own  # their name in the header, for them

    client.logout()
    client.cookies.clear()
    anonymous = client.get(LOOKUP, {"ma": dossier.code})
    html = anonymous.content.decode()
    assert "Trần Thị Bích" not in html
    assert "csrfmiddlewaretoken" not in html
    assert "csrftoken" not in anonymous.cookies


def test_the_language_can_be_changed_without_a_token(client):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/i18n/setlang/", {"language": "en", "next": "/tra-cuu/"})
    assert response.status_code == 302
    assert response.cookies["django_language"].value == "en"
