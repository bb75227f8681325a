"""The case page's relevance and identity sections (issue 11 §8): removing a manifestly
irrelevant item, the reporter's identity box, disclosing the identity to an authority."""
