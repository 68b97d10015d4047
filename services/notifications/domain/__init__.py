"""Notifications' domain: whom we write to, what we say in which language, and delivery rules.

Where things are:
- `kinds.py`: the kinds of message (notifications' own words; the service maps events to them);
- `messages.py`: a message composed from its kind, data and recipient (the words are template
  files, `services/notifications/templates/`, rendered by an injected renderer);
- `links.py`: where each kind of message leads in the web front-end;
- `recipients.py`: whom we write to;
- `delivery.py`: a message's states, the retry policy, the delivery log.
"""
