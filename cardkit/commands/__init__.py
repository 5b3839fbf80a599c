"""One module per CLI command; each adds its parser and calls into the library."""
