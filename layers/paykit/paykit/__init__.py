"""PayKit: the shared layer of the multi-tenant Stripe payments service."""
