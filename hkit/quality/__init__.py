"""Quality: what checks the ontology and the data. SHACL validation (whole or a slice at a
time), the OWL reasoner, the violation checks and quality gates, the ontology review, and the
diff between two versions of the ontology.

May import :mod:`hkit.store` and :mod:`hkit.core`.
"""
