"""Catalogue factories with traits named after states, e.g. `ProcedureFactory(level4=True)`."""

from datetime import time
from decimal import Decimal

import factory

from procedures import services
from procedures.models import (
    FeeItem,
    InterAgencyStep,
    Procedure,
    ProcessingUnit,
    RequiredDocument,
    Sector,
)
from tests.factories import AgencyFactory


class SectorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Sector
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"LV{n:03d}")
    name = factory.Sequence(lambda n: f"Lĩnh vực thử nghiệm {n}")
    position = factory.Sequence(lambda n: n)


class ProcedureFactory(factory.django.DjangoModelFactory):
    """A level-3 procedure of 5 working days, unpublished, without documents.

    `documents=2` / `fees=1` add that many rows; `published=True` publishes it (version 1)
    after they are added.
    """

    class Meta:
        model = Procedure
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"9.{n:06d}")
    name = factory.Sequence(lambda n: f"Thủ tục thử nghiệm số {n}")
    sector = factory.SubFactory(SectorFactory)
    agency = factory.SubFactory(AgencyFactory)
    level = 3
    processing_time = Decimal("5")
    submission_channels = factory.LazyFunction(lambda: ["desk", "online"])
    return_methods = factory.LazyFunction(lambda: ["desk"])
    result = "Giấy chứng nhận"
    legal_bases = factory.LazyFunction(lambda: ["Nghị định 61/2018/NĐ-CP"])

    class Params:
        level4 = factory.Trait(
            level=4,
            submission_channels=factory.LazyFunction(lambda: ["desk", "online", "post"]),
            return_methods=factory.LazyFunction(lambda: ["online", "post", "desk"]),
            online_payment_allowed=True,
        )
        same_day = factory.Trait(
            processing_unit=ProcessingUnit.WORKING_HOURS,
            processing_time=Decimal("8"),
            same_day_cutoff=time(15, 0),
        )
        information_only = factory.Trait(
            level=1, submission_channels=factory.LazyFunction(lambda: ["desk"])
        )

    @factory.post_generation
    def documents(self, create, extracted, **kwargs):
        if create and extracted:
            for _ in range(extracted):
                RequiredDocumentFactory(procedure=self)

    @factory.post_generation
    def fees(self, create, extracted, **kwargs):
        if create and extracted:
            for _ in range(extracted):
                FeeItemFactory(procedure=self)

    @factory.post_generation
    def published(self, create, extracted, **kwargs):
        # Declared last: the first version must include the documents and fees.
        if create and extracted:
            services.procedure_publish(procedure=self, actor=None)
            self.refresh_from_db()


class RequiredDocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RequiredDocument

    procedure = factory.SubFactory(ProcedureFactory)
    position = factory.Sequence(lambda n: n)
    name = factory.Sequence(lambda n: f"Giấy tờ số {n}")
    copies = 1
    form = RequiredDocument.Form.ORIGINAL

    class Params:
        optional = factory.Trait(is_required=False)
        copy = factory.Trait(form=RequiredDocument.Form.COPY)


class FeeItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FeeItem

    procedure = factory.SubFactory(ProcedureFactory)
    position = factory.Sequence(lambda n: n)
    name = "Lệ phí"
    kind = FeeItem.Kind.CHARGE
    amount = 50000


class InterAgencyStepFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InterAgencyStep

    procedure = factory.SubFactory(ProcedureFactory)
    agency = factory.SubFactory(AgencyFactory)
    description = "Xác minh thông tin"
    working_days = Decimal("2")
