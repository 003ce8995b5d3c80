package csvfile

import "strings"

// testSchema is a target shaped like coursedog (the real one lives in
// sync/coursedog and is tested there), so csvfile's tests stand alone.
func testSchema(roles, departments []Choice) *Schema {
	return &Schema{
		Target: "demo",
		Fields: []Field{
			{Key: "firstName", Header: "First Name", Required: true, Aliases: []string{"Given Name"}},
			{Key: "lastName", Header: "Last Name", Required: true, Aliases: []string{"Surname"}},
			{Key: "email", Header: "Email", Required: true, Email: true, Identity: true,
				Aliases: []string{"E-mail", "Email Address"}},
			{Key: "products", Header: "Products", Required: true, List: true, Kind: "product key",
				Choices: []Choice{
					{Value: "scheduling", Label: "Scheduling"},
					{Value: "curriculum", Label: "Curriculum"},
					{Value: "syllabus", Label: "Syllabus"},
					{Value: "events", Label: "Events"},
					{Value: "catalog", Label: "Catalog"},
					{Value: "courseDemandProjections", Label: "Course Demand Projections"},
				}},
			{Key: "externalId", Header: "Unique ID", Aliases: []string{"External ID", "SIS ID"}},
			{Key: "department", Header: "Department", Choices: departments, Kind: "department",
				Aliases: []string{"Primary Department"}},
			{Key: "secondaryDepartments", Header: "Secondary Departments", List: true,
				Choices: departments, Kind: "department"},
			{Key: "roles", Header: "Role IDs", List: true, Choices: roles, Kind: "role ID",
				Aliases: []string{"Role ID", "Roles"}},
		},
		RowChecks: []RowCheck{func(get func(string) string) []Message {
			if strings.Contains(get("department"), ",") {
				return []Message{{Severity: Error, Column: "Department", Text: "one primary department only"}}
			}
			return nil
		}},
	}
}

var (
	testRoles = []Choice{
		{Value: "r-1", Label: "Super Admin", Prebuilt: true},
		{Value: "r-2", Label: "Scheduling Admin", Prebuilt: true},
		{Value: "r-3", Label: "Faculty"},
		{Value: "r-4", Label: "Advisor"},
		{Value: "r-5", Label: "Advisor"},
	}
	testDepartments = []Choice{
		{Value: "Mathematics", Label: "dep-1"},
		{Value: "Physics", Label: "dep-2"},
		{Value: "Languages, Literatures and Cultures", Label: "dep-3"},
	}
)

const testHeader = "First Name,Last Name,Email,Products,Unique ID,Department,Secondary Departments,Role IDs\n"
