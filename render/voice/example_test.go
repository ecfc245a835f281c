package voice_test

import (
	"context"
	"fmt"

	"oshigoods"
	"oshigoods/render"
	"oshigoods/templates"
)

// A clip longer than its preset allows is refused at order time, before
// any audio is rendered, with a 422 naming the field and the excess.
func ExampleTemplate_Check() {
	c, err := templates.Load(onlyVoice{templates.FS()}, templates.Compilers())
	if err != nil {
		panic(err)
	}
	tpl, _ := c.Get("voice-alarm-morning")
	_, err = tpl.Validate(context.Background(), render.Inputs{Fields: map[string]string{
		"name": "sakura", "lines": "chikoku,ganbatte,mattetayo", "repeat": "5", "preset": "phone",
	}})
	fmt.Println(oshigoods.ErrorCode(err), oshigoods.ErrorField(err))
	fmt.Println(oshigoods.ErrorMessage(err))
	// Output:
	// unprocessable repeat
	// the clip would be 41.8 s long, 11.8 s over the 30 s limit of the phone preset; choose at most 3 repeats or fewer lines.
}
