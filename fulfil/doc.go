// Package fulfil makes what a print shop needs to pack and ship an order:
// packing slips (納品書) as PDF, one page per parcel, and the carriers'
// label-import CSV files (ヤマト運輸 B2クラウド, 日本郵便 クリックポスト), and
// reads back the tracking numbers a carrier issued.
//
// Everything here is a pure function of its inputs: no store, no network,
// no clock. The lead's API routes and the shop's pull client call it with
// the orders they loaded.
//
// Text that a font or Shift_JIS cannot hold is never dropped silently nor
// turned into '?': Fold replaces it by a documented rule, and the CSV
// writers report every lossy change as a Warning naming the order and
// the column.
package fulfil
