"""The catalogue: one modular C-segment platform and what each market may buy built on it.

Words:
- The *platform* ("MCP") carries five *body styles*: sedan, hatchback, crossover, SUV, estate.
- A *model* is a named car of one body style; a *trim* an equipment level built on some body
  styles. Trims belong to the "core" line or to the "young" line, the youth sub-brand for tier 3-5
  cities: cheaper, bolder colours, fewer options, sold only in some markets.
- An *option* carries its rules: the trims it is offered on, the options it requires and excludes,
  the drive sides it is homologated for, and its *choice group* (exactly one paint, one wheel set).
- A market's *offer* is the body styles and trims it gets; its *price list* prices each model
  (entry price), trim (step up) and option in integer minor units of the market's currency.
- A *configuration* is a model, trim and options for one market; checking it yields either its
  priced lines or every broken rule, each with a stable id ("option.requires", "price.missing").

Invariants:
- The rules are a pure function (`policies.check_configuration`) of an immutable snapshot.
- The reference data lives in `data/catalog.toml`; loading it checks every reference and every
  price, is idempotent, and never overwrites a price changed since it was first loaded.
- Prices are changed only by HQ or the manager of that market, and every change is audited.
- The market feature owns currency and drive side; the catalogue asks its service for them.
"""
