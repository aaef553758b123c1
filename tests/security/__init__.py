"""The security suite: cross-tenant matrix, JWT attacks per route group, redirect URLs, the secret scan."""
