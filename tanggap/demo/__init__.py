"""Demo data and seeding."""
