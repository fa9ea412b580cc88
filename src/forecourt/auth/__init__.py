"""Auth: who may do what.

Words: a *user* has one *role* (brand HQ, market manager, dealer staff, call-centre agent) and a
*scope* (the markets of a market manager; the one dealer of dealer staff). Users sign in to the web
console with a password (argon2-hashed) and call the API with *API tokens* (shown once, stored
only as a SHA-256 hash). The *audit trail* records who changed what.

Invariants: dealer staff belong to exactly one dealer and never see another dealer's data; a
market manager has at least one market; a revoked or expired token authenticates nothing.
"""
