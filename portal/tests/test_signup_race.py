"""A sign-up sent twice at once (a double click): never a 500, never two accounts.

Two real requests to the live server, each in its own thread and database connection. The
test holds a lock on the user table that lets both pass the form's checks (reads) and stops
both at their INSERT; once both wait there it lets go, so one insert wins and the other meets
the unique index: the race of a double click, every time.
"""

import re
import threading
import time
import urllib.error
import urllib.request
from http.cookiejar import CookieJar

import pytest
from django.db import connection, transaction

from portal.models import User

pytestmark = pytest.mark.django_db(transaction=True)

DETAILS = {
    "full_name": "Trần Thị Mai",
    "national_id": "054195000777",
    "email": "mai@example.com",
    "phone": "0905777888",
    "password1": "Mat-khau-moi-2026",
    "password2": "Mat-khau-moi-2026",
    "accept_terms": "on",
}


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def browser():
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
    return opener, jar


def signup_form(live_server):
    opener, _jar = browser()
    page = opener.open(f"{live_server.url}/tai-khoan/dang-ky/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    return opener, token


def post(opener, url, data):
    body = urllib.parse.urlencode(data).encode()
    request = urllib.request.Request(url, data=body, headers={"Referer": url})
    try:
        with opener.open(request, timeout=60) as response:
            return response.status, response.headers.get("Location"), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Location"), error.read().decode()


def waiting_inserts() -> int:
    with connection.cursor() as cursor:
        # Inside a transaction the statistics views keep their first snapshot: drop it.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND query LIKE 'INSERT INTO \"portal_user\"%%'"
        )
        return cursor.fetchone()[0]


def race(live_server, first: dict, second: dict):
    """Both sign-ups from one browser (a double click), both held at their INSERT."""
    opener, token = signup_form(live_server)
    url = f"{live_server.url}/tai-khoan/dang-ky/"
    answers: dict[int, tuple] = {}

    def send(number, data):
        answers[number] = post(opener, url, {**data, "csrfmiddlewaretoken": token})

    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute('LOCK TABLE "portal_user" IN EXCLUSIVE MODE')
        threads = [
            threading.Thread(target=send, args=(1, first)),
            threading.Thread(target=send, args=(2, second)),
        ]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 60
        while waiting_inserts() < 2:
            assert time.monotonic() < deadline, "both sign-ups should reach their INSERT"
            time.sleep(0.05)
    for thread in threads:
        thread.join(60)
    return answers[1], answers[2]


def test_a_double_clicked_sign_up_logs_both_clicks_into_one_account(live_server):
    one, two = race(live_server, DETAILS, DETAILS)
    assert one[0] == 302 and one[1] == "/tai-khoan/", one
    assert two[0] == 302 and two[1] == "/tai-khoan/", two
    assert User.objects.filter(national_id=DETAILS["national_id"]).count() == 1


def test_a_clashing_sign_up_at_the_same_moment_is_told_why(live_server):
    other = {**DETAILS, "full_name": "Người Khác", "password1": "Khac-hoan-toan-99"}
    other["password2"] = other["password1"]
    answers = race(live_server, DETAILS, other)
    statuses = sorted(answer[0] for answer in answers)
    assert statuses == [200, 302], answers
    refused = next(answer for answer in answers if answer[0] == 200)[2]
    assert "Đã có tài khoản với số CCCD này" in refused
    winner = User.objects.get(national_id=DETAILS["national_id"])
    loser = other if winner.full_name == DETAILS["full_name"] else DETAILS
    assert loser["full_name"] in refused  # what they typed is kept
