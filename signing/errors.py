class SigningError(Exception):
    """A document could not be signed (no key, wrong password, expired certificate...)."""
