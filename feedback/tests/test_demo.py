import pytest
from django.core.management import call_command

from feedback.models import Feedback, Rating

pytestmark = pytest.mark.django_db


def test_demo_has_published_questions_an_open_item_and_ratings(client):
    call_command("seed_demo")
    call_command("seed_demo")  # again: nothing new
    assert Feedback.objects.filter(state="published").count() == 3
    assert Feedback.objects.filter(state__in=["received", "assigned"]).count() == 1
    assert Rating.objects.count() == 2
    published = " ".join(Feedback.objects.values_list("public_question", flat=True))
    assert "0905 222 333" not in published and "an.le@example.com" not in published
    html = client.get("/hoi-dap/", {"q": "khai sinh"}).content.decode()
    assert "Đăng ký khai sinh cho con quá hạn" in html
    assert client.get("/danh-gia-hai-long/").content.decode().count("data-agency=") == 1
