package shapes

// Area scales the width before it multiplies: the scaling lives in another file.
func Area(width int, height int) int {
	return scale(width) * height
}

// Label names a size class.
func Label(size int) string {
	if bucket(size) > 2 {
		return "large"
	}
	return "small"
}

// Explode always fails: a call that panics is never asked about.
func Explode(n int) int {
	var table []int
	return table[n+100]
}

// Describe is what the package itself writes a call of.
func Describe() string {
	return Label(Area(3, 4))
}
