package postal

import "oshigoods/orders"

// Prefectures lists the 47 prefectures in JIS X 0401 order (北海道 …
// 沖縄県): the domain's list (orders.Prefectures), whose index plus one is
// the JIS prefecture code the data file uses.
var Prefectures = orders.Prefectures
