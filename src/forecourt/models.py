"""Every entity module, imported once so the metadata is complete (migrations, tests)."""

from forecourt.auth import models as auth_models
from forecourt.campaign import models as campaign_models
from forecourt.catalog import models as catalog_models
from forecourt.comms import models as comms_models
from forecourt.customer import models as customer_models
from forecourt.db.base import Base
from forecourt.dealer import models as dealer_models
from forecourt.kernel import records as kernel_records
from forecourt.lead import models as lead_models
from forecourt.market import models as market_models
from forecourt.partner import models as partner_models

__all__ = [
    "Base",
    "auth_models",
    "campaign_models",
    "catalog_models",
    "comms_models",
    "customer_models",
    "dealer_models",
    "kernel_records",
    "lead_models",
    "market_models",
    "partner_models",
]
