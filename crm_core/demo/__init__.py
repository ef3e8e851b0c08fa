"""`crm demo`: a fictional company rolls out its CRM one block at a time, through the `crm` command.

The story is told in `story.py` (set-up and close) and one module per block; `runner.py` runs each
command in-process, prints it with its output, and checks that it did what the story says.
"""
