"""Tax rates: the percent a product tax code bears in a jurisdiction."""
