package coursedog

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"usersync/sync/properties"
	"usersync/sync/targets"
)

// Where a token comes from, in order: the environment, --properties, the
// vendor's coursedog.properties in the working directory, then the one
// `usersync login` writes in the user's config directory.
const (
	EnvToken       = targets.EnvToken
	PropertiesName = "coursedog.properties"
)

// Keys of the properties file. "token" is the vendor's convention; the
// others are written by `usersync login` so later commands know which
// server the token belongs to.
const (
	PropToken  = "token"
	PropURL    = "url"
	PropSchool = "school"
	PropEmail  = "email"
)

// TokenSource is a token and where it was found. Where is EnvToken or a
// file path; it is safe to show, the token never is.
type TokenSource struct {
	Token string
	Where string
	Props *properties.File // the file's other keys (url, school, email), nil for the environment
}

// DefaultPropertiesPath is where `usersync login` writes the token:
// coursedog.properties in usersync's directory under os.UserConfigDir.
func DefaultPropertiesPath() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("no config directory for the token file (%v): pass --properties PATH", err)
	}
	return filepath.Join(dir, "usersync", PropertiesName), nil
}

// FindToken looks for a token: getenv(EnvToken), else the file at
// propertiesPath when given (it must exist), else ./coursedog.properties,
// else the default file. A file found without a token key is an error.
func FindToken(getenv func(string) string, propertiesPath string) (TokenSource, error) {
	if t := strings.TrimSpace(getenv(EnvToken)); t != "" {
		return TokenSource{Token: t, Where: EnvToken}, nil
	}
	if propertiesPath != "" {
		return tokenFromFile(propertiesPath)
	}
	candidates := []string{PropertiesName}
	if def, err := DefaultPropertiesPath(); err == nil {
		candidates = append(candidates, def)
	}
	for _, path := range candidates {
		ts, err := tokenFromFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		return ts, err
	}
	return TokenSource{}, fmt.Errorf("no token: run `usersync login`, set %s, or put token=… in %s (looked in %s)",
		EnvToken, PropertiesName, strings.Join(candidates, " and "))
}

func tokenFromFile(path string) (TokenSource, error) {
	p, err := properties.Read(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return TokenSource{}, fmt.Errorf("token file %s: %w", path, fs.ErrNotExist)
		}
		return TokenSource{}, fmt.Errorf("token file: %w", err)
	}
	t, _ := p.Get(PropToken)
	if t = strings.TrimSpace(t); t == "" {
		return TokenSource{}, fmt.Errorf("token file %s has no %s= line: run `usersync login`", path, PropToken)
	}
	return TokenSource{Token: t, Where: path, Props: p}, nil
}

// CheckURL refuses to send a token to another server than the one it was
// issued by, when the file says which (login writes url=). A token from
// the environment or a file without url= is trusted as given.
func (ts TokenSource) CheckURL(base string) error {
	if ts.Props == nil {
		return nil
	}
	issued, ok := ts.Props.Get(PropURL)
	if !ok || issued == "" {
		return nil
	}
	if strings.TrimSuffix(issued, "/") != strings.TrimSuffix(base, "/") {
		return fmt.Errorf("the token in %s was issued by %s, not %s: run `usersync login --env %s`", ts.Where, issued, base, base)
	}
	return nil
}

// Default returns a key of the token's file (school, email, url), or "".
func (ts TokenSource) Default(key string) string {
	if ts.Props == nil {
		return ""
	}
	v, _ := ts.Props.Get(key)
	return v
}

// SaveToken writes token (and the server it belongs to) into the
// properties file at path, keeping the file's other lines, mode 0600.
func SaveToken(path, token, baseURL, school, email string) error {
	p, err := properties.Read(path)
	if errors.Is(err, fs.ErrNotExist) {
		p, err = &properties.File{}, nil
		p.Comment("usersync: Coursedog session token (lasts 24 hours). Keep this file private.")
	}
	if err != nil {
		return fmt.Errorf("token file: %w", err)
	}
	p.Set(PropToken, token)
	p.Set(PropURL, baseURL)
	if school != "" {
		p.Set(PropSchool, school)
	}
	if email != "" {
		p.Set(PropEmail, email)
	}
	if err := properties.Write(path, p); err != nil {
		return fmt.Errorf("write token file: %w", err)
	}
	return nil
}
