"""Adapters to the outside: photo storage, mail and password hashing."""
