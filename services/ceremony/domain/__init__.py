"""The ceremony's domain, plain Python, one module per thing it holds; the rules take the facts
they need as arguments and return new objects or raise.

- `requirement`: approvals' word that the activity requirement is met, and its lapse;
- `ceremonies`: scheduling and cancelling a ceremony;
- `bookings`: a student's place at a ceremony;
- `reports`: the final report, its decision, and who may read it;
- `presentations`: the oral presentation, recorded by the student's coordinator.
"""
