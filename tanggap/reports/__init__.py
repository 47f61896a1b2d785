"""The report lifecycle: the service that moves reports through the state machine, its repository and read models."""
