-- Render attempts and leases, so that no item is stuck (issue #15).
-- attempts counts the renders that started (a bounded number may);
-- task_seq numbers the item's render task, 0 being the one handed over
-- when it was ordered, so that an item whose task died is handed over
-- under a fresh one; render_lease_until is how long the render under way
-- holds the item (renewed while it runs, NULL when none runs);
-- reconciled_at is when a reconciler pass last took it; delay_reason is
-- the public words for why it waits on a retry after an outage, '' when
-- it does not.
ALTER TABLE items ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE items ADD COLUMN task_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE items ADD COLUMN render_lease_until TIMESTAMPTZ;
ALTER TABLE items ADD COLUMN reconciled_at TIMESTAMPTZ;
ALTER TABLE items ADD COLUMN delay_reason TEXT NOT NULL DEFAULT '';
-- The reconciler's pass reads the items still to be rendered, least
-- recently changed first.
CREATE INDEX items_unsettled ON items (updated_at, id) WHERE status IN ('received', 'queued', 'rendering');
