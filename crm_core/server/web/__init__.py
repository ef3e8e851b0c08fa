"""The web pages the company's people use: rendered on the server from Jinja2 templates, made
lively with htmx (vendored from its npm package at build time), Chinese first, usable on a
375-pixel phone. Every page reads and writes through `crm_core.api` as the signed-in user."""
