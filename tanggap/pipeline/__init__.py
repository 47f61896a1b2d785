"""The background pipeline: photo tagging and routing, the outbox, notifications and training."""
