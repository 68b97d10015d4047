"""Notifications' domain: whom we write to, what we say in which language, and delivery rules.

Where things are:
- `kinds.py`: the kinds of message (notifications' own words; the service maps events to them);
- `templates.py`: each kind's text, in English and Swedish;
- `messages.py`: a message composed from its kind, data and recipient;
- `recipients.py`: whom we write to;
- `delivery.py`: a message's states, the retry policy, the delivery log.
"""
