// Package keyfile keeps the installation's secrets that live in the data
// directory beside the database (the SSH host key, the secret key that seals
// second-factor secrets): read one, or create it on first use.
//
// Creation is atomic and durable: the file appears whole or not at all,
// with mode 0600, and is flushed to disk before it appears. When two
// processes create the same file at once (two servers starting together),
// the first one wins and both end up with its contents, so every server of
// one database shares one identity and one key.
package keyfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// LoadOrCreate returns the contents of the file at path; when there is no
// such file it writes the bytes that generate returns and returns them — or
// the file another process created meanwhile.
func LoadOrCreate(path string, generate func() ([]byte, error)) ([]byte, error) {
	if path == "" {
		return nil, errors.New("keyfile: empty path")
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		data, err = create(path, generate)
	}
	if err != nil {
		return nil, fmt.Errorf("key file %s: %w", path, err)
	}
	return data, nil
}

func create(path string, generate func() ([]byte, error)) ([]byte, error) {
	data, err := generate()
	if err != nil {
		return nil, err
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+"-*") // mode 0600
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp.Name()) //nolint:errcheck // gone after the link
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return nil, err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return nil, err
	}
	if err := tmp.Close(); err != nil {
		return nil, err
	}
	// Link, not rename: a file another process linked first is kept.
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, os.ErrExist) {
			return os.ReadFile(path)
		}
		return nil, err
	}
	return data, nil
}
