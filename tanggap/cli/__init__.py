"""The `tanggap` command line."""
