"""The CIM services. Each is its own process and database; none imports another."""
