package orders

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"oshigoods"
)

// Limits bound what a fan may send. Zero values mean the defaults.
type Limits struct {
	// MaxUploadBytes is the largest upload accepted. Default 30 MiB.
	MaxUploadBytes int64
	// MaxUploadPixels is the most pixels (width × height) an upload may
	// declare in its header; larger images are refused before their pixels
	// are decoded. Default 50 megapixels, the photo renderer's own decode
	// limit (photo.MaxPixels), so an accepted upload always decodes.
	MaxUploadPixels int
	// MaxDecodeBytes is the most memory one decode of an upload may take,
	// as the catalogue computes it from the header (ImageInfo.DecodeBytes).
	// Zero means the size of the Service's decode budget (Decodes.Size), or
	// no limit without one; a larger value is capped at that size, since
	// such a decode could never run.
	MaxDecodeBytes int64
	// MaxUploadSide is the longest side in pixels. Default 16384.
	MaxUploadSide int
	// MaxItems is the most items in one order. Default 20.
	MaxItems int
	// MaxQuantity is the most copies of one item. Default 100.
	MaxQuantity int
}

// WithDefaults returns l with zero values replaced by the defaults.
func (l Limits) WithDefaults() Limits {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	if l.MaxUploadBytes <= 0 {
		l.MaxUploadBytes = 30 << 20
	}
	def(&l.MaxUploadPixels, 50_000_000)
	def(&l.MaxUploadSide, 16384)
	def(&l.MaxItems, 20)
	def(&l.MaxQuantity, 100)
	return l
}

// Service takes orders and uploads: it validates them, stores them and
// hands items to the queue; and it renders items (RenderItem), and owns
// every other use case (see the package doc). It is safe for concurrent
// use. Its Store and Files are its own: they are exported for wiring
// (cmd/oshigoods) and for tests that set up state, but the adapters (API,
// storefront, worker, CLI) call its methods and never reach them.
type Service struct {
	Store   Store
	Queue   Queue
	Files   FileStore
	Catalog Catalog
	Logger  *slog.Logger
	// Secret derives order tokens; every API process of one installation
	// must share it.
	Secret []byte
	// Profile is the print profile items are rendered (RenderItem) and
	// previewed with. The zero Profile is digital: no bleed, no marks.
	Profile Profile
	Limits  Limits
	// Retention says how long uploads and orders' personal data are kept
	// (retention.go). The zero value is the defaults.
	Retention Retention
	// Renders is how renders hold their items and how often one item may
	// be tried (RenderItem, RequeueStale). The zero value is the defaults:
	// a 15-second lease, 6 attempts.
	Renders Renders
	// Decodes is the process's budget of decoded pixel bytes: every
	// preview and render passes it to the renderer (Inputs.Decodes), which
	// takes a decode's cost from it before decoding, and uploads are
	// refused whose decode would not fit in it. Nil means no budget.
	Decodes DecodeBudget
	// URLTTL is how long presigned download URLs last. Default 1 hour.
	URLTTL time.Duration
	// Now is the clock of CreateOrder (its orders' times, and so when
	// their idempotency keys expire). Nil is time.Now.
	Now func() time.Time
	// Webhooks is which URLs shops may register and which addresses
	// deliveries may reach. The zero value: https only, no loopback,
	// private or other special-purpose address.
	Webhooks WebhookPolicy
	// Shipping is the operator's shipping methods and fees. The zero value
	// is DefaultShipping.
	Shipping Shipping
	// Payments is how payment is taken. The zero value is PaymentNone:
	// orders proceed at once.
	Payments Payments
	// Provider opens checkouts and reads their notices; required with
	// PaymentStripe, nil otherwise.
	Provider PaymentProvider
	// Postal, when set, returns the prefectures a 7-digit postal code
	// lies in (package postal over Japan Post's list), so an address whose
	// prefecture is not among them is refused; nil, or no prefecture for a
	// code (one newer than the list), skips the check.
	Postal func(digits string) []string
	// Carriers checks shipments' tracking numbers and links the fan to
	// the carrier's tracking page (package fulfil). Nil accepts any number
	// of letters and digits and links nowhere.
	Carriers Carriers
	// Packing makes claims' packing slips and carrier files (package
	// fulfil, with the operator as the sender). Nil answers those
	// requests with ENOTFOUND.
	Packing PackingDocs
	// AdminKeyHash is the hex SHA-256 of the operator's key from the
	// environment (OSHIGOODS_ADMIN_TOKEN or OSHIGOODS_ADMIN_KEY); "" when
	// none is set. Keys created with `oshigoods admin-keys create` work
	// beside it (Operator).
	AdminKeyHash string
	// Admin is the operator's console settings (admin.go). The zero value
	// is the defaults.
	Admin Admin
	// Tasks reads and clears items' render tasks in the queue, for the
	// operator's view of attempts and for retries (RetryItem). Nil shows
	// no attempts, and a retry only enqueues.
	Tasks TaskInspector
	// PublicURL is the storefront's address as fans reach it, e.g.
	// "https://shop.example.jp", for the links in e-mails and the page a
	// checkout returns to. Default "http://127.0.0.1:8080".
	PublicURL string
	// Mails is how the fans' e-mails are written and retried (SendMails).
	// The zero value is the defaults: signed 「oshigoods」, retried from
	// one minute, doubling up to an hour, for 24 hours.
	Mails Mails

	// Observer is told of the reconciler's actions (Observer.Record), for
	// metrics; nil tells no one.
	Observer Observer
}

// IdempotencyTTL is how long an idempotency key holds, from the order that
// first used it, as Stripe's do: after it, the same key is a new request.
const IdempotencyTTL = 24 * time.Hour

// Idempotency is a client's Idempotency-Key and who sent it.
//
// A key is scoped: it stands for an order only for the same Client (the
// API gives the client's address) and the same customer e-mail (of the
// request). Stripe scopes keys by API key; a fan has no account, so this
// is the next best: one client's key never returns another client's order
// or its token, even a key another guessed or saw, unless it also comes
// from the same address with the same e-mail. The limit: a retry from a
// new address (a phone moving from Wi-Fi to mobile data) is a new order, a
// duplicate the fan can cancel; it never leaks one. The store keeps only
// the scoped key's hash (ScopedKey).
type Idempotency struct {
	// Key is the client's Idempotency-Key; "" means none.
	Key string
	// Client identifies the sender, e.g. its IP address; "" is one scope
	// of its own (a caller that is not the API).
	Client string
}

// ScopedKey is the idempotency key as stored: the hex SHA-256 of the
// client, the customer's e-mail (case-folded) and the key, so a key
// matches only within that scope. "" when there is no key.
func (i Idempotency) ScopedKey(email string) string {
	if i.Key == "" {
		return ""
	}
	return Hash("oshigoods idempotency v1\x00" + i.Client + "\x00" + strings.ToLower(strings.TrimSpace(email)) + "\x00" + i.Key)
}

// now is the Service's clock, in UTC.
func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// NewOrder is a fan's order request.
type NewOrder struct {
	Customer Customer  `json:"customer"`
	Items    []NewItem `json:"items"`
	// ShippingAddress is required when any item is physical, and not kept
	// for a digital-only order.
	ShippingAddress *ShippingAddress `json:"shipping_address,omitempty"`
	// ShippingMethod is a Shipping method's ID; "" is the default method.
	ShippingMethod string `json:"shipping_method,omitempty"`
	// TermsAccepted must be true: the fan accepted the shop's terms.
	TermsAccepted bool `json:"terms_accepted"`
}

// NewItem is one item of an order request. Image fields hold upload ids.
type NewItem struct {
	Template string            `json:"template"`
	Quantity int               `json:"quantity"`
	Fields   map[string]string `json:"fields"`
}

// CreateOrder validates every item against its template, keeps the
// files of the template versions its items record (keepTemplates; a
// failure is logged, and the render keeps them), then stores the order and
// enqueues its items. With an idempotency key, a repeat of the
// same request in the key's scope (Idempotency) within IdempotencyTTL
// returns the stored order (created false) and a different request with
// the same key is ECONFLICT. Validation errors are
// EUNPROCESSABLE and name the field, e.g. "items[0].fields.name"; nothing
// is stored then. A failed enqueue is logged, not returned: the order is
// stored and the reconciler enqueues it.
func (s *Service) CreateOrder(ctx context.Context, req NewOrder, idem Idempotency) (o *Order, token string, created bool, err error) {
	lim := s.Limits.WithDefaults()
	if err := validateCustomer(req.Customer); err != nil {
		return nil, "", false, err
	}
	if len(req.Items) == 0 {
		return nil, "", false, oshigoods.FieldErrorf("items", "an order needs at least one item.")
	}
	if len(req.Items) > lim.MaxItems {
		return nil, "", false, oshigoods.FieldErrorf("items", "an order takes at most %d items; got %d.", lim.MaxItems, len(req.Items))
	}
	if len(idem.Key) > 200 {
		return nil, "", false, &oshigoods.Error{Code: oshigoods.EINVALID, Field: "Idempotency-Key", Message: "Idempotency-Key is longer than 200 characters."}
	}
	now := s.now()
	o = &Order{
		ID:              NewID("ord"),
		Status:          StatusReceived,
		Customer:        req.Customer,
		IdempotencyKey:  idem.ScopedKey(req.Customer.Email),
		RequestHash:     requestHash(req),
		CreatedAt:       now,
		UpdatedAt:       now,
		TermsAcceptedAt: now,
	}
	var tpls []Template
	for i, ni := range req.Items {
		item, err := s.newItem(ctx, i, ni, lim, now)
		if err != nil {
			return nil, "", false, err
		}
		tpls = append(tpls, item.tpl)
		item.OrderID, item.CreatedAt, item.UpdatedAt = o.ID, now, now
		o.Items = append(o.Items, item.Item)
		for _, f := range item.uploads {
			if !slices.Contains(o.Uploads, f) {
				o.Uploads = append(o.Uploads, f)
			}
		}
	}
	if err := s.checkout(o, req); err != nil {
		return nil, "", false, err
	}
	token = OrderToken(s.Secret, o.ID)
	o.TokenHash = Hash(token)
	// The versions the items record are kept before the order is stored,
	// so that each can be made again once the catalogue moves on. A file
	// store that cannot take one now does not refuse the order (orders are
	// taken during an S3 outage): the item's render keeps it.
	if err := s.keepTemplates(ctx, tpls); err != nil {
		s.log().Warn("template version not kept; the render keeps it", "err", err)
	}
	// An order that proceeds at once is stored with its items queued, in
	// the one transaction that stores it, and its tasks are enqueued after
	// (enqueueNew): a task never names an item that is not stored, and an
	// item whose task does not arrive (the broker is down, the process
	// dies) is one the reconciler finds stale and hands over again.
	enqueue := s.Queue != nil && (o.Payment.Mode == PaymentNone || o.Payment.Mode == "")
	if enqueue {
		for _, it := range o.Items {
			it.Status = StatusQueued
		}
		o.Status = StatusQueued
	}
	// Only physical items are routed (Route), by the keys as they stand
	// when the order is stored: an order of downloads reads no keys.
	var route func([]*ShopKey) string
	if slices.ContainsFunc(o.Items, Physical) {
		route = func(keys []*ShopKey) string { return Route(keys, o.Items) }
	}
	stored, created, err := s.Store.CreateRoutedOrder(ctx, o, route)
	if err != nil {
		return nil, "", false, err
	}
	if !created {
		return stored, OrderToken(s.Secret, stored.ID), false, nil
	}
	switch {
	case stored.Payment.Mode == PaymentStripe:
		if _, err := s.openCheckout(ctx, stored); err != nil {
			// The fan opens it again from the order page (Checkout).
			s.log().Warn("open checkout failed; the fan can retry from the order page", "order", stored.ID, "err", err)
		} else if fresh, err := s.Store.Order(ctx, stored.ID); err == nil {
			stored = fresh // with its checkout
		}
	case enqueue:
		if !s.enqueueNew(ctx, stored) {
			if fresh, err := s.Store.Order(ctx, stored.ID); err == nil {
				stored = fresh
			}
		}
	}
	stored.created = true
	return stored, token, true, nil
}

// enqueueNew enqueues the render tasks of an order CreateOrder has just
// stored with its items queued. An item whose enqueue fails goes back to
// received, as it was never handed over, for the reconciler to enqueue;
// the failure is logged. It reports whether every item was enqueued. The
// order is stored: its tasks are handed over even when the client has
// gone meanwhile (ctx's cancellation is not passed on).
func (s *Service) enqueueNew(ctx context.Context, o *Order) bool {
	ctx = context.WithoutCancel(ctx)
	ok := true
	for _, item := range o.Items {
		if err := s.Queue.EnqueueRender(ctx, item); err != nil {
			ok = false
			s.log().Warn("enqueue failed; the reconciler will retry", "item", item.ID, "err", err)
			if _, err := s.Store.TransitionItem(ctx, item.ID, []Status{StatusQueued}, StatusReceived, ""); err != nil {
				s.log().Warn("mark received", "item", item.ID, "err", err)
			}
		}
	}
	return ok
}

// enqueueItems hands an order's received items to the queue and marks
// them queued. A failed enqueue is logged: the reconciler enqueues the
// item later.
func (s *Service) enqueueItems(ctx context.Context, o *Order) {
	if s.Queue == nil {
		return // an operator's command without the broker: the reconciler enqueues
	}
	for _, item := range o.Items {
		if item.Status != StatusReceived {
			continue
		}
		if err := s.Queue.EnqueueRender(ctx, item); err != nil {
			s.log().Warn("enqueue failed; the reconciler will retry", "item", item.ID, "err", err)
			continue
		}
		if _, err := s.Store.TransitionItem(ctx, item.ID, []Status{StatusReceived}, StatusQueued, ""); err != nil {
			s.log().Warn("mark queued", "item", item.ID, "err", err)
		}
	}
}

// newItemResult is a validated item with the ids of the uploads it uses
// and the template it was validated with.
type newItemResult struct {
	*Item
	uploads []string
	tpl     Template
}

// newItem validates item i of an order made at now (a card is checked
// with the date it will print).
func (s *Service) newItem(ctx context.Context, i int, ni NewItem, lim Limits, now time.Time) (*newItemResult, error) {
	prefix := fmt.Sprintf("items[%d].", i)
	tpl, err := s.Catalog.Template(ni.Template)
	if err != nil {
		return nil, prefixed(prefix, err)
	}
	info := tpl.Info()
	if ni.Quantity == 0 {
		ni.Quantity = 1
	}
	if ni.Quantity < 1 || ni.Quantity > lim.MaxQuantity {
		return nil, oshigoods.FieldErrorf(prefix+"quantity", "quantity must be between 1 and %d; got %d.", lim.MaxQuantity, ni.Quantity)
	}
	fields := make(map[string]string, len(ni.Fields))
	for k, v := range ni.Fields {
		fields[k] = v
	}
	var imageWarnings, uploads []string
	ttl := s.Retention.WithDefaults().UploadTTL
	for _, f := range tpl.Fields() {
		id := fields[f.Name]
		if f.Type != FieldImage || id == "" {
			continue
		}
		up, err := s.Store.Upload(ctx, id)
		if err != nil {
			if oshigoods.ErrorCode(err) == oshigoods.ENOTFOUND {
				return nil, oshigoods.FieldErrorf(prefix+"fields."+f.Name, "no upload with id %q: upload the image first with POST /v1/uploads.", id)
			}
			return nil, err
		}
		// One set of limits: an upload recorded under other limits is
		// refused now rather than failing at render.
		if int64(up.Width)*int64(up.Height) > int64(lim.MaxUploadPixels) {
			return nil, oshigoods.FieldErrorf(prefix+"fields."+f.Name, "the image is %d×%d pixels; the limit is %d megapixels: upload a smaller one.",
				up.Width, up.Height, lim.MaxUploadPixels/1_000_000)
		}
		// An upload past its TTL is deleted by the sweeper: it cannot be
		// ordered any more.
		if time.Since(up.CreatedAt) > ttl {
			return nil, oshigoods.FieldErrorf(prefix+"fields."+f.Name, "upload %q has expired: upload the image again with POST /v1/uploads.", id)
		}
		uploads = append(uploads, id)
		// A photo too small for its slot is refused now, not by the
		// printer; a soft one is ordered with a warning.
		for _, r := range tpl.RateImage(up.Width, up.Height) {
			switch {
			case r.Field != f.Name:
			case r.Verdict == VerdictRefused:
				return nil, oshigoods.FieldErrorf(prefix+"fields."+f.Name, "%s", r.Message)
			case r.Verdict == VerdictWarning:
				imageWarnings = append(imageWarnings, r.Message)
			}
		}
	}
	warnings, err := tpl.Validate(ctx, Inputs{Fields: fields, OrderedAt: now})
	if err != nil {
		return nil, prefixed(prefix+"fields.", err)
	}
	warnings = append(imageWarnings, warnings...)
	return &newItemResult{Item: &Item{
		ID: NewID("itm"), Seq: i, Template: info.ID, TemplateVersion: info.Version, Kind: info.Kind, Quantity: ni.Quantity,
		UnitPrice: info.Price, Fields: fields, Status: StatusReceived, Warnings: warnings,
	}, uploads: uploads, tpl: tpl}, nil
}

// UploadSlot is an upload's effective resolution in one image field of one
// template: what POST /v1/uploads reports for every slot it could fill.
type UploadSlot struct {
	Template string `json:"template"`
	ImageRating
}

// UploadSlots rates an upload in every image slot of the catalogue, in
// catalogue order: its effective resolution (pixels per inch once cropped
// into the slot) and whether it is ok, a warning or refused.
func (s *Service) UploadSlots(u *Upload) []UploadSlot {
	slots := []UploadSlot{}
	for _, tpl := range s.Catalog.Templates() {
		for _, r := range tpl.RateImage(u.Width, u.Height) {
			slots = append(slots, UploadSlot{Template: tpl.Info().ID, ImageRating: r})
		}
	}
	return slots
}

// prefixed returns err with its field prefixed, so that a template's "name"
// becomes the request's "items[0].fields.name".
func prefixed(prefix string, err error) error {
	if e, ok := err.(*oshigoods.Error); ok && e.Field != "" {
		c := *e
		c.Field = prefix + c.Field
		return &c
	}
	return err
}

// validateCustomer checks the customer's name and e-mail: present, within
// their limits, free of control and bidi characters (CheckText: they
// end up in print shops' spreadsheets and labels), and a plain address.
func validateCustomer(c Customer) error {
	name := strings.TrimSpace(c.Name)
	switch {
	case name == "":
		return oshigoods.FieldErrorf("customer.name", "customer.name is required.")
	case utf8.RuneCountInString(name) > 100:
		return oshigoods.FieldErrorf("customer.name", "customer.name is at most 100 characters.")
	case c.Email == "":
		return oshigoods.FieldErrorf("customer.email", "customer.email is required.")
	case len(c.Email) > 254:
		return oshigoods.FieldErrorf("customer.email", "customer.email is at most 254 characters.")
	}
	if err := CheckText("customer.name", c.Name, false); err != nil {
		return err
	}
	if err := CheckText("customer.email", c.Email, false); err != nil {
		return err
	}
	if a, err := mail.ParseAddress(c.Email); err != nil || a.Address != c.Email {
		return oshigoods.FieldErrorf("customer.email", "customer.email is not an email address.")
	}
	return nil
}

// requestHash identifies a request's content, independent of JSON spacing
// and key order (maps marshal sorted).
func requestHash(req NewOrder) string {
	b, _ := json.Marshal(req)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// PreviewRequest asks for a preview of one item before ordering.
type PreviewRequest struct {
	Template string            `json:"template"`
	Fields   map[string]string `json:"fields"`
}

// Preview validates the fields as an order would (errors name the field,
// e.g. "fields.name") and returns the template's preview file: a small
// watermarked image or a short clip. Image fields hold upload ids. When
// the decode budget stays full for its wait, it is EUNAVAILABLE (503 with
// Retry-After).
func (s *Service) Preview(ctx context.Context, req PreviewRequest) (*RenderedFile, []string, error) {
	tpl, err := s.Catalog.Template(req.Template)
	if err != nil {
		return nil, nil, err
	}
	in := Inputs{Fields: req.Fields, Profile: s.Profile, Decodes: s.Decodes, OrderedAt: s.now()}
	if in.Fields == nil {
		in.Fields = map[string]string{}
	}
	if in.Images, err = LoadImages(ctx, s.Store, s.Files, tpl.Fields(), in.Fields); err != nil {
		return nil, nil, prefixed("fields.", err)
	}
	warnings, err := tpl.Validate(ctx, in)
	if err != nil {
		return nil, nil, prefixed("fields.", err)
	}
	f, err := tpl.Preview(ctx, in)
	if err != nil {
		return nil, nil, prefixed("fields.", err)
	}
	return f, warnings, nil
}

// LoadImages returns the bytes of the uploads that the image fields among
// fields name in values, keyed by field name. An upload that does not
// exist is EUNPROCESSABLE naming the field; a store or file error is
// returned as it is (a caller may retry).
func LoadImages(ctx context.Context, store UploadStore, files FileStore, fields []Field, values map[string]string) (map[string][]byte, error) {
	images := map[string][]byte{}
	for _, f := range fields {
		id := values[f.Name]
		if f.Type != FieldImage || id == "" {
			continue
		}
		up, err := store.Upload(ctx, id)
		if oshigoods.ErrorCode(err) == oshigoods.ENOTFOUND {
			return nil, oshigoods.FieldErrorf(f.Name, "no upload with id %q: upload the image first with POST /v1/uploads.", id)
		} else if err != nil {
			return nil, fmt.Errorf("load upload %s: %w", id, err)
		}
		if images[f.Name], err = files.Get(ctx, up.Key); err != nil {
			return nil, fmt.Errorf("fetch upload %s: %w", id, err)
		}
	}
	return images, nil
}

// ErrOrderNotFound is the ENOTFOUND Order (and the use cases that take an
// order token: CancelOrder, OrderFile) return both for an order that does
// not exist and for a wrong token, byte for byte the same, so an answer
// does not tell whether an order id exists.
var ErrOrderNotFound = oshigoods.Errorf(oshigoods.ENOTFOUND, "Order not found.")

// Order returns the order if token is its token; ErrOrderNotFound
// otherwise, so a wrong token and a missing order look the same. Both paths
// do the same work: the token is compared in constant time with the stored
// hash, or, when there is no such order, with the hash of the token the id
// would have (OrderToken), so the comparison costs the same. (The store's
// lookup of a missing row is still a little quicker than of a present one:
// that gap is the database's, a fraction of a millisecond, well under the
// network's noise.)
func (s *Service) Order(ctx context.Context, id, token string) (*Order, error) {
	o, err := s.Store.Order(ctx, id)
	if err != nil && oshigoods.ErrorCode(err) != oshigoods.ENOTFOUND {
		return nil, err
	}
	want := Hash(OrderToken(s.Secret, id))
	if o != nil {
		want = o.TokenHash
	}
	if !HashEqual(token, want) || o == nil || token == "" {
		return nil, ErrOrderNotFound
	}
	return o, nil
}

// FileURL returns a presigned URL that downloads f until URLTTL passes.
func (s *Service) FileURL(ctx context.Context, f File) (string, error) {
	return s.Files.PresignGet(ctx, f.Key, f.Name, s.urlTTL())
}

// Upload checks an uploaded image and stores it: the byte size, the format
// and the dimensions from the header before any pixel is decoded (so a
// decompression bomb costs nothing), and the memory its decode will take
// against the decode budget (Limits.MaxDecodeBytes). Errors are
// EUNPROCESSABLE or ETOOLARGE naming the field "file".
func (s *Service) Upload(ctx context.Context, data []byte) (*Upload, error) {
	lim := s.Limits.WithDefaults()
	if int64(len(data)) > lim.MaxUploadBytes {
		return nil, &oshigoods.Error{Code: oshigoods.ETOOLARGE, Field: "file", Message: fmt.Sprintf("the file is larger than %d MiB.", lim.MaxUploadBytes>>20)}
	}
	if b := s.Decodes; b != nil && (lim.MaxDecodeBytes <= 0 || lim.MaxDecodeBytes > b.Size()) {
		lim.MaxDecodeBytes = b.Size()
	}
	format, w, h, err := CheckImage(data, lim, s.Catalog.ProbeImage)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	u := &Upload{
		ID: NewID("upl"), Format: format, Width: w, Height: h,
		Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:]), CreatedAt: time.Now().UTC(),
	}
	u.Key = "uploads/" + u.ID + "." + format
	if err := s.Files.Put(ctx, u.Key, data, "image/"+format); err != nil {
		return nil, fmt.Errorf("store upload: %w", err)
	}
	if err := s.Store.CreateUpload(ctx, u); err != nil {
		return nil, fmt.Errorf("record upload: %w", err)
	}
	return u, nil
}

// CheckImage checks an upload as phones and browsers make it: a JPEG, PNG,
// WebP or HEIC (as probe, the catalogue's ProbeImage, reads it), within the
// limits on its size as its header declares it, so a decompression bomb is
// refused before any pixel is decoded. The file must also be whole (the
// probe's cheap structural check catches a cut-off upload); its pixels are decoded only when it is
// rendered, where a file damaged inside fails the item with a public
// reason. The memory its decode will take (ImageInfo.DecodeBytes) must be
// within lim.MaxDecodeBytes when that is set. It returns the format
// ("jpeg", "png", "webp" or "heic") and the size as displayed, after the
// EXIF orientation. Errors are EUNPROCESSABLE naming the field "file".
func CheckImage(data []byte, lim Limits, probe func(data []byte) (ImageInfo, error)) (format string, width, height int, err error) {
	lim = lim.WithDefaults()
	if len(data) == 0 {
		return "", 0, 0, oshigoods.FieldErrorf("file", "the file is empty.")
	}
	info, err := probe(data)
	switch {
	case errors.Is(err, ErrImageFormat):
		return "", 0, 0, oshigoods.FieldErrorf("file", "the file is not a JPEG, PNG, WebP or HEIC image.")
	case err != nil:
		return "", 0, 0, oshigoods.FieldErrorf("file", "the image is damaged or cut off and cannot be read; upload it again.")
	}
	if info.Width > lim.MaxUploadSide || info.Height > lim.MaxUploadSide || int64(info.Width)*int64(info.Height) > int64(lim.MaxUploadPixels) {
		return "", 0, 0, oshigoods.FieldErrorf("file", "the image is %d×%d pixels; the limit is %d pixels a side and %d megapixels.",
			info.Width, info.Height, lim.MaxUploadSide, lim.MaxUploadPixels/1_000_000)
	}
	if lim.MaxDecodeBytes > 0 && info.DecodeBytes > lim.MaxDecodeBytes {
		return "", 0, 0, oshigoods.FieldErrorf("file", "the image needs %d MiB of memory to decode; the limit is %d MiB: upload a smaller or 8-bit image.",
			(info.DecodeBytes+1<<20-1)>>20, lim.MaxDecodeBytes>>20)
	}
	return info.Format, info.Width, info.Height, nil
}
