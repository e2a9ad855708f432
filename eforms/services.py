"""Every write of e-forms, and what the dossier's submission asks of them.

The dossiers app calls `submission_errors` and `application_files` from `dossier_submit`
while it holds the dossier's row lock; nothing here changes a dossier's state.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from audit import services as audit
from portal.models import User

from . import selectors
from .forms import EFormForm
from .models import EFormEntry
from .pdf import application_pdf


class EFormError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class SaveResult:
    entry: EFormEntry
    complete: bool


def _locked_draft(dossier_id: int, actor: User) -> Any:
    from dossiers.models import Dossier  # dossiers builds on this app

    dossier = (
        Dossier.objects.select_for_update()
        .select_related("procedure_version")
        .filter(pk=dossier_id, applicant=actor)
        .first()
    )
    if dossier is None:
        raise EFormError(_("This dossier is not yours."))
    if dossier.state != Dossier.State.DRAFT:
        raise EFormError(_("This dossier has been submitted and can no longer be edited."))
    return dossier


@transaction.atomic
def eform_save(
    *, dossier_id: int, document_id: int, actor: User, form: EFormForm, add_row: str = ""
) -> SaveResult:
    """Keep what the applicant typed; complete when every field checks out.

    An incomplete form is kept as typed (so nothing is lost when they come back later), and
    "Add a row" keeps the form as typed with one more row in that group.
    """
    dossier = _locked_draft(dossier_id, actor)
    document = selectors.eform_document(dossier.procedure_version.data, document_id)
    if document is None:
        raise EFormError(_("This procedure has no online form for this document."))
    complete = not add_row and form.is_valid()
    values = form.values() if complete else form.typed_values()
    if add_row and isinstance(values.get(add_row), list):
        values[add_row].append({})
    entry, _created = EFormEntry.objects.update_or_create(
        dossier=dossier,
        document_id=document_id,
        defaults={"values": values, "is_complete": complete, "updated_by": actor},
    )
    audit.record(
        kind="eform.saved",
        actor=actor,
        dossier_id=dossier.pk,
        target=f"eform-entry:{entry.pk}",
        data={"document_id": document_id, "complete": complete},
    )
    return SaveResult(entry=entry, complete=complete)


def submission_errors(dossier: Any) -> dict[str, str]:
    """Required e-forms of the dossier neither filled in completely nor attached as a file.

    A file attached for the form's document (a scanned paper form, a digitally signed one)
    stands in for the online form, as it always did.
    """
    documents = selectors.eform_documents(dossier.procedure_version.data)
    if not documents:
        return {}
    entries = selectors.entries_by_document(dossier.pk)
    attached = set(
        dossier.attachments.filter(document_id__in=[d["id"] for d in documents]).values_list(
            "document_id", flat=True
        )
    )
    unfinished = [
        document
        for document in documents
        if document["id"] not in attached
        and not (entries.get(document["id"]) and entries[document["id"]].is_complete)
        and (document.get("is_required", True) or document["id"] in entries)
    ]
    if not unfinished:
        return {}
    return {
        "eform": _("Fill in the online form: %(names)s")
        % {"names": "; ".join(d["eform"]["title"][:80] for d in unfinished)}
    }


def application_files(dossier: Any) -> list[tuple[dict[str, Any], SimpleUploadedFile]]:
    """The printed application form of each completed e-form, ready to attach."""
    data = dossier.procedure_version.data
    entries = selectors.entries_by_document(dossier.pk)
    files = []
    for document in selectors.eform_documents(data):
        entry = entries.get(document["id"])
        if entry is None or not entry.is_complete:
            continue
        pdf = application_pdf(
            definition=document["eform"],
            values=entry.values,
            data=data,
            signer_name=dossier.applicant_name,
        )
        name = f"to-khai-{data.get('code', '')}-{document['id']}.pdf"
        files.append((document, SimpleUploadedFile(name, pdf, content_type="application/pdf")))
    return files
