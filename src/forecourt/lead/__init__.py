"""Lead: an enquiry from any channel, captured once, tied to a customer and a campaign.

Words: a *lead* arrives through a *channel* (web, dealer, multibrand, call_centre,
live_broadcast, road_show, in_car, partner) with the sender's *source id*; capture normalises the
person, resolves them to a customer (linked / new / queued for review), attributes the campaign
and records consent.

Invariants: one lead per (channel, source id) and per Idempotency-Key, however often it is sent;
a lead with neither name, phone nor e-mail is refused with the fields named; an unparseable
phone is kept as given and flagged, never dropped.
"""
