"""Agency succession: renamed or merged agencies point at the one that holds their tasks now."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from portal.models import Agency, SuccessionKind
from portal.succession import (
    agency_current,
    agency_successor_chain,
    communes_of_province,
    current_agency_ids,
)
from tests.factories import AgencyFactory

pytestmark = pytest.mark.django_db

JULY_2025 = date(2025, 7, 1)


def succeed(old: Agency, new: Agency, kind: str = SuccessionKind.MERGED) -> Agency:
    old.successor, old.succession_kind, old.succession_effective_on = new, kind, JULY_2025
    old.full_clean()
    old.save()
    return old


def test_an_agency_without_successor_is_its_own_current_agency():
    agency = AgencyFactory()
    assert agency_successor_chain(agency) == []
    assert agency_current(agency) == agency
    assert current_agency_ids() == {}


def test_the_chain_follows_renames_and_mergers_to_the_agency_of_today():
    district = AgencyFactory(name="UBND thành phố Tuy Hòa", level=Agency.Level.DISTRICT)
    ward = AgencyFactory(name="UBND phường Tuy Hòa", level=Agency.Level.COMMUNE)
    renamed = AgencyFactory(name="UBND phường Tuy Hòa (tên mới)", level=Agency.Level.COMMUNE)
    succeed(district, ward)
    succeed(ward, renamed, SuccessionKind.RENAMED)
    assert agency_successor_chain(district) == [ward, renamed]
    assert agency_current(district) == renamed
    assert current_agency_ids() == {district.pk: renamed.pk, ward.pk: renamed.pk}


def test_a_successor_leading_back_to_the_agency_is_refused():
    first, second = AgencyFactory(), AgencyFactory()
    succeed(first, second)
    second.successor, second.succession_kind = first, SuccessionKind.MERGED
    second.succession_effective_on = JULY_2025
    with pytest.raises(ValidationError) as error:
        second.full_clean()
    assert "successor" in error.value.message_dict


def test_a_successor_needs_a_kind_and_a_date():
    old, new = AgencyFactory(), AgencyFactory()
    old.successor = new
    with pytest.raises(ValidationError) as error:
        old.full_clean()
    assert set(error.value.message_dict) >= {"succession_kind", "succession_effective_on"}
    # The database refuses it too, whatever writes the row.
    with pytest.raises(IntegrityError), transaction.atomic():
        Agency.objects.filter(pk=old.pk).update(successor=new)


def test_the_communes_of_the_province_include_those_still_under_a_district():
    province = AgencyFactory(level=Agency.Level.PROVINCE)
    ward = AgencyFactory(level=Agency.Level.COMMUNE, parent=province, name="UBND phường A")
    district = AgencyFactory(level=Agency.Level.DISTRICT, parent=province)
    old_commune = AgencyFactory(level=Agency.Level.COMMUNE, parent=district, name="UBND xã B")
    merged = AgencyFactory(level=Agency.Level.COMMUNE, parent=province, name="UBND xã C")
    succeed(merged, ward)
    AgencyFactory(level=Agency.Level.COMMUNE, parent=province, is_active=False)
    assert communes_of_province(ward) == [ward, old_commune]
