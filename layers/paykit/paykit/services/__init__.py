"""Domain services, one module per domain; each takes its store, secrets and Stripe gateway as parameters."""
