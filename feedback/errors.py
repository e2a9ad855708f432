from __future__ import annotations


class FeedbackError(Exception):
    """A request the rules do not allow; `message` is shown to the person as it is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class FeedbackStateError(FeedbackError):
    """The item is no longer in a state that allows the action (someone else acted first)."""


class RatingError(FeedbackError):
    pass
