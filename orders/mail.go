package orders

// MailKind is which e-mail a fan is owed. The store queues one of each kind
// at most per order (an outbox row), in the transaction that makes it owed:
// order received when the order is stored, payment received when it is
// paid, ready when a download is ready, shipped when it ships.
type MailKind string

const (
	MailOrderReceived   MailKind = "order_received"
	MailPaymentReceived MailKind = "payment_received"
	MailReady           MailKind = "ready"
	MailShipped         MailKind = "shipped"
)
