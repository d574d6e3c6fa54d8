"""The VIP care engine's pure core: care rules, plan fit, date rules, planning and assignment.

Nothing here reads a database, the network or the clock: callers pass the customers, usage,
catalogue, rules, existing tasks and the as-of date, and get back decisions to store.
"""
