-- Idempotency keys are scoped to the client that sent them: from now on
-- orders.idempotency_key holds the hash of (client address, customer
-- e-mail, key) (orders.Idempotency.ScopedKey), and a key expires a day
-- after its order was created, checked on lookup against created_at (the
-- unique index orders_idempotency_key finds the row). Keys stored before
-- were global and raw: they cannot be given a scope, would never match a
-- scoped one, and are let go.
UPDATE orders SET idempotency_key = NULL WHERE idempotency_key IS NOT NULL;
