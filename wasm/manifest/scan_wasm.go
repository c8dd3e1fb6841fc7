package manifest

// indexByte is indexByteSWAR in the Wasm module (see there).
func indexByte(s []byte, c byte) int { return indexByteSWAR(s, c) }

// indexEOL is indexEOLSWAR in the Wasm module.
func indexEOL(s []byte) int { return indexEOLSWAR(s) }
