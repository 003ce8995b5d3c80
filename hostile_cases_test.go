package main

import (
	"usersync/csvfile"
)

// The files of testdata/hostile and what usersync says of each; TestHostileFiles
// (hostile_test.go) checks them.

// The school's live configuration for the cases that need it: roles and
// departments as the coursedog target fetches them.
var (
	hostileRoles = []csvfile.Choice{
		{Value: "r-6f1e2d93", Label: "Faculty"},
		{Value: "r-2b8e4d10", Label: "Scheduling Admin", Prebuilt: true},
		{Value: "r-0a1b2c3d", Label: "Super Admin", Prebuilt: true},
		{Value: "r-4c4c4c4c", Label: "Advisor"},
		{Value: "r-5d5d5d5d", Label: "Advisor"},
	}
	hostileDepartments = []csvfile.Choice{
		{Value: "Mathematics", Label: "MATH"},
		{Value: "Physics", Label: "PHYS"},
		{Value: "Chemistry", Label: "CHEM"},
		{Value: "Languages, Literatures and Cultures", Label: "LLC"},
	}
)

// hostileCase is one file of testdata/hostile and what usersync says of it.
type hostileCase struct {
	file string   // in testdata/hostile
	args []string // more arguments to validate (--delimiter, --map)
	// known validates with the school's roles and departments known, as
	// plan and the guided import do (validate offline cannot fetch them);
	// the lines are then printed by validate's own printer.
	known bool
	code  int // validate's exit status
	// out is every line validate prints but blank lines and group titles
	// ("Errors (2 in 1 row; …):"), exactly, in order; $F is the file's path.
	out []string
}

const hostileFixCDP = `    fix: use "courseDemandProjections"`

var hostileCases = []hostileCase{
	// --- Excel and other spreadsheet exports ---
	{file: "excel_csv_utf8_bom_crlf.csv", code: exitOK, out: []string{
		"$F: 3 rows for coursedog (UTF-8 with BOM, comma-delimited)",
		"$F: 3 rows valid, 0 rows with errors; 0 errors, 0 warnings"}},
	{file: "excel_semicolon_bom_crlf.csv", code: exitRowsFailed, out: []string{
		"$F: 3 rows for coursedog (UTF-8 with BOM, semicolon-delimited)",
		`$F:3: Products: "Course Demand Projections" is a name, not a product key; use "courseDemandProjections"`,
		hostileFixCDP,
		"$F: 2 rows valid, 1 row with errors; 1 error, 0 warnings"}},
	{file: "excel_sep_line.csv", code: exitRowsFailed, out: []string{
		"$F: 2 rows for coursedog (UTF-8, semicolon-delimited)",
		`$F:4: Email: "Lukas Becker <lukas.becker@example.edu>" is not a bare address; use "lukas.becker@example.edu"`,
		`    fix: use "lukas.becker@example.edu"`,
		"$F: 1 row valid, 1 row with errors; 1 error, 0 warnings"}},
	{file: "excel_unicode_text_utf16le.txt", code: exitRowsFailed, out: []string{
		"$F: 3 rows for coursedog (UTF-16LE, tab-delimited)",
		"$F:2: Email: this email is also on line 4",
		"$F:4: Email: this email is also on line 2",
		"$F: 1 row valid, 2 rows with errors; 2 errors, 0 warnings"}},
	{file: "unicode_text_utf16be.txt", code: exitOK, out: []string{
		"$F: 2 rows for coursedog (UTF-16BE, tab-delimited)",
		"$F: 2 rows valid, 0 rows with errors; 0 errors, 0 warnings"}},
	{file: "utf16le_no_bom.csv", code: exitOK, out: []string{
		"$F: 1 rows for coursedog (UTF-16LE, comma-delimited)",
		"$F: 1 row valid, 0 rows with errors; 0 errors, 0 warnings"}},
	{file: "windows1252_excel.csv", code: exitOK, out: []string{
		"$F: 4 rows for coursedog (Windows-1252, comma-delimited)",
		"$F: the file is not UTF-8 (first on line 3); it was read as Windows-1252, so check accented letters",
		"$F: 4 rows valid, 0 rows with errors; 0 errors, 1 warning"}},
	// The byte is kept (as Windows reads it, a C1 control) and named where
	// it is, not turned into U+FFFD that no save could write back.
	{file: "windows1252_undefined_bytes.csv", code: exitRowsFailed, out: []string{
		"$F: 2 rows for coursedog (Windows-1252, comma-delimited)",
		`$F:3: Last Name: "Love\u008dlace" contains U+008D, a control character`,
		"    fix: remove U+008D",
		"$F: the file is not UTF-8 (first on line 2); it was read as Windows-1252, so check accented letters",
		"$F: 1 row valid, 1 row with errors; 1 error, 1 warning"}},
	{file: "windows1252_semicolon_german.csv", code: exitOK, out: []string{
		"$F: 2 rows for coursedog (Windows-1252, semicolon-delimited)",
		"$F: the file is not UTF-8 (first on line 1); it was read as Windows-1252, so check accented letters",
		`$F:1: Straße: "Straße" is not a coursedog column; it is kept but not imported`,
		"$F: 2 rows valid, 0 rows with errors; 0 errors, 2 warnings"}},
	{file: "utf8_bom_with_ansi_rows.csv", code: exitOK, out: []string{
		"$F: 3 rows for coursedog (UTF-8 with BOM, comma-delimited)",
		"$F: the file says it is UTF-8 but has bytes that are not (first on line 4); they were read as Windows-1252, so check accented letters",
		"$F: 3 rows valid, 0 rows with errors; 0 errors, 1 warning"}},
	{file: "mac_cr_line_ends.csv", code: exitRowsFailed, out: []string{
		"$F: 3 rows for coursedog (UTF-8, comma-delimited)",
		`$F:3: Email: "alan.turing@example" is not an email address: the domain "example" has no dot`,
		"$F: 2 rows valid, 1 row with errors; 1 error, 0 warnings"}},
	// The cell's line feed is a line of its own, so Alan's row is on line 4.
	{file: "mac_cr_with_line_feed_in_cell.csv", code: exitRowsFailed, out: []string{
		"$F: 2 rows for coursedog (UTF-8, comma-delimited)",
		`$F:4: Email: "alan.turing@example" is not an email address: the domain "example" has no dot`,
		`$F:1: Notes: "Notes" is not a coursedog column; it is kept but not imported`,
		"$F: 1 row valid, 1 row with errors; 1 error, 1 warning"}},
	{file: "google_sheets.tsv", code: exitOK, out: []string{
		"$F: 2 rows for coursedog (UTF-8, tab-delimited)",
		"$F: 2 rows valid, 0 rows with errors; 0 errors, 0 warnings"}},
	{file: "libreoffice_quote_all.csv", code: exitOK, out: []string{
		"$F: 2 rows for coursedog (UTF-8, comma-delimited)",
		"$F: 2 rows valid, 0 rows with errors; 0 errors, 0 warnings"}},
	{file: "pipe_delimited.csv", code: exitUsage, out: []string{
		`usersync validate: $F:1: missing required columns "First Name", "Last Name", "Email" and "Products"; the header has "First Name|Last Name|Email|Products|Unique ID|Department|…" (one column holding pipes: is the delimiter right?)`,
		`if a column has another name, map it: --map "HEADER=First Name"`}},
	{file: "pipe_delimited.csv", args: []string{"--delimiter", "|"}, code: exitOK, out: []string{
		"$F: 2 rows for coursedog (UTF-8, pipe-delimited)",
		"$F: 2 rows valid, 0 rows with errors; 0 errors, 0 warnings"}},

	// --- Rows that do not fit ---
	{file: "ragged_short_rows.csv", code: exitRowsFailed, out: []string{
		"$F: 3 rows for coursedog (UTF-8, comma-delimited)",
		"$F:3: Products: required, but the cell is empty",
		"$F:3: the row has 3 cells but the header has 8; the missing cells are read as empty",
		"$F:4: the row has 4 cells but the header has 8; the missing cells are read as empty",
		"$F: 2 rows valid, 1 row with errors; 1 error, 2 warnings"}},
	// "Luther King, Jr." unquoted: every cell after it moves right.
	{file: "ragged_long_rows.csv", code: exitRowsFailed, out: []string{
		"$F: 3 rows for coursedog (UTF-8, comma-delimited)",
		`$F:3: Email: "Jr." is not an email address: it has no "@"`,
		`$F:3: Products: "martin.king@example.edu" is not a product key; use one of: scheduling, curriculum, syllabus, events, catalog, courseDemandProjections`,
		"$F:3: the row has 9 cells but the header has 8; the extra cells are empty and ignored",
		"$F:4: the row has 11 cells but the header has 8; the extra cells are empty and ignored",
		"$F:3: Email: spaces before or after the value are ignored",
		"    fix: remove the spaces",
		"$F: 2 rows valid, 1 row with errors; 2 errors, 3 warnings"}},
	// Ada's notes span lines 2-4, Alan's products 5-6: Grace is on line 7.
	{file: "multiline_quoted_cells.csv", code: exitRowsFailed, out: []string{
		"$F: 3 rows for coursedog (UTF-8, comma-delimited)",
		`$F:5: Products: "scheduling\nevents" holds several product keys on separate lines; put commas between them: "scheduling, events"`,
		`    fix: use "scheduling, events"`,
		`$F:7: Email: "grace hopper@example.edu" is not an email address: it contains a space`,
		`    fix: use "gracehopper@example.edu"`,
		`$F:1: Notes: "Notes" is not a coursedog column; it is kept but not imported`,
		"$F: 1 row valid, 2 rows with errors; 2 errors, 1 warning"}},
	{file: "unclosed_quote.csv", code: exitUsage, out: []string{
		"usersync validate: $F:3:2: a quoted cell starts here and is never closed"}},
	{file: "text_after_closing_quote.csv", code: exitOK, out: []string{
		"$F: 2 rows for coursedog (UTF-8, comma-delimited)",
		`$F:2: Last Name: text after the closing quote; read as "Lovelace (Countess)"`,
		"$F: 2 rows valid, 0 rows with errors; 0 errors, 1 warning"}},
	{file: "blank_lines_and_empty_rows.csv", code: exitOK, out: []string{
		"$F: 3 rows for coursedog (UTF-8, comma-delimited)",
		"$F:3: blank line ignored",
		"$F:5: empty row ignored",
		"$F:9: empty row ignored",
		"$F:10: empty row ignored",
		"$F: 3 rows valid, 0 rows with errors; 0 errors, 4 warnings"}},
	{file: "whitespace_around_values.csv", code: exitRowsFailed, out: []string{
		"$F: 3 rows for coursedog (UTF-8, comma-delimited)",
		"$F:3: Last Name: required, but the cell is empty",
		"$F:2: First Name: spaces before or after the value are ignored",
		"    fix: remove the spaces",
		"$F:2: Last Name: spaces before or after the value are ignored",
		"    fix: remove the spaces",
		"$F:2: Email: spaces before or after the value are ignored",
		"    fix: remove the spaces",
		"$F:3: Products: spaces before or after the value are ignored",
		"    fix: remove the spaces",
		"$F:4: Email: spaces before or after the value are ignored",
		"    fix: remove the spaces",
		"$F: 2 rows valid, 1 row with errors; 1 error, 5 warnings"}},
	{file: "excel_trailing_empty_columns.csv", code: exitOK, out: []string{
		"$F: 2 rows for coursedog (UTF-8, comma-delimited)",
		"$F: columns 9 to 258 have no header; their cells are kept but not imported",
		"$F: 2 rows valid, 0 rows with errors; 0 errors, 1 warning"}},
	{file: "two_exports_joined.csv", code: exitRowsFailed, out: []string{
		"$F: 3 rows for coursedog (UTF-8 with BOM, comma-delimited)",
		"$F:3: this row repeats the header (were two files joined?); delete the row",
		"$F: 2 rows valid, 1 row with errors; 1 error, 0 warnings"}},
	{file: "excel_ids_shortened.csv", code: exitOK, out: []string{
		"$F: 2 rows for coursedog (UTF-8, comma-delimited)",
		`$F:2: Unique ID: "1.00235E+11" looks like a long number a spreadsheet shortened, and its other digits are lost; format the column as text in the spreadsheet and export again`,
		"$F: 2 rows valid, 0 rows with errors; 0 errors, 1 warning"}},
	{file: "title_line_above_header.csv", code: exitUsage, out: []string{
		`usersync validate: $F:1: missing required columns "First Name", "Last Name", "Email" and "Products"; the header has "Staff export 2024-05-01"`,
		`if a column has another name, map it: --map "HEADER=First Name"`}},

	// --- Headers ---
	{file: "duplicate_email_columns.csv", code: exitUsage, out: []string{
		`usersync validate: $F:1:5: columns 3 ("Email") and 5 ("E-mail") both mean "Email"; map one of them to something else`}},
	{file: "duplicate_email_columns.csv", args: []string{"--map", "E-mail="}, code: exitOK, out: []string{
		"$F: 1 rows for coursedog (UTF-8, comma-delimited)",
		"$F: 1 row valid, 0 rows with errors; 0 errors, 0 warnings"}},
	{file: "duplicate_unknown_headers.csv", code: exitUsage, out: []string{
		`usersync validate: $F:1:6: columns 5 ("Notes") and 6 ("notes") have the same header`}},
	{file: "missing_products_column.csv", code: exitUsage, out: []string{
		`usersync validate: $F:1: missing required column "Products"; the header has "First Name", "Last Name", "Email", "Unique ID" and "Department"`,
		`if a column has another name, map it: --map "HEADER=Products"`}},
	{file: "wrong_file_course_list.csv", code: exitUsage, out: []string{
		`usersync validate: $F:1: missing required columns "First Name", "Last Name", "Email" and "Products"; the header has "Course Code", "Title", "Credits" and "Instructor"`,
		`if a column has another name, map it: --map "HEADER=First Name"`}},
	{file: "headers_odd_case_and_spacing.csv", code: exitOK, out: []string{
		"$F: 1 rows for coursedog (UTF-8, comma-delimited)",
		"$F: 1 row valid, 0 rows with errors; 0 errors, 0 warnings"}},
	{file: "headers_aliases.csv", code: exitOK, out: []string{
		"$F: 1 rows for coursedog (UTF-8, comma-delimited)",
		"$F: 1 row valid, 0 rows with errors; 0 errors, 0 warnings"}},
	{file: "unknown_columns_kept.csv", code: exitOK, out: []string{
		"$F: 2 rows for coursedog (UTF-8, comma-delimited)",
		`$F:1: "Phone", "Title" and "Office" are not coursedog columns; they are kept but not imported`,
		"$F: 2 rows valid, 0 rows with errors; 0 errors, 1 warning"}},
	{file: "unnamed_columns.csv", code: exitOK, out: []string{
		"$F: 1 rows for coursedog (UTF-8, comma-delimited)",
		"$F: column 3 has no header; its cells are kept but not imported",
		"$F: 1 row valid, 0 rows with errors; 0 errors, 1 warning"}},
	{file: "localized_french_headers.csv", code: exitUsage, out: []string{
		`usersync validate: $F:1: missing required columns "First Name", "Last Name", "Email" and "Products"; the header has "Prénom", "Nom", "Courriel", "Produits" and "Service"`,
		`if a column has another name, map it: --map "HEADER=First Name"`}},
	{file: "localized_french_headers.csv", args: []string{"--map", "Prénom=First Name", "--map", "Nom=Last Name",
		"--map", "Courriel=Email", "--map", "Produits=Products", "--map", "Service=Department"}, code: exitOK, out: []string{
		"$F: 1 rows for coursedog (UTF-8 with BOM, semicolon-delimited)",
		"$F: 1 row valid, 0 rows with errors; 0 errors, 0 warnings"}},
	{file: "header_quoted_with_asterisks.csv", code: exitOK, out: []string{
		"$F: 1 rows for coursedog (UTF-8 with BOM, comma-delimited)",
		"$F: 1 row valid, 0 rows with errors; 0 errors, 0 warnings"}},

	// --- Formulas: read as data (the report escapes them; see below) ---
	{file: "formulas_in_cells.csv", code: exitOK, out: []string{
		"$F: 3 rows for coursedog (UTF-8, comma-delimited)",
		`$F:1: Phone: "Phone" is not a coursedog column; it is kept but not imported`,
		"$F: 3 rows valid, 0 rows with errors; 0 errors, 1 warning"}},

	// --- Not a user file, or nothing in it ---
	{file: "empty.csv", code: exitUsage, out: []string{"usersync validate: $F: the file is empty"}},
	{file: "bom_only.csv", code: exitUsage, out: []string{"usersync validate: $F: the file is empty"}},
	{file: "only_blank_lines.csv", code: exitUsage, out: []string{"usersync validate: $F: the file has only blank lines"}},
	{file: "header_only.csv", code: exitUsage, out: []string{"usersync validate: $F:1: the file has a header but no rows"}},
	{file: "header_and_empty_rows.csv", code: exitUsage, out: []string{"usersync validate: $F:1: the file has a header but no rows"}},
	{file: "cell_over_1mib.csv", code: exitUsage, out: []string{
		"usersync validate: $F:3:9: a cell is longer than 1 MiB; this does not look like a user file"}},
	{file: "png_image.csv", code: exitUsage, out: []string{
		"usersync validate: $F: this is a PNG image, not a CSV file"}},
	// A workbook is read as one whatever its name says (workbook.Detect).
	{file: "xlsx_renamed.csv", code: exitOK, out: []string{
		"$F: 1 rows for coursedog (Excel workbook, sheet Users)",
		"$F: 1 row valid, 0 rows with errors; 0 errors, 0 warnings"}},
	{file: "xls_renamed.csv", code: exitUsage, out: []string{
		"usersync validate: $F: this is an Excel 97-2003 workbook (.xls), which cannot be read: in Excel use File → Save As and choose Excel Workbook (.xlsx), then open that file"}},
	{file: "nul_bytes_after_crash.csv", code: exitUsage, out: []string{
		"usersync validate: $F:3: binary data (a NUL byte): this is not a CSV text file"}},
	{file: "html_error_page.csv", code: exitUsage, out: []string{
		`usersync validate: $F:1: missing required columns "First Name", "Last Name", "Email" and "Products"; the header has "<!DOCTYPE html>"`,
		`if a column has another name, map it: --map "HEADER=First Name"`}},

	// --- Emails ---
	{file: "emails_display_names.csv", code: exitRowsFailed, out: []string{
		"$F: 4 rows for coursedog (UTF-8, comma-delimited)",
		`$F:2: Email: "Ada Lovelace <ada.lovelace@example.edu>" is not a bare address; use "ada.lovelace@example.edu"`,
		`    fix: use "ada.lovelace@example.edu"`,
		`$F:3: Email: ""Hopper, Grace" <grace.hopper@example.edu>" is not a bare address; use "grace.hopper@example.edu"`,
		`    fix: use "grace.hopper@example.edu"`,
		`$F:4: Email: "mailto:alan.turing@example.edu" is not a bare address; use "alan.turing@example.edu"`,
		`    fix: use "alan.turing@example.edu"`,
		`$F:5: Email: "<edsger.dijkstra@example.edu>" is not a bare address; use "edsger.dijkstra@example.edu"`,
		`    fix: use "edsger.dijkstra@example.edu"`,
		"$F: 0 rows valid, 4 rows with errors; 4 errors, 0 warnings"}},
	{file: "emails_spaces_and_dots.csv", code: exitRowsFailed, out: []string{
		"$F: 11 rows for coursedog (UTF-8, comma-delimited)",
		`$F:2: Email: "ada lovelace@example.edu" is not an email address: it contains a space`,
		`    fix: use "adalovelace@example.edu"`,
		`$F:3: Email: "grace.hopper@example.edu." is not an email address: the domain "example.edu." has an empty part`,
		`    fix: use "grace.hopper@example.edu"`,
		`$F:4: Email: "alan.turing@example,edu" is not an email address: it contains ","`,
		`    fix: use "alan.turing@example.edu"`,
		`$F:5: Email: "barbara.liskov@example..edu" is not an email address: the domain "example..edu" has an empty part`,
		`    fix: use "barbara.liskov@example.edu"`,
		`$F:6: Email: "ken@@example.edu" is not an email address: it has more than one "@"`,
		`$F:7: Email: "dennis.ritchie@example" is not an email address: the domain "example" has no dot`,
		`$F:8: Email: "linus.@example.edu" is not an email address: the part before "@" starts or ends with a dot or has two dots in a row`,
		"$F:9: Email: \"margaret\u00a0hamilton@example.edu\" is not an email address: it contains a space",
		`    fix: use "margarethamilton@example.edu"`,
		`$F:10: Email: "donald.knuth\u200b@example.edu" is not an email address: it contains U+200B (ZERO WIDTH SPACE)`,
		`    fix: use "donald.knuth@example.edu"`,
		`$F:11: Email: "“frances.allen@example.edu”" is not an email address: it contains "“"`,
		`    fix: use "frances.allen@example.edu"`,
		"$F: 1 row valid, 10 rows with errors; 10 errors, 0 warnings"}},
	// Ada is on lines 2, 5 and 7 in three spellings; Alan's first row
	// spans lines 3-4. The first row of each names the second, the
	// others the first.
	{file: "emails_duplicates_across_case.csv", code: exitRowsFailed, out: []string{
		"$F: 6 rows for coursedog (UTF-8, comma-delimited)",
		"$F:2: Email: this email is also on line 5",
		"$F:3: Email: this email is also on line 8",
		"$F:5: Email: this email is also on line 2",
		"$F:7: Email: this email is also on line 2",
		"$F:8: Email: this email is also on line 3",
		`$F:1: Notes: "Notes" is not a coursedog column; it is kept but not imported`,
		"$F:5: Email: spaces before or after the value are ignored",
		"    fix: remove the spaces",
		"$F: 1 row valid, 5 rows with errors; 5 errors, 2 warnings"}},
	{file: "emails_copied_from_mail.csv", code: exitRowsFailed, out: []string{
		"$F: 4 rows for coursedog (UTF-8, comma-delimited)",
		`$F:2: Email: "ada.lovelace@example.edu;" is not an email address: it contains ";"`,
		`    fix: use "ada.lovelace@example.edu"`,
		`$F:3: Email: "'grace.hopper@example.edu'" is not an email address: it contains "'"`,
		`    fix: use "grace.hopper@example.edu"`,
		`$F:4: Email: "alan.turing@example.edu, alan@example.org" holds 2 addresses; a row is one user: keep one here and give the others rows of their own`,
		`$F:5: Email: "Edsger Dijkstra <edsger.dijkstra@example.edu>;" is not a bare address; use "edsger.dijkstra@example.edu"`,
		`    fix: use "edsger.dijkstra@example.edu"`,
		"$F: 0 rows valid, 4 rows with errors; 4 errors, 0 warnings"}},
	{file: "emails_missing.csv", code: exitRowsFailed, out: []string{
		"$F: 2 rows for coursedog (UTF-8, comma-delimited)",
		"$F:2: Email: required, but the cell is empty",
		"$F:3: First Name: required, but the cell is empty",
		"$F:3: Last Name: required, but the cell is empty",
		"$F:3: Email: required, but the cell is empty",
		"$F:3: Products: required, but the cell is empty",
		"$F: 0 rows valid, 2 rows with errors; 5 errors, 0 warnings"}},

	// --- Products, roles, departments ---
	{file: "products_display_names.csv", code: exitRowsFailed, out: []string{
		"$F: 6 rows for coursedog (UTF-8, comma-delimited)",
		`$F:2: Products: "Course Demand Projections" is a name, not a product key; use "courseDemandProjections"`,
		hostileFixCDP,
		`$F:4: Products: "course demand projection" is not a product key; did you mean "courseDemandProjections"?`,
		hostileFixCDP,
		`$F:5: Products: "Syllabi" is not a product key; did you mean "syllabus"?`,
		`    fix: use "syllabus"`,
		`$F:5: Products: "curriculm" is not a product key; did you mean "curriculum"?`,
		`    fix: use "curriculum"`,
		`$F:6: Products: "billing" is not a product key; use one of: scheduling, curriculum, syllabus, events, catalog, courseDemandProjections`,
		`$F:7: Products: "events;catalog" holds several product keys separated by ";"; put commas between them: "events, catalog"`,
		`    fix: use "events, catalog"`,
		"$F: 1 row valid, 5 rows with errors; 6 errors, 0 warnings"}},
	{file: "roles_names_for_ids.csv", known: true, code: exitRowsFailed, out: []string{
		"$F: 6 rows for coursedog (UTF-8, comma-delimited)",
		`$F:2: Role IDs: "Super Admin" is a name, not a role ID; use "r-0a1b2c3d"`,
		`    fix: use "r-0a1b2c3d"`,
		`$F:3: Role IDs: "Faculty" is a name, not a role ID; use "r-6f1e2d93"`,
		`    fix: use "r-6f1e2d93"`,
		`$F:4: Role IDs: "Advisor" names more than one role ID (r-4c4c4c4c, r-5d5d5d5d); use one of them`,
		`$F:5: Role IDs: "r-99999999" is not a role ID; use one of: r-6f1e2d93, r-2b8e4d10, r-0a1b2c3d, r-4c4c4c4c, r-5d5d5d5d`,
		`$F:6: Role IDs: "Facutly" is not a role ID; did you mean "r-6f1e2d93"?`,
		`    fix: use "r-6f1e2d93"`,
		`$F:7: Role IDs: more than one prebuilt role (r-0a1b2c3d "Super Admin", r-2b8e4d10 "Scheduling Admin"); Coursedog advises assigning at most one`,
		"$F: 1 row valid, 5 rows with errors; 5 errors, 1 warning"}},
	{file: "roles_names_for_ids.csv", code: exitOK, out: []string{ // offline: role IDs are not checked
		"$F: 6 rows for coursedog (UTF-8, comma-delimited)",
		"$F: 6 rows valid, 0 rows with errors; 0 errors, 0 warnings"}},
	{file: "two_primary_departments.csv", code: exitRowsFailed, out: []string{
		"$F: 2 rows for coursedog (UTF-8, comma-delimited)",
		"$F:2: Department: only one primary department is allowed, found 2; list the others under Secondary Departments",
		`$F:3: Secondary Departments: "Mathematics" is already the primary department`,
		`    fix: remove "Mathematics"`,
		"$F: 1 row valid, 1 row with errors; 1 error, 1 warning"}},
	{file: "departments_known.csv", known: true, code: exitRowsFailed, out: []string{
		"$F: 4 rows for coursedog (UTF-8, comma-delimited)",
		`$F:2: Department: "MATH" is a name, not a department; use "Mathematics"`,
		`    fix: use "Mathematics"`,
		`$F:3: Department: "Mathmatics" is not a department; did you mean "Mathematics"?`,
		`    fix: use "Mathematics"`,
		`$F:3: Secondary Departments: "PHYS" is a name, not a department; use "Physics"`,
		`    fix: use "Physics"`,
		`$F:4: Department: "Astrology" is not a department; use one of: Mathematics, Physics, Chemistry, Languages, Literatures and Cultures`,
		"$F: 1 row valid, 3 rows with errors; 4 errors, 0 warnings"}},

	// --- Hostile bytes: text that steers a terminal or hides ---
	{file: "terminal_escapes_in_names.csv", code: exitRowsFailed, out: []string{
		"$F: 5 rows for coursedog (UTF-8, comma-delimited)",
		`$F:2: First Name: "Ada\x1b]52;c;cm0gLXJmIH4=\x07" contains U+001B (ESC) and 1 more control or bidi character`,
		"    fix: remove them",
		`$F:3: Last Name: "Turing\x1b[2J\x1b[H" contains U+001B (ESC) and 1 more control or bidi character`,
		"    fix: remove them",
		`$F:4: First Name: "Grace\x1b]0;pwned\x07" contains U+001B (ESC) and 1 more control or bidi character`,
		"    fix: remove them",
		`$F:5: Last Name: "Thomp\x07son\x08\x08" contains U+0007 (BEL) and 2 more control or bidi characters`,
		"    fix: remove them",
		"$F: 1 row valid, 4 rows with errors; 4 errors, 0 warnings"}},
	{file: "bidi_and_c1_controls.csv", code: exitRowsFailed, out: []string{
		"$F: 5 rows for coursedog (UTF-8, comma-delimited)",
		`$F:2: Last Name: "\u202eecalevoL" contains U+202E (RIGHT-TO-LEFT OVERRIDE), a bidi control, which reorders what is shown`,
		"    fix: remove U+202E (RIGHT-TO-LEFT OVERRIDE)",
		`$F:3: Unique ID: "U\u20661001\u2069" contains U+2066 (LEFT-TO-RIGHT ISOLATE) and 1 more control or bidi character`,
		"    fix: remove them",
		`$F:4: First Name: "Grace\u009b2J" contains U+009B (CSI), a control character`,
		"    fix: remove U+009B (CSI)",
		`$F:5: Last Name: "Thompson\u007f" contains U+007F (DEL), a control character`,
		"    fix: remove U+007F (DEL)",
		`$F:6: Email: "ude.elpmaxe@artskjid.regsde\u202e" is not an email address: it contains U+202E (RIGHT-TO-LEFT OVERRIDE)`,
		`    fix: use "ude.elpmaxe@artskjid.regsde"`,
		"$F: 0 rows valid, 5 rows with errors; 5 errors, 0 warnings"}},
	{file: "zero_width_characters.csv", code: exitRowsFailed, out: []string{
		"$F: 3 rows for coursedog (UTF-8, comma-delimited)",
		`$F:4: Email: "grace\u2060.hopper@example.edu" is not an email address: it contains U+2060 (WORD JOINER)`,
		`    fix: use "grace.hopper@example.edu"`,
		`$F:2: First Name: "Ada\u200b" contains U+200B (ZERO WIDTH SPACE), which does not show`,
		"    fix: remove U+200B (ZERO WIDTH SPACE)",
		`$F:3: Last Name: "Tur\ufeffing" contains U+FEFF (BYTE ORDER MARK), which does not show`,
		"    fix: remove U+FEFF (BYTE ORDER MARK)",
		"$F: 2 rows valid, 1 row with errors; 1 error, 2 warnings"}},
	// The mapping file beside it (escapes_in_headers.csv.mapping) is read too.
	{file: "escapes_in_headers.csv", code: exitOK, out: []string{
		"using the column mapping in $F.mapping",
		"$F: 1 rows for coursedog (UTF-8, comma-delimited)",
		`$F: mapping "Given\x1b[2J=First Name" was not used: the file has no column "Given\x1b[2J"`,
		`$F:1: Notes\x1b]0;x\x07: "Notes\x1b]0;x\x07" is not a coursedog column; it is kept but not imported`,
		"$F: 1 row valid, 0 rows with errors; 0 errors, 2 warnings"}},
	{file: "products_many_misspelt.csv", code: exitRowsFailed, out: []string{
		"$F: 1 rows for coursedog (UTF-8, comma-delimited)",
		`$F:2: Products: "schedulng0" is not a product key; did you mean "scheduling"?`,
		`    fix: use "scheduling"`,
		`$F:2: Products: "schedulng1" is not a product key; did you mean "scheduling"?`,
		`    fix: use "scheduling"`,
		`$F:2: Products: "schedulng2" is not a product key; did you mean "scheduling"?`,
		`    fix: use "scheduling"`,
		`$F:2: Products: "schedulng3" is not a product key; did you mean "scheduling"?`,
		`    fix: use "scheduling"`,
		`$F:2: Products: "schedulng4" is not a product key; did you mean "scheduling"?`,
		`    fix: use "scheduling"`,
		"$F:2: Products: and 45 more values are not product keys",
		"$F: 0 rows valid, 1 row with errors; 6 errors, 0 warnings"}},
	{file: "random_bytes.csv", code: exitUsage, out: []string{
		"usersync validate: $F:1: binary data (a NUL byte): this is not a CSV text file"}},
	{file: "lone_cr_mid_file.csv", code: exitRowsFailed, out: []string{
		"$F: 2 rows for coursedog (UTF-8, comma-delimited)",
		"$F:2: the row has 15 cells but the header has 8; column 8 holds a carriage return (CR) alone, a line end of another kind than this file's: two rows ran together; put a line break there",
		"$F:2: Role IDs: spaces before or after the value are ignored",
		"    fix: remove the spaces",
		"$F: 1 row valid, 1 row with errors; 1 error, 1 warning"}},
	{file: "utf32le_bom.csv", code: exitUsage, out: []string{
		"usersync validate: $F: this is UTF-32 text, which spreadsheets do not write and usersync does not read; save it as UTF-8 (in Excel: Save As, CSV UTF-8)"}},
	{file: "utf16le_cut_mid_character.csv", code: exitUsage, out: []string{
		"usersync validate: $F:3: the file is UTF-16LE but ends in the middle of a character; it was cut short: export it again"}},
	{file: "utf16le_half_surrogate.csv", code: exitUsage, out: []string{
		"usersync validate: $F:3: the file is UTF-16LE but has a broken character here (half of a surrogate pair); it was damaged: export it again"}},
	{file: "json_array_as_csv.csv", code: exitUsage, out: []string{
		"usersync validate: $F:1: this is JSON, not a CSV file; coursedog reads CSV: in the spreadsheet, save as CSV UTF-8"}},
}
