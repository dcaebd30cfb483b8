package shapes

// Base is the innermost embedded struct.
type Base struct{ id int }

// Name is the base name.
func (b *Base) Name() string { return "base" }

// Middle embeds Base and names itself.
type Middle struct {
	Base
}

// Name hides the base's name.
func (m *Middle) Name() string { return "middle" }
