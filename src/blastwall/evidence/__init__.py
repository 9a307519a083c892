"""Evidence (F4): what an incident holds past retention, retention itself, and the bundle."""
