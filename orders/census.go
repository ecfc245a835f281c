package orders

import (
	"context"
	"time"
)

// Statuses are every order and item status, in lifecycle order.
var Statuses = []Status{StatusAwaitingPayment, StatusReceived, StatusQueued, StatusRendering, StatusReady,
	StatusPrinted, StatusShipped, StatusDelivered, StatusFailed, StatusCancelled}

// Census is what the store holds, counted at one moment, for metrics: no
// order, item or person is named in it. Statuses with nothing in them may be
// missing from the maps.
type Census struct {
	// Orders and Items count orders and items by status.
	Orders map[Status]int
	Items  map[Status]int
	// OldestItem is, by item status, when the least recently changed item
	// in it last changed: how long the oldest item has been rendering, say.
	OldestItem map[Status]time.Time
	// Deliveries count webhook deliveries by state, pending and failed
	// only (delivered ones are not counted). OldestPendingDelivery is when
	// the oldest pending delivery's event happened; zero if none.
	Deliveries            map[string]int
	OldestPendingDelivery time.Time
	// Mails counts the mail outbox by status, pending and failed only.
	// OldestDueMail is when the pending mail due first is due (perhaps in
	// the future: a retry waits); zero if none.
	Mails         map[MailStatus]int
	OldestDueMail time.Time
}

// CensusStore counts what the store holds (Census). Its queries read
// whole indexes: callers cache the answer for a few seconds.
type CensusStore interface {
	Census(ctx context.Context) (*Census, error)
}

// Observer is told what the use cases did that an operator watches for,
// as counters: Record is called once for each action, with a short name
// such as "requeued" (RequeueStale handed an item to the queue again). The
// names are few and fixed, never an id. It must be safe for concurrent use
// and return at once.
type Observer interface {
	Record(action string)
}

// record tells the Service's Observer, if any, of an action.
func (s *Service) record(action string) {
	if s.Observer != nil {
		s.Observer.Record(action)
	}
}
