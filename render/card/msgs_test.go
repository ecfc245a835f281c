package card

// probeMsg are letters written so that each covers the rules a fan will
// see: a line that would start with 。 (it hangs) and one that would start
// with 」 (the character before it moves down with it), ……, small kana,
// 𠮷, an emoji (drawn by the fallback font), a Latin word and a two-digit
// number.
var probeMsg = map[string]string{
	"card-letter-tate": "今日は会いに来てくれて本当にありがとう、とても嬉しい。\n" +
		"𠮷野家の前で「がんばってね、ずっと応援しているからね」と言ってくれた\n" +
		"あの日のこと……今でもちゃんと覚えています。\n" +
		"次のLIVEは12月24日、クリスマスイブだよ！ぜったい来てね🎄",
	"card-letter-yoko": "今日は会いに来てくれて本当にありがとうね。\n" +
		"𠮷野家の前で「ずっと応援するよ、がんばれ」って言ってくれた\n" +
		"あの日のこと……今でもちゃんと覚えています。\n" +
		"次のLIVEは12月24日、クリスマスイブだよ！ぜったい来てね🎄",
}
