"""factory_boy factories shared across apps; traits are named after states and roles."""

import factory
from django.contrib.auth.models import Group
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.models import Agency, CalendarOverride, Department, User
from portal.roles import Role

PASSWORD = "Mat-khau-2026!"


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"000.00.{n % 100:02d}.H{45 + n // 100:02d}")
    name = factory.Sequence(lambda n: f"Sở Thử nghiệm số {n}")
    short_name = factory.Sequence(lambda n: f"STN{n}")
    level = Agency.Level.PROVINCE
    address = "Số 1 đường Thử, TP. Tuy Hòa"
    hotline = "0257.3800.999"
    email = factory.Sequence(lambda n: f"so{n}@example.gov.vn")


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    agency = factory.SubFactory(AgencyFactory)
    code = factory.Sequence(lambda n: f"P{n}")
    name = factory.Sequence(lambda n: f"Phòng chuyên môn {n}")

    class Params:
        one_stop_desk = factory.Trait(is_one_stop_desk=True, name="Bộ phận Một cửa")


def _national_id(n: int) -> str:
    # Province 054 (Phú Yên), born in the 1990s, serial from the sequence: a valid CCCD.
    return f"054{n % 2}9{(n // 2) % 10}{n % 1000000:06d}"


class UserFactory(factory.django.DjangoModelFactory):
    """A citizen by default; `UserFactory(staff=True, roles=[Role.DESK_OFFICER])` for staff."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Faker("name", locale="vi_VN")
    national_id = factory.Sequence(_national_id)
    email = factory.Sequence(lambda n: f"nguoidung{n}@example.com")
    phone = factory.Sequence(lambda n: f"09{n % 100000000:08d}")
    password = factory.django.Password(PASSWORD)

    class Params:
        staff = factory.Trait(
            national_id="",
            agency=factory.SubFactory(AgencyFactory),
            department=factory.SubFactory(
                DepartmentFactory, agency=factory.SelfAttribute("..agency")
            ),
        )

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.set(Group.objects.filter(name__in=[role.value for role in extracted]))


def add_roles(user: User, *roles: Role) -> User:
    user.groups.add(*Group.objects.filter(name__in=[r.value for r in roles]))
    if hasattr(user, "_roles_cache"):
        del user._roles_cache
    return user


def staff_user(role: Role, **kwargs) -> User:
    return UserFactory(staff=True, is_staff=(role == Role.IT_ADMIN), roles=[role], **kwargs)


def totp_device(user: User) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="default", confirmed=True)


class CalendarOverrideFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CalendarOverride
        django_get_or_create = ("date",)

    kind = CalendarOverride.Kind.DAY_OFF
    description = "Nghỉ bù theo quyết định của UBND tỉnh"
