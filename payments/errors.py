"""What can go wrong when someone acts on a payment; each error carries a message for them.

They extend the dossier errors so that a dossier page that catches `DossierError` also shows a
payment problem as a message, never a 500.
"""

from dossiers.errors import (
    DossierError,
    DossierPermissionError,
    DossierStateError,
    DossierValidationError,
)


class PaymentError(DossierError):
    pass


class PaymentPermissionError(PaymentError, DossierPermissionError):
    pass


class PaymentStateError(PaymentError, DossierStateError):
    pass


class PaymentValidationError(PaymentError, DossierValidationError):
    def __init__(self, message: str, *, field_errors: dict[str, str] | None = None) -> None:
        DossierValidationError.__init__(self, message, field_errors=field_errors)
