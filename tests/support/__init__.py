"""Helpers shared by the test tiers (personas and expectations, HTTP, storage readers, push); nothing here runs as a test."""
