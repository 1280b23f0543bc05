"""Persistence: PynamoDB models, key builders and queries. The only package that touches DynamoDB."""
