"""Domain events: outbox relay and webhook delivery."""
