"""The Transparency Act annual account (issue 13)."""
