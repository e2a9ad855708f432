"""PAdES signatures with pyHanko: B-B, or B-LT when a timestamp server is configured."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from .errors import SigningError
from .keys import SigningKey, trust_roots
from .threads import outside_event_loop

FIELD_NAME = "ChuKySo"
RESERVED = 8 * 1024  # an ECDSA or RSA-4096 CMS with a chain of a few certificates
RESERVED_WITH_TIMESTAMP = 32 * 1024  # plus the timestamp token and its TSA's chain
PX_TO_PT = 0.75  # WeasyPrint lays out in CSS pixels (96 per inch); PDF points are 72 per inch


@dataclass(frozen=True)
class Box:
    """Where the visible signature goes: page index and rectangle in PDF points."""

    page: int
    x1: float
    y1: float
    x2: float
    y2: float


def find_box(document: Any, element_id: str) -> Box | None:
    """The rectangle WeasyPrint gave the element with this id (the drawn signature box)."""
    for index, page in enumerate(document.pages):
        height = page.height * PX_TO_PT
        for box in page._page_box.descendants():
            element = getattr(box, "element", None)
            if element is not None and element.get("id") == element_id:
                x, y = box.border_box_x(), box.border_box_y()
                width, box_height = box.border_width(), box.border_height()
                return Box(
                    page=index,
                    x1=x * PX_TO_PT,
                    y1=height - (y + box_height) * PX_TO_PT,
                    x2=(x + width) * PX_TO_PT,
                    y2=height - y * PX_TO_PT,
                )
    return None


def sign_pdf(
    pdf: bytes,
    *,
    key: SigningKey,
    reason: str,
    box: Box | None = None,
) -> bytes:
    """The PDF with an incremental-update signature; visible over ``box`` when given.

    The box's text is drawn by the document itself (Vietnamese glyphs through WeasyPrint);
    the signature widget only covers it, so viewers open the signature panel there.
    """
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers, timestamps
    from pyhanko.stamp import TextStampStyle
    from pyhanko_certvalidator import ValidationContext

    timestamper = None
    validation_context = None
    if settings.SIGNING_TSA_URL:
        timestamper = timestamps.HTTPTimeStamper(
            settings.SIGNING_TSA_URL, timeout=settings.SIGNING_TSA_TIMEOUT
        )
        validation_context = ValidationContext(trust_roots=trust_roots(), allow_fetching=True)
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
        location=settings.PORTAL_PLACE_NAME,
        embed_validation_info=validation_context is not None,
        validation_context=validation_context,
    )
    if box is not None:
        spec = fields.SigFieldSpec(
            FIELD_NAME,
            on_page=box.page,
            box=(round(box.x1), round(box.y1), round(box.x2), round(box.y2)),
        )
        style = TextStampStyle(stamp_text=" ", border_width=0)
    else:
        spec, style = fields.SigFieldSpec(FIELD_NAME), None
    try:
        # Lenient reading: result files come from every kind of office software and scanner,
        # and some write small departures from the standard (Pillow, for one, numbers the
        # head of the free list 65536) that change nothing in what the document shows.
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
        signer = signers.PdfSigner(
            meta,
            key.signer,  # type: ignore[arg-type]
            timestamper=timestamper,
            stamp_style=style,
            new_field_spec=spec,
        )
        # Room for the signature container reserved up front: otherwise pyHanko signs twice
        # (a dry run to measure it), which is a third of the signing time.
        reserved = RESERVED_WITH_TIMESTAMP if timestamper is not None else RESERVED
        return bytes(
            outside_event_loop(lambda: signer.sign_pdf(writer, bytes_reserved=reserved)).getbuffer()
        )
    except Exception as error:
        raise SigningError(str(error) or repr(error)) from error
