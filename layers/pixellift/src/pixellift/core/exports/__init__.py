"""Exports: names, QuickSet packs, A/B variants, marketplace bulk CSVs and compliance metadata."""
