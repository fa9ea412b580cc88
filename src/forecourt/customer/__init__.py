"""Customer: golden profiles, the source identities behind them, consent, merge and unmerge.

Words: a *source identity* is one record of a person as one channel gave it (channel, source id,
name, phone, e-mail, city); a *customer* is the golden profile built from the source identities
linked to it. Identity resolution (`customer.matching`) decides whether a new source identity is
an existing customer, a new one, or needs a person to review it.

Invariants: a source identity belongs to at most one customer; a false merge is worse than a
missed one (precision first); a household (shared phone or e-mail, different people) is not a
person; every merge and unmerge is made by someone and audited.
"""
