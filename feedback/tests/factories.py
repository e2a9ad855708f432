"""Feedback factories with traits named after states: `FeedbackFactory(answered=True)`."""

import factory
from django.utils import timezone

from feedback.models import Feedback, Rating
from feedback.services import answer_due
from procedures.text import search_key
from tests.factories import AgencyFactory


class FeedbackFactory(factory.django.DjangoModelFactory):
    """Received online now, from an anonymous sender with phone and e-mail."""

    class Meta:
        model = Feedback

    code = factory.Sequence(lambda n: f"PAKN-200101-{n:04d}")
    channel = Feedback.Channel.ONLINE
    sender_name = "Nguyễn Thị Mai"
    sender_phone = "0912345678"
    sender_email = "mai@example.com"
    agency = factory.SubFactory(AgencyFactory)
    subject = "Thời gian trả kết quả khai sinh"
    text = "Tôi muốn hỏi thời gian trả kết quả đăng ký khai sinh là bao lâu?"
    consent_to_publish = True
    state = Feedback.State.RECEIVED
    received_at = factory.LazyFunction(timezone.now)
    clock_started_at = factory.LazyAttribute(lambda o: o.received_at)
    due_at = factory.LazyAttribute(lambda o: answer_due(o.received_at))

    class Params:
        answered = factory.Trait(
            state=Feedback.State.ANSWERED,
            answer="Thời hạn giải quyết là 01 ngày làm việc.",
            answered_at=factory.LazyFunction(timezone.now),
        )
        published = factory.Trait(
            answered=True,
            state=Feedback.State.PUBLISHED,
            public_title=factory.LazyAttribute(lambda o: o.subject),
            public_question=factory.LazyAttribute(lambda o: o.text),
            public_answer=factory.LazyAttribute(lambda o: o.answer),
            published_at=factory.LazyFunction(timezone.now),
            search_text=factory.LazyAttribute(
                lambda o: search_key(f"{o.subject} {o.text} {o.answer}")
            ),
        )


class RatingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Rating

    dossier = factory.SubFactory("dossiers.tests.factories.DossierFactory", done=True)
    agency = factory.LazyAttribute(lambda o: o.dossier.agency)
    rater = factory.LazyAttribute(lambda o: o.dossier.applicant)
    stars = 4
