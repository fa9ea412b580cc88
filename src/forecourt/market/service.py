"""placeholder service."""

from forecourt.kernel.uow import UnitOfWork


def seed_reference_data(uow: UnitOfWork) -> int:
    """Load reference data; placeholder."""
    return 0
