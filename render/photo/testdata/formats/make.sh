#!/bin/sh
# make.sh regenerates the format fixtures of decode_test.go with ImageMagick
# (built with libheif and libwebp, as Debian's is): one 128×64 picture, red,
# green, blue and yellow quadrants (top-left, top-right, bottom-left,
# bottom-right), in every format and colour model a phone or a web page
# gives. Run it from this directory.
set -eu
convert -size 64x32 xc:red -size 64x32 xc:lime +append \
	\( -size 64x32 xc:blue -size 64x32 xc:yellow +append \) -append +repage \
	-strip quad.png
convert quad.png -quality 90 quad.heic
convert quad.png -quality 90 quad-lossy.webp
convert quad.png -define webp:lossless=true quad-lossless.webp
convert quad.png -colorspace CMYK -quality 95 quad-cmyk.jpg
convert quad.png -colorspace Gray -quality 95 quad-gray.jpg
convert quad.png -interlace Plane -quality 95 quad-progressive.jpg
convert quad.png -sampling-factor 4:2:0 -quality 95 quad-420.jpg
convert quad.png -strip PNG48:quad-16.png
convert quad.png -strip PNG8:quad-palette.png
