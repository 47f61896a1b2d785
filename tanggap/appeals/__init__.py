"""Objections (keberatan) to breaches, supervisors' decisions on them, and closing a payroll month.

Handlers live in `handlers.py` (the bus imports them from there); this package's other modules are
imported by the HR read side too, so nothing here imports the handlers at import time.
"""
