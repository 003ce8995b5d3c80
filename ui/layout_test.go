package ui

import "testing"

func TestComputeLayout(t *testing.T) {
	tests := []struct {
		name   string
		w, h   int
		detail bool
		want   Layout
	}{
		{"80x24 with detail", 80, 24, true, Layout{Width: 80, Header: 1, Body: 14, Detail: 7, Status: 1, Help: 1}},
		{"80x24 no detail", 80, 24, false, Layout{Width: 80, Header: 1, Body: 21, Status: 1, Help: 1}},
		{"120x40 with detail", 120, 40, true, Layout{Width: 120, Header: 1, Body: 30, Detail: 7, Status: 1, Help: 1}},
		{"short: detail shrinks", 80, 13, true, Layout{Width: 80, Header: 1, Body: 5, Detail: 5, Status: 1, Help: 1}},
		{"shorter: detail dropped", 80, 10, true, Layout{Width: 80, Header: 1, Body: 7, Status: 1, Help: 1}},
		{"tiny", 10, 2, true, Layout{Width: 10, Header: 1, Help: 1}},
		{"zero", 0, 0, true, Layout{}},
		{"negative clamps", -5, -1, false, Layout{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ComputeLayout(tt.w, tt.h, tt.detail)
			if got != tt.want {
				t.Fatalf("ComputeLayout(%d, %d, %v) = %+v, want %+v", tt.w, tt.h, tt.detail, got, tt.want)
			}
			if sum := got.Header + got.Body + got.Detail + got.Status + got.Help; sum > max(tt.h, 0) {
				t.Fatalf("bands add up to %d, more than the height %d", sum, tt.h)
			}
		})
	}
}
