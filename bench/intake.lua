-- wrk script for bench/intake.sh: every request places a new letter-card
-- order with an address and the terms accepted (no Idempotency-Key, so
-- each is a new order).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = [[{"customer":{"name":"山田 花子","email":"hanako@example.com"},
"items":[{"template":"card-letter-tate","quantity":1,"fields":{"to":"さくら"}}],
"shipping_address":{"postal_code":"100-0001","prefecture":"東京都","city":"千代田区","line1":"千代田1-1","name":"山田 花子","phone":"090-1234-5678"},
"terms_accepted":true}]]
