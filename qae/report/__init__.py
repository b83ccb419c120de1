"""Reports: figures, tables and markdown generated from what the studies computed.

Nothing here computes a metric or loads a model: a report stage reads metrics/ and
the studies' outputs, and this package only draws and formats them.
"""
