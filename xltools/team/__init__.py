"""Team mode: the master book split into one book per member, and the members' work gathered back.

roles (who sees what) · fingerprint (cell hashes) · base (the hidden TeamBase table) · split ·
merge (the pure three-way merge on DataFrames) · gather · books (finding members' books).
The registered operations are in :mod:`xltools.operations.team`.
"""
