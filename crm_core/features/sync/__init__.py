"""Daily exchange with an ERP (see `exchange`)."""
