"""The campus contract: what other campus systems send the platform (CloudEvents), checked here."""
