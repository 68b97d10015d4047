"""The campus edge: what other campus systems publish, checked, deduplicated and translated."""
