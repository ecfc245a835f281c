-- Fulfilment: how a physical order left the print shop. Empty carrier and
-- NULL shipped_at until it ships.
ALTER TABLE orders ADD COLUMN carrier TEXT NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN tracking_number TEXT NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN shipped_at INTEGER;
