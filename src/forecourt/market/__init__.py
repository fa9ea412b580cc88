"""Markets: the countries the brand sells in, and the city gazetteer they share.

Words:
- A *market* is one country, keyed by its ISO 3166-1 alpha-2 code. It carries the currency
  (ISO 4217), the languages spoken to customers (BCP-47 tags; the first is the default), the
  drive side of its cars ("lhd" or "rhd"), its rollout phase (1 = the home market) and launch
  date, the *data region* where its customers' personal data lives ("cn", "eu" or "row"), its
  main time zone and its *consent rules* (the privacy law that applies and what it demands).
- A *city* is a place in the offline gazetteer (GeoNames): coordinates, population, time zone
  and, in China, a commercial *tier* from 1 (the megacities) to 5.

Invariants:
- The reference data lives in `data/markets.toml`; a market's currency and code must agree with
  the country data of GeoNames, and loading it is idempotent.
- Market managers and dealer staff see only their markets; HQ and the call centre see all.
- City lookups need no database and answer in any script (上海, 上海市, Shanghai, shanghai).
"""
