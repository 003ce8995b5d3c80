package sandbox

import (
	"encoding/json"
	"net/http"
	"strings"
)

// Drift (Options.Drift, `usersync sandbox --drift`) answers the shapes a
// server whose contract moved would: keys the adapters read renamed. It
// exists so `usersync check` can be shown to catch it before an import.
var (
	cdDrift   = map[string]string{"firstName": "first_name", "name": "title"}
	ccaiDrift = map[string]string{"email": "email_address", "roles": "role_names"}
)

// drifted rewrites the 2xx JSON answers of h with renames when the sandbox
// drifts; otherwise it is h.
func (s *Server) drifted(renames map[string]string, h http.HandlerFunc) http.HandlerFunc {
	if !s.opts.Drift {
		return h
	}
	return rewriteJSON(h, func(body []byte) []byte { return renameKeys(body, renames) })
}

// rewriteJSON buffers h's answer and, when it is a 2xx JSON answer, passes
// its body through rewrite before it goes out.
func rewriteJSON(h http.HandlerFunc, rewrite func([]byte) []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		bw := &bufferedWriter{header: w.Header()}
		h(bw, r)
		body := bw.body.Bytes()
		if bw.status == 0 {
			bw.status = http.StatusOK
		}
		if bw.status >= 200 && bw.status < 300 && strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") {
			body = rewrite(body)
			w.Header().Del("Content-Length")
		}
		w.WriteHeader(bw.status)
		w.Write(body)
	}
}

// renameKeys renames keys of body's object, or of each object of its list.
func renameKeys(body []byte, renames map[string]string) []byte {
	rename := func(o map[string]json.RawMessage) {
		for from, to := range renames {
			if v, ok := o[from]; ok {
				delete(o, from)
				o[to] = v
			}
		}
	}
	var list []map[string]json.RawMessage
	if json.Unmarshal(body, &list) == nil {
		for _, o := range list {
			rename(o)
		}
		if b, err := json.Marshal(list); err == nil {
			return b
		}
		return body
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(body, &obj) == nil && obj != nil {
		rename(obj)
		if b, err := json.Marshal(obj); err == nil {
			return b
		}
	}
	return body
}
