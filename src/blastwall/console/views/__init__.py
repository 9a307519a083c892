"""One small data function per console page: what the page shows, read through services."""
