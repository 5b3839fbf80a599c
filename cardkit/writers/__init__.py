"""Writers: the results model turned into each output format."""
