"""HTTP plumbing shared by every blueprint: routing with security checks, responses, templates."""
