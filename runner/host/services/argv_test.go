package services

import (
	"reflect"
	"testing"
)

func TestSplitCommand(t *testing.T) {
	for in, want := range map[string][]string{
		"busybox httpd -f -p 8080":             {"busybox", "httpd", "-f", "-p", "8080"},
		`python3 -c 'print("a b")'`:            {"python3", "-c", `print("a b")`},
		`sh -c "echo \"hi\" \$HOME; echo x\y"`: {"sh", "-c", `echo "hi" $HOME; echo x\y`},
		`a\ b  c`:                              {"a b", "c"},
		`prog ''`:                              {"prog", ""},
		"  spaced   out  ":                     {"spaced", "out"},
		`x "$HOME" *`:                          {"x", "$HOME", "*"},
	} {
		got, err := splitCommand(in)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("splitCommand(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{`a 'b`, `a "b`, `"a\"`} {
		if _, err := splitCommand(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestSystemdQuote(t *testing.T) {
	if got := systemdQuote(`a "b" $X %n \`); got != `"a \"b\" $$X %%n \\"` {
		t.Fatal(got)
	}
}
