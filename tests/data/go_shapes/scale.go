package shapes

var registered = bias(1)

// bias runs once, while the package is initialized.
func bias(n int) int {
	return n * 3
}

func scale(n int) int {
	return offset(n) + 2
}

func offset(n int) int {
	return n*3 - registered
}

func bucket(size int) int {
	return scale(size) / 10
}
