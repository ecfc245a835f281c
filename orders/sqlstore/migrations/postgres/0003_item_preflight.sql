-- The print-file check of a rendered item (render.Preflight as a JSON
-- object), so that a print shop sees at a glance that the file is good.
-- NULL until the item is rendered, or when its renderer makes none.
ALTER TABLE items ADD COLUMN preflight TEXT;
