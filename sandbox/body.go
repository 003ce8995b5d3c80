package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// Body limits, per route: a login is unauthenticated, so it gets a few KiB
// and no more; one user is small; a bulk replace carries the directory.
const (
	limitLogin    = 4 << 10
	limitUser     = 256 << 10
	limitBulk     = 256 << 20
	limitSmallReq = 4 << 10 // a job id and the like
)

// errTooLarge marks a body over its route's limit (413).
var errTooLarge = errors.New("the body is larger than this endpoint accepts")

// decodeBody reads one JSON value of at most limit bytes into v. A body
// that is empty, null, not JSON, of the wrong type, followed by more data
// or (strict) holding a field the contract does not name is an error, so
// a handler refuses it before it changes anything. (null decodes into Go
// as "nothing", which a bulk replace would take for "no users".)
func decodeBody(r *http.Request, v any, limit int64, strict bool) error {
	b, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, limit))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return fmt.Errorf("%w (%d bytes)", errTooLarge, limit)
		}
		return fmt.Errorf("invalid JSON body: %v", err)
	}
	b = bytes.TrimSpace(b)
	if len(b) == 0 || string(b) == "null" {
		return errors.New("invalid JSON body: empty or null")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if strict {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("invalid JSON body: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("invalid JSON body: more data after the JSON value")
	}
	return nil
}

// bodyStatus is the status for a decodeBody error.
func bodyStatus(err error) int {
	if errors.Is(err, errTooLarge) {
		return http.StatusRequestEntityTooLarge
	}
	return http.StatusBadRequest
}
