// Package nav is the web app's keyboard and remote-control model: a
// focus position over rows of items (browse rows, a grid, a menu), moved
// by arrow keys, with Enter to select and Back/Escape to go back, so that
// TVs drive the same app as laptops.
//
// Moving up or down returns to the column last focused in the target row
// (as streaming apps do), clamped to the row's length; empty rows are
// skipped. The model is plain Go; player/app maps DOM elements to it.
package nav

// Direction is an arrow key.
type Direction int

// Directions.
const (
	None Direction = iota
	Up
	Down
	Left
	Right
)

// Action is what a key asks the app to do.
type Action int

// Actions.
const (
	// NoAction is a key the model does not handle.
	NoAction Action = iota
	// Move moves the focus (see KeyDirection).
	Move
	// Select activates the focused item.
	Select
	// Back leaves the current view.
	Back
)

// Key classifies a KeyboardEvent.key value (remote controls send the
// same names, plus their own Back keys).
func Key(key string) (Action, Direction) {
	switch key {
	case "ArrowUp", "Up":
		return Move, Up
	case "ArrowDown", "Down":
		return Move, Down
	case "ArrowLeft", "Left":
		return Move, Left
	case "ArrowRight", "Right":
		return Move, Right
	case "Enter", "Select", "OK":
		return Select, None
	case "Escape", "Esc", "GoBack", "BrowserBack", "Back", "XF86Back":
		return Back, None
	}
	return NoAction, None
}

// Grid is a focus position over rows of items. The zero value has no
// rows.
type Grid struct {
	// Aligned makes Up and Down keep the current column (a grid of
	// results) instead of returning to the column last focused in the
	// target row (rows that scroll on their own).
	Aligned bool

	lengths []int
	// groups[r] != 0 puts row r in a grid with the other rows of the same
	// group: Up and Down between them keep the column.
	groups []int
	row    int
	col    int
	// memory is the column last focused in each row.
	memory []int
}

// New returns a Grid over rows of the given lengths, focused on the first
// item of the first non-empty row.
func New(lengths []int) *Grid {
	g := &Grid{}
	g.SetLengths(lengths)
	g.row, g.col = -1, 0
	for r, n := range g.lengths {
		if n > 0 {
			g.row = r
			break
		}
	}
	return g
}

// SetLengths replaces the row lengths (rows loaded or changed), keeping
// the focus where it still exists and clamping it otherwise.
func (g *Grid) SetLengths(lengths []int) {
	g.lengths = append(g.lengths[:0], lengths...)
	for i := range g.lengths {
		if g.lengths[i] < 0 {
			g.lengths[i] = 0
		}
	}
	for len(g.memory) < len(g.lengths) {
		g.memory = append(g.memory, 0)
	}
	g.memory = g.memory[:len(g.lengths)]
	if g.row >= len(g.lengths) || (g.row >= 0 && g.lengths[g.row] == 0) {
		g.row = g.nearestRow(g.row)
	}
	if g.row >= 0 && g.col >= g.lengths[g.row] {
		g.col = g.lengths[g.row] - 1
	}
}

// SetGroups marks rows that belong to one wrapped grid (the same non-zero
// group number): moving Up or Down between them keeps the column, as
// Aligned does for every row. nil clears the groups.
func (g *Grid) SetGroups(groups []int) { g.groups = append(g.groups[:0], groups...) }

func (g *Grid) group(r int) int {
	if r < 0 || r >= len(g.groups) {
		return 0
	}
	return g.groups[r]
}

// nearestRow returns the non-empty row closest to r (upwards first), or
// -1 if all are empty.
func (g *Grid) nearestRow(r int) int {
	for d := 0; d <= len(g.lengths); d++ {
		for _, c := range []int{r - d, r + d} {
			if c >= 0 && c < len(g.lengths) && g.lengths[c] > 0 {
				return c
			}
		}
	}
	return -1
}

// Focus returns the focused row and column; row is -1 when every row is
// empty.
func (g *Grid) Focus() (row, col int) { return g.row, g.col }

// SetFocus focuses (row, col) when it exists (the user clicked or tabbed
// there) and reports whether it did.
func (g *Grid) SetFocus(row, col int) bool {
	if row < 0 || row >= len(g.lengths) || col < 0 || col >= g.lengths[row] {
		return false
	}
	g.row, g.col = row, col
	g.memory[row] = col
	return true
}

// Move moves the focus one step in d and reports whether it moved. At an
// edge it stays put.
func (g *Grid) Move(d Direction) bool {
	if g.row < 0 {
		return false
	}
	switch d {
	case Left:
		if g.col == 0 {
			return false
		}
		g.col--
	case Right:
		if g.col+1 >= g.lengths[g.row] {
			return false
		}
		g.col++
	case Up, Down:
		step := 1
		if d == Up {
			step = -1
		}
		r := g.row + step
		for r >= 0 && r < len(g.lengths) && g.lengths[r] == 0 {
			r += step
		}
		if r < 0 || r >= len(g.lengths) {
			return false
		}
		g.row = r
		want := g.memory[r]
		if g.Aligned || g.group(g.row) != 0 && g.group(g.row) == g.group(r) {
			want = g.col
		}
		g.col = min(want, g.lengths[r]-1)
	default:
		return false
	}
	g.memory[g.row] = g.col
	return true
}
