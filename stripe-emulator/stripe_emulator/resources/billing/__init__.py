"""Subscriptions and invoices: state, lines, invoices, dunning, the cycle, prorations and pending updates, time."""
