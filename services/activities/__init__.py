"""Activities: the claims students log in their merits portfolio, and the activity catalogue."""
