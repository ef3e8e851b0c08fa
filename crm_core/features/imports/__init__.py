"""Spreadsheet import and export for any entity the core or a plugin registers.

importer.py   what an entity declares (columns, how to check, match, insert, update, export)
mapping.py    which sheet column feeds which field: aliases, translations, a mapping file
journal.py    runs, committed batches and rejected rows, so a killed import resumes
pipeline.py   the run itself: stream, parse, check, match, write per batch, error file
exporting.py  visible rows out to .xlsx / .csv
"""
