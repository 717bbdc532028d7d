"""Test worlds used only to measure biaotong from the outside (no biaotong imports here)."""
