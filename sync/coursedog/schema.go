package coursedog

import (
	"slices"
	"strconv"
	"strings"

	"usersync/csvfile"
)

// Products are the product keys the vendor's article lists, each with the
// display name people type instead.
var Products = []csvfile.Choice{
	{Value: "scheduling", Label: "Scheduling"},
	{Value: "curriculum", Label: "Curriculum"},
	{Value: "syllabus", Label: "Syllabus"},
	{Value: "events", Label: "Events"},
	{Value: "catalog", Label: "Catalog"},
	{Value: "courseDemandProjections", Label: "Course Demand Projections"},
}

// NewSchema returns the coursedog file schema. roles (Value: role ID,
// Label: role name, Prebuilt) and departments (Value: what the cell must
// hold, the department name in the vendor's article; Label: another
// spelling people use, e.g. its ID) are the school's live configuration;
// a nil slice means "not known" (offline), and that column is not checked.
// The headers are the vendor's template's; field keys are the API's JSON
// names.
func NewSchema(roles, departments []csvfile.Choice) *csvfile.Schema {
	return &csvfile.Schema{
		Mail:   true, // a create sends the registration mail unless disableRegistrationMail
		Target: "coursedog",
		Fields: []csvfile.Field{
			{Key: "firstName", Header: "First Name", Required: true,
				Aliases: []string{"Given Name", "First", "Forename"}},
			{Key: "lastName", Header: "Last Name", Required: true,
				Aliases: []string{"Surname", "Family Name", "Last"}},
			{Key: "email", Header: "Email", Required: true, Email: true, Identity: true,
				Aliases: []string{"E-mail", "Email Address", "E-mail Address", "Mail", "User Email"}},
			{Key: "products", Header: "Products", Required: true, List: true,
				Choices: Products, Kind: "product key",
				Aliases: []string{"Product", "Product Keys", "Product Key"}},
			{Key: "externalId", Header: "Unique ID", PersonID: true,
				Aliases: []string{"External ID", "SIS ID", "Unique Identifier", "Employee ID"}},
			{Key: "department", Header: "Department",
				Choices: departments, Kind: "department",
				Aliases: []string{"Primary Department", "Dept", "Department Name"}},
			{Key: "secondaryDepartments", Header: "Secondary Departments", List: true,
				Choices: departments, Kind: "department",
				Aliases: []string{"Secondary Department", "Other Departments"}},
			{Key: "roles", Header: "Role IDs", List: true,
				Choices: roles, Kind: "role ID",
				Aliases: []string{"Role ID", "Roles", "Role"}},
			// The admin docs list both as user fields; the vendor's CSV
			// template has no column for them, so they come after its own.
			{Key: "defaultProduct", Header: "Default Product",
				Choices: Products, Kind: "product key",
				Aliases: []string{"Default Product Key"}},
			{Key: "status", Header: "Status", Kind: "status",
				Choices: []csvfile.Choice{{Value: StatusActive}, {Value: StatusInactive}},
				Aliases: []string{"User Status", "Account Status"}},
		},
		RowChecks: []csvfile.RowCheck{
			onePrimaryDepartment(departments),
			secondaryNotPrimary,
			onePrebuiltRole(roles),
			defaultAmongProducts,
		},
	}
}

// defaultAmongProducts: a user's default product must be one the user has.
// In merge mode the row's products are added to the user's, so one of the
// row's is enough.
func defaultAmongProducts(get func(string) string) []csvfile.Message {
	def := strings.TrimSpace(get("defaultProduct"))
	if def == "" {
		return nil
	}
	products := get("products")
	for part := range strings.SplitSeq(products, ",") {
		if p := strings.TrimSpace(part); strings.EqualFold(p, def) || strings.EqualFold(productLabel(p), def) {
			return nil
		}
	}
	if strings.TrimSpace(products) == "" {
		return nil // Products is required: its own message says so
	}
	return []csvfile.Message{{Severity: csvfile.Error, Column: "Default Product",
		Text: `"` + def + `" is not among the row's Products (` + products + `); a user's default product must be one of theirs`,
		Fix:  &csvfile.Fix{Column: "Products", Value: products + ", " + def, Label: `add "` + def + `" to Products`}}}
}

// productLabel is the display name of a product key ("" when unknown).
func productLabel(key string) string {
	for _, p := range Products {
		if strings.EqualFold(p.Value, key) {
			return p.Label
		}
	}
	return ""
}

// onePrimaryDepartment: the vendor allows one primary department; the
// others belong under Secondary Departments. A known department whose name
// has a comma in it is one department.
func onePrimaryDepartment(departments []csvfile.Choice) csvfile.RowCheck {
	known := map[string]bool{}
	for _, d := range departments {
		known[strings.ToLower(d.Value)] = true
	}
	return func(get func(string) string) []csvfile.Message {
		dep := get("department")
		if !strings.Contains(dep, ",") || known[strings.ToLower(dep)] {
			return nil
		}
		n := 0
		for part := range strings.SplitSeq(dep, ",") {
			if strings.TrimSpace(part) != "" {
				n++
			}
		}
		if n < 2 {
			return nil
		}
		return []csvfile.Message{{Severity: csvfile.Error, Column: "Department", Rule: "more than one primary department",
			Text: "only one primary department is allowed, found " + strconv.Itoa(n) +
				"; list the others under Secondary Departments"}}
	}
}

// secondaryNotPrimary warns when the primary department is listed again as
// a secondary one, and offers to drop it there. It allocates only when it
// has something to say: it runs on every row.
func secondaryNotPrimary(get func(string) string) []csvfile.Message {
	sec := get("secondaryDepartments")
	if sec == "" {
		return nil
	}
	dep := get("department")
	if dep == "" {
		return nil
	}
	found := false
	for part := range strings.SplitSeq(sec, ",") {
		if strings.EqualFold(strings.TrimSpace(part), dep) {
			found = true
			break
		}
	}
	if !found {
		return nil
	}
	var rest []string
	for part := range strings.SplitSeq(sec, ",") {
		if part = strings.TrimSpace(part); part != "" && !strings.EqualFold(part, dep) {
			rest = append(rest, part)
		}
	}
	return []csvfile.Message{{Severity: csvfile.Warning, Column: "Secondary Departments", Rule: "secondary department is the primary one",
		Text: `"` + dep + `" is already the primary department`,
		Fix: &csvfile.Fix{Column: "Secondary Departments", Value: strings.Join(rest, ", "),
			Label: `remove "` + dep + `"`}}}
}

// onePrebuiltRole: the vendor advises against more than one prebuilt role.
func onePrebuiltRole(roles []csvfile.Choice) csvfile.RowCheck {
	prebuilt := map[string]csvfile.Choice{}
	for _, r := range roles {
		if r.Prebuilt {
			prebuilt[strings.ToLower(r.Value)] = r
		}
	}
	return func(get func(string) string) []csvfile.Message {
		if len(prebuilt) == 0 {
			return nil
		}
		cell := get("roles")
		if !strings.Contains(cell, ",") { // one role cannot be two prebuilt ones
			return nil
		}
		var named []string // allocated only once a second prebuilt role turns up
		var first csvfile.Choice
		for part := range strings.SplitSeq(cell, ",") {
			id := strings.TrimSpace(part)
			r, ok := prebuilt[id]
			if !ok {
				r, ok = prebuilt[strings.ToLower(id)]
			}
			switch {
			case !ok || r.Value == first.Value:
			case first.Value == "":
				first = r
			default:
				if named == nil {
					named = []string{first.Value + ` "` + first.Label + `"`}
				}
				if !slices.Contains(named, r.Value+` "`+r.Label+`"`) {
					named = append(named, r.Value+` "`+r.Label+`"`)
				}
			}
		}
		if len(named) < 2 {
			return nil
		}
		return []csvfile.Message{{Severity: csvfile.Warning, Column: "Role IDs", Rule: "more than one prebuilt role",
			Text: "more than one prebuilt role (" + strings.Join(named, ", ") +
				"); Coursedog advises assigning at most one"}}
	}
}
