"""Dossier factories with traits named after states: `DossierFactory(processing=True)`."""

import io

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from dossiers.models import Dossier
from portal.roles import Role
from procedures.models import Channel
from procedures.tests.factories import ProcedureFactory
from tests.factories import DepartmentFactory, UserFactory, staff_user


def _blank_pdf() -> bytes:
    # A real one-page PDF: result files are signed on approval, which needs a readable file.
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


PDF_BYTES = _blank_pdf()


def pdf_upload(name: str = "giay-to.pdf", content: bytes = PDF_BYTES) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


class DossierFactory(factory.django.DjangoModelFactory):
    """An online draft of a published level-4 procedure without required documents."""

    class Meta:
        model = Dossier

    procedure = factory.SubFactory(ProcedureFactory, level4=True, published=True)
    procedure_version = factory.LazyAttribute(lambda o: o.procedure.current_version)
    agency = factory.LazyAttribute(lambda o: o.procedure.agency)
    applicant = factory.SubFactory(UserFactory)
    applicant_name = factory.LazyAttribute(lambda o: o.applicant.full_name)
    applicant_national_id = factory.LazyAttribute(lambda o: o.applicant.national_id)
    applicant_phone = factory.LazyAttribute(lambda o: o.applicant.phone)
    applicant_email = factory.LazyAttribute(lambda o: o.applicant.email)
    channel = Channel.ONLINE
    state = Dossier.State.DRAFT

    class Params:
        received = factory.Trait(
            state=Dossier.State.RECEIVED,
            code=factory.Sequence(lambda n: f"000.00.99.H45-261123-{n:04d}"),
            submitted_at=factory.LazyFunction(timezone.now),
        )
        incomplete = factory.Trait(received=True, state=Dossier.State.INCOMPLETE)
        processing = factory.Trait(
            received=True,
            state=Dossier.State.PROCESSING,
            accepted_at=factory.LazyFunction(timezone.now),
            due_at=factory.LazyFunction(lambda: timezone.now() + timezone.timedelta(days=7)),
            appointment_at=factory.LazyAttribute(lambda o: o.due_at),
            forward_due_at=factory.LazyFunction(
                lambda: timezone.now() + timezone.timedelta(hours=4)
            ),
        )
        done = factory.Trait(
            processing=True,
            state=Dossier.State.DONE,
            finished_at=factory.LazyFunction(timezone.now),
        )
        returned = factory.Trait(
            received=True,
            state=Dossier.State.RETURNED,
            finished_at=factory.LazyFunction(timezone.now),
        )
        withdrawn = factory.Trait(
            received=True,
            state=Dossier.State.WITHDRAWN,
            finished_at=factory.LazyFunction(timezone.now),
        )


def desk_officer_for(dossier: Dossier, **kwargs):
    return staff_user(Role.DESK_OFFICER, agency=dossier.agency, **kwargs)


def specialist_department(dossier: Dossier):
    return DepartmentFactory(agency=dossier.agency)


def forwarded_dossier(*, department=None, assignee=None, **kwargs) -> Dossier:
    """A dossier being processed, forwarded by the desk to a department of its agency."""
    dossier = DossierFactory(processing=True, **kwargs)
    department = department or DepartmentFactory(agency=dossier.agency)
    Dossier.objects.filter(pk=dossier.pk).update(
        department=department, forwarded_at=timezone.now(), assignee=assignee
    )
    dossier.refresh_from_db()
    return dossier


def specialist_for(dossier: Dossier, **kwargs):
    """A specialist of the dossier's handling department."""
    return staff_user(
        Role.SPECIALIST, agency=dossier.agency, department=dossier.department, **kwargs
    )


def leader_for(dossier: Dossier, **kwargs):
    """A leader of the dossier's agency (in a department of their own)."""
    kwargs.setdefault("department", DepartmentFactory(agency=dossier.agency))
    return staff_user(Role.LEADER, agency=dossier.agency, **kwargs)
