"""Helpers shared by the test tiers (factories, benchmarks); nothing here runs as a test."""
