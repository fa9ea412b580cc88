"""Partner webhooks: signed event deliveries to partners' endpoints, retried with back-off, with a
dead-letter list that can be replayed."""
