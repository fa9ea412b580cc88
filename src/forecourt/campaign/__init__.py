"""Campaign: what brought a lead in — live-broadcast shows, their regional road shows, offers.

Words: a *campaign* has a market, dates and a budget; a *road show* is a campaign whose parent
is a live-broadcast show, held in one city; a lead is *attributed* at capture by its campaign
code, or else by its UTM source / medium / campaign.

Invariants: campaign codes are unique; a road show lies within its parent's market; an unknown
campaign code never loses a lead — it is kept on the lead and flagged.
"""
