"""Agency succession under the two-tier local government (from 1/7/2025).

An agency that was renamed or merged into another keeps its row and points at its successor.
Dossiers keep the agency they were filed with; pages name the agency that now holds its tasks,
and reports can count either way.
"""

from __future__ import annotations

from django.db.models import Q

from .models import Agency

# A longer chain is a data error (a loop slipped past the admin's check); stop rather than spin.
MAX_CHAIN = 20


def agency_successor_chain(agency: Agency) -> list[Agency]:
    """The agency's successors in order, the current one last; empty when it has none."""
    chain: list[Agency] = []
    seen = {agency.pk}
    step = agency.successor
    while step is not None and step.pk not in seen and len(chain) < MAX_CHAIN:
        chain.append(step)
        seen.add(step.pk)
        step = step.successor
    return chain


def agency_current(agency: Agency) -> Agency:
    """The agency that holds this one's tasks today (the agency itself when it has no successor)."""
    chain = agency_successor_chain(agency)
    return chain[-1] if chain else agency


def current_agency_ids() -> dict[int, int]:
    """Every succeeded agency's id mapped to its current successor's id (one query)."""
    successor_of = dict(
        Agency.objects.filter(successor__isnull=False).values_list("pk", "successor_id")
    )
    mapping: dict[int, int] = {}
    for start in successor_of:
        seen, step = {start}, successor_of[start]
        while step in successor_of and step not in seen and len(seen) < MAX_CHAIN:
            seen.add(step)
            step = successor_of[step]
        mapping[start] = step
    return mapping


def communes_of_province(agency: Agency) -> list[Agency]:
    """The communes and wards (active, not succeeded) of the province the agency belongs to.

    Decree 118/2025/NĐ-CP lets a citizen file a commune-level procedure with any commune of the
    province, whatever their residence; these are the communes the citizen may choose.
    """
    province = agency
    while province.parent_id is not None and province.level != Agency.Level.PROVINCE:
        province = province.parent  # type: ignore[assignment]
    if province.level != Agency.Level.PROVINCE:
        return [agency]
    # Under the two-tier model communes sit right under the province; older rows may still sit
    # under a district, hence the second level.
    return list(
        Agency.objects.filter(
            Q(parent=province) | Q(parent__parent=province),
            level=Agency.Level.COMMUNE,
            is_active=True,
            successor__isnull=True,
        ).order_by("name")
    )
