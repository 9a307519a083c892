"""Notifications: routes from changes to channels, a transactional outbox, a dispatcher."""
