"""Who is calling: passwords, sessions, rate limits and the Actor a request acts as."""
