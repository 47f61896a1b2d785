"""SLA enforcement: clocks started and stopped with the lifecycle, the sweep, rules and calendars."""
