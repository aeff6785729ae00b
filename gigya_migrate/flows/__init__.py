"""Migration jobs built from small steps: reader -> transforms -> writer, with an error path."""
