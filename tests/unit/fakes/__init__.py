"""In-memory repositories of the services, for the unit tests of their handlers."""


def after(items, key, position, limit):
    """What shared.keyset.after() asks of a database: `items` in `key` order from after
    `position`, at most `limit + 1`."""
    ordered = sorted(items, key=key)
    if position is not None:
        ordered = [item for item in ordered if tuple(key(item)) > tuple(position)]
    return ordered[: limit + 1]
