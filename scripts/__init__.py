"""Developer and operator commands: run locally, seed demo data, build assets, benchmark, screenshots."""
