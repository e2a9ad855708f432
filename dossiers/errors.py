"""What can go wrong when someone acts on a dossier; each error carries a message for them."""


class DossierError(Exception):
    """Something a person asked for cannot be done; `message` says why, for them."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class DossierStateError(DossierError):
    pass


class FeesOutstandingError(DossierStateError):
    """Fees the procedure requires at this step are not paid (or exempted) yet."""


class DossierPermissionError(DossierError):
    pass


class DossierValidationError(DossierError):
    def __init__(self, message: str, *, field_errors: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.field_errors = field_errors or {}
