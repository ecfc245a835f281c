module github.com/jung-kurt/gofpdf

go 1.12

require github.com/phpdave11/gofpdi v1.0.7
