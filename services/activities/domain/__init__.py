"""Activities' domain, plain Python, one module per thing it holds.

- `activities`: an activity claim's life (versions, sessions, decisions) and who may act on it;
- `details`: what a claim says and the rules it obeys (dates, where it took place);
- `catalogue`: the activity types, the rules of changing one, and the programme page's seed.
"""
