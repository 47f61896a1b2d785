"""Staff: who may do and see what, the staff commands' handlers, and the pages' queries."""
