"""The report lifecycle: a pure state machine with domain events. No I/O."""
