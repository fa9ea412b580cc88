"""The shared kernel: errors, ids, clock, events, message bus and unit of work.

It imports no feature, so every feature may import it.
"""
