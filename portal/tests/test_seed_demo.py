import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from dossiers.models import Attachment, Dossier, DossierEvent
from portal.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, load_catalogue
from portal.models import Agency, Department, User
from portal.roles import Role
from procedures.models import Procedure, ProcedureVersion, RequiredDocument, Sector

pytestmark = pytest.mark.django_db


def snapshot():
    return (
        sorted(Agency.objects.values_list("code", "name", "level", "parent__code", "hotline")),
        sorted(Department.objects.values_list("agency__code", "code", "name", "is_one_stop_desk")),
        sorted(User.objects.values_list("username", "password", "agency__code")),
        Agency.history.count() + Department.history.count() + User.history.count(),
        sorted(Sector.objects.values_list("code", "name", "position")),
        sorted(Procedure.objects.values_list("code", "name", "updated_at", "current_version")),
        sorted(RequiredDocument.objects.values_list("pk", "name", "template_file")),
        ProcedureVersion.objects.count(),
        list(Dossier.objects.order_by("pk").values_list("code", "state", "updated_at")),
        Attachment.objects.count() + DossierEvent.objects.count(),
    )


def test_seed_demo_loads_the_sample_organisation_and_one_user_per_role(capsys):
    call_command("seed_demo")
    catalogue = load_catalogue()
    assert Agency.objects.count() == len(catalogue["agencies"])
    province = Agency.objects.get(code="000.00.00.H45")
    assert province.level == Agency.Level.PROVINCE and province.parent is None
    commune = Agency.objects.get(code="000.07.21.H45")
    assert commune.level == Agency.Level.COMMUNE
    assert commune.parent.code == "000.00.21.H45"
    # Every agency has a one-stop desk to receive dossiers.
    for agency in Agency.objects.all():
        assert agency.departments.filter(is_one_stop_desk=True).count() == 1, agency.code
    for account in DEMO_ACCOUNTS:
        user = User.objects.get(username=account.username)
        assert user.check_password(DEMO_PASSWORD)
        if account.role is None:
            assert not user.is_officer
        else:
            assert user.roles == {account.role}
            assert user.totpdevice_set.filter(name="default", confirmed=True).exists()
    assert User.objects.get(username="quantri").is_staff
    printed = capsys.readouterr().out
    assert DEMO_PASSWORD in printed and "motcua" in printed


def test_seed_demo_loads_the_sample_procedures_with_forms_to_download():
    call_command("seed_demo")
    catalogue = load_catalogue()
    assert Procedure.published.count() == len(catalogue["procedures"]) == 45
    assert Sector.objects.count() == len(catalogue["sectors"])
    forms = RequiredDocument.objects.exclude(template_file="")
    assert forms.count() == 27
    for document in forms:
        assert document.name.startswith(("Tờ khai", "Đơn"))
        with document.template_file.open("rb") as handle:
            assert handle.read(5) == b"%PDF-"
    # The forms are part of the published content.
    birth = Procedure.objects.get(code="1.001193")
    files = [d["template_file"] for d in birth.current_version.data["documents"]]
    assert files[0].endswith(".pdf") and not any(files[1:])


def test_running_it_twice_changes_nothing():
    call_command("seed_demo")
    before = snapshot()
    call_command("seed_demo")
    assert snapshot() == before


def test_it_admin_group_can_manage_the_organisation():
    call_command("seed_demo")
    admin = User.objects.get(username="quantri")
    for perm in (
        "portal.change_agency",
        "portal.add_department",
        "portal.change_user",
        "portal.add_calendaroverride",
    ):
        assert admin.has_perm(perm), perm
    desk = User.objects.get(username="motcua")
    assert desk.has_role(Role.DESK_OFFICER)
    assert not desk.has_perm("portal.change_agency")


def test_refuses_to_run_in_production(settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError):
        call_command("seed_demo")
    assert not User.objects.exists()


def test_seed_demo_adds_dossiers_in_every_state_at_the_demo_agency():
    call_command("seed_demo")
    dossiers = Dossier.objects.filter(agency__code="000.00.21.H45")
    assert set(dossiers.values_list("state", flat=True)) == set(Dossier.State.values)
    citizen = User.objects.get(username="054095000123")
    assert dossiers.filter(applicant=citizen, channel="online").count() >= 5
    assert dossiers.filter(applicant=None, channel="desk").count() >= 3
    for dossier in dossiers.exclude(state="draft"):
        files = list(dossier.attachments.all())
        assert files, dossier.code
        with files[0].file.open("rb") as handle:
            content = handle.read()
        assert content.startswith(b"%PDF-") and content.rstrip().endswith(b"%%EOF")
    processing = dossiers.filter(state="processing")
    assert processing.filter(forwarded_at=None).exists()  # still at the desk, late
    assert processing.exclude(forwarded_at=None).exists()


def test_every_fee_paying_fully_online_demo_procedure_reaches_a_specialist():
    """Forwarded to a department nobody works in, a paid dossier would wait for ever."""
    call_command("seed_demo")
    staffed = {a.agency_code for a in DEMO_ACCOUNTS if a.role == Role.DESK_OFFICER}
    procedures = Procedure.published.filter(
        agency__code__in=staffed, level=4, fees__amount__gt=0
    ).distinct()
    assert procedures.exists()
    for procedure in procedures:
        assert procedure.department is not None, procedure.code
        assert User.objects.filter(
            department=procedure.department, groups__name=Role.SPECIALIST.value, is_active=True
        ).exists(), (procedure.code, procedure.department.name)


def test_seed_demo_has_a_ward_under_the_province_that_a_former_ward_merged_into():
    call_command("seed_demo")
    ward = Agency.objects.get(code="000.01.00.H45")
    assert ward.name == "UBND phường Tuy Hòa" and ward.level == Agency.Level.COMMUNE
    assert ward.parent.code == "000.00.00.H45"  # no district in between
    former = Agency.objects.get(code="000.07.21.H45")
    assert former.successor == ward and str(former.succession_effective_on) == "2025-07-01"
    assert Agency.objects.filter(name__startswith="Sở Khoa học và Công nghệ").exists()
