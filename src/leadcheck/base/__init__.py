"""The ground floor: plain data (responses, problems, errors) and the utilities every floor above uses
(text, exact fractions, atomic writing, names, file reads, the key, code_version, view primitives).

Nothing here imports anything else of leadcheck (docs/architecture.md, "The shape").
"""
