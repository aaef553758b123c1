"""Fault tests: Stripe, Secrets Manager, DynamoDB and SQS failing under the real handlers."""
