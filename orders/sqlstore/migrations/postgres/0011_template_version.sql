-- The version of its template an item was validated and priced with
-- (orders.TemplateInfo.Version: a hash of the template's manifest and
-- assets), so that it is rendered with that version however the catalogue
-- changes after. '' for the items taken before this migration: they are
-- rendered with the current template.
ALTER TABLE items ADD COLUMN template_version TEXT NOT NULL DEFAULT '';
