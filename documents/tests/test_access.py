"""Store files are private: only their owner gets them, and nobody learns they exist.

Another citizen, staff of an unrelated agency (and of the agency that accepted the dossier:
staff see dossier files on their own pages) and anonymous visitors get nothing.
"""

import pytest
from django.urls import reverse

from documents import services
from documents.models import StoredDocument
from documents.services import DocumentDetails
from dossiers.tests.factories import PDF_BYTES, desk_officer_for, pdf_upload
from portal.roles import Role
from tests.factories import AgencyFactory, UserFactory, staff_user

from .helpers import accepted_dossier

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner_store():
    owner = UserFactory()
    dossier = accepted_dossier(owner)
    uploaded = services.stored_document_upload(
        owner=owner, upload=pdf_upload("cccd.pdf"), details=DocumentDetails(kind="CCCD")
    )
    kept = StoredDocument.objects.filter(owner=owner, source="accepted").first()
    return owner, dossier, [uploaded, kept]


def file_url(item):
    return reverse("documents:file", kwargs={"pk": item.pk})


def test_the_owner_downloads_inline_uncached_and_unsniffed(client, owner_store):
    owner, _dossier, (uploaded, kept) = owner_store
    client.force_login(owner)
    response = client.get(file_url(uploaded))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert (
        response["Content-Disposition"].startswith("inline")
        and "cccd.pdf" in response["Content-Disposition"]
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    assert client.get(file_url(kept)).status_code == 200


def test_anonymous_visitors_are_sent_to_log_in_and_get_no_bytes(client, owner_store):
    _owner, _dossier, items = owner_store
    for url in [reverse("documents:index"), *map(file_url, items)]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("two_factor:login"))
    response = client.post(reverse("documents:delete", kwargs={"pk": items[0].pk}))
    assert response.status_code == 302
    assert StoredDocument.objects.filter(pk=items[0].pk).exists()


def test_another_citizen_gets_404_for_every_file_and_action(client, owner_store):
    _owner, dossier, items = owner_store
    client.force_login(UserFactory())
    for item in items:
        assert client.get(file_url(item)).status_code == 404
        assert client.post(reverse("documents:delete", kwargs={"pk": item.pk})).status_code == 404
    html = client.get(reverse("documents:index")).content.decode()
    assert "cccd.pdf" not in html and dossier.code not in html
    assert StoredDocument.objects.count() == 3


def test_unrelated_and_related_staff_get_404(login_staff, owner_store):
    _owner, dossier, items = owner_store
    unrelated = staff_user(Role.DESK_OFFICER, agency=AgencyFactory())
    for officer in (unrelated, desk_officer_for(dossier)):
        client = login_staff(officer)
        for item in items:
            assert client.get(file_url(item)).status_code == 404
        client.logout()


def test_staff_with_a_store_of_their_own_see_only_theirs(login_staff, owner_store):
    _owner, _dossier, items = owner_store
    officer = staff_user(Role.IT_ADMIN)
    client = login_staff(officer)
    assert client.get(file_url(items[1])).status_code == 404
    assert "cccd.pdf" not in client.get(reverse("documents:index")).content.decode()
