package lb

import (
	"fmt"
	"strings"

	"github.com/drover/drover/lang"
	"github.com/zclconf/go-cty/cty"
)

// TLS is a `tls { ... }` block: serve HTTPS on Port with the certificate
// and key files already on the server, or with a self-signed pair generated
// on the server when Certificate is "".
type TLS struct {
	Port        int    // default 443
	Certificate string // path on the server, "" = self-signed
	Key         string // path on the server
	// Names are the names a self-signed certificate is for; default the
	// balancer's url or app's host, else the server's address.
	Names []string
}

// tlsExamples are the tls settings' examples, for errors.
var tlsExamples = map[string]string{
	"certificate": `"/etc/ssl/certs/web.pem"`,
	"key":         `"/etc/ssl/private/web.key"`,
}

// TLSBlock is the `tls { ... }` block of a balancer or a web server's app.
func TLSBlock() lang.NestedBlock {
	return lang.NestedBlock{
		Type:   "tls",
		Key:    "tls",
		Single: true,
		Attrs: []lang.Attr{
			{Name: "port", Type: cty.Number, Default: cty.NumberIntVal(443), Example: "443"},
			{Name: "certificate", Type: cty.String, Default: cty.StringVal(""), Example: tlsExamples["certificate"], Grammar: "state-path"},
			{Name: "key", Type: cty.String, Default: cty.StringVal(""), Example: tlsExamples["key"], Grammar: "state-path"},
			{Name: "names", Type: cty.List(cty.String), Default: cty.ListValEmpty(cty.String), Example: `["mywordpress.org"]`, Grammar: "host"},
		},
	}
}

// AssembleTLS reads a tls block, nil for none.
func AssembleTLS(d *lang.BlockDecl) *TLS {
	if d == nil {
		return nil
	}
	return &TLS{Port: d.Int("port"), Certificate: d.String("certificate"), Key: d.String("key"), Names: d.Strings("names")}
}

// ValidateTLS checks a tls block (nil for none): its port, absolute
// paths, and a certificate and key given together or not at all.
func ValidateTLS(d *lang.BlockDecl, t *TLS) {
	if d == nil || t == nil {
		return
	}
	d.CheckPort("port", "443")
	for _, attr := range []string{"certificate", "key"} {
		if s, ok := d.StringOK(attr); ok && s != "" && !strings.HasPrefix(s, "/") {
			d.Problem(attr, "Path is not absolute", fmt.Sprintf(
				"%s is a file on the server and needs an absolute path, for example %s = %s.", attr, attr, tlsExamples[attr]))
		}
	}
	switch {
	case t.Certificate != "" && t.Key == "":
		d.BlockProblem("Certificate without key", "A tls block with a certificate also needs its key: add key = \"/etc/ssl/private/NAME.key\", or leave both out for a self-signed certificate.")
	case t.Certificate == "" && t.Key != "":
		d.Problem("key", "Key without certificate", "A tls block with a key also needs its certificate: add certificate = \"/etc/ssl/certs/NAME.pem\", or leave both out for a self-signed certificate.")
	}
}
