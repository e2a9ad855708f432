"""Hostile uploads get the same clear message as any other bad file, never a 500.

Through the citizen's draft form (dossier files) and the anonymous feedback form, which share
the check of dossiers/files.py.
"""

import io
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from dossiers.files import _sniff
from dossiers.tests.factories import PDF_BYTES
from dossiers.tests.test_citizen_pages import (  # noqa: F401  (fixtures)
    citizen,
    document_ids,
    draft,
    edit_url,
    form_data,
    row_html,
    vi,
)
from feedback.models import Feedback
from tests.factories import AgencyFactory

pytestmark = pytest.mark.django_db

NOT_A_FILE = "The file “%(name)s” is not a PDF, JPEG or PNG file (or it is damaged)."
EMPTY = "The submitted file is empty."  # Django's own FileField message


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_of_size(width: int, height: int) -> bytes:
    """A small, well-formed PNG that claims the given dimensions."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" * 4096, 9)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", pixels)
        + _chunk(b"IEND", b"")
    )


def real_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def real_jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (20, 90, 30)).save(buffer, format="JPEG")
    return buffer.getvalue()


# name shown in the message, content, message
HOSTILE_FILES = {
    # 40,000 × 40,000 pixels in 200 bytes: Pillow's DecompressionBombError.
    "decompression-bomb": ("bom.png", png_of_size(40_000, 40_000), NOT_A_FILE),
    # Past Pillow's warning limit (89 M pixels), below its error limit.
    "huge-dimensions": ("rong.png", png_of_size(12_000, 9_000), NOT_A_FILE),
    "truncated-png": ("cut.png", real_png()[:60], NOT_A_FILE),
    "truncated-jpeg": ("cut.jpg", real_jpeg()[:200], NOT_A_FILE),
    "wrong-magic": ("anh.png", b"GIF89a" + b"\x00" * 200, NOT_A_FILE),
    "zero-bytes": ("rong.pdf", b"", EMPTY),
    "pdf-without-end": ("to-khai.pdf", b"%PDF-1.4\n" + b"x" * 5000, NOT_A_FILE),
    "text-named-pdf": ("to-khai.pdf", b"just some text pretending", NOT_A_FILE),
    "png-then-html": ("poly.png", real_png()[:33] + b"<script>alert(1)</script>", NOT_A_FILE),
    "jpeg-magic-only": ("x.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 100, NOT_A_FILE),
}


@pytest.mark.parametrize("kind", sorted(HOSTILE_FILES))
def test_a_hostile_dossier_file_is_refused_with_the_usual_message(citizen, draft, kind):  # noqa: F811
    name, content, message = HOSTILE_FILES[kind]
    first = document_ids(draft)[0]
    response = citizen.post(
        edit_url(draft),
        {**form_data(draft), f"document_{first}": SimpleUploadedFile(name, content)},
    )
    assert response.status_code == 200
    assert vi(message, name=name) in row_html(response.content.decode(), 1)
    assert not draft.attachments.exists()
    # What the person typed stays in the form.
    assert draft.applicant_name in response.content.decode()


@pytest.mark.parametrize(
    "name",
    [
        "to\x00khai.pdf",
        "\u202efdp.exe",  # right-to-left override: shows as "exe.pdf"
        "Đ" * 400 + ".pdf",
        "../../etc/passwd.pdf",
        "a\u0301\u0323" * 80 + ".pdf",
    ],
)
def test_odd_file_names_are_stored_under_a_safe_name(citizen, draft, name):  # noqa: F811
    first = document_ids(draft)[0]
    response = citizen.post(
        edit_url(draft),
        {**form_data(draft), f"document_{first}": SimpleUploadedFile(name, PDF_BYTES)},
    )
    assert response.status_code == 302  # saved
    attachment = draft.attachments.get()
    stored = attachment.file.name
    assert "\x00" not in stored and "\u202e" not in stored and ".." not in stored
    assert len(stored) <= 255


def _feedback(client, agency, attachment):
    return client.post(
        "/phan-anh/",
        {
            "name": "Lê Thị Hoa",
            "phone": "0905 123 456",
            "agency": agency.pk,
            "subject": "Hỏi thủ tục",
            "text": "Nội dung phản ánh",
            "attachment": attachment,
        },
        REMOTE_ADDR="10.9.9.9",
    )


@pytest.mark.parametrize("kind", sorted(HOSTILE_FILES))
def test_a_hostile_feedback_attachment_is_refused_with_the_usual_message(client, kind):
    agency = AgencyFactory()
    name, content, message = HOSTILE_FILES[kind]
    response = _feedback(client, agency, SimpleUploadedFile(name, content))
    assert response.status_code == 200
    html = response.content.decode()
    assert vi(message, name=name) in html
    assert "Nội dung phản ánh" in html  # kept
    assert not Feedback.objects.exists()


def test_a_decompression_bomb_costs_no_decoding():
    # The check reads the header only: a few milliseconds, whatever the claimed size.
    import time

    upload = SimpleUploadedFile("bom.png", png_of_size(60_000, 60_000))
    started = time.perf_counter()
    assert _sniff(upload) is None
    assert time.perf_counter() - started < 0.5


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    base=st.sampled_from([real_png(), real_jpeg(), PDF_BYTES, png_of_size(50, 50)]),
    cut=st.integers(min_value=0, max_value=2000),
    flips=st.lists(st.tuples(st.integers(0, 2000), st.integers(0, 255)), max_size=8),
)
def test_damaged_images_and_pdfs_never_raise(base, cut, flips):
    content = bytearray(base[: max(cut, 8)])
    for position, value in flips:
        if position < len(content):
            content[position] = value
    kind = _sniff(SimpleUploadedFile("x", bytes(content)))
    assert kind in (None, "application/pdf", "image/jpeg", "image/png")


def test_a_png_cut_short_is_refused_also_once_weasyprint_is_loaded():
    # WeasyPrint sets ImageFile.LOAD_TRUNCATED_IMAGES on import, which turns off Pillow's own
    # truncation check and made damaged PNGs raise IndexError (a 500) or pass as good files.
    import weasyprint  # noqa: F401
    from PIL import ImageFile

    assert ImageFile.LOAD_TRUNCATED_IMAGES
    whole = real_png()
    assert _sniff(SimpleUploadedFile("x.png", whole)) == "image/png"
    for cut in range(9, len(whole)):
        assert _sniff(SimpleUploadedFile("x.png", whole[:cut])) is None, cut
    stub = png_of_size(50, 50)
    for cut in range(9, len(stub)):
        assert _sniff(SimpleUploadedFile("x.png", stub[:cut])) is None, cut
