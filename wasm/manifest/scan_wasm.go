package manifest

// indexByte is indexByteSWAR in the Wasm module (see there).
func indexByte(s []byte, c byte) int { return indexByteSWAR(s, c) }
