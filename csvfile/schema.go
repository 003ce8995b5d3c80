package csvfile

import "fmt"

// A Schema describes the columns one target accepts. Targets build it (with
// the allowed values they fetched live, when connected); csvfile uses it to
// map headers and validate rows, and never knows which target it serves.
type Schema struct {
	Target string
	Fields []Field
	// RowChecks are the target's rules that span several cells of one row
	// (one primary department, at most one prebuilt role, …). They see the
	// row through a getter keyed by Field.Key and return messages without a
	// line; the validator fills it in. They run on every row of files with a
	// million rows, on several goroutines at once (each on its own rows):
	// keep them pure and allocation-free when they find nothing.
	RowChecks []RowCheck
	// Mail says that creating a user sends a registration mail (which the
	// operator may suppress); plans count those mails only when it is set.
	Mail bool
}

// RowCheck is one cross-field rule of a target.
type RowCheck func(get func(key string) string) []Message

// Field is one column of a target's file.
type Field struct {
	Key      string   // the target's field name, e.g. "firstName"; what code uses
	Header   string   // the template's header, e.g. "First Name"; what people see
	Aliases  []string // other headers that mean this field (matched loosely)
	Required bool     // a blank cell is a row error
	List     bool     // several values in one cell, comma-separated
	Email    bool     // a bare address; compared lowercase
	Identity bool     // the user's identity (unique in the file)
	// PersonID marks another identifier of the person (an external ID): a
	// row whose value belongs to an existing user with another email would
	// change that user's email, which a target without renames refuses.
	PersonID bool
	// Choices, when non-nil, are the only values allowed; Kind names them in
	// messages ("product key", "role ID").
	Choices []Choice
	Kind    string
}

// Choice is one allowed value. Label is a human name people often type where
// the value belongs (a product's display name, a role's name); matching a
// label yields a suggestion to use Value instead.
type Choice struct {
	Value    string
	Label    string
	Prebuilt bool
}

// Severity says whether a message blocks its row.
type Severity int

const (
	Warning Severity = iota
	Error
)

func (s Severity) String() string {
	if s == Error {
		return "error"
	}
	return "warning"
}

// MarshalText writes "error" or "warning", so JSON output reads as words.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads what MarshalText writes.
func (s *Severity) UnmarshalText(b []byte) error {
	switch string(b) {
	case "error":
		*s = Error
	case "warning":
		*s = Warning
	default:
		return fmt.Errorf("severity %q: want error or warning", b)
	}
	return nil
}

// Message is one finding about the file or a row. Line is the file line the
// row starts on (1-based; 0 for the file as a whole); Column is the field's
// Header, or the file's own header for unknown columns.
type Message struct {
	Severity Severity `json:"severity"`
	Line     int      `json:"line"`
	Column   string   `json:"column,omitempty"`
	// Where names the place in the file's own terms when its format has
	// them (a workbook: "Users!C15 (Email)"); empty for CSV, whose Line
	// and Column say it.
	Where string `json:"where,omitempty"`
	Text  string `json:"message"`
	Fix   *Fix   `json:"fix,omitempty"`
	// Rule names the check that found it (one of the Rule… constants, or
	// a target's own), so output can group like with like.
	Rule string `json:"rule,omitempty"`
}

// The rules csvfile checks, as Message.Rule names them: short phrases a
// person reads as the title of a group of messages.
const (
	RuleRequired       = "required cell is empty"
	RuleSpaces         = "spaces around the value"
	RuleEmail          = "not a bare email address"
	RuleChoice         = "not an allowed value"
	RuleShortened      = "long number shortened by a spreadsheet"
	RuleChars          = "control or invisible characters"
	RuleRagged         = "row length differs from the header"
	RuleRepeatedHeader = "row repeats the header"
	RuleAfterQuote     = "text after a closing quote"
	RuleDuplicate      = "on more than one row"
	RuleTarget         = "target rule" // a RowCheck's message that names no rule
	RuleEncoding       = "encoding guessed"
	RuleBlankLine      = "blank line"
	RuleEmptyRow       = "empty row"
	RuleUnknownColumns = "unknown columns"
	RuleUnnamedColumns = "columns without a header"
	RuleUnusedMapping  = "mapping not used"
)

// Fix is a suggested replacement for one cell that the UI can apply with one key.
type Fix struct {
	Column string `json:"column"` // field Header
	Value  string `json:"value"`  // the whole new cell
	Label  string `json:"label"`  // e.g. `use "courseDemandProjections"`
}

// FieldByKey returns the field with that key, or nil.
func (s *Schema) FieldByKey(key string) *Field {
	for i := range s.Fields {
		if s.Fields[i].Key == key {
			return &s.Fields[i]
		}
	}
	return nil
}

// Identity returns the identity field (the email), or nil.
func (s *Schema) Identity() *Field {
	for i := range s.Fields {
		if s.Fields[i].Identity {
			return &s.Fields[i]
		}
	}
	return nil
}
