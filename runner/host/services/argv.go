package services

import (
	"fmt"
	"strings"
)

// splitCommand splits a service's command into its argv the way a POSIX
// shell splits words, without any expansion: blanks separate words; '...'
// keeps everything literally; "..." keeps everything but a backslash
// before \ " $ or ` (which stands for that character); outside quotes a
// backslash keeps the next character. $VAR, *, ~ and the like stay as
// they are: no shell runs. An unterminated quote is an error.
func splitCommand(command string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(command); i++ {
		c := command[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		case c == '\'':
			end := strings.IndexByte(command[i+1:], '\'')
			if end < 0 {
				return nil, fmt.Errorf("command %q: unterminated ' quote", command)
			}
			cur.WriteString(command[i+1 : i+1+end])
			i += end + 1
			inWord = true
		case c == '"':
			n, err := readDoubleQuoted(command, i+1, &cur)
			if err != nil {
				return nil, err
			}
			i = n
			inWord = true
		case c == '\\' && i+1 < len(command):
			i++
			cur.WriteByte(command[i])
			inWord = true
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

// readDoubleQuoted copies the inside of a "..." word that starts at i into
// cur and returns the index of the closing quote.
func readDoubleQuoted(command string, i int, cur *strings.Builder) (int, error) {
	for ; i < len(command); i++ {
		c := command[i]
		switch {
		case c == '"':
			return i, nil
		case c == '\\' && i+1 < len(command) && strings.IndexByte("\\\"$`", command[i+1]) >= 0:
			i++
			cur.WriteByte(command[i])
		default:
			cur.WriteByte(c)
		}
	}
	return 0, fmt.Errorf("command %q: unterminated \" quote", command)
}

// systemdQuote writes one argv word for a unit's ExecStart=: double-quoted,
// with systemd's specifiers (%) and variable expansion ($) escaped, so the
// word reaches the program exactly as declared.
func systemdQuote(word string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, `%`, `%%`, `$`, `$$`)
	return `"` + r.Replace(word) + `"`
}

// SplitCommand splits a command into its argv as a service's command is
// split (no shell, no expansion): for the container runtimes that take
// argv.
func SplitCommand(command string) ([]string, error) { return splitCommand(command) }
