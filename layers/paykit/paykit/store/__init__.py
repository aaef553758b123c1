"""The single-table DynamoDB store: entities own their keys (store.keys); repositories per domain."""
