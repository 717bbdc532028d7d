"""The department's own Excel form: read its layout, map its columns to the standard, fill it back.

    layout = read_form(path)                 # title, header tree, leaf columns, footers
    proposals = Matcher.from_workspace(ws).match(layout)
    fill_workbook(template_bytes, layout, rows, ...)  # a filled copy, formatting kept
"""

from biaotong.forms.layout import read_form, read_form_bytes
from biaotong.forms.model import FormLayout, HeaderNode, LeafColumn, Note

__all__ = ["FormLayout", "HeaderNode", "LeafColumn", "Note", "read_form", "read_form_bytes"]
