package gate

// indexByte is indexByteSWAR in the Wasm module (see there).
func indexByte(s string, c byte) int { return indexByteSWAR(s, c) }
