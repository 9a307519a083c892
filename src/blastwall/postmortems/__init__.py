"""Learn (L1-L3): postmortems drafted from the record, action items, response metrics."""
