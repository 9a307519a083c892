"""Change detection: calibrated sequential detectors and the stream replay that scores them."""
