package nav

import "testing"

func TestKey(t *testing.T) {
	tests := []struct {
		key string
		a   Action
		d   Direction
	}{
		{"ArrowUp", Move, Up}, {"ArrowDown", Move, Down}, {"ArrowLeft", Move, Left}, {"ArrowRight", Move, Right},
		{"Enter", Select, None}, {"Escape", Back, None}, {"GoBack", Back, None}, {"XF86Back", Back, None},
		{"a", NoAction, None}, {"Tab", NoAction, None},
	}
	for _, tt := range tests {
		if a, d := Key(tt.key); a != tt.a || d != tt.d {
			t.Errorf("Key(%q) = %v, %v; want %v, %v", tt.key, a, d, tt.a, tt.d)
		}
	}
}

func TestMove(t *testing.T) {
	type step struct {
		d        Direction
		moved    bool
		row, col int
	}
	tests := []struct {
		name    string
		lengths []int
		aligned bool
		groups  []int
		steps   []step
	}{
		{
			name:    "wrapped grid rows keep the column, other rows remember theirs",
			lengths: []int{3, 4, 4, 2},
			groups:  []int{0, 7, 7, 7},
			steps: []step{
				{Down, true, 1, 0}, {Right, true, 1, 1}, {Right, true, 1, 2},
				{Down, true, 2, 2}, {Down, true, 3, 1}, {Up, true, 2, 1}, {Up, true, 1, 1},
				{Up, true, 0, 0},
			},
		},
		{
			name:    "aligned grid keeps the column, clamped",
			lengths: []int{4, 4, 2},
			aligned: true,
			steps:   []step{{Right, true, 0, 1}, {Right, true, 0, 2}, {Down, true, 1, 2}, {Down, true, 2, 1}, {Up, true, 1, 1}},
		},
		{
			name:    "row memory and clamping",
			lengths: []int{5, 2, 6},
			steps: []step{
				{Right, true, 0, 1}, {Right, true, 0, 2}, {Right, true, 0, 3},
				{Down, true, 1, 0}, // row 1 never focused: column 0
				{Right, true, 1, 1},
				{Down, true, 2, 0},
				{Up, true, 1, 1},
				{Up, true, 0, 3}, // back to where row 0 was left
				{Up, false, 0, 3},
			},
		},
		{
			name:    "edges",
			lengths: []int{2},
			steps:   []step{{Left, false, 0, 0}, {Right, true, 0, 1}, {Right, false, 0, 1}, {Down, false, 0, 1}, {None, false, 0, 1}},
		},
		{
			name:    "empty rows skipped",
			lengths: []int{0, 3, 0, 0, 2},
			steps:   []step{{Up, false, 1, 0}, {Down, true, 4, 0}, {Up, true, 1, 0}},
		},
		{
			name:    "all empty",
			lengths: []int{0, 0},
			steps:   []step{{Down, false, -1, 0}, {Right, false, -1, 0}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := New(tt.lengths)
			g.Aligned = tt.aligned
			g.SetGroups(tt.groups)
			for i, s := range tt.steps {
				moved := g.Move(s.d)
				row, col := g.Focus()
				if moved != s.moved || row != s.row || col != s.col {
					t.Fatalf("step %d (%v): moved %v to (%d,%d), want %v to (%d,%d)", i, s.d, moved, row, col, s.moved, s.row, s.col)
				}
			}
		})
	}
}

func TestSetFocusAndLengths(t *testing.T) {
	g := New([]int{3, 3, 3})
	if !g.SetFocus(2, 2) || g.SetFocus(3, 0) || g.SetFocus(0, 3) || g.SetFocus(-1, 0) {
		t.Fatal("SetFocus bounds")
	}
	g.SetLengths([]int{3, 3, 1})
	if r, c := g.Focus(); r != 2 || c != 0 {
		t.Fatalf("after shrinking the row: (%d,%d)", r, c)
	}
	g.SetLengths([]int{3, 3})
	if r, c := g.Focus(); r != 1 || c != 0 {
		t.Fatalf("after removing the row: (%d,%d)", r, c)
	}
	g.SetLengths([]int{0, 0, 4})
	if r, _ := g.Focus(); r != 2 {
		t.Fatalf("after emptying rows: row %d", r)
	}
	g.SetLengths([]int{-3})
	if r, _ := g.Focus(); r != -1 {
		t.Fatalf("negative length: row %d", r)
	}
}
