package ccai

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode/utf8"

	"usersync/csvfile"
	"usersync/csvfile/textsafe"
)

// JSONFile is a file in the vendor's own JSON template format (a list of
// users, roles and teams as {"name","value"}), read into the same rows a
// ccai CSV holds, each with the line its user starts on.
type JSONFile struct {
	Path     string
	Rows     []JSONRow
	Warnings []csvfile.Message // about the file: unknown fields, removals that need --replace
}

// JSONRow is one user as a CSV row would carry it: Values by field key
// (roles and teams as the names whose value is 1, joined with ", ").
type JSONRow struct {
	Line   int
	Values map[string]string
	// Removed lists, by "roles"/"teams", the names whose value is 0: the
	// file asks to take them away, which a plan only does in replace mode.
	Removed map[string][]string
}

// jsonScalarFields are the keys of a user whose value is one string or
// number, in template order.
var jsonScalarFields = []string{FieldEmail, FieldNewEmail, FieldAgentNumber, FieldFirstName, FieldLastName,
	FieldStatus, FieldLocation, FieldMaxChatLimit, FieldMaxChatLimitEnabled}

// maxJSONFile bounds what ReadTemplateJSON reads into memory.
const maxJSONFile = 256 << 20

// ReadTemplateJSON reads a JSON template file. Every failure is a
// *csvfile.FileError naming the file, line and column; it never panics on
// input. Values are not validated here: the rows go through the same
// schema checks as a CSV.
func ReadTemplateJSON(r io.Reader, name string) (*JSONFile, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxJSONFile+1))
	if err != nil {
		return nil, &csvfile.FileError{Path: name, Msg: "cannot read the file: " + err.Error(), Err: err}
	}
	if len(data) > maxJSONFile {
		return nil, &csvfile.FileError{Path: name, Msg: "the file is larger than 256 MiB"}
	}
	data = bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF"))
	p := &jsonParser{name: name, data: data, dec: json.NewDecoder(bytes.NewReader(data))}
	p.dec.UseNumber()
	f, err := p.file()
	if err != nil {
		return nil, err
	}
	return f, nil
}

// where names the part of the file being read, for messages; it is
// formatted only when one is written.
type where struct {
	user int    // from 1; 0 for the list itself
	list string // "roles" or "teams" inside a user
}

func (w where) String() string {
	switch {
	case w.user == 0:
		return "the list of users"
	case w.list != "":
		return fmt.Sprintf("%s of user %d", w.list, w.user)
	}
	return fmt.Sprintf("user %d", w.user)
}

type jsonParser struct {
	name string
	data []byte
	dec  *json.Decoder
	f    JSONFile
	// A cursor for position: offsets asked for mostly grow, so counting
	// lines from the last one keeps a large file linear.
	curOff, curLine, curStart int64
}

// errAt builds the error for the byte offset off.
func (p *jsonParser) errAt(off int64, format string, args ...any) *csvfile.FileError {
	line, col := p.position(off)
	return &csvfile.FileError{Path: p.name, Line: line, Column: col, Msg: fmt.Sprintf(format, args...)}
}

// position turns a byte offset into a 1-based line and column (in
// characters).
func (p *jsonParser) position(off int64) (line, col int) {
	if off < 0 {
		off = 0
	}
	if off > int64(len(p.data)) {
		off = int64(len(p.data))
	}
	if off < p.curOff || p.curLine == 0 {
		p.curOff, p.curLine, p.curStart = 0, 1, 0
	}
	span := p.data[p.curOff:off]
	if n := bytes.Count(span, []byte{'\n'}); n > 0 {
		p.curLine += int64(n)
		p.curStart = p.curOff + int64(bytes.LastIndexByte(span, '\n')) + 1
	}
	p.curOff = off
	return int(p.curLine), 1 + utf8.RuneCount(p.data[p.curStart:off])
}

// next returns the next token and the offset where it starts.
func (p *jsonParser) next(what where) (json.Token, int64, error) {
	start := p.skip(p.dec.InputOffset())
	tok, err := p.dec.Token()
	if err != nil {
		return nil, start, p.syntax(err, start, what)
	}
	return tok, start, nil
}

// skip moves past whitespace and the separators the decoder consumes
// between tokens.
func (p *jsonParser) skip(off int64) int64 {
	for off < int64(len(p.data)) {
		switch p.data[off] {
		case ' ', '\t', '\r', '\n', ',', ':':
			off++
		default:
			return off
		}
	}
	return off
}

// invalid explains why the file is not JSON, at the offending character.
func (p *jsonParser) invalid() *csvfile.FileError {
	var v any
	err := json.Unmarshal(p.data, &v)
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		return &csvfile.FileError{Path: p.name, Msg: "not valid JSON"}
	}
	off := se.Offset - 1 // Offset counts the offending byte
	msg := se.Error()
	switch {
	case off >= int64(len(p.data))-1 && strings.Contains(msg, "unexpected end"):
		return p.errAt(int64(len(p.data)), "the file ends before its JSON is complete (a ] or } is missing)")
	case strings.Contains(msg, "after top-level value"):
		return p.errAt(off, "unexpected text after the list of users")
	}
	return p.errAt(off, "not valid JSON: %s", msg)
}

func (p *jsonParser) syntax(err error, at int64, what where) *csvfile.FileError {
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		return p.errAt(at, "not valid JSON: %s", se.Error())
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return p.errAt(int64(len(p.data)), "the file ends in the middle of %s", what)
	}
	return p.errAt(at, "not valid JSON: %v", err)
}

func (p *jsonParser) file() (*JSONFile, error) {
	p.f.Path = p.name
	if len(bytes.TrimSpace(p.data)) == 0 {
		return nil, &csvfile.FileError{Path: p.name, Msg: "the file is empty"}
	}
	// JSON is UTF-8. A file saved as ANSI would otherwise be read with
	// each accented letter as U+FFFD, and sent so.
	if !utf8.Valid(p.data) {
		off := int64(textsafe.FirstInvalidUTF8(string(p.data)))
		return nil, p.errAt(off, "the file is not UTF-8 (byte 0x%02X here): JSON is UTF-8; save it as UTF-8 "+
			"(in Notepad: Save As, Encoding UTF-8)", p.data[off])
	}
	// Syntax first, in one pass: Unmarshal's offsets are exact (the
	// streaming decoder's are not), and the walk below then only meets
	// well-formed JSON.
	if !json.Valid(p.data) {
		return nil, p.invalid()
	}
	tok, at, err := p.next(where{})
	if err != nil {
		return nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return nil, p.errAt(at, "the file must be a JSON list of users ([ {…}, … ]) as the ccai template is, not %s", tokenKind(tok))
	}
	for n := 1; p.dec.More(); n++ {
		if err := p.user(n); err != nil {
			return nil, err
		}
	}
	if _, _, err := p.next(where{}); err != nil { // the closing ]
		return nil, err
	}
	if off := p.skip(p.dec.InputOffset()); off < int64(len(p.data)) {
		return nil, p.errAt(off, "unexpected text after the list of users")
	}
	if len(p.f.Rows) == 0 {
		return nil, &csvfile.FileError{Path: p.name, Msg: "the file lists no users"}
	}
	return &p.f, nil
}

func (p *jsonParser) user(n int) error {
	tok, at, err := p.next(where{user: n})
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return p.errAt(at, "user %d must be an object ({\"email\": …}), not %s", n, tokenKind(tok))
	}
	line, _ := p.position(at)
	row := JSONRow{Line: line, Values: map[string]string{}}
	seen := map[string]bool{}
	for p.dec.More() {
		ktok, kat, err := p.next(where{user: n})
		if err != nil {
			return err
		}
		key, _ := ktok.(string)
		if seen[key] {
			return p.errAt(kat, "user %d has %q twice", n, key)
		}
		seen[key] = true
		switch {
		case key == FieldRoles || key == FieldTeams:
			if err := p.assignments(&row, key, n); err != nil {
				return err
			}
		case isScalarField(key):
			v, vat, err := p.scalar(where{user: n})
			if err != nil {
				return err
			}
			if v.bad != "" {
				return p.errAt(vat, "%s must be a string or a number, not %s", key, v.bad)
			}
			row.Values[key] = strings.TrimSpace(v.text)
		default:
			vat := p.skip(p.dec.InputOffset())
			var skip json.RawMessage
			if err := p.dec.Decode(&skip); err != nil {
				return p.syntax(err, vat, where{user: n})
			}
			if key != fieldID {
				l, c := p.position(kat)
				p.f.Warnings = append(p.f.Warnings, csvfile.Message{Severity: csvfile.Warning, Line: l,
					Text: fmt.Sprintf("column %d: unknown field %q is ignored", c, key)})
			}
		}
	}
	if _, _, err := p.next(where{user: n}); err != nil { // the closing }
		return err
	}
	p.f.Rows = append(p.f.Rows, row)
	return nil
}

func isScalarField(key string) bool {
	for _, k := range jsonScalarFields {
		if k == key {
			return true
		}
	}
	return false
}

// scalarValue is a scalar read as text; bad names the kind when the value
// was an object or a list (which has been skipped).
type scalarValue struct {
	text string
	bad  string
	null bool
}

func (p *jsonParser) scalar(what where) (scalarValue, int64, error) {
	at := p.skip(p.dec.InputOffset())
	var raw json.RawMessage
	if err := p.dec.Decode(&raw); err != nil {
		return scalarValue{}, at, p.syntax(err, at, what)
	}
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && (raw[0] == '{' || raw[0] == '[') {
		return scalarValue{bad: jsonKind(raw[0])}, at, nil
	}
	s, err := scalarText(raw)
	if err != nil {
		return scalarValue{}, at, p.errAt(at, "%s: %v", what, err)
	}
	return scalarValue{text: s, null: string(raw) == "null"}, at, nil
}

// assignments reads roles or teams: a list of {"name","value"}.
func (p *jsonParser) assignments(row *JSONRow, key string, n int) error {
	what := where{user: n, list: key}
	tok, at, err := p.next(what)
	if err != nil {
		return err
	}
	if tok == nil { // null: leave them all as they are
		return nil
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return p.errAt(at, "%s must be a list of {\"name\": …, \"value\": 0|1}, not %s", key, tokenKind(tok))
	}
	var on []string
	for p.dec.More() {
		itok, iat, err := p.next(what)
		if err != nil {
			return err
		}
		if d, ok := itok.(json.Delim); !ok || d != '{' {
			return p.errAt(iat, "each of %s must be an object {\"name\": …, \"value\": 0|1}, not %s", key, tokenKind(itok))
		}
		var name, value string
		var nameAt, valueAt int64 = iat, iat
		hasName := false
		for p.dec.More() {
			ktok, kat, err := p.next(what)
			if err != nil {
				return err
			}
			k, _ := ktok.(string)
			switch k {
			case fieldName, fieldValue:
				v, vat, err := p.scalar(what)
				if err != nil {
					return err
				}
				if v.bad != "" {
					return p.errAt(vat, "%s: %s must be a string or a number, not %s", key, k, v.bad)
				}
				if k == fieldName {
					name, nameAt, hasName = strings.TrimSpace(v.text), vat, true
				} else {
					value, valueAt = strings.TrimSpace(v.text), vat
				}
			default:
				vat := p.skip(p.dec.InputOffset())
				var skip json.RawMessage
				if err := p.dec.Decode(&skip); err != nil {
					return p.syntax(err, vat, what)
				}
				l, c := p.position(kat)
				p.f.Warnings = append(p.f.Warnings, csvfile.Message{Severity: csvfile.Warning, Line: l,
					Text: fmt.Sprintf("column %d: unknown field %q in %s is ignored", c, k, key)})
			}
		}
		if _, _, err := p.next(what); err != nil { // the closing }
			return err
		}
		if !hasName || name == "" {
			return p.errAt(nameAt, "each of %s needs a \"name\"", key)
		}
		if strings.Contains(name, ",") {
			return p.errAt(nameAt, "%s name %q has a comma, which a file row cannot carry", key, name)
		}
		switch value {
		case "1":
			on = append(on, name)
		case "0":
			if row.Removed == nil {
				row.Removed = map[string][]string{}
			}
			row.Removed[key] = append(row.Removed[key], name)
		case "":
		default:
			return p.errAt(valueAt, "%s: the value of %q must be 1 (assign), 0 (remove) or empty (leave), not %q", key, name, value)
		}
	}
	if _, _, err := p.next(what); err != nil { // the closing ]
		return err
	}
	row.Values[key] = strings.Join(on, ", ")
	if len(row.Removed[key]) > 0 {
		sort.Strings(row.Removed[key])
		p.f.Warnings = append(p.f.Warnings, csvfile.Message{Severity: csvfile.Warning, Line: row.Line,
			Column: fieldHeader(key),
			Text: fmt.Sprintf("value 0 (remove) for %s is applied only in replace mode (--replace); otherwise they are left as they are",
				quoteList(row.Removed[key]))})
	}
	return nil
}

func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}

func fieldHeader(key string) string {
	for _, f := range blankFields {
		if f.Key == key {
			return f.Header
		}
	}
	return key
}

func tokenKind(tok json.Token) string {
	switch v := tok.(type) {
	case json.Delim:
		switch v {
		case '{':
			return "an object"
		case '[':
			return "a list"
		}
		return fmt.Sprintf("%q", string(v))
	case string:
		return "a string"
	case json.Number, float64:
		return "a number"
	case bool:
		return "true or false"
	case nil:
		return "null"
	}
	return "a value"
}

// IsJSONFile tells a JSON template file from a CSV by its first character.
func IsJSONFile(head []byte) bool {
	head = bytes.TrimPrefix(head, []byte("\xEF\xBB\xBF"))
	head = bytes.TrimLeft(head, " \t\r\n")
	return len(head) > 0 && (head[0] == '[' || head[0] == '{')
}

// recordKeys are the field keys in the order of Headers.
var recordKeys = []string{FieldEmail, FieldNewEmail, FieldFirstName, FieldLastName, FieldStatus, FieldAgentNumber,
	FieldLocation, FieldRoles, FieldTeams, FieldMaxChatLimit, FieldMaxChatLimitEnabled}

// Records returns the file as a ccai CSV would hold it: the template's
// headers, one record per user, and the line each user starts on.
func (f *JSONFile) Records() (header []string, records [][]string, lines []int) {
	header = append([]string(nil), Headers...)
	records = make([][]string, len(f.Rows))
	lines = make([]int, len(f.Rows))
	for i, r := range f.Rows {
		rec := make([]string, len(recordKeys))
		for c, k := range recordKeys {
			rec[c] = r.Values[k]
		}
		records[i], lines[i] = rec, r.Line
	}
	return header, records, lines
}

// ReadJSONRecords reads a JSON template file into CSV-like records: the
// shape csvfile.FromRecords takes, so a JSON file can be opened wherever a
// CSV is (usersync's openUserFile does).
func ReadJSONRecords(r io.Reader, name string) (header []string, records [][]string, lines []int, warnings []csvfile.Message, err error) {
	f, err := ReadTemplateJSON(r, name)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	header, records, lines = f.Records()
	return header, records, lines, f.Warnings, nil
}
