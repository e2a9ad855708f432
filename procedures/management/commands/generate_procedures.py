"""Generate many realistic procedures for load tests (bench/) — never for production."""

from __future__ import annotations

import random
from decimal import Decimal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from portal.models import Agency
from procedures.models import (
    FeeItem,
    Procedure,
    ProcedureVersion,
    RequiredDocument,
    Sector,
    ServiceLevel,
)
from procedures.services import procedure_snapshot
from procedures.text import search_key

CODE_PREFIX = "9."  # national codes start with 1., 2. or 3.; generated ones never clash

ACTIONS = [
    "Cấp",
    "Cấp lại",
    "Gia hạn",
    "Điều chỉnh",
    "Thu hồi",
    "Đăng ký",
    "Xác nhận",
    "Thẩm định",
    "Công nhận",
    "Chấp thuận",
]
OBJECTS = [
    "giấy phép xây dựng",
    "giấy chứng nhận quyền sử dụng đất",
    "giấy phép kinh doanh",
    "chứng chỉ hành nghề",
    "giấy phép lái xe",
    "giấy chứng nhận đủ điều kiện",
    "giấy phép hoạt động",
    "giấy xác nhận",
    "văn bằng",
    "giấy phép môi trường",
    "giấy chứng nhận đăng ký hộ kinh doanh",
    "giấy phép lưu hành",
]
QUALIFIERS = [
    "đối với nhà ở riêng lẻ",
    "cho tổ chức",
    "cho cá nhân",
    "trong khu công nghiệp",
    "có yếu tố nước ngoài",
    "tại khu vực nông thôn",
    "cấp tỉnh",
    "cấp xã",
    "cho hộ gia đình",
    "đối với công trình cấp III",
]
DOCUMENTS = [
    "Tờ khai theo mẫu",
    "Đơn đề nghị theo mẫu",
    "Bản sao giấy tờ tùy thân",
    "Bản vẽ thiết kế",
    "Giấy tờ chứng minh quyền sử dụng đất",
    "Văn bản ủy quyền",
    "Ảnh 4x6 cm",
    "Giấy chứng nhận sức khỏe",
    "Báo cáo đánh giá",
    "Hợp đồng",
]


class Command(BaseCommand):
    help = "Create N published procedures with documents, fees and a version (bench data)."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("count", type=int)
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args: object, count: int, seed: int, **options: object) -> None:
        if settings.PRODUCTION:
            raise CommandError("Generated procedures must not be created in production.")
        existing = Procedure.objects.filter(code__startswith=CODE_PREFIX).count()
        if existing >= count:
            self.stdout.write(f"{existing} generated procedures already exist.")
            return
        sectors = list(Sector.objects.all())
        agencies = list(Agency.objects.all())
        if not sectors or not agencies:
            raise CommandError("Load the organisation and sectors first (manage.py seed_demo).")
        rng = random.Random(seed + existing)  # noqa: S311 - reproducible bench data
        with transaction.atomic():
            created = self._create(rng, range(existing, count), sectors, agencies)
        self.stdout.write(self.style.SUCCESS(f"Created {created} procedures."))

    def _create(self, rng, numbers, sectors, agencies) -> int:  # type: ignore[no-untyped-def]
        procedures = []
        for n in numbers:
            name = f"{rng.choice(ACTIONS)} {rng.choice(OBJECTS)} {rng.choice(QUALIFIERS)}"
            code = f"{CODE_PREFIX}{n:06d}"
            days = rng.choice([1, 3, 5, 7, 10, 15, 20, 30])
            procedures.append(
                Procedure(
                    code=code,
                    name=name,
                    sector=rng.choice(sectors),
                    agency=rng.choice(agencies),
                    level=rng.choice(list(ServiceLevel.values)),
                    processing_time=Decimal(days),
                    submission_channels=["desk", "online", "post"],
                    return_methods=["desk", "post"],
                    result=f"Kết quả: {name}",
                    legal_bases=["Nghị định 61/2018/NĐ-CP", "Nghị định 107/2021/NĐ-CP"],
                    is_published=True,
                    popularity=rng.randint(0, 5000),
                    search_text=search_key(f"{code} {name}"),
                )
            )
        Procedure.objects.bulk_create(procedures, batch_size=1000)
        saved = list(Procedure.objects.filter(code__in=[p.code for p in procedures]))
        documents, fees = [], []
        for procedure in saved:
            for position, name in enumerate(rng.sample(DOCUMENTS, rng.randint(2, 6))):
                documents.append(
                    RequiredDocument(procedure=procedure, position=position, name=name)
                )
            if rng.random() < 0.6:
                fees.append(
                    FeeItem(
                        procedure=procedure,
                        name="Lệ phí",
                        amount=rng.choice([10_000, 50_000, 100_000, 500_000, 1_000_000]),
                    )
                )
        RequiredDocument.objects.bulk_create(documents, batch_size=2000)
        FeeItem.objects.bulk_create(fees, batch_size=2000)
        versions = []
        with_parts = (
            Procedure.objects.filter(pk__in=[p.pk for p in saved])
            .select_related("sector", "agency", "department")
            .prefetch_related("documents", "fees", "steps")
        )
        for procedure in with_parts:
            versions.append(
                ProcedureVersion(procedure=procedure, number=1, data=procedure_snapshot(procedure))
            )
        ProcedureVersion.objects.bulk_create(versions, batch_size=1000)
        for version in versions:
            version.procedure.current_version = version
        Procedure.objects.bulk_update([v.procedure for v in versions], ["current_version"])
        return len(saved)
