package workbook

import (
	"math"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// excelDigits is how many significant digits Excel keeps of a number.
const excelDigits = 15

// numberText is how a number stored as a number reads: every digit the
// workbook stores, never the shortened 1.23457E+11 a narrow column shows.
// A number that has already lost digits (Excel keeps 15: a 16-digit ID
// typed in is stored as its first 15 digits and zeros, or in exponent
// form) reads in the exponent form Excel shows it in, so validation warns
// of it as it does of such a value in a CSV.
func numberText(raw string) string {
	s := strings.TrimSpace(raw)
	body, sign := s, ""
	if body != "" && (body[0] == '-' || body[0] == '+') {
		body = body[1:]
		if s[0] == '-' {
			sign = "-"
		}
	}
	if body != "" && strings.Trim(body, "0123456789") == "" {
		digits := strings.TrimLeft(body, "0")
		if digits == "" {
			return "0"
		}
		if len(digits) > excelDigits && len(strings.TrimRight(digits, "0")) <= excelDigits {
			if v, err := strconv.ParseFloat(s, 64); err == nil {
				return strconv.FormatFloat(v, 'G', excelDigits, 64)
			}
		}
		return sign + digits
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		return raw
	}
	if math.Abs(v) >= 1e15 && v == math.Trunc(v) {
		return strconv.FormatFloat(v, 'G', excelDigits, 64)
	}
	// Excel shows 15 significant digits; the 17 it stores of 0.1+0.2 are
	// float noise.
	v, _ = strconv.ParseFloat(strconv.FormatFloat(v, 'g', excelDigits, 64), 64)
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// numberCell chooses how a number cell reads: as Excel formats it when the
// format shows the very same number (leading zeros of an ID, the decimals
// of an amount) or a date or time; otherwise its digits, so that neither a
// thousands separator nor rounding nor an exponent changes an ID.
func numberCell(raw, formatted string, isDate bool) string {
	digits := numberText(raw)
	switch {
	case formatted == "" || formatted == digits:
		return digits
	case isDate:
		return formatted
	case strings.ContainsRune(digits, 'E'): // digits already lost: say so, never hide it
		return digits
	case !strings.ContainsAny(formatted, "Ee") && sameNumber(formatted, raw):
		return formatted
	}
	return digits
}

func sameNumber(a, b string) bool {
	x, err1 := strconv.ParseFloat(strings.TrimSpace(a), 64)
	y, err2 := strconv.ParseFloat(strings.TrimSpace(b), 64)
	return err1 == nil && err2 == nil && x == y
}

// formats answers, per cell style, whether its number format is a date or
// a time, from the styles excelize has read.
type formats struct {
	ex    *excelize.File
	cache map[int]bool
}

func (f *formats) isDate(style int) bool {
	if d, ok := f.cache[style]; ok {
		return d
	}
	d := f.lookup(style)
	if f.cache == nil {
		f.cache = map[int]bool{}
	}
	if len(f.cache) < 1<<16 {
		f.cache[style] = d
	}
	return d
}

func (f *formats) lookup(style int) bool {
	st := f.ex.Styles
	if st == nil || st.CellXfs == nil || style < 0 || style >= len(st.CellXfs.Xf) {
		return false
	}
	id := st.CellXfs.Xf[style].NumFmtID
	if id == nil {
		return false
	}
	if st.NumFmts != nil {
		for _, nf := range st.NumFmts.NumFmt {
			if nf != nil && nf.NumFmtID == *id {
				code := nf.FormatCode
				if nf.FormatCode16 != "" {
					code = nf.FormatCode16
				}
				return dateCode(code)
			}
		}
	}
	return builtinDate(*id)
}

// builtinDate reports whether a built-in number format is a date or time:
// 14-22 and 45-47, and the East Asian locales' 27-36, 50-58 and 71-81.
func builtinDate(id int) bool {
	return (id >= 14 && id <= 22) || (id >= 27 && id <= 36) || (id >= 45 && id <= 47) ||
		(id >= 50 && id <= 58) || (id >= 71 && id <= 81)
}

// dateCode reports whether a number format code shows a date or time: it
// has y, m, d, h or s outside quoted text, escapes and [colour] or
// [$-locale] brackets ([h], [mm], [ss] are elapsed time, so count).
func dateCode(code string) bool {
	for i := 0; i < len(code); i++ {
		switch c := code[i]; c {
		case '"':
			if j := strings.IndexByte(code[i+1:], '"'); j >= 0 {
				i += j + 1
			} else {
				return false
			}
		case '\\', '_', '*':
			i++ // the next character is shown (or padded) as it is
		case '[':
			j := strings.IndexByte(code[i:], ']')
			if j < 0 {
				return false
			}
			inner := strings.ToLower(code[i+1 : i+j])
			if inner != "" && strings.Trim(inner, "hms") == "" {
				return true
			}
			i += j
		default:
			switch c | 0x20 {
			case 'y', 'm', 'd', 'h', 's':
				return true
			}
		}
	}
	return false
}
