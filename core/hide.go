package core

import (
	"slices"
	"strconv"
	"strings"
)

// HiddenValue replaces a sensitive value in a message (HideValue).
const HiddenValue = "(sensitive value)"

// minHidden is the shortest value HideValue replaces where it is not
// quoted: a shorter one ("on", "1") would hide unrelated words.
const minHidden = 4

// HideValue is text with value, quoted as %q quotes it or bare, replaced
// by HiddenValue.
func HideValue(text, value string) string {
	if value == "" {
		return text
	}
	text = strings.ReplaceAll(text, strconv.Quote(value), HiddenValue)
	if len(value) >= minHidden {
		text = strings.ReplaceAll(text, value, HiddenValue)
	}
	return text
}

// HideValues is HideValue of each value, the longest first (a value that
// holds a shorter one is hidden whole), and of each line of 8 bytes or
// more of a value of several lines (a file's content quoted line by line
// in a tool's error).
func HideValues(text string, values []string) string {
	if text == "" || len(values) == 0 {
		return text
	}
	var all []string
	for _, v := range values {
		all = append(all, v)
		if strings.Contains(v, "\n") {
			for _, line := range strings.Split(v, "\n") {
				if len(strings.TrimSpace(line)) >= 8 {
					all = append(all, line)
				}
			}
		}
	}
	slices.SortStableFunc(all, func(a, b string) int { return len(b) - len(a) })
	for _, v := range all {
		text = HideValue(text, v)
	}
	return text
}

// SensitiveValues are the values of r's sensitive attributes.
func (r Resource) SensitiveValues() []string {
	var out []string
	for _, k := range r.Sensitive {
		if v := r.Attrs[k]; v != "" && v != Unknown {
			out = append(out, v)
		}
	}
	return out
}

// HideError is err with values hidden from its message (HideValues);
// errors.Is and errors.As still see err.
func HideError(err error, values []string) error {
	if err == nil || len(values) == 0 {
		return err
	}
	msg := HideValues(err.Error(), values)
	if msg == err.Error() {
		return err
	}
	return &hiddenError{msg: msg, err: err}
}

// hiddenError is an error whose message hides sensitive values.
type hiddenError struct {
	msg string
	err error
}

func (e *hiddenError) Error() string { return e.msg }
func (e *hiddenError) Unwrap() error { return e.err }
