"""`make bench`: the performance figures of SPEC section 10, measured in one run."""
