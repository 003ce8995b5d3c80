package httpapi

import (
	"net/url"
	"testing"
)

func TestSameOrigin(t *testing.T) {
	for _, c := range []struct {
		a, b string
		same bool
	}{
		{"https://school.example.edu/api", "https://school.example.edu/other", true},
		{"https://school.example.edu", "https://SCHOOL.example.edu:443/x", true},
		{"http://127.0.0.1:7480", "http://127.0.0.1:7481", false},
		{"https://school.example.edu", "http://school.example.edu", false},
		{"https://school.example.edu", "https://evil.example.edu", false},
		{"https://school.example.edu", "https://school.example.edu.evil.test", false},
	} {
		a, _ := url.Parse(c.a)
		b, _ := url.Parse(c.b)
		if got := sameOrigin(a, b); got != c.same {
			t.Errorf("sameOrigin(%s, %s) = %v", c.a, c.b, got)
		}
	}
}
