"""Request and response models of the HTTP API, field by field as API_CONTRACT.md gives them."""
