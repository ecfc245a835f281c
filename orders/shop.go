package orders

import (
	"context"
	"fmt"

	"oshigoods"
)

// The print shop's use cases besides claims (claim.go): listing orders,
// marking one printed, and the claim's manifest and print files.

// ShopOrderLimit is the most orders ShopOrders returns.
const ShopOrderLimit = 100

// ShopOrders returns up to ShopOrderLimit of the shop's orders with the
// given status, oldest first, with items and files; "" means ready. An
// unknown status is EINVALID on the field "status".
func (s *Service) ShopOrders(ctx context.Context, shop *ShopKey, status Status) ([]*Order, error) {
	if status == "" {
		status = StatusReady
	}
	if !status.Valid() {
		return nil, &oshigoods.Error{Code: oshigoods.EINVALID, Field: "status", Message: fmt.Sprintf("unknown status %q.", status)}
	}
	return s.Store.Orders(ctx, shop.ID, status, ShopOrderLimit)
}

// MarkPrinted marks a ready order printed for the shop and returns it:
// the plain fulfilment path, for shops that do not claim. It is the same
// rule as an ack: while a claim's lease holds the order, only that claim
// may settle it (AckClaim), so this is ECONFLICT then; after the claim
// acked it, its lease ran out or it was released, it proceeds. Marking a
// printed order again is a no-op. ENOTFOUND if there is no such order or
// it is another shop's, ECONFLICT if it is not ready.
func (s *Service) MarkPrinted(ctx context.Context, shop *ShopKey, orderID string) (*Order, error) {
	if _, err := s.shopOrder(ctx, shop, orderID); err != nil {
		return nil, err
	}
	if err := s.Store.MarkPrinted(ctx, orderID); err != nil {
		return nil, err
	}
	s.audit(ctx, ShopActor(shop), "printed", orderID, "")
	s.log().Info("order printed", "order", orderID, "shop", shop.Name)
	return s.Store.Order(ctx, orderID)
}

// ClaimManifest describes the claim (NewManifest) with a presigned download
// URL for every file.
func (s *Service) ClaimManifest(ctx context.Context, c *Claim) (*Manifest, error) {
	m := NewManifest(c, s.Catalog)
	keys := fileKeys(c)
	for i := range m.Orders {
		for j := range m.Orders[i].Items {
			files := m.Orders[i].Items[j].Files
			for k := range files {
				url, err := s.FileURL(ctx, File{Key: keys[files[k].Path], Name: files[k].Name})
				if err != nil {
					return nil, err
				}
				files[k].URL = url
			}
		}
	}
	return m, nil
}

// PrintFile is one print file of a claim with its bytes: what imposition
// gangs on sheets.
type PrintFile struct {
	OrderID string
	Item    ManifestItem
	File    ManifestFile
	Data    []byte
}

// PrintFiles returns the print files (role output) of the claim's ready
// photo and card items in orders not yet acked, in manifest order, with
// their bytes from the file store.
func (s *Service) PrintFiles(ctx context.Context, c *Claim) ([]PrintFile, error) {
	keys := fileKeys(c)
	var out []PrintFile
	for _, mo := range NewManifest(c, s.Catalog).Orders {
		if mo.Ack != nil {
			continue
		}
		for _, it := range mo.Items {
			if it.Kind == KindVoice || it.Status != StatusReady {
				continue
			}
			for _, f := range it.Files {
				if f.Role != RoleOutput {
					continue
				}
				data, err := s.Files.Get(ctx, keys[f.Path])
				if err != nil {
					return nil, fmt.Errorf("fetch %s: %w", f.Path, err)
				}
				out = append(out, PrintFile{OrderID: mo.ID, Item: it, File: f, Data: data})
			}
		}
	}
	return out, nil
}

// fileKeys maps each file's path in the claim's folder (FilePath) to its
// key in the file store.
func fileKeys(c *Claim) map[string]string {
	keys := map[string]string{}
	for _, o := range c.Orders {
		for _, it := range o.Items {
			for _, f := range it.Files {
				keys[FilePath(o.ID, it.ID, f.Name)] = f.Key
			}
		}
	}
	return keys
}

// OrderFile returns one rendered file of an order, record and bytes, to
// the holder of the order's token. ENOTFOUND for a wrong token, or when the
// item has no file of that name.
func (s *Service) OrderFile(ctx context.Context, orderID, token, itemID, name string) (*File, []byte, error) {
	o, err := s.Order(ctx, orderID, token)
	if err != nil {
		return nil, nil, err
	}
	var file *File
	for _, it := range o.Items {
		if it.ID != itemID {
			continue
		}
		for i := range it.Files {
			if it.Files[i].Name == name {
				file = &it.Files[i]
			}
		}
	}
	if file == nil {
		return nil, nil, oshigoods.Errorf(oshigoods.ENOTFOUND, "file not found.")
	}
	data, err := s.Files.Get(ctx, file.Key)
	if err != nil {
		return nil, nil, err
	}
	return file, data, nil
}
