package sandbox

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// Products are coursedog's product keys, as the vendor's article lists them.
var Products = []string{"scheduling", "curriculum", "syllabus", "events", "catalog", "courseDemandProjections"}

// Role IDs are fixed (not drawn from the seed) so example files stay valid
// for every sandbox. Like the vendor's, they are not the roles' names.
var seedRoles = []Role{
	{ID: "r-7f3a91c2", Name: "Super Admin", Prebuilt: true},
	{ID: "r-2b8e4d10", Name: "Scheduling Admin", Prebuilt: true},
	{ID: "r-c41d07a9", Name: "Curriculum Admin", Prebuilt: true},
	{ID: "r-9e5f3b26", Name: "Department Scheduler", Prebuilt: true},
	{ID: "r-5a0c8e71", Name: "Read Only", Prebuilt: true},
	{ID: "r-e83b1f4d", Name: "Catalog Editor"},
	{ID: "r-14d9a6c3", Name: "Syllabus Reviewer"},
	{ID: "r-b27c5e08", Name: "Events Coordinator"},
	{ID: "r-6f1e2d93", Name: "Faculty"},
	{ID: "r-d0a4c7b5", Name: "Registrar Office"},
}

var seedDepartments = []Department{
	{ID: "dep-0101", Name: "Biology"},
	{ID: "dep-0102", Name: "Chemistry"},
	{ID: "dep-0103", Name: "Computer Science"},
	{ID: "dep-0104", Name: "Economics"},
	{ID: "dep-0105", Name: "English"},
	{ID: "dep-0106", Name: "History"},
	{ID: "dep-0107", Name: "Mathematics"},
	{ID: "dep-0108", Name: "Music"},
	{ID: "dep-0109", Name: "Nursing"},
	{ID: "dep-0110", Name: "Philosophy"},
	{ID: "dep-0111", Name: "Physics"},
	{ID: "dep-0112", Name: "Political Science"},
	{ID: "dep-0113", Name: "Psychology"},
	{ID: "dep-0114", Name: "Sociology"},
	{ID: "dep-0115", Name: "Art & Design"},
	{ID: "dep-0116", Name: "Business Administration"},
	{ID: "dep-0117", Name: "Education"},
	{ID: "dep-0118", Name: "Engineering"},
	{ID: "dep-0201", Name: "Registrar"},
	{ID: "dep-0202", Name: "Academic Affairs"},
}

var firstNames = []string{
	"Aisha", "Alejandro", "Amelia", "Andrea", "Anika", "Ben", "Camila", "Carlos", "Chen", "Chloé",
	"Daniel", "Deepa", "Diego", "Elena", "Emeka", "Emily", "Fatima", "Finn", "Gabriel", "Grace",
	"Hannah", "Hiroshi", "Ibrahim", "Isabella", "Jamal", "James", "Jana", "Javier", "Jin", "José",
	"Julia", "Kai", "Kavya", "Kwame", "Laura", "Leila", "Liam", "Lucía", "Malik", "Maria",
	"Mateo", "Mei", "Michael", "Mohammed", "Nadia", "Noah", "Nora", "Olivia", "Omar", "Priya",
	"Rafael", "Rania", "Ravi", "Renée", "Ruth", "Samuel", "Sara", "Sean", "Sofia", "Tariq",
	"Thomas", "Valentina", "Wei", "Yara", "Yusuf", "Zoë",
}

var lastNames = []string{
	"Abbott", "Adeyemi", "Ahmed", "Alvarez", "Anderson", "Baker", "Becker", "Brown", "Castillo", "Chen",
	"Clarke", "Cohen", "Da Silva", "Davis", "Dubois", "Edwards", "Fernández", "Fischer", "Garcia", "Gonzalez",
	"Gupta", "Hall", "Hansen", "Hernandez", "Ito", "Jackson", "Johnson", "Kaur", "Khan", "Kim",
	"Kowalski", "Lee", "Lopez", "Martin", "Martínez", "Mensah", "Miller", "Moore", "Müller", "Nakamura",
	"Nguyen", "Novak", "O'Brien", "Okafor", "Olsen", "Patel", "Perez", "Petrov", "Quinn", "Ramirez",
	"Reyes", "Rossi", "Sánchez", "Schmidt", "Singh", "Smith", "Sullivan", "Tanaka", "Taylor", "Thompson",
	"Wang", "Williams", "Wilson", "Wright", "Yamamoto", "Zhang",
}

// seedEpoch is when the seeded users were "created": fixed, so the same seed
// gives byte-identical users.
var seedEpoch = time.Date(2021, 8, 2, 9, 0, 0, 0, time.UTC)

// seedUsers draws n realistic users from rng.
func seedUsers(rng *rand.Rand, n int) []*User {
	users := make([]*User, 0, n)
	taken := map[string]bool{DemoEmail: true}
	for i := range n {
		first := firstNames[rng.IntN(len(firstNames))]
		last := lastNames[rng.IntN(len(lastNames))]
		local := emailLocal(first) + "." + emailLocal(last)
		email := local + "@example.edu"
		for k := 2; taken[email]; k++ {
			email = fmt.Sprintf("%s%d@example.edu", local, k)
		}
		taken[email] = true
		if rng.IntN(30) == 0 {
			// Real directories hold some addresses typed with capitals.
			email = capitalize(first) + "." + email[len(emailLocal(first))+1:]
		}
		u := &User{
			ID:        hexID(rng),
			Email:     email,
			FirstName: first,
			LastName:  last,
			Products:  pick(rng, Products, 1+rng.IntN(3)),
			Roles:     seedUserRoles(rng),
			Status:    "Active",
		}
		u.DefaultProduct = u.Products[0] // drawn from no randomness: the seeded data stays as it was
		if rng.IntN(5) != 0 {
			u.ExternalID = fmt.Sprintf("E%07d", 1000000+rng.IntN(9000000))
		}
		depts := pickDepartments(rng, 1+rng.IntN(3))
		u.Department, u.SecondaryDepartments = depts[0], depts[1:]
		if rng.IntN(12) == 0 {
			u.Status = "Inactive"
		}
		u.CreatedAt = seedEpoch.Add(time.Duration(i)*time.Hour + time.Duration(rng.IntN(3600))*time.Second)
		u.UpdatedAt = u.CreatedAt.Add(time.Duration(rng.IntN(400*24)) * time.Hour)
		users = append(users, u)
	}
	return users
}

// seedUserRoles gives at most one prebuilt role (as the vendor advises) and
// up to two custom ones, never none.
func seedUserRoles(rng *rand.Rand) []string {
	var prebuilt, custom []string
	for _, r := range seedRoles {
		if r.Prebuilt {
			prebuilt = append(prebuilt, r.ID)
		} else {
			custom = append(custom, r.ID)
		}
	}
	var roles []string
	if rng.IntN(3) != 0 {
		roles = append(roles, prebuilt[rng.IntN(len(prebuilt))])
	}
	roles = append(roles, pick(rng, custom, rng.IntN(3))...)
	if len(roles) == 0 {
		roles = append(roles, custom[rng.IntN(len(custom))])
	}
	return roles
}

func pickDepartments(rng *rand.Rand, n int) []string {
	names := make([]string, len(seedDepartments))
	for i, d := range seedDepartments {
		names[i] = d.Name
	}
	return pick(rng, names, n)
}

// pick returns n distinct elements of from, in from's order.
func pick(rng *rand.Rand, from []string, n int) []string {
	idx := rng.Perm(len(from))[:n]
	chosen := make([]bool, len(from))
	for _, i := range idx {
		chosen[i] = true
	}
	out := make([]string, 0, n)
	for i, c := range chosen {
		if c {
			out = append(out, from[i])
		}
	}
	return out
}

var fold = strings.NewReplacer("é", "e", "ë", "e", "í", "i", "á", "a", "ú", "u", "ü", "u", "ñ", "n", "ó", "o")

// emailLocal turns a name into the part of an address people use: lower
// case, accents folded, spaces and apostrophes gone.
func emailLocal(name string) string {
	name = fold.Replace(strings.ToLower(name))
	var b strings.Builder
	for _, r := range name {
		if r >= 'a' && r <= 'z' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func capitalize(name string) string {
	l := emailLocal(name)
	return strings.ToUpper(l[:1]) + l[1:]
}

// hexID is a 24-digit hex id, the shape of the vendor's (Mongo) ids.
func hexID(rng *rand.Rand) string {
	return fmt.Sprintf("%016x%08x", rng.Uint64(), rng.Uint32())
}
