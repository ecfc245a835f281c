package sqlstore

import (
	"io/fs"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"oshigoods"
	"oshigoods/orders"
)

// TestRetention is the conformance suite of orders.RetentionStore, on
// both databases.
func TestRetention(t *testing.T) {
	for _, db := range databases {
		t.Run(db.name, func(t *testing.T) {
			for _, tc := range []struct {
				scenario string
				run      func(t *testing.T, dsn string)
			}{
				{"expired uploads are the unused old ones", testExpiredUploads},
				{"erase keeps an anonymised record", testEraseOrder},
				{"erase refused while in production or claimed", testEraseRefused},
				{"expired orders are the finished ones", testExpiredOrders},
				{"migration 0005 backfills the uploads orders use", testBackfillOrderUploads},
			} {
				t.Run(tc.scenario, func(t *testing.T) {
					t.Parallel()
					tc.run(t, db.dsn(t))
				})
			}
		})
	}
}

func upload(t *testing.T, s *Store, id string, created time.Time) *orders.Upload {
	t.Helper()
	u := &orders.Upload{ID: id, Format: "jpeg", Width: 10, Height: 10, Size: 1, SHA256: "x", Key: "uploads/" + id + ".jpeg", CreatedAt: created}
	if err := s.CreateUpload(t.Context(), u); err != nil {
		t.Fatal(err)
	}
	return u
}

func uploadIDs(list []*orders.Upload) []string {
	var ids []string
	for _, u := range list {
		ids = append(ids, u.ID)
	}
	return ids
}

func testExpiredUploads(t *testing.T, dsn string) {
	s := openStore(t, dsn)
	upload(t, s, "old", t0)
	upload(t, s, "ordered", t0)
	upload(t, s, "new", t0.Add(48*time.Hour))
	o := newOrder("o1", 1)
	o.Uploads = []string{"ordered"}
	create(t, s, o)
	got, err := s.ExpiredUploads(t.Context(), t0.Add(24*time.Hour), 0)
	if err != nil || !reflect.DeepEqual(uploadIDs(got), []string{"old"}) {
		t.Fatalf("ExpiredUploads = %v, %v; want [old]", uploadIDs(got), err)
	}
	if got[0].Key != "uploads/old.jpeg" {
		t.Fatalf("key %q", got[0].Key)
	}
	for _, tc := range []struct {
		id   string
		want bool
	}{{"old", true}, {"old", false}, {"ordered", false}, {"nope", false}} {
		if deleted, err := s.DeleteUpload(t.Context(), tc.id); err != nil || deleted != tc.want {
			t.Fatalf("DeleteUpload(%s) = %v, %v; want %v", tc.id, deleted, err, tc.want)
		}
	}
	_, err = s.Upload(t.Context(), "old")
	wantCode(t, "Upload of a deleted upload", err, oshigoods.ENOTFOUND)
	if _, err := s.Upload(t.Context(), "ordered"); err != nil {
		t.Fatalf("ordered upload: %v", err)
	}
	// An order naming an upload that was swept is not stored.
	o2 := newOrder("o2", 1)
	o2.Uploads = []string{"old"}
	if _, _, err := s.CreateOrder(t.Context(), o2); err == nil {
		t.Fatal("CreateOrder with a deleted upload succeeded")
	}
}

// printedOrder is a printed order of two cards using the given uploads.
func printedOrder(t *testing.T, s *Store, id string, uploads ...string) {
	t.Helper()
	o := newOrder(id, 2)
	o.IdempotencyKey = "key-" + id
	o.Uploads = uploads
	create(t, s, o)
	for _, it := range o.Items {
		transition(t, s, it.ID, orders.StatusReceived, orders.StatusRendering)
		if _, err := s.CompleteItem(t.Context(), it.ID, orders.Completion{Files: files(it.ID, 100), Warnings: []string{"名前「蓮」を小さくしました"}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.MarkPrinted(t.Context(), id); err != nil {
		t.Fatal(err)
	}
}

func testEraseOrder(t *testing.T, dsn string) {
	s := openStore(t, dsn)
	ctx := t.Context()
	upload(t, s, "mine", t0)
	upload(t, s, "shared", t0)
	printedOrder(t, s, "done", "mine", "shared")
	live := newOrder("live", 1)
	live.Uploads = []string{"shared"}
	create(t, s, live)
	before := mustOrder(t, s, "done")
	now := time.Now().UTC().Truncate(time.Millisecond)

	// Not erased: nothing to delete yet.
	if keys, err := s.ErasureKeys(ctx, "done"); err != nil || len(keys) != 0 {
		t.Fatalf("ErasureKeys before erasure = %v, %v", keys, err)
	}
	for i, want := range []bool{true, false} {
		if changed, err := s.EraseOrder(ctx, "done", now.Add(time.Duration(i)*time.Hour)); err != nil || changed != want {
			t.Fatalf("EraseOrder #%d = %v, %v; want changed %v", i+1, changed, err, want)
		}
	}
	o := mustOrder(t, s, "done")
	if o.Customer != (orders.Customer{}) || o.IdempotencyKey != "" || o.RequestHash != "" || !o.ErasedAt.Equal(now) {
		t.Fatalf("erased order keeps %+v, %q, %q, erased at %v (want %v)", o.Customer, o.IdempotencyKey, o.RequestHash, o.ErasedAt, now)
	}
	if o.ID != "done" || o.Status != orders.StatusPrinted || !o.CreatedAt.Equal(before.CreatedAt) || o.TokenHash != before.TokenHash || len(o.Items) != 2 {
		t.Fatalf("erased order lost its record: %+v", o)
	}
	for i, it := range o.Items {
		b := before.Items[i]
		if it.ID != b.ID || it.Template != b.Template || it.Kind != b.Kind || it.Quantity != b.Quantity || it.Status != orders.StatusPrinted {
			t.Fatalf("item %d record: %+v, was %+v", i, it, b)
		}
		if len(it.Fields) != 0 || len(it.Warnings) != 0 || it.Error != "" || it.Preflight != nil {
			t.Fatalf("item %d keeps personal data: %+v", i, it)
		}
	}
	// The same idempotency key no longer finds the erased order.
	again := newOrder("again", 1)
	again.IdempotencyKey = "key-done"
	create(t, s, again)

	keys, err := s.ErasureKeys(ctx, "done")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"uploads/mine.jpeg"}
	for _, it := range o.Items {
		for _, f := range it.Files {
			want = append(want, f.Key)
		}
	}
	slices.Sort(keys)
	slices.Sort(want)
	if len(want) != 5 || !reflect.DeepEqual(keys, want) {
		t.Fatalf("ErasureKeys = %v, want %v (the shared upload stays with the live order)", keys, want)
	}
	if ids, err := s.ExpiredOrders(ctx, t0, 0); err != nil || !slices.Contains(ids, "done") {
		t.Fatalf("ExpiredOrders before ForgetFiles = %v, %v; want the unfinished erasure", ids, err)
	}
	for range 2 {
		if err := s.ForgetFiles(ctx, "done"); err != nil {
			t.Fatal(err)
		}
	}
	for _, it := range mustOrder(t, s, "done").Items {
		if len(it.Files) != 0 {
			t.Fatalf("files kept: %+v", it.Files)
		}
	}
	_, err = s.Upload(ctx, "mine")
	wantCode(t, "the erased order's upload", err, oshigoods.ENOTFOUND)
	if _, err := s.Upload(ctx, "shared"); err != nil {
		t.Fatalf("the live order's upload: %v", err)
	}
	if ids, err := s.ExpiredOrders(ctx, time.Now().Add(time.Hour), 0); err != nil || slices.Contains(ids, "done") {
		t.Fatalf("ExpiredOrders after the erasure = %v, %v", ids, err)
	}
	// ForgetFiles of an order not erased keeps everything.
	if err := s.ForgetFiles(ctx, "live"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Upload(ctx, "shared"); err != nil {
		t.Fatalf("ForgetFiles of a live order: %v", err)
	}
}

func testEraseRefused(t *testing.T, dsn string) {
	s := openStore(t, dsn)
	ctx := t.Context()
	now := time.Now().UTC()
	create(t, s, newOrder("received", 1))
	_, err := s.EraseOrder(ctx, "received", now)
	wantCode(t, "erase of a received order", err, oshigoods.ECONFLICT)
	_, err = s.EraseOrder(ctx, "nope", now)
	wantCode(t, "erase of no order", err, oshigoods.ENOTFOUND)

	readyOrder(t, s, "claimed", t0)
	mustClaim(t, s, "c1", claimReq(1), now)
	_, err = s.EraseOrder(ctx, "claimed", now)
	wantCode(t, "erase of a claimed order", err, oshigoods.ECONFLICT)
	if o := mustOrder(t, s, "claimed"); o.Customer.Name == "" || !o.ErasedAt.IsZero() {
		t.Fatalf("refused erasure changed the order: %+v", o)
	}

	// A failed order: erased, its event's reason (the item's error,
	// which may quote the fan's text) cleared.
	failed := newOrder("failed", 1)
	create(t, s, failed)
	if _, err := s.TransitionItem(ctx, failed.Items[0].ID, []orders.Status{orders.StatusReceived}, orders.StatusFailed, "「蓮」 is too wide for its box"); err != nil {
		t.Fatal(err)
	}
	if changed, err := s.EraseOrder(ctx, "failed", now); err != nil || !changed {
		t.Fatalf("erase of a failed order: %v, %v", changed, err)
	}
	evs, err := s.Events(ctx, "failed")
	if err != nil || len(evs) != 1 || evs[0].Data.Status != orders.StatusFailed || evs[0].Data.Reason != "" {
		t.Fatalf("events of the erased order: %+v, %v", evs, err)
	}

	// A ready order nobody claimed: erased and cancelled, never claimed.
	readyOrder(t, s, "ready", t0.Add(time.Hour))
	if changed, err := s.EraseOrder(ctx, "ready", now); err != nil || !changed {
		t.Fatalf("erase of a ready order: %v, %v", changed, err)
	}
	if o := mustOrder(t, s, "ready"); o.Status != orders.StatusCancelled {
		t.Fatalf("erased ready order is %s, want cancelled", o.Status)
	}
	if c := mustClaim(t, s, "c2", claimReq(5), now.Add(time.Hour)); c != nil && slices.Contains(claimIDs(c), "ready") {
		t.Fatalf("claim took the erased order: %v", claimIDs(c))
	}
}

func testExpiredOrders(t *testing.T, dsn string) {
	s := openStore(t, dsn)
	ctx := t.Context()
	printedOrder(t, s, "printed")
	create(t, s, newOrder("received", 1))
	readyOrder(t, s, "ready-card", t0) // waits for a print shop
	voice := newOrder("ready-voice", 1)
	voice.Items[0].Kind = orders.KindVoice
	create(t, s, voice)
	transition(t, s, voice.Items[0].ID, orders.StatusReceived, orders.StatusRendering)
	if _, err := s.CompleteItem(ctx, voice.Items[0].ID, orders.Completion{}); err != nil {
		t.Fatal(err)
	}
	// Failed, but with another item still rendering: not finished.
	half := newOrder("half-failed", 2)
	create(t, s, half)
	transition(t, s, half.Items[0].ID, orders.StatusReceived, orders.StatusFailed)
	transition(t, s, half.Items[1].ID, orders.StatusReceived, orders.StatusRendering)
	create(t, s, newOrder("cancelled", 1))
	if err := s.CancelOrder(ctx, "cancelled", time.Now()); err != nil {
		t.Fatal(err)
	}

	later := time.Now().Add(time.Hour)
	ids, err := s.ExpiredOrders(ctx, later, 0)
	slices.Sort(ids)
	if want := []string{"cancelled", "printed", "ready-voice"}; err != nil || !reflect.DeepEqual(ids, want) {
		t.Fatalf("ExpiredOrders = %v, %v; want %v", ids, err, want)
	}
	// Changed after the cutoff: not yet.
	if ids, err := s.ExpiredOrders(ctx, t0, 0); err != nil || len(ids) != 0 {
		t.Fatalf("ExpiredOrders before they finished = %v, %v", ids, err)
	}
	if ids, err := s.ExpiredOrders(ctx, later, 2); err != nil || len(ids) != 2 {
		t.Fatalf("ExpiredOrders limit 2 = %v, %v", ids, err)
	}
}

// testBackfillOrderUploads runs migration 0005's backfill on an order taken
// before it (its items' fields name its upload, no order_uploads row): the
// upload is then in use, and not swept.
func testBackfillOrderUploads(t *testing.T, dsn string) {
	s := openStore(t, dsn)
	ctx := t.Context()
	upload(t, s, "upl_a1", t0)
	upload(t, s, "upl_a", t0)
	o := newOrder("legacy", 1)
	o.Items[0].Fields = map[string]string{"photo": "upl_a", "name": "upl_a1 is not a photo here"}
	create(t, s, o)
	if got, err := s.ExpiredUploads(ctx, t0.Add(time.Hour), 0); err != nil || len(got) != 2 {
		t.Fatalf("before the backfill: %v, %v", uploadIDs(got), err)
	}
	b, err := fs.ReadFile(migrations, "migrations/"+s.d.name+"/0005_retention.sql")
	if err != nil {
		t.Fatal(err)
	}
	i := strings.Index(string(b), "INSERT INTO order_uploads")
	if i < 0 {
		t.Fatal("no backfill in migration 0005")
	}
	if _, err := s.db.ExecContext(ctx, string(b[i:])); err != nil {
		t.Fatalf("backfill: %v", err)
	}
	if got, err := s.ExpiredUploads(ctx, t0.Add(time.Hour), 0); err != nil || !reflect.DeepEqual(uploadIDs(got), []string{"upl_a1"}) {
		t.Fatalf("after the backfill: %v, %v; want [upl_a1] (named only inside a text)", uploadIDs(got), err)
	}
}
