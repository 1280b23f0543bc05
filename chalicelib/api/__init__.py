"""Chalice blueprints: thin handlers that parse input, resolve the caller, call one service, shape the response."""
