package csvfile

// SetScanSizes makes Scan read its first bytes and its blocks in the sizes
// given, so tests take its block-by-block path on small files.
func SetScanSizes(head, block int) (restore func()) {
	h, b := scanHead, scanBlock
	scanHead, scanBlock = head, block
	return func() { scanHead, scanBlock = h, b }
}

// SetScanPipeMin sets the size of file from which Scan uses its goroutines.
func SetScanPipeMin(n int64) (restore func()) {
	m := scanPipeMin
	scanPipeMin = n
	return func() { scanPipeMin = m }
}
