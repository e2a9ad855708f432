from dossiers.errors import DossierError


class StoreError(DossierError):
    """Something the citizen asked of the store that cannot be done, with the reason to show."""
