package shapes

// Widget embeds Middle: its Name comes from there.
type Widget struct {
	Middle
	size int
}

// Size is the widget's own.
func (w *Widget) Size() int { return w.size }
