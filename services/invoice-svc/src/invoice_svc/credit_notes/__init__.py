"""Credit notes: of an invoice (in full or by line) or of an invoice run's net credits."""
