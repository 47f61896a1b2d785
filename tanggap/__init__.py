"""The application around the domain core: configuration, persistence, services, CLI."""
