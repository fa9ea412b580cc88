"""Dealers: the network that sells and serves the brand's cars.

Words:
- A *dealer* is one outlet in one market: *own* (run by the brand), *franchise* (an independent
  business selling only our brand) or *multibrand* (one that also sells other brands; its
  `brands` list says which). It sits in a gazetteer city, whose coordinates, time zone and (in
  China) tier it copies, and it publishes *opening hours* in its local time and a *daily lead
  capacity*: how many new enquiries it can answer well in a day.
- *Staff* are the dealer's people (sales, service, manager) and the languages they speak.

Invariants:
- The network's reference data lives in `data/dealers.toml`; it names cities, never coordinates.
- Dealer staff see only their own dealer; market managers only the dealers of their markets.
- Only HQ and the managers of a dealer's market change it, and every change is audited.
- Opening hours name all seven days ("mon" … "sun"), each a list of ["HH:MM", "HH:MM"] intervals
  in order, not overlapping; an empty list is a closed day.
"""
