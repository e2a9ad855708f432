"""The pages as a browser without JavaScript uses them: plain GET and POST forms."""

from datetime import timedelta

import pytest
from django.utils import timezone

from bookings import services, slots
from bookings.models import Booking
from portal.models import CalendarOverride
from portal.roles import Role
from tests.factories import CalendarOverrideFactory, UserFactory, staff_user

from .factories import local, published_procedure

pytestmark = pytest.mark.django_db


def _first_slot(procedure):
    return slots.open_slots(agency_id=procedure.agency_id, now=timezone.now() + timedelta(days=1))[
        0
    ].slots[0]


def test_the_procedure_page_and_the_account_link_to_bookings(client):
    procedure = published_procedure()
    page = client.get(f"/thu-tuc/{procedure.code}/")
    assert f'href="/dat-lich/thu-tuc/{procedure.code}/"' in page.content.decode()
    client.force_login(UserFactory())
    assert 'href="/dat-lich/"' in client.get("/tai-khoan/").content.decode()


def test_booking_needs_an_account(client):
    procedure = published_procedure()
    response = client.get(f"/dat-lich/thu-tuc/{procedure.code}/")
    assert response.status_code == 302 and "dang-nhap" in response["Location"]


def test_book_see_the_code_and_cancel(client):
    procedure = published_procedure()
    citizen = UserFactory()
    client.force_login(citizen)
    page = client.get(f"/dat-lich/thu-tuc/{procedure.code}/")
    slot = _first_slot(procedure)
    assert f'value="{slot.value}"' in page.content.decode()
    response = client.post(
        f"/dat-lich/thu-tuc/{procedure.code}/",
        {"slot": slot.value, "phone": "0905123456", "email": "", "note": "Đi cùng con"},
    )
    booking = Booking.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/dat-lich/ma/{booking.code}/"
    detail = client.get(response["Location"]).content.decode()
    assert booking.code in detail and 'src="data:image/svg+xml' in detail
    assert booking.phone == "0905123456" and booking.note == "Đi cùng con"
    assert booking.code in client.get("/dat-lich/").content.decode()
    client.post(f"/dat-lich/ma/{booking.code}/huy/")
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED


def test_a_bad_choice_is_explained_and_keeps_what_was_typed(client):
    procedure = published_procedure()
    client.force_login(UserFactory())
    for value in ("", "yesterday", "2020-01-06T08:00", "2099-01-01T12:00"):
        response = client.post(
            f"/dat-lich/thu-tuc/{procedure.code}/",
            {"slot": value, "phone": "0905999888", "note": "ghi chú của tôi"},
        )
        body = response.content.decode()
        assert response.status_code == 400
        assert 'role="alert"' in body and "0905999888" in body and "ghi chú của tôi" in body
    assert not Booking.objects.exists()


def test_unknown_procedure_is_404(client):
    client.force_login(UserFactory())
    assert client.get("/dat-lich/thu-tuc/1.999999/").status_code == 404


def test_only_the_owner_sees_and_cancels(client):
    procedure = published_procedure()
    owner = UserFactory()
    booking = services.booking_create(
        citizen=owner, procedure=procedure, starts_at=_first_slot(procedure).starts_at
    )
    client.force_login(UserFactory())
    assert client.get(f"/dat-lich/ma/{booking.code}/").status_code == 404
    assert client.post(f"/dat-lich/ma/{booking.code}/huy/").status_code == 404
    booking.refresh_from_db()
    assert booking.status == Booking.Status.BOOKED


def test_lookup_by_code_shows_no_personal_data(client):
    procedure = published_procedure()
    owner = UserFactory(full_name="Trần Văn Bí Mật")
    booking = services.booking_create(
        citizen=owner, procedure=procedure, starts_at=_first_slot(procedure).starts_at
    )
    found = client.get(f"/dat-lich/tra-cuu/?ma={booking.code.lower()}")
    assert found.status_code == 200
    body = found.content.decode()
    assert booking.code in body and "Trần Văn Bí Mật" not in body
    assert owner.national_id not in body
    missing = client.get("/dat-lich/tra-cuu/?ma=LH000000-AAAAAA")
    assert missing.status_code == 404 and "LH000000-AAAAAA" in missing.content.decode()


def test_the_desk_sees_todays_bookings_and_registers_in_one_step(login_staff):
    CalendarOverrideFactory(date=timezone.localdate(), kind=CalendarOverride.Kind.WORKING_DAY)
    procedure = published_procedure()
    citizen = UserFactory(full_name="Đặng Thị Mai")
    early = local(timezone.localdate(), 6)
    booking = services.booking_create(
        citizen=citizen, procedure=procedure, starts_at=local(timezone.localdate(), 8), now=early
    )
    officer = staff_user(Role.DESK_OFFICER, agency=procedure.agency)
    client = login_staff(officer)
    queue = client.get("/can-bo/").content.decode()
    assert booking.code in queue and "Đặng Thị Mai" in queue
    response = client.post(f"/can-bo/dat-lich/{booking.pk}/tiep-nhan/")
    booking.refresh_from_db()
    assert booking.dossier is not None
    assert response["Location"] == f"/can-bo/ho-so/{booking.dossier.pk}/"
    again = client.post(f"/can-bo/dat-lich/{booking.pk}/tiep-nhan/", follow=True)
    assert "Đã nhập hồ sơ từ lịch hẹn này." in again.content.decode()
    assert Booking.objects.get().dossier == booking.dossier

    # The citizen booked with their account: they follow the dossier there, as one filed online.
    client.logout()
    client.force_login(citizen)
    mine = client.get("/ho-so-cua-toi/").content.decode()
    assert booking.dossier.code in mine
    detail = client.get(f"/ho-so-cua-toi/{booking.dossier.pk}/")
    assert detail.status_code == 200 and procedure.name in detail.content.decode()


def test_the_desk_sets_its_capacity(login_staff):
    procedure = published_procedure()
    client = login_staff(staff_user(Role.DESK_OFFICER, agency=procedure.agency))
    assert client.get("/can-bo/dat-lich/").status_code == 200
    bad = client.post("/can-bo/dat-lich/", {"per_slot": "0"})
    assert bad.status_code == 200 and 'value="0"' in bad.content.decode()
    client.post("/can-bo/dat-lich/", {"per_slot": "4"})
    assert slots.capacity_for(procedure.agency_id) == 4


def test_citizens_cannot_reach_the_desk_pages(client):
    procedure = published_procedure()
    booking = services.booking_create(
        citizen=UserFactory(), procedure=procedure, starts_at=_first_slot(procedure).starts_at
    )
    client.force_login(booking.citizen)
    assert client.post(f"/can-bo/dat-lich/{booking.pk}/tiep-nhan/").status_code in (302, 403)
    assert client.get("/can-bo/dat-lich/").status_code in (302, 403)
    booking.refresh_from_db()
    assert booking.dossier is None
