"""Task generators and loaders: ``repo`` (codebases), ``defects`` (validated defects for patch and review),
``wiki`` (linked encyclopedias and multi-hop datasets) and ``funccall`` (the booking world).

Each subpackage is imported on its own; this package only makes them part of the installed distribution.
"""
