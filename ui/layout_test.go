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
			if got := ComputeLayoutHelp(tt.w, tt.h, tt.detail, 1); got != tt.want {
				t.Fatalf("one help line differs: %+v", got)
			}
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

func TestComputeLayoutFullHelp(t *testing.T) {
	got := ComputeLayoutHelp(80, 24, true, 5)
	if got.Help != 5 || got.Header+got.Body+got.Detail+got.Status+got.Help != 24 || got.Body < bodyMinDet {
		t.Fatalf("full help at 80x24: %+v", got)
	}
	// Too short for the full help beside the body: the keys take the
	// body's place (header and status stay), cut to what there is.
	if got := ComputeLayoutHelp(80, 9, false, 5); got.Help != 5 || got.Body != 2 || got.Header != 1 || got.Status != 1 {
		t.Fatalf("full help at 80x9: %+v", got)
	}
	if got := ComputeLayoutHelp(40, 12, true, 15); got.Help != 10 || got.Body != 0 || got.Detail != 0 || got.Header+got.Status != 2 {
		t.Fatalf("full help at 40x12: %+v", got)
	}
	if got := ComputeLayoutHelp(20, 3, false, 15); got.Help != 1 {
		t.Fatalf("full help at 20x3: %+v", got)
	}
}
