"""level_watch: an example third-party plugin for crm-core (copy it to start your own)."""
