"""Blank application forms (tờ khai, đơn) as PDFs, so the demo catalogue has forms to download.

Demo only: real forms are the official templates that staff upload in the admin.
"""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.db import transaction
from django.template import Context, Template

from . import services
from .models import Procedure, RequiredDocument

FORM_PREFIXES = ("Tờ khai", "Đơn")

# The title and labels of an official form are Vietnamese by law (see STYLE.md).
_FORM_HTML = Template(
    """<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><style>
  @page { size: A4; margin: 20mm 20mm 20mm 25mm; }
  body { font-family: "DejaVu Serif", "Liberation Serif", serif; font-size: 12.5pt; }
  .header { text-align: center; font-weight: bold; }
  .header .motto { text-decoration: underline; margin-bottom: 10mm; }
  h1 { text-align: center; font-size: 14pt; text-transform: uppercase; margin: 0 0 2mm; }
  .procedure { text-align: center; font-style: italic; margin-bottom: 10mm; }
  .line { margin: 5mm 0; white-space: nowrap; overflow: hidden; }
  .line::after { content: " ......................................................................"
    "................................................................"; }
  .signature { margin-top: 12mm; margin-left: 55%; text-align: center; }
  .signature .hint { font-style: italic; font-size: 11pt; }
</style></head><body>
  <div class="header">CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
    <div class="motto">Độc lập - Tự do - Hạnh phúc</div></div>
  <h1>{{ title }}</h1>
  <div class="procedure">({{ procedure }})</div>
  <div class="line">Họ, chữ đệm, tên người yêu cầu:</div>
  <div class="line">Số định danh cá nhân (CCCD):</div>
  <div class="line">Nơi cư trú:</div>
  <div class="line">Số điện thoại:</div>
  <div class="line">Nội dung yêu cầu:</div>
  <div class="line"></div>
  <div class="line"></div>
  <div class="signature">…………, ngày …… tháng …… năm ……
    <div><b>Người yêu cầu</b></div>
    <div class="hint">(Ký, ghi rõ họ, chữ đệm, tên)</div></div>
</body></html>"""
)


def form_pdf(*, title: str, procedure_name: str) -> bytes:
    """A one-page blank form with the national header, labelled lines and a signature block."""
    from weasyprint import HTML  # heavy import; only the demo seeding needs it

    html = _FORM_HTML.render(Context({"title": title, "procedure": procedure_name}))
    return HTML(string=html).write_pdf()


def is_application_form(document: RequiredDocument) -> bool:
    return document.name.startswith(FORM_PREFIXES)


@transaction.atomic
def demo_forms_attach() -> int:
    """Give every application form without a file a generated PDF; returns how many.

    Documents that already have a file are left alone, so a second run does nothing. A
    published procedure that gained files is frozen as a new version, as an admin edit is.
    """
    documents = (
        RequiredDocument.objects.filter(template_file="")
        .select_related("procedure")
        .order_by("procedure__code", "position", "pk")
    )
    touched: dict[int, Procedure] = {}
    count = 0
    for document in documents:
        if not is_application_form(document):
            continue
        pdf = form_pdf(title=_title(document.name), procedure_name=document.procedure.name)
        filename = f"mau-{document.procedure.code}-{document.position}.pdf"
        document.template_file.save(filename, ContentFile(pdf), save=False)
        document.save(update_fields=["template_file"])
        touched[document.procedure_id] = document.procedure
        count += 1
    for procedure in touched.values():
        services.procedure_record_edit(procedure=procedure, actor=None)
    return count


def _title(document_name: str) -> str:
    # "Tờ khai đăng ký khai sinh theo mẫu (nộp trực tiếp...)": the title stops before notes.
    for separator in (" (", " theo mẫu", ";", " – ", " - "):
        document_name = document_name.split(separator, 1)[0]
    return document_name.strip()
