"""The small fixed dataset of the report tests: every figure is counted by hand in test_figures.

Period: first half of 2026 under Decree 09/2019, i.e. 15/12/2025 00:00 to 14/06/2026 23:59:59
(Asia/Ho_Chi_Minh). Agency A handles P1 (sector S1, level 4) and P3 (S2, level 3); agency B
handles P2 (S2, level 3).
"""

from datetime import datetime

from django.utils import timezone

from dossiers.models import Dossier
from dossiers.tests.factories import DossierFactory
from procedures.models import Channel
from procedures.tests.factories import ProcedureFactory, SectorFactory
from reporting import periods
from tests.factories import AgencyFactory

H1_2026 = periods.half_year(2026, 1, periods.DECREE_09)


def at(text: str) -> datetime:
    return timezone.make_aware(datetime.strptime(text, "%Y-%m-%d %H:%M"))


def build_world():
    agency_a = AgencyFactory(code="000.00.01.H45", name="Sở Tư pháp")
    agency_b = AgencyFactory(code="000.00.02.H45", name="Sở Xây dựng")
    s1, s2 = (
        SectorFactory(code="LV-HT", name="Hộ tịch"),
        SectorFactory(code="LV-XD", name="Xây dựng"),
    )
    p1 = ProcedureFactory(code="1.000001", agency=agency_a, sector=s1, level4=True, published=True)
    p2 = ProcedureFactory(code="1.000002", agency=agency_b, sector=s2, published=True)
    p3 = ProcedureFactory(code="1.000003", agency=agency_a, sector=s2, published=True)
    return {"A": agency_a, "B": agency_b, "S1": s1, "S2": s2, "P1": p1, "P2": p2, "P3": p3}


def dossier(procedure, *, state, submitted, channel=Channel.ONLINE, due=None, finished=None):
    return DossierFactory(
        procedure=procedure,
        state=state,
        code=f"X-{DossierFactory._meta.model.objects.count():04d}",
        channel=channel,
        submitted_at=at(submitted) if submitted else None,
        accepted_at=at(submitted) if due else None,
        due_at=at(due) if due else None,
        appointment_at=at(due) if due else None,
        finished_at=at(finished) if finished else None,
    )


def build_dataset(world):
    p1, p2, p3 = world["P1"], world["P2"], world["P3"]
    S = Dossier.State
    # 1 carried over (submitted before the period), finished early inside it
    dossier(
        p1,
        state=S.DONE,
        submitted="2025-12-10 09:00",
        due="2025-12-20 10:00",
        finished="2025-12-16 14:00",
    )
    # 2 carried over, still open, overdue at the end of the period
    dossier(
        p1,
        state=S.PROCESSING,
        submitted="2025-11-01 09:00",
        channel=Channel.DESK,
        due="2025-11-20 10:00",
    )
    # 3 settled before the period: in no box
    dossier(
        p1,
        state=S.DONE,
        submitted="2025-10-01 09:00",
        due="2025-10-10 10:00",
        finished="2025-11-01 09:00",
    )
    # 4 the last minute of the period: received, in progress within time
    dossier(p1, state=S.PROCESSING, submitted="2026-06-14 23:59", due="2026-06-25 10:00")
    # 5 the first minute after the period: in no box
    dossier(p1, state=S.RECEIVED, submitted="2026-06-15 00:00")
    # 6 at the desk, result on the due day before the due moment: on time
    dossier(
        p2,
        state=S.DONE,
        submitted="2026-01-05 08:00",
        channel=Channel.DESK,
        due="2026-01-10 16:00",
        finished="2026-01-10 09:00",
    )
    # 7 by post, result on the due day but after the due moment: late
    dossier(
        p2,
        state=S.DONE,
        submitted="2026-02-02 08:00",
        channel=Channel.POST,
        due="2026-02-10 10:00",
        finished="2026-02-10 15:00",
    )
    # 8 returned during the period
    dossier(p3, state=S.RETURNED, submitted="2026-03-03 08:00", finished="2026-03-04 08:00")
    # 9 withdrawn during the period
    dossier(p2, state=S.WITHDRAWN, submitted="2026-04-01 08:00", finished="2026-04-02 08:00")
    # 10 result after the period ended: in progress (overdue) at its end
    dossier(
        p3,
        state=S.DONE,
        submitted="2026-05-01 08:00",
        due="2026-06-10 10:00",
        finished="2026-06-20 10:00",
    )
    # 11 a draft: in no box
    dossier(p3, state=S.DRAFT, submitted=None)
    # 12 waiting for a supplement before acceptance (no due time yet): in progress within time
    dossier(p2, state=S.INCOMPLETE, submitted="2026-05-05 08:00", channel=Channel.DESK)
    return world
