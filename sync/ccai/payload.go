package ccai

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"usersync/sync"
)

// scalarKeys are the optional scalar fields a write may carry, in the
// template's order (email, first and last name are handled apart).
var scalarKeys = []string{FieldAgentNumber, FieldStatus, FieldLocation, FieldMaxChatLimit, FieldMaxChatLimitEnabled}

// clearable fields can be emptied with null (assumed: the vendor documents
// "Empty, Null" for location; status empty means "leave as is").
var clearable = map[string]bool{FieldAgentNumber: true, FieldLocation: true, FieldMaxChatLimit: true}

// numeric fields go out as JSON numbers, as the template writes them.
var numeric = map[string]bool{FieldMaxChatLimit: true, FieldMaxChatLimitEnabled: true}

// entry renders one op as a user of the upload file. Op.New is the whole
// user the write should leave (what the plan merged); Old is the user as it
// was. Only what differs is sent, besides the identity and the two names
// the vendor requires on every row:
//   - a create sends every field and assigns (value 1) every role and team;
//   - an update sends the scalars that changed (null clears a value that New
//     lacks), value 1 for roles and teams New gains and value 0 for those it
//     loses (the plan only drops them in replace mode); others are left out,
//     which the vendor reads as "leave as it is".
//
// Deactivation is an update whose New has status Inactive.
func entry(op sync.Op) ([]byte, error) {
	switch op.Action {
	case sync.Create, sync.Update, sync.Deactivate:
	default:
		return nil, fmt.Errorf("line %d: %q is not a write", op.Line, op.Action)
	}
	nu := op.New
	old := op.Old
	if op.Action != sync.Create && old == nil {
		return nil, fmt.Errorf("line %d: an %s of %s without the existing user", op.Line, op.Action, nu.Email)
	}
	var o object
	email := opEmail(op)
	if strings.TrimSpace(email) == "" {
		return nil, fmt.Errorf("line %d: a write without an email", op.Line)
	}
	o.add(FieldEmail, email)
	if ne := nu.Fields[FieldNewEmail]; ne != "" && !strings.EqualFold(ne, email) {
		o.add(FieldNewEmail, ne)
	}
	for _, k := range []string{FieldFirstName, FieldLastName} {
		v := nu.Fields[k]
		if v == "" && old != nil {
			v = old.Fields[k]
		}
		if v == "" && op.Action == sync.Create {
			// The vendor requires both names; an op without them is not a
			// whole user (a resumed apply knows ops only by email).
			return nil, fmt.Errorf("line %d: a create of %s without its %s", op.Line, email, k)
		}
		o.add(k, v)
	}
	for _, k := range scalarKeys {
		nv := nu.Fields[k]
		var ov string
		if old != nil {
			ov = old.Fields[k]
		}
		switch {
		case nv == ov:
		case nv != "":
			o.addScalar(k, nv)
		case clearable[k]:
			o.addNull(k)
		}
	}
	for _, k := range []string{FieldRoles, FieldTeams} {
		var have []string
		if old != nil {
			have = old.Lists[k]
		}
		if as := diffAssignments(have, nu.Lists[k]); len(as) > 0 {
			o.addAssignments(k, as)
		}
	}
	return o.bytes(), nil
}

// diffAssignments gives value 1 to names want adds and 0 to names it drops,
// matching names case-insensitively as the vendor does.
func diffAssignments(have, want []string) []Assignment {
	in := func(list []string, name string) bool {
		return slices.ContainsFunc(list, func(s string) bool { return strings.EqualFold(s, name) })
	}
	var out []Assignment
	for _, n := range want {
		if !in(have, n) && !slices.ContainsFunc(out, func(a Assignment) bool { return strings.EqualFold(a.Name, n) }) {
			out = append(out, Assignment{Name: n, Value: "1"})
		}
	}
	for _, n := range have {
		if !in(want, n) {
			out = append(out, Assignment{Name: n, Value: "0"})
		}
	}
	return out
}

// object writes a JSON object with its keys in the order added, so the file
// reads like the vendor's template.
type object struct{ b bytes.Buffer }

func (o *object) key(k string) {
	if o.b.Len() == 0 {
		o.b.WriteByte('{')
	} else {
		o.b.WriteByte(',')
	}
	kb, _ := json.Marshal(k)
	o.b.Write(kb)
	o.b.WriteByte(':')
}

func (o *object) add(k, v string) {
	o.key(k)
	vb, _ := json.Marshal(v)
	o.b.Write(vb)
}

func (o *object) addScalar(k, v string) {
	if numeric[k] {
		if n, err := strconv.ParseInt(canonicalNumber(strings.TrimSpace(v)), 10, 64); err == nil {
			o.key(k)
			o.b.WriteString(strconv.FormatInt(n, 10))
			return
		}
	}
	o.add(k, v)
}

func (o *object) addNull(k string) {
	o.key(k)
	o.b.WriteString("null")
}

func (o *object) addAssignments(k string, as []Assignment) {
	o.key(k)
	o.b.WriteByte('[')
	for i, a := range as {
		if i > 0 {
			o.b.WriteByte(',')
		}
		nb, _ := json.Marshal(a.Name)
		fmt.Fprintf(&o.b, `{"name":%s,"value":%s}`, nb, a.Value)
	}
	o.b.WriteByte(']')
}

func (o *object) bytes() []byte {
	if o.b.Len() == 0 {
		return []byte("{}")
	}
	return append(o.b.Bytes(), '}')
}

// batchFile is one job's upload: which op each row of the file stands for
// and, once rendered, the users' JSON. A resumed apply hands WaitBatch ops
// that carry only action, email and line (the engine rebuilds them from
// its journal), so everything WaitBatch needs to follow a job comes from
// those; only re-uploading rows needs the full ops.
type batchFile struct {
	ops     []sync.Op
	entries [][]byte // per op; nil until render
	hash    string   // of the ops' actions and emails: names the batch on the server
	skip    []int    // op indexes left out after scheme errors, ascending
	rows    []int    // rows[r-1] = op index of file row r
}

func newBatchFile(ops []sync.Op) (*batchFile, error) {
	if len(ops) == 0 {
		return nil, fmt.Errorf("an empty batch")
	}
	bf := &batchFile{ops: ops}
	h := sha256.New()
	for _, op := range ops {
		fmt.Fprintf(h, "%s\t%s\n", op.Action, sync.Key(opEmail(op)))
	}
	bf.hash = hex.EncodeToString(h.Sum(nil))[:16]
	bf.setSkip(nil)
	return bf, nil
}

// render builds every op's JSON; it fails for ops that lack the users a
// write needs (a resumed apply's).
func (bf *batchFile) render() error {
	if bf.entries != nil {
		return nil
	}
	entries := make([][]byte, len(bf.ops))
	for i, op := range bf.ops {
		e, err := entry(op)
		if err != nil {
			return err
		}
		entries[i] = e
	}
	bf.entries = entries
	return nil
}

// opEmail is the identity an op writes to: the existing user's address as
// the server spells it, else the file's.
func opEmail(op sync.Op) string {
	if op.Old != nil && op.Old.Email != "" {
		return op.Old.Email
	}
	return op.New.Email
}

// setSkip leaves the given ops out of the file from now on.
func (bf *batchFile) setSkip(skip []int) {
	bf.skip = slices.Clone(skip)
	sort.Ints(bf.skip)
	bf.skip = slices.Compact(bf.skip)
	bf.rows = bf.rows[:0]
	for i := range bf.ops {
		if !slices.Contains(bf.skip, i) {
			bf.rows = append(bf.rows, i)
		}
	}
}

// content is the JSON file to upload; render must have succeeded.
func (bf *batchFile) content() []byte {
	var b bytes.Buffer
	b.WriteString("[\n")
	for n, i := range bf.rows {
		if n > 0 {
			b.WriteString(",\n")
		}
		b.Write(bf.entries[i])
	}
	b.WriteString("\n]\n")
	return b.Bytes()
}

// maxSkip bounds how many rows a job may drop after scheme errors (their
// indexes ride in the file name); beyond it the batch fails as a whole.
const maxSkip = 40

// filename names the upload after the batch's content and the ops left
// out, so a resumed apply can tell the job holds its batch and which file
// row is which op, from the job alone.
func (bf *batchFile) filename() string {
	if len(bf.skip) == 0 {
		return "usersync-" + bf.hash + ".json"
	}
	parts := make([]string, len(bf.skip))
	for i, s := range bf.skip {
		parts[i] = strconv.Itoa(s)
	}
	return "usersync-" + bf.hash + "-skip-" + strings.Join(parts, "_") + ".json"
}

var filenameRE = regexp.MustCompile(`^usersync-([0-9a-f]{16})(?:-skip-([0-9_]+))?\.json$`)

// parseFilename reads back what filename wrote; ok is false for files
// usersync did not name.
func parseFilename(name string) (hash string, skip []int, ok bool) {
	m := filenameRE.FindStringSubmatch(name)
	if m == nil {
		return "", nil, false
	}
	if m[2] != "" {
		for _, p := range strings.Split(m[2], "_") {
			n, err := strconv.Atoi(p)
			if err != nil || n < 0 {
				return "", nil, false
			}
			skip = append(skip, n)
		}
	}
	return m[1], skip, true
}

// opAt maps a log's row (1-based, in the current file) to an op index.
func (bf *batchFile) opAt(row string) (int, bool) {
	r, err := strconv.Atoi(strings.TrimSpace(row))
	if err != nil || r < 1 || r > len(bf.rows) {
		return 0, false
	}
	return bf.rows[r-1], true
}
