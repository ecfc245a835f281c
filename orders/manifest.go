package orders

import (
	"encoding/csv"
	"io"
	"path"
	"strconv"
	"strings"
	"time"
)

// Manifest is what a print shop needs to make, pack and ship a claim's
// orders: every order with its customer, items, quantities and files with
// their sizes and SHA-256. Paths are relative to the claim's folder:
// <order>/<item>/<file>.
type Manifest struct {
	ClaimID   string          `json:"claim_id"`
	CreatedAt time.Time       `json:"created_at"`
	ExpiresAt time.Time       `json:"expires_at"`
	Orders    []ManifestOrder `json:"orders"`
	// Sheets is the imposition's sheet map, when one was asked for.
	Sheets any `json:"sheets,omitempty"`
}

// ManifestOrder is one claimed order.
type ManifestOrder struct {
	ID        string    `json:"id"`
	Customer  Customer  `json:"customer"`
	Status    Status    `json:"status"`
	Ack       *Ack      `json:"ack,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	// ShipTo is where the order's printed goods go, and ShippingMethod
	// how: shown to the shop holding the claim while the order has not
	// shipped; absent for a download-only order or once shipped.
	ShipTo         *ShippingAddress `json:"ship_to,omitempty"`
	ShippingMethod string           `json:"shipping_method,omitempty"`
	Items          []ManifestItem   `json:"items"`
}

// ManifestItem is one item of a claimed order. TrimMM is the finished size
// (zero for a clip); the print file adds BleedMM on every side.
type ManifestItem struct {
	ID       string            `json:"id"`
	Seq      int               `json:"seq"`
	Template string            `json:"template"`
	Kind     Kind              `json:"kind"`
	Quantity int               `json:"quantity"`
	Status   Status            `json:"status"`
	TrimMM   [2]float64        `json:"trim_mm"`
	DPI      int               `json:"dpi,omitempty"`
	Fields   map[string]string `json:"fields,omitempty"`
	// TemplateVersion is the template version the item was made with;
	// absent for an item taken before versions were recorded.
	TemplateVersion string `json:"template_version,omitempty"`
	// Warnings are the item's warnings as the fan was told them (a soft
	// photo, a shrunk name), with the render's.
	Warnings []string `json:"warnings,omitempty"`
	// Preflight is the print file's check; absent when the renderer made
	// none.
	Preflight *Preflight     `json:"preflight,omitempty"`
	Files     []ManifestFile `json:"files"`
}

// ManifestFile is one file of an item. URL, a presigned download link, is
// set only in the API's answer.
type ManifestFile struct {
	Name        string `json:"name"`
	Role        Role   `json:"role"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
	Path        string `json:"path"`
	URL         string `json:"url,omitempty"`
}

// FilePath returns a file's path inside its claim's folder.
func FilePath(orderID, itemID, name string) string {
	return path.Join(orderID, itemID, name)
}

// NewManifest describes a claim. Cancelled items are left out; the
// catalogue gives each item's trim size and resolution, or, for an item
// made with another version of its template, its preflight record gives
// the trim size (zero when neither has it).
func NewManifest(c *Claim, catalog Catalog) *Manifest {
	m := &Manifest{ClaimID: c.ID, CreatedAt: c.CreatedAt, ExpiresAt: c.ExpiresAt, Orders: []ManifestOrder{}}
	for _, o := range c.Orders {
		mo := ManifestOrder{ID: o.ID, Customer: o.Customer, Status: o.Status, CreatedAt: o.CreatedAt, Items: []ManifestItem{}}
		if o.ShippingAddress != nil && o.Shipment == nil {
			a := *o.ShippingAddress
			mo.ShipTo, mo.ShippingMethod = &a, o.ShippingMethod
		}
		if a, ok := c.Acks[o.ID]; ok {
			mo.Ack = &a
		}
		for _, it := range o.Items {
			if it.Status == StatusCancelled {
				continue
			}
			mi := ManifestItem{ID: it.ID, Seq: it.Seq, Template: it.Template, Kind: it.Kind, Quantity: it.Quantity,
				Status: it.Status, Fields: it.Fields, Warnings: it.Warnings, Preflight: it.Preflight, Files: []ManifestFile{},
				TemplateVersion: it.TemplateVersion}
			if catalog != nil {
				t, err := catalog.Template(it.Template)
				switch {
				case err == nil && (it.TemplateVersion == "" || t.Info().Version == it.TemplateVersion):
					out := t.Output()
					mi.TrimMM, mi.DPI = [2]float64{out.WidthMM, out.HeightMM}, out.DPI
				case it.Preflight != nil:
					// Made with another version: its print file's check
					// has the size it was made at.
					mi.TrimMM = it.Preflight.TrimMM
				}
			}
			for _, f := range it.Files {
				mi.Files = append(mi.Files, ManifestFile{Name: f.Name, Role: f.Role, ContentType: f.ContentType,
					Size: f.Size, SHA256: f.SHA256, Path: FilePath(o.ID, it.ID, f.Name)})
			}
			mo.Items = append(mo.Items, mi)
		}
		m.Orders = append(m.Orders, mo)
	}
	return m
}

// CSVHeader names the manifest's CSV columns: one row per file.
var CSVHeader = []string{"claim_id", "order_id", "customer_name", "customer_email", "item_id", "seq",
	"template", "kind", "quantity", "trim_w_mm", "trim_h_mm", "file", "role", "content_type", "size", "sha256", "path",
	"ship_name", "ship_postal_code", "ship_address", "ship_phone", "shipping_method"}

// utf8BOM opens the CSV so that Excel (Japanese Excel reads CSV as
// Shift_JIS otherwise) takes it as UTF-8.
const utf8BOM = "\ufeff"

// WriteCSV writes the manifest as CSV, one row per file, with a header, for
// a print shop to open in a spreadsheet: UTF-8 with a BOM and CRLF line
// endings, so that Japanese Excel opens it without garbling. It is the one
// CSV layout: the API's ?format=csv and the pull client's manifest.csv both
// come from here.
//
// Every text cell goes through csvCell, which neutralises formulas (CSV
// injection). Numeric cells (seq, quantity, trim, size) are formatted here
// and never negative, so they are written as they are and stay numbers.
func (m *Manifest) WriteCSV(w io.Writer) error {
	if _, err := io.WriteString(w, utf8BOM); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	cw.Write(CSVHeader)
	ff := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	for _, o := range m.Orders {
		var ship [5]string
		if a := o.ShipTo; a != nil {
			ship = [5]string{csvCell(a.Name), csvCell(a.PostalCode), csvCell(a.FullAddress()), csvCell(a.Phone), csvCell(o.ShippingMethod)}
		}
		for _, it := range o.Items {
			for _, f := range it.Files {
				cw.Write(append([]string{csvCell(m.ClaimID), csvCell(o.ID), csvCell(o.Customer.Name), csvCell(o.Customer.Email),
					csvCell(it.ID), strconv.Itoa(it.Seq), csvCell(it.Template), csvCell(string(it.Kind)),
					strconv.Itoa(it.Quantity), ff(it.TrimMM[0]), ff(it.TrimMM[1]), csvCell(f.Name), csvCell(string(f.Role)),
					csvCell(f.ContentType), strconv.FormatInt(f.Size, 10), csvCell(f.SHA256), csvCell(f.Path)}, ship[:]...))
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

// csvCell returns a text cell that no spreadsheet reads as a formula: one
// that starts with =, +, -, @, a tab or a CR gets a leading ' (OWASP's
// advice on CSV injection), which Excel shows as text. Fans control the
// customer's name and e-mail, and order intake refuses control characters
// in them, but an order stored before that check may still hold one.
func csvCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
