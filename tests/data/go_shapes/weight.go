package shapes

import "errors"

// Weight counts the vowels of a name, and fails on an empty one.
func Weight(name []byte) (int, error) {
	if len(name) == 0 {
		return 0, errors.New("empty")
	}
	return vowels(string(name)) * 10, nil
}

func vowels(text string) int {
	count := 0
	for _, r := range text {
		switch r {
		case 'a', 'e', 'i', 'o', 'u':
			count++
		}
	}
	return count
}
