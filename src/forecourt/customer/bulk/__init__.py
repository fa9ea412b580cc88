"""Bulk identity resolution: many records at once, vectorised, with the online path's decisions.

The online path (`customer.service.resolve_person`) decides one record at a time against the
stored records that share a usable blocking key. This package reaches the same decisions for a
whole batch: records are taken in arrival order, a record's candidates are the earlier records
sharing a key whose count before it is within the key's limit (so a key that grew too common
stops producing candidates exactly when the online path would drop it), pairs are scored with
the same model and the same comparison levels (computed on arrays instead of pair by pair), and
the same thresholds, household guard and sole-holder rule decide. Only the final walk in
arrival order, which needs each earlier record's customer, runs record by record, over the few
records with a candidate worth a decision.
"""
