"""The breach log, allowance cuts and HR's exports."""
