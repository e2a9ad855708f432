from __future__ import annotations


class BookingError(Exception):
    """A booking request the rules refuse; ``message`` is shown to the person as it is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class SlotFullError(BookingError):
    pass


class BookingPermissionError(BookingError):
    pass
