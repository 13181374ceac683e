"""Practice: the rep's side — recording a take, scoring it while it is spoken,
rehearsing a card, the practice cards themselves and the rep's profile."""
