package sqlstore

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"oshigoods"
	"oshigoods/orders"
	"oshigoods/render"
)

// readyOrder creates an order of n items and renders them all.
func readyOrder(t *testing.T, s *Store, id string, created time.Time) {
	t.Helper()
	o := newOrder(id, 2)
	o.CreatedAt = created
	create(t, s, o)
	for _, it := range o.Items {
		transition(t, s, it.ID, orders.StatusReceived, orders.StatusRendering)
		if _, err := s.CompleteItem(t.Context(), it.ID, orders.Completion{Files: files(it.ID, 100)}); err != nil {
			t.Fatal(err)
		}
	}
}

func claimReq(max int) orders.ClaimRequest {
	return orders.ClaimRequest{Max: max, Lease: time.Minute}
}

func claimIDs(c *orders.Claim) []string {
	if c == nil {
		return nil
	}
	var ids []string
	for _, o := range c.Orders {
		ids = append(ids, o.ID)
	}
	return ids
}

func mustClaim(t *testing.T, s *Store, id string, req orders.ClaimRequest, now time.Time) *orders.Claim {
	t.Helper()
	c, err := s.ClaimOrders(t.Context(), id, "shop1", req, now)
	if err != nil {
		t.Fatalf("ClaimOrders %s: %v", id, err)
	}
	return c
}

func testClaim(t *testing.T, dsn string) {
	s := openStore(t, dsn)
	for i, id := range []string{"o3", "o1", "o2"} {
		_ = i
		readyOrder(t, s, id, t0.Add(time.Duration(id[1]-'0')*time.Hour))
	}
	create(t, s, newOrder("waiting", 1)) // not ready: never claimed
	now := time.Now().UTC()
	c1 := mustClaim(t, s, "c1", claimReq(2), now)
	if got := claimIDs(c1); !reflect.DeepEqual(got, []string{"o1", "o2"}) {
		t.Fatalf("first claim holds %v, want [o1 o2]", got)
	}
	if c1.ShopID != "shop1" || !c1.Active(now) || c1.ExpiresAt.Sub(now) < 59*time.Second || len(c1.Orders[0].Items) != 2 || len(c1.Orders[0].Items[0].Files) != 2 {
		t.Fatalf("claim %+v", c1)
	}
	c2 := mustClaim(t, s, "c2", claimReq(10), now)
	if got := claimIDs(c2); !reflect.DeepEqual(got, []string{"o3"}) {
		t.Fatalf("second claim holds %v, want [o3]", got)
	}
	if c3 := mustClaim(t, s, "c3", claimReq(10), now); c3 != nil {
		t.Fatalf("third claim %v, want nil: nothing left", claimIDs(c3))
	}
	// Leased orders stay ready and listed.
	if list, err := s.Orders(t.Context(), "shop1", orders.StatusReady, 0); err != nil || len(list) != 3 {
		t.Fatalf("Orders(ready): %d, %v; want 3", len(list), err)
	}
	got, err := s.Claim(t.Context(), "c1")
	if err != nil || !reflect.DeepEqual(claimIDs(got), []string{"o1", "o2"}) || len(got.Acks) != 0 {
		t.Fatalf("Claim c1: %v, %v", got, err)
	}
	_, err = s.Claim(t.Context(), "nope")
	wantCode(t, "Claim nope", err, oshigoods.ENOTFOUND)
}

func testClaimFilter(t *testing.T, dsn string) {
	s := openStore(t, dsn)
	readyOrder(t, s, "card", t0)
	photo := newOrder("photo", 1)
	photo.Items[0].Kind, photo.Items[0].Template = render.KindPhoto, "photo-2shot-l"
	create(t, s, photo)
	transition(t, s, "photo-item0", orders.StatusReceived, orders.StatusRendering)
	if _, err := s.CompleteItem(t.Context(), "photo-item0", orders.Completion{Files: files("photo-item0", 10)}); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for _, tc := range []struct {
		scenario string
		req      orders.ClaimRequest
		want     []string
	}{
		{"voice only", orders.ClaimRequest{Max: 5, Lease: time.Minute, Kinds: []render.Kind{render.KindVoice}}, nil},
		{"template of another kind", orders.ClaimRequest{Max: 5, Lease: time.Minute, Kinds: []render.Kind{render.KindCard}, Templates: []string{"photo-2shot-l"}}, nil},
		{"photo", orders.ClaimRequest{Max: 5, Lease: time.Minute, Kinds: []render.Kind{render.KindPhoto}}, []string{"photo"}},
		{"template", orders.ClaimRequest{Max: 5, Lease: time.Minute, Templates: []string{"letter-card-basic"}}, []string{"card"}},
	} {
		c := mustClaim(t, s, "c-"+strings.ReplaceAll(tc.scenario, " ", "-"), tc.req, now)
		if got := claimIDs(c); !reflect.DeepEqual(got, tc.want) {
			t.Fatalf("%s: claimed %v, want %v", tc.scenario, got, tc.want)
		}
	}
}

func testClaimLease(t *testing.T, dsn string) {
	s := openStore(t, dsn)
	readyOrder(t, s, "o1", t0)
	readyOrder(t, s, "o2", t0.Add(time.Hour))
	now := time.Now().UTC()
	mustClaim(t, s, "c1", claimReq(1), now)
	if c := mustClaim(t, s, "c2", claimReq(5), now.Add(30*time.Second)); !reflect.DeepEqual(claimIDs(c), []string{"o2"}) {
		t.Fatalf("claim during c1's lease: %v, want [o2]", claimIDs(c))
	}
	// c1's lease ends at now+1m: o1 returns, c2's o2 is still held.
	later := now.Add(61 * time.Second)
	c3 := mustClaim(t, s, "c3", claimReq(5), later)
	if got := claimIDs(c3); !reflect.DeepEqual(got, []string{"o1"}) {
		t.Fatalf("claim after c1 expired: %v, want [o1]", got)
	}
	if old, _ := s.Claim(t.Context(), "c1"); old.Active(later) {
		t.Fatalf("c1 still active after its lease")
	}
	_, err := s.AckOrder(t.Context(), "c1", orders.Ack{OrderID: "o1", Outcome: orders.OutcomePrinted}, later)
	wantCode(t, "ack through the expired claim", err, oshigoods.ECONFLICT)

	// Release: c3's o1 can be claimed at once.
	if err := s.ReleaseClaim(t.Context(), "c3", later); err != nil {
		t.Fatalf("ReleaseClaim: %v", err)
	}
	if err := s.ReleaseClaim(t.Context(), "c3", later); err != nil {
		t.Fatalf("ReleaseClaim again: %v", err)
	}
	wantCode(t, "ReleaseClaim nope", s.ReleaseClaim(t.Context(), "nope", later), oshigoods.ENOTFOUND)
	if c := mustClaim(t, s, "c4", claimReq(5), later); !reflect.DeepEqual(claimIDs(c), []string{"o1"}) {
		t.Fatalf("claim after release: %v, want [o1]", claimIDs(c))
	}
}

// testConcurrentClaims: claimers on separate connections (as separate
// processes) claim until nothing is left; every order is claimed exactly once.
func testConcurrentClaims(t *testing.T, dsn string) {
	s := openStore(t, dsn)
	const n = 24
	for i := range n {
		readyOrder(t, s, fmt.Sprintf("o%02d", i), t0.Add(time.Duration(i)*time.Minute))
	}
	stores := []*Store{s, openStore(t, dsn), openStore(t, dsn)}
	now := time.Now()
	var mu sync.Mutex
	seen := map[string]string{}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := range 6 {
		wg.Go(func() {
			st := stores[w%len(stores)]
			for i := 0; ; i++ {
				id := fmt.Sprintf("c%d-%d", w, i)
				c, err := st.ClaimOrders(t.Context(), id, "shop1", claimReq(3), now)
				if err != nil {
					errs <- err
					return
				}
				if c == nil {
					return
				}
				mu.Lock()
				for _, o := range c.Orders {
					if prev, dup := seen[o.ID]; dup {
						errs <- fmt.Errorf("order %s claimed by %s and %s", o.ID, prev, id)
					}
					seen[o.ID] = id
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if len(seen) != n {
		t.Fatalf("%d orders claimed, want %d", len(seen), n)
	}
}

func testAck(t *testing.T, dsn string) {
	s := openStore(t, dsn)
	readyOrder(t, s, "o1", t0)
	readyOrder(t, s, "o2", t0.Add(time.Hour))
	now := time.Now().UTC()
	mustClaim(t, s, "c1", claimReq(5), now)
	printed := orders.Ack{OrderID: "o1", Outcome: orders.OutcomePrinted}
	failed := orders.Ack{OrderID: "o2", Outcome: orders.OutcomeFailed, Reason: "紙詰まり"}
	for i, want := range []bool{true, false} {
		for _, a := range []orders.Ack{printed, failed} {
			changed, err := s.AckOrder(t.Context(), "c1", a, now.Add(time.Duration(i)*time.Second))
			if err != nil || changed != want {
				t.Fatalf("AckOrder %s #%d: changed %v, %v; want %v", a.OrderID, i, changed, err, want)
			}
		}
	}
	if o := mustOrder(t, s, "o1"); o.Status != orders.StatusPrinted || o.Items[1].Status != orders.StatusPrinted {
		t.Fatalf("o1 is %s, want printed", o.Status)
	}
	o2 := mustOrder(t, s, "o2")
	if o2.Status != orders.StatusFailed || o2.Items[0].Error != "print shop: 紙詰まり" {
		t.Fatalf("o2 is %s (%q), want failed with the shop's reason", o2.Status, o2.Items[0].Error)
	}
	_, err := s.AckOrder(t.Context(), "c1", orders.Ack{OrderID: "o1", Outcome: orders.OutcomeFailed, Reason: "x"}, now)
	wantCode(t, "ack printed order as failed", err, oshigoods.ECONFLICT)
	_, err = s.AckOrder(t.Context(), "c1", orders.Ack{OrderID: "other", Outcome: orders.OutcomePrinted}, now)
	wantCode(t, "ack an order the claim does not hold", err, oshigoods.ENOTFOUND)
	c, err := s.Claim(t.Context(), "c1")
	if err != nil || len(c.Acks) != 2 || c.Acks["o2"].Reason != "紙詰まり" || c.Acks["o1"].Outcome != orders.OutcomePrinted || c.Acks["o1"].AckedAt.IsZero() {
		t.Fatalf("Claim acks %+v, %v", c.Acks, err)
	}
	// Acked orders are not claimed again.
	if c := mustClaim(t, s, "c2", claimReq(5), now.Add(time.Hour)); c != nil {
		t.Fatalf("acked orders claimed again: %v", claimIDs(c))
	}
}

func testCancel(t *testing.T, dsn string) {
	s := openStore(t, dsn)
	now := time.Now().UTC()
	create(t, s, newOrder("fresh", 2))
	if err := s.CancelOrder(t.Context(), "fresh", now); err != nil {
		t.Fatalf("CancelOrder of a received order: %v", err)
	}
	if err := s.CancelOrder(t.Context(), "fresh", now); err != nil {
		t.Fatalf("CancelOrder again: %v", err)
	}
	if o := mustOrder(t, s, "fresh"); o.Status != orders.StatusCancelled || o.Items[1].Status != orders.StatusCancelled {
		t.Fatalf("cancelled order is %s", o.Status)
	}
	readyOrder(t, s, "claimed", t0)
	mustClaim(t, s, "c1", claimReq(1), now)
	err := s.CancelOrder(t.Context(), "claimed", now)
	wantCode(t, "CancelOrder of a claimed order", err, oshigoods.ECONFLICT)
	if !strings.Contains(oshigoods.ErrorMessage(err), "print shop") {
		t.Fatalf("message %q does not say a print shop has it", oshigoods.ErrorMessage(err))
	}
	// After the lease ends, the fan may cancel; the shop's late ack conflicts.
	if err := s.CancelOrder(t.Context(), "claimed", now.Add(2*time.Minute)); err != nil {
		t.Fatalf("CancelOrder after the lease: %v", err)
	}
	_, err = s.AckOrder(t.Context(), "c1", orders.Ack{OrderID: "claimed", Outcome: orders.OutcomePrinted}, now)
	wantCode(t, "ack of a cancelled order", err, oshigoods.ECONFLICT)
	readyOrder(t, s, "printed", t0)
	if err := s.MarkPrinted(t.Context(), "printed"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "CancelOrder of a printed order", s.CancelOrder(t.Context(), "printed", now), oshigoods.ECONFLICT)
	wantCode(t, "CancelOrder nope", s.CancelOrder(t.Context(), "nope", now), oshigoods.ENOTFOUND)
}

// testMarkPrintedClaimed: the plain printed path leaves an order to the
// claim whose lease holds it; once the lease ran out it proceeds.
func testMarkPrintedClaimed(t *testing.T, dsn string) {
	s := openStore(t, dsn)
	readyOrder(t, s, "held", t0)
	now := time.Now().UTC()
	mustClaim(t, s, "c1", claimReq(1), now)
	err := s.MarkPrinted(t.Context(), "held")
	wantCode(t, "MarkPrinted of a claimed order", err, oshigoods.ECONFLICT)
	if !strings.Contains(oshigoods.ErrorMessage(err), "c1") {
		t.Fatalf("message %q does not name the claim", oshigoods.ErrorMessage(err))
	}
	if o := mustOrder(t, s, "held"); o.Status != orders.StatusReady {
		t.Fatalf("refused MarkPrinted left the order %s", o.Status)
	}
	s.now = func() time.Time { return now.Add(2 * time.Minute) } // the one-minute lease ran out
	if err := s.MarkPrinted(t.Context(), "held"); err != nil {
		t.Fatalf("MarkPrinted after the lease: %v", err)
	}
	if o := mustOrder(t, s, "held"); o.Status != orders.StatusPrinted {
		t.Fatalf("order %s after MarkPrinted, want printed", o.Status)
	}
}

func testEvents(t *testing.T, dsn string) {
	s := openStore(t, dsn)
	ep := &orders.WebhookEndpoint{ID: "w1", ShopID: "shop1", URL: "http://127.0.0.1:1/hook", Secret: "whsec_x", CreatedAt: t0}
	if err := s.CreateWebhookEndpoint(t.Context(), ep, 10); err != nil {
		t.Fatalf("CreateWebhookEndpoint: %v", err)
	}
	wantCode(t, "CreateWebhookEndpoint again", s.CreateWebhookEndpoint(t.Context(), ep, 10), oshigoods.ECONFLICT)
	if got, err := s.WebhookEndpoint(t.Context(), "w1"); err != nil || got.URL != ep.URL || got.Secret != ep.Secret || got.ShopID != "shop1" {
		t.Fatalf("WebhookEndpoint: %+v, %v", got, err)
	}
	if list, err := s.WebhookEndpoints(t.Context(), "shop1"); err != nil || len(list) != 1 {
		t.Fatalf("WebhookEndpoints: %v, %v", list, err)
	}
	readyOrder(t, s, "o1", t0)
	now := time.Now().UTC()
	mustClaim(t, s, "c1", claimReq(1), now)
	if _, err := s.AckOrder(t.Context(), "c1", orders.Ack{OrderID: "o1", Outcome: orders.OutcomePrinted}, now); err != nil {
		t.Fatal(err)
	}
	create(t, s, newOrder("o2", 1))
	if err := s.CancelOrder(t.Context(), "o2", now); err != nil {
		t.Fatal(err)
	}
	create(t, s, newOrder("o3", 1))
	transition(t, s, "o3-item0", orders.StatusReceived, orders.StatusFailed)
	for _, tc := range []struct {
		order string
		want  []string
	}{
		{"o1", []string{orders.EventOrderReady, orders.EventOrderPrinted}},
		{"o2", []string{orders.EventOrderCancelled}},
		{"o3", []string{orders.EventOrderFailed}},
	} {
		evs, err := s.Events(t.Context(), tc.order)
		if err != nil {
			t.Fatal(err)
		}
		var types []string
		for i, e := range evs {
			types = append(types, e.Type)
			if e.Sequence != int64(i+1) || e.OrderID != tc.order || !strings.HasPrefix(e.ID, "evt_") {
				t.Fatalf("%s event %d: %+v", tc.order, i, e)
			}
		}
		if !reflect.DeepEqual(types, tc.want) {
			t.Fatalf("%s events %v, want %v", tc.order, types, tc.want)
		}
	}
	pending, err := s.PendingDeliveries(t.Context(), now.Add(time.Hour), 0)
	if err != nil || len(pending) != 4 {
		t.Fatalf("PendingDeliveries: %d, %v; want 4", len(pending), err)
	}
	var ids []string
	for _, d := range pending {
		ids = append(ids, d.Event.ID)
		if d.Endpoint.ID != "w1" || d.Status != orders.DeliveryPending || d.Endpoint.Secret != "whsec_x" {
			t.Fatalf("delivery %+v", d)
		}
	}
	first := pending[0]
	if err := s.MarkDeliveryEnqueued(t.Context(), first.Event.ID, "w1", now); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "MarkDeliveryEnqueued nope", s.MarkDeliveryEnqueued(t.Context(), "nope", "w1", now), oshigoods.ENOTFOUND)
	if again, _ := s.PendingDeliveries(t.Context(), now, 0); len(again) != 3 {
		t.Fatalf("enqueued just now yet pending again: %d, want 3", len(again))
	}
	for i, outcome := range []string{orders.DeliveryPending, orders.DeliveryDelivered, orders.DeliveryPending} {
		a := orders.DeliveryAttempt{EndpointID: "w1", EventID: first.Event.ID, EventType: first.Event.Type, Attempt: i + 1,
			StatusCode: 500, Duration: 3, At: now.Add(time.Duration(i) * time.Second), Outcome: outcome}
		if err := s.RecordDeliveryAttempt(t.Context(), a); err != nil {
			t.Fatal(err)
		}
	}
	d, err := s.Delivery(t.Context(), first.Event.ID, "w1")
	if err != nil || d.Status != orders.DeliveryDelivered || d.Attempts != 2 {
		t.Fatalf("Delivery after attempts: %+v, %v; want delivered after 2", d, err)
	}
	_, err = s.Delivery(t.Context(), "nope", "w1")
	wantCode(t, "Delivery nope", err, oshigoods.ENOTFOUND)
	log, err := s.DeliveryLog(t.Context(), "w1", 2)
	if err != nil || len(log) != 2 || log[0].Attempt != 3 || log[1].Outcome != orders.DeliveryDelivered {
		t.Fatalf("DeliveryLog: %+v, %v", log, err)
	}
	sort.Strings(ids)
}
