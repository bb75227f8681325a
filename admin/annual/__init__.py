"""The Transparency Act account (Åpenhetsloven §5): its figures, outputs and workflow."""
